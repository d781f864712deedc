-- The sales topic as Flink's source, in EVENT time: each sale is placed by its own
-- sale_date, behind a watermark that trails the newest sale_date by ${WATERMARK_DELAY}
-- seconds (hopscope's --watermark-delay; 0.001 = its default 1ms, which never drops
-- in-order ties). Flink's Kafka source keeps one watermark per partition and the window
-- operator takes their minimum, exactly as hopscope does.
--
-- Placeholders (such as ${BROKERS}) are filled by flink/run.py, or by `envsubst` for sql-client.sh:
-- see flink/README.md.
CREATE TABLE sales (
    id_sale STRING,
    nm_product STRING,
    nm_category STRING,
    seller STRING,
    -- Exact cents, as hopscope counts money: DOUBLE sums drift in the last digit.
    price DECIMAL(12, 2),
    quantity INT,
    sale_date STRING,
    ts AS TO_TIMESTAMP(REPLACE(SUBSTRING(sale_date, 1, 23), 'T', ' '), 'yyyy-MM-dd HH:mm:ss.SSS'),
    WATERMARK FOR ts AS ts - INTERVAL '${WATERMARK_DELAY}' SECOND
) WITH (
    'connector' = 'kafka',
    'topic' = '${SALES_TOPIC}',
    'properties.bootstrap.servers' = '${BROKERS}',
    'properties.group.id' = '${GROUP_ID}',
    'scan.startup.mode' = '${STARTUP_MODE}',
    ${SCAN_BOUNDED}
    'format' = 'json',
    -- A record that is not a sale is skipped, not fatal (hopscope counts and reports them).
    'json.ignore-parse-errors' = 'true'
);
