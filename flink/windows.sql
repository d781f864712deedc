-- The seed's query — HOP ${SIZE_SECONDS} s windows sliding every ${SLIDE_SECONDS} s (the
-- seed: 900 / 1), COUNT, ROUND(SUM), ROUND(AVG), three COUNT(DISTINCT), MAX — plus what
-- hopscope's detection reads from a window: the top category and top seller with their
-- shares (concentration and category-peak alerts) and the population standard deviation
-- of sale values (outlier z-scores). One JSON record per window goes to ${WINDOWS_TOPIC}
-- with the field names `hopscope window` writes, so `hopscope analyze --windows-topic`
-- and `hopscope serve --windows-topic` read it as they read their own windows.
--
-- Follows a source file (source_event_time.sql or source_processing_time.sql) that
-- defines table `sales` with time attribute `sale_ts`; followed by the INSERT of the same time
-- (insert_event_time.sql or insert_processing_time.sql).

SET 'parallelism.default' = '${PARALLELISM}';
-- Window bounds print in UTC, as hopscope writes them.
SET 'table.local-time-zone' = 'UTC';

CREATE TABLE sales_windows (
    window_start STRING,
    window_end STRING,
    sales_in_window BIGINT,
    revenue DECIMAL(20, 2),
    avg_ticket DECIMAL(20, 2),
    active_sellers BIGINT,
    active_categories BIGINT,
    active_products BIGINT,
    biggest_sale DECIMAL(20, 2),
    top_category ROW<name STRING, `count` BIGINT, share DOUBLE>,
    top_seller ROW<name STRING, `count` BIGINT, share DOUBLE>,
    ticket_stddev DOUBLE
) WITH (
    'connector' = 'kafka',
    'topic' = '${WINDOWS_TOPIC}',
    'properties.bootstrap.servers' = '${BROKERS}',
${KAFKA_PROPERTIES}
    'format' = 'json',
    'json.encode.decimal-as-plain-number' = 'true',
    -- The windows leave the job in the order they fire; one writer and one partition
    -- keep that order for readers (detection compares each window with an earlier one).
    'sink.parallelism' = '1',
    'sink.partitioner' = 'fixed'
);

-- The sales hopscope counts: its rules for a sale (core's `Sale::from_fields`) on the
-- columns the query reads — an id, a product and a seller that are not blank, a price of at
-- least a cent and at most 10,000,000, a quantity from 1 to 10,000 (1 when absent), a
-- time — and its default category for a blank one. Without this the job counted sales
-- hopscope refuses (quantity 0, a negative price, no seller) and the two disagreed on any
-- topic with such records. What SQL cannot see stays different (flink/README.md).
CREATE TEMPORARY VIEW valid_sales AS
SELECT id_sale, nm_product,
       CASE WHEN nm_category IS NULL OR REGEXP(nm_category, '(?U)\A\s*\z')
            THEN 'General Category' ELSE nm_category END AS nm_category,
       seller, price, COALESCE(quantity, 1) AS quantity, sale_ts
FROM sales
WHERE sale_ts IS NOT NULL
  AND id_sale IS NOT NULL AND NOT REGEXP(id_sale, '(?U)\A\s*\z')
  AND nm_product IS NOT NULL AND NOT REGEXP(nm_product, '(?U)\A\s*\z')
  AND seller IS NOT NULL AND NOT REGEXP(seller, '(?U)\A\s*\z')
  AND price IS NOT NULL AND price >= 0.01 AND price <= 10000000
  AND COALESCE(quantity, 1) BETWEEN 1 AND 10000;

CREATE TEMPORARY VIEW windowed AS
SELECT *, CAST(price * quantity AS DECIMAL(20, 2)) AS amount
FROM TABLE(HOP(TABLE valid_sales, DESCRIPTOR(sale_ts),
               INTERVAL '${SLIDE_SECONDS}' SECOND(6, 3), INTERVAL '${SIZE_SECONDS}' SECOND(6, 3)));

CREATE TEMPORARY VIEW kpis AS
SELECT window_start, window_end,
       COUNT(*) AS sales_in_window,
       ROUND(SUM(amount), 2) AS revenue,
       ROUND(AVG(amount), 2) AS avg_ticket,
       COUNT(DISTINCT seller) AS active_sellers,
       COUNT(DISTINCT nm_category) AS active_categories,
       COUNT(DISTINCT nm_product) AS active_products,
       MAX(amount) AS biggest_sale,
       STDDEV_POP(CAST(amount AS DOUBLE)) AS ticket_stddev
FROM windowed
GROUP BY window_start, window_end;

-- Sales per key and window, for the top category and top seller.
CREATE TEMPORARY VIEW category_counts AS
SELECT window_start AS hop_start, window_end AS hop_end, window_time, nm_category AS name,
       COUNT(*) AS cnt
FROM windowed GROUP BY window_start, window_end, window_time, nm_category;

CREATE TEMPORARY VIEW seller_counts AS
SELECT window_start AS hop_start, window_end AS hop_end, window_time, seller AS name,
       COUNT(*) AS cnt
FROM windowed GROUP BY window_start, window_end, window_time, seller;
