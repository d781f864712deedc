-- The windows out, in PROCESSING time. Flink has no processing-time window join yet
-- ("Processing time Window Join is not supported yet"), so a regular join on the window
-- bounds puts the parts together; its state is kept for ${STATE_TTL} and then expired, so
-- it stays bounded. Each window's three parts fire at the same moment, so rows leave in
-- window order unless the job falls more than a slide behind (hopscope reports and skips
-- a row out of order).
SET 'table.exec.state.ttl' = '${STATE_TTL}';

-- Joining on the bounds as text keeps the planner from turning this into a window join.
CREATE TEMPORARY VIEW kpis_keyed AS
SELECT DATE_FORMAT(window_start, 'yyyy-MM-dd''T''HH:mm:ss.SSS''Z''') AS ws,
       DATE_FORMAT(window_end, 'yyyy-MM-dd''T''HH:mm:ss.SSS''Z''') AS we, *
FROM kpis;

-- Nor is there a processing-time window Top-N, so each window's top key is found by a
-- second window aggregation over the per-key counts: a TUMBLE of one slide over their
-- window_time holds exactly one hopping window, and MIN over "(10^12 - count) ‖ name"
-- picks the most sales, ties to the alphabetically first name.
CREATE TEMPORARY VIEW top_category_keyed AS
SELECT DATE_FORMAT(hs, 'yyyy-MM-dd''T''HH:mm:ss.SSS''Z''') AS ws,
       DATE_FORMAT(he, 'yyyy-MM-dd''T''HH:mm:ss.SSS''Z''') AS we,
       SUBSTRING(best FROM 14) AS name,
       1000000000000 - CAST(SUBSTRING(best FROM 1 FOR 13) AS BIGINT) AS cnt
FROM (SELECT MIN(hop_start) AS hs, MIN(hop_end) AS he,
             MIN(LPAD(CAST(1000000000000 - cnt AS STRING), 13, '0') || name) AS best
      FROM TABLE(TUMBLE(TABLE category_counts, DESCRIPTOR(window_time),
                        INTERVAL '${SLIDE_SECONDS}' SECOND(6, 3)))
      GROUP BY window_start, window_end);

CREATE TEMPORARY VIEW top_seller_keyed AS
SELECT DATE_FORMAT(hs, 'yyyy-MM-dd''T''HH:mm:ss.SSS''Z''') AS ws,
       DATE_FORMAT(he, 'yyyy-MM-dd''T''HH:mm:ss.SSS''Z''') AS we,
       SUBSTRING(best FROM 14) AS name,
       1000000000000 - CAST(SUBSTRING(best FROM 1 FOR 13) AS BIGINT) AS cnt
FROM (SELECT MIN(hop_start) AS hs, MIN(hop_end) AS he,
             MIN(LPAD(CAST(1000000000000 - cnt AS STRING), 13, '0') || name) AS best
      FROM TABLE(TUMBLE(TABLE seller_counts, DESCRIPTOR(window_time),
                        INTERVAL '${SLIDE_SECONDS}' SECOND(6, 3)))
      GROUP BY window_start, window_end);

INSERT INTO sales_windows
SELECT k.ws, k.we,
       k.sales_in_window, k.revenue, k.avg_ticket,
       k.active_sellers, k.active_categories, k.active_products, k.biggest_sale,
       ROW(c.name, c.cnt, CAST(c.cnt AS DOUBLE) / k.sales_in_window),
       ROW(s.name, s.cnt, CAST(s.cnt AS DOUBLE) / k.sales_in_window),
       k.ticket_stddev
FROM kpis_keyed k
JOIN top_category_keyed c ON k.ws = c.ws AND k.we = c.we
JOIN top_seller_keyed s ON k.ws = s.ws AND k.we = s.we;
