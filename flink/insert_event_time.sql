-- The windows out, in EVENT time: a window join puts each window's aggregates and its two
-- top keys together once the watermark passes the window's end, so rows leave in the
-- order windows fire and nothing is kept after.
-- Window Top-N: the key with the most sales per window; ties go to the alphabetically
-- first name, as in hopscope.
CREATE TEMPORARY VIEW top_category AS
SELECT hop_start AS window_start, hop_end AS window_end, name, cnt FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY hop_start, hop_end
                                 ORDER BY cnt DESC, name ASC) AS rn
    FROM category_counts)
WHERE rn = 1;

CREATE TEMPORARY VIEW top_seller AS
SELECT hop_start AS window_start, hop_end AS window_end, name, cnt FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY hop_start, hop_end
                                 ORDER BY cnt DESC, name ASC) AS rn
    FROM seller_counts)
WHERE rn = 1;

INSERT INTO sales_windows
SELECT DATE_FORMAT(k.window_start, 'yyyy-MM-dd''T''HH:mm:ss.SSS''Z'''),
       DATE_FORMAT(k.window_end, 'yyyy-MM-dd''T''HH:mm:ss.SSS''Z'''),
       k.sales_in_window, k.revenue, k.avg_ticket,
       k.active_sellers, k.active_categories, k.active_products, k.biggest_sale,
       ROW(c.name, c.cnt, CAST(c.cnt AS DOUBLE) / k.sales_in_window),
       ROW(s.name, s.cnt, CAST(s.cnt AS DOUBLE) / k.sales_in_window),
       k.ticket_stddev
FROM kpis k
JOIN top_category c ON k.window_start = c.window_start AND k.window_end = c.window_end
JOIN top_seller s ON k.window_start = s.window_start AND k.window_end = s.window_end;
