-- The sales topic as Flink's source, in PROCESSING time: the seed's own query (a sale
-- belongs to the windows open when the job reads it; ${WATERMARK_DELAY} is not used).
--
-- Placeholders (such as ${BROKERS}) are filled by flink/run.py, or by `envsubst` for sql-client.sh:
-- see flink/README.md.
CREATE TABLE sales (
    ${COLUMNS}
) WITH (
    'connector' = 'kafka',
    'topic' = '${SALES_TOPIC}',
    'properties.bootstrap.servers' = '${BROKERS}',
    'properties.group.id' = '${GROUP_ID}',
${KAFKA_PROPERTIES}
    'scan.startup.mode' = '${STARTUP_MODE}',
    ${SCAN_BOUNDED}
    'format' = 'json',
    'json.ignore-parse-errors' = 'true'
);
