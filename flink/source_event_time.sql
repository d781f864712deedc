-- The sales topic as Flink's source, in EVENT time: each sale is placed by its own
-- sale_date, behind a watermark that trails the newest sale_date by ${WATERMARK_DELAY}
-- seconds (hopscope's --watermark-delay; 0.001 = its default 1ms, which never drops
-- in-order ties). Flink's Kafka source keeps one watermark per partition and the window
-- operator takes their minimum, exactly as hopscope does.
--
-- Placeholders (such as ${BROKERS}) are filled by flink/run.py, or by `envsubst` for sql-client.sh:
-- see flink/README.md.
-- COLUMNS (run.py): the seed's fields (price as DECIMAL(12, 2): exact cents, as hopscope counts
-- money; DOUBLE sums drift in the last digit) and `sale_ts`, the sale's time; for a topic in
-- another shape (--field, --time-format) ROW columns and computed columns read the fields
-- where they are. KAFKA_PROPERTIES: the connection (--kafka-config) as 'properties.*'.
CREATE TABLE sales (
    ${COLUMNS},
    WATERMARK FOR sale_ts AS sale_ts - INTERVAL '${WATERMARK_DELAY}' SECOND
) WITH (
    'connector' = 'kafka',
    'topic' = '${SALES_TOPIC}',
    'properties.bootstrap.servers' = '${BROKERS}',
    'properties.group.id' = '${GROUP_ID}',
${KAFKA_PROPERTIES}
    'scan.startup.mode' = '${STARTUP_MODE}',
    ${SCAN_BOUNDED}
    'format' = 'json',
    -- A record that is not a sale is skipped, not fatal (hopscope counts and reports them).
    'json.ignore-parse-errors' = 'true'
);
