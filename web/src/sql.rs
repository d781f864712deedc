//! The lesson as Flink SQL: the source table with its `WATERMARK`, the hopping-window
//! query, and the settings that decide its rows — text a learner can paste into Flink's
//! SQL client and get the rows the lesson shows (the end-to-end tests run it in PyFlink on
//! the lesson's own sales and compare).
//!
//! Why a generator and not a template: every lesson setting changes the text (the
//! intervals, the watermark line, processing time's `PROCTIME()`, the idle timeout of a
//! partitioned source), and Flink's window TVF refuses a size that is not a multiple of
//! the slide, so those shapes get the legacy `GROUP BY HOP` form Flink does accept.

use hopscope_core::window::kinds::WindowKind;
use hopscope_core::window::TimeMode;
use hopscope_core::Span;

/// Where the lesson's query reads its sales from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SqlSource {
    /// A Kafka topic `sales` keyed by seller (what a class's cluster has).
    #[default]
    Kafka,
    /// The lesson's own sales as JSON lines (`lesson-sales.jsonl`, the page's download):
    /// runs anywhere, and gives exactly the lesson's rows.
    File,
}

impl SqlSource {
    pub fn key(self) -> &'static str {
        match self {
            SqlSource::Kafka => "kafka",
            SqlSource::File => "file",
        }
    }
}

/// The lesson file's name, as the file source's `path` names it.
pub const SALES_FILE: &str = "lesson-sales.jsonl";

/// What the lesson's SQL depends on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LessonSql {
    pub size: Span,
    pub slide: Span,
    pub time: TimeMode,
    /// Kafka partitions the lesson reads (1: one stream).
    pub partitions: u32,
    /// A partition silent this long is left out of the watermark.
    pub idle_timeout: Span,
    pub source: SqlSource,
}

/// Flink's own words when its window TVF refuses a shape (Flink 2.x's `TableException`).
pub fn tvf_refusal(size: Span, slide: Span) -> String {
    format!(
        "HOP table function based aggregate requires size must be an integral multiple of slide, but got size {} ms and slide {} ms",
        size.0, slide.0
    )
}

/// Whether Flink's `HOP` window TVF accepts `size` / `slide`; if not, its error and the
/// nearest shapes it accepts.
pub fn flink_accepts(size: Span, slide: Span) -> Result<(), Refused> {
    if slide.0 > 0 && size.0 % slide.0 == 0 {
        return Ok(());
    }
    // Suggest in whole seconds when both are, in milliseconds otherwise.
    let unit = if size.0 % 1_000 == 0 && slide.0 % 1_000 == 0 {
        1_000
    } else {
        1
    };
    let divisors = divisors(size.0, unit);
    let smaller = divisors.iter().rev().find(|d| **d < slide.0).copied();
    let larger = divisors.iter().find(|d| **d > slide.0).copied();
    let below = size.0 / slide.0 * slide.0;
    Err(Refused {
        error: tvf_refusal(size, slide),
        slides: smaller.into_iter().chain(larger).map(Span).collect(),
        sizes: [below, below + slide.0]
            .into_iter()
            .filter(|s| *s >= slide.0)
            .map(Span)
            .collect(),
    })
}

/// A shape Flink's window TVF refuses: its error, and what it would accept instead.
#[derive(Clone, Debug, PartialEq)]
pub struct Refused {
    pub error: String,
    /// Slides that divide the size, nearest below and above.
    pub slides: Vec<Span>,
    /// Sizes that the slide divides, nearest below and above.
    pub sizes: Vec<Span>,
}

/// The divisors of `n` that are multiples of `unit`, ascending.
fn divisors(n: i64, unit: i64) -> Vec<i64> {
    if n <= 0 || n % unit != 0 {
        return Vec::new();
    }
    let m = n / unit;
    let mut small = Vec::new();
    let mut large = Vec::new();
    let mut k = 1;
    while k * k <= m {
        if m % k == 0 {
            small.push(k * unit);
            if k * k != m {
                large.push(m / k * unit);
            }
        }
        k += 1;
    }
    small.extend(large.into_iter().rev());
    small
}

/// A Flink SQL interval literal: the largest whole unit that fits Flink's default
/// leading precision (2 digits), else seconds with milliseconds (`SECOND(6, 3)`).
pub fn interval(span: Span) -> String {
    let ms = span.0;
    for (unit, n) in [
        ("DAY", 86_400_000),
        ("HOUR", 3_600_000),
        ("MINUTE", 60_000),
        ("SECOND", 1_000),
    ] {
        if ms > 0 && ms % n == 0 && ms / n < 100 {
            return format!("INTERVAL '{}' {unit}", ms / n);
        }
    }
    format!(
        "INTERVAL '{}.{:03}' SECOND(6, 3)",
        ms.div_euclid(1_000),
        ms.rem_euclid(1_000)
    )
}

/// A timestamp as Flink's SQL client prints a `TIMESTAMP(3)`: `1970-01-01 00:00:10.000`.
pub fn flink_timestamp(ms: i64) -> String {
    let iso = hopscope_core::Timestamp(ms).to_iso();
    iso.trim_end_matches('Z').replacen('T', " ", 1)
}

/// The lesson's whole SQL: settings, the source table, and the query.
pub fn lesson_sql(q: &LessonSql) -> String {
    let mut out = String::new();
    out.push_str(&settings(q));
    out.push('\n');
    out.push_str(&source_table(q));
    out.push('\n');
    out.push_str(&query(q));
    out
}

fn settings(q: &LessonSql) -> String {
    let mut s = String::from(
        "-- One reader: the lesson's operator sees every partition (Flink's default is one\n\
         -- task per core; more tasks split the partitions among them).\n\
         SET 'parallelism.default' = '1';\n",
    );
    match q.time {
        TimeMode::Event(_) => {
            s.push_str(
                "-- A watermark after every record, as the lesson moves it (Flink's default\n\
                 -- is every 200 ms: windows fire a little later, with the same rows).\n\
                 SET 'pipeline.auto-watermark-interval' = '0 ms';\n",
            );
            if q.partitions > 1 && q.source == SqlSource::Kafka {
                s.push_str(&format!(
                    "-- A partition silent for {} is left out of the watermark (idle), so the\n\
                     -- others move it on. Without this a quiet partition stops every window.\n\
                     SET 'table.exec.source.idle-timeout' = '{}';\n",
                    q.idle_timeout,
                    duration_option(q.idle_timeout)
                ));
            }
        }
        TimeMode::Processing => s.push_str(
            "-- Processing-time windows are cut in the session's time zone.\n\
             SET 'table.local-time-zone' = 'UTC';\n",
        ),
    }
    s
}

/// A Flink duration option value: `15 s`, `1500 ms`.
fn duration_option(span: Span) -> String {
    if span.0 % 1_000 == 0 {
        format!("{} s", span.0 / 1_000)
    } else {
        format!("{} ms", span.0)
    }
}

fn source_table(q: &LessonSql) -> String {
    let time = match q.time {
        TimeMode::Event(e) => format!(
            "    -- The sale's own time, from its ISO-8601 text (millisecond precision).\n\
             \x20   sale_ts AS TO_TIMESTAMP(REPLACE(SUBSTRING(sale_date, 1, 23), 'T', ' '), 'yyyy-MM-dd HH:mm:ss.SSS'),\n\
             \x20   -- Event time: the watermark trails the newest sale_ts by the delay; a window\n\
             \x20   -- fires once the watermark reaches its end − 1 ms.\n\
             \x20   WATERMARK FOR sale_ts AS sale_ts - {}\n",
            interval_or_zero(e.delay)
        ),
        TimeMode::Processing => "    -- Processing time: when the record reaches the operator, whatever its sale_date.\n\
             \x20   sale_ts AS PROCTIME()\n"
            .to_string(),
    };
    let with = match q.source {
        SqlSource::Kafka => format!(
            "    'connector' = 'kafka',\n\
             \x20   'topic' = 'sales',\n\
             \x20   'properties.bootstrap.servers' = 'localhost:9092',\n\
             \x20   'properties.group.id' = 'hopscope-lesson',\n\
             \x20   'scan.startup.mode' = 'earliest-offset',\n\
             \x20   'format' = 'json'{}\n",
            if q.partitions > 1 {
                format!(
                    "\n    -- The topic has {} partitions, keyed by seller; each gets its own watermark\n\
                     \x20   -- and the window operator takes their minimum.",
                    q.partitions
                )
            } else {
                String::new()
            }
        ),
        SqlSource::File => format!(
            "    -- The lesson's sales, in the order they reached the lesson's engine.\n\
             \x20   'connector' = 'filesystem',\n\
             \x20   'path' = '{SALES_FILE}',\n\
             \x20   'format' = 'json'\n"
        ),
    };
    format!(
        "CREATE TABLE sales (\n\
         \x20   id_sale STRING,\n\
         \x20   seller STRING,\n\
         \x20   price DECIMAL(10, 2),\n\
         \x20   sale_date STRING,\n\
         {time}) WITH (\n\
         {with});\n"
    )
}

/// `INTERVAL '2' SECOND`, or `INTERVAL '0' SECOND` for no delay.
fn interval_or_zero(span: Span) -> String {
    if span.0 == 0 {
        "INTERVAL '0' SECOND".into()
    } else {
        interval(span)
    }
}

const AGGREGATES: &str = "    COUNT(*) AS sales_in_window,\n\
    \x20   SUM(price) AS revenue,\n\
    \x20   ROUND(AVG(price), 2) AS avg_ticket,\n\
    \x20   MAX(price) AS biggest_sale,\n\
    \x20   COUNT(DISTINCT seller) AS active_sellers\n";

/// The lesson's SQL with another window kind over the same source: settings, table, and
/// the kind's query (`HOP` as the lesson writes it, legacy form included).
pub fn kind_sql(q: &LessonSql, kind: &WindowKind) -> String {
    let query = match *kind {
        WindowKind::Hop { size, slide } => query(&LessonSql { size, slide, ..*q }),
        WindowKind::Tumble { size } => format!(
            "-- Tumbling windows of {size}: back to back, each sale in exactly one.\n\
             SELECT window_start, window_end, window_time,\n\
             {AGGREGATES}\
             FROM TABLE(\n\
             \x20   TUMBLE(TABLE sales, DESCRIPTOR(sale_ts), {}))\n\
             GROUP BY window_start, window_end, window_time;\n",
            interval(size)
        ),
        WindowKind::Cumulate { step, size } => format!(
            "-- Cumulating windows: every {step} a row for the {size} period so far, growing from\n\
             -- the period's start (the STEP comes before the maximum SIZE).\n\
             SELECT window_start, window_end, window_time,\n\
             {AGGREGATES}\
             FROM TABLE(\n\
             \x20   CUMULATE(TABLE sales, DESCRIPTOR(sale_ts), {}, {}))\n\
             GROUP BY window_start, window_end, window_time;\n",
            interval(step),
            interval(size)
        ),
        WindowKind::Session { gap, per_seller } => {
            let (by, key, col) = if per_seller {
                (" PARTITION BY seller", "seller, ", ",\n    seller")
            } else {
                ("", "", "")
            };
            format!(
                "-- Session windows: a session ends after {gap} without a sale{}; its window runs\n\
                 -- from its first sale to its last sale + {gap}.\n\
                 SELECT window_start, window_end, window_time,\n\
                 {}{col}\n\
                 FROM TABLE(\n\
                 \x20   SESSION(TABLE sales{by}, DESCRIPTOR(sale_ts), {}))\n\
                 GROUP BY {key}window_start, window_end, window_time;\n",
                if per_seller { " of that seller" } else { "" },
                AGGREGATES.trim_end(),
                interval(gap)
            )
        }
    };
    format!("{}\n{}\n{query}", settings(q), source_table(q))
}

fn query(q: &LessonSql) -> String {
    let (slide, size) = (interval(q.slide), interval(q.size));
    match flink_accepts(q.size, q.slide) {
        Ok(()) => format!(
            "-- Hopping windows of {} every {}: note the order, the SLIDE comes before the SIZE.\n\
             -- A row per window that holds sales, when the window fires.\n\
             SELECT window_start, window_end, window_time,\n\
             {AGGREGATES}\
             FROM TABLE(\n\
             \x20   HOP(TABLE sales, DESCRIPTOR(sale_ts), {slide}, {size}))\n\
             GROUP BY window_start, window_end, window_time;\n",
            q.size, q.slide
        ),
        Err(_) => {
            let rowtime = match q.time {
                TimeMode::Event(_) => "HOP_ROWTIME",
                TimeMode::Processing => "HOP_PROCTIME",
            };
            format!(
                "-- Hopping windows of {} every {}. Flink's HOP window TVF refuses this shape (the\n\
                 -- size must be a multiple of the slide); the legacy group window accepts it.\n\
                 -- Here too the SLIDE comes before the SIZE.\n\
                 SELECT HOP_START(sale_ts, {slide}, {size}) AS window_start,\n\
                 \x20   HOP_END(sale_ts, {slide}, {size}) AS window_end,\n\
                 \x20   {rowtime}(sale_ts, {slide}, {size}) AS window_time,\n\
                 {AGGREGATES}\
                 FROM sales\n\
                 GROUP BY HOP(sale_ts, {slide}, {size});\n",
                q.size, q.slide
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(size: i64, slide: i64) -> LessonSql {
        LessonSql {
            size: Span::seconds(size),
            slide: Span::seconds(slide),
            time: TimeMode::event(Span::seconds(2)),
            partitions: 1,
            idle_timeout: Span::seconds(15),
            source: SqlSource::Kafka,
        }
    }

    #[test]
    fn intervals_use_the_largest_unit_flink_reads_without_a_precision() {
        assert_eq!(interval(Span::seconds(2)), "INTERVAL '2' SECOND");
        assert_eq!(interval(Span::minutes(15)), "INTERVAL '15' MINUTE");
        assert_eq!(interval(Span::seconds(90)), "INTERVAL '90' SECOND");
        assert_eq!(interval(Span::seconds(120)), "INTERVAL '2' MINUTE");
        // 100 s does not fit SECOND's default precision (2 digits) nor whole minutes.
        assert_eq!(
            interval(Span::seconds(100)),
            "INTERVAL '100.000' SECOND(6, 3)"
        );
        assert_eq!(
            interval(Span::millis(1_500)),
            "INTERVAL '1.500' SECOND(6, 3)"
        );
        assert_eq!(interval(Span::minutes(120)), "INTERVAL '2' HOUR");
    }

    #[test]
    fn each_window_kind_is_its_table_function_over_the_lessons_table() {
        let base = q(10, 2);
        let lesson = lesson_sql(&base);
        let table = &lesson[lesson.find("CREATE TABLE").unwrap()..lesson.find(");").unwrap()];
        let tumble = kind_sql(
            &base,
            &WindowKind::Tumble {
                size: Span::seconds(10),
            },
        );
        assert!(tumble.contains(table), "the same source table");
        assert!(tumble.contains("TUMBLE(TABLE sales, DESCRIPTOR(sale_ts), INTERVAL '10' SECOND)"));
        let cumulate = kind_sql(
            &base,
            &WindowKind::Cumulate {
                step: Span::seconds(2),
                size: Span::seconds(10),
            },
        );
        assert!(cumulate.contains(
            "CUMULATE(TABLE sales, DESCRIPTOR(sale_ts), INTERVAL '2' SECOND, INTERVAL '10' SECOND)"
        ));
        let session = kind_sql(
            &base,
            &WindowKind::Session {
                gap: Span::millis(1_500),
                per_seller: true,
            },
        );
        assert!(session.contains(
            "SESSION(TABLE sales PARTITION BY seller, DESCRIPTOR(sale_ts), INTERVAL '1.500' SECOND(6, 3))"
        ));
        assert!(session.contains("COUNT(DISTINCT seller) AS active_sellers,\n    seller\n"));
        assert!(session.contains("GROUP BY seller, window_start, window_end, window_time;"));
        // HOP is the lesson's own query, the legacy form where the TVF refuses the shape.
        let hop = kind_sql(
            &q(10, 3),
            &WindowKind::Hop {
                size: Span::seconds(10),
                slide: Span::seconds(3),
            },
        );
        assert_eq!(hop, lesson_sql(&q(10, 3)));
    }

    #[test]
    fn the_query_names_the_slide_before_the_size() {
        let text = lesson_sql(&q(10, 2));
        assert!(
            text.contains(
                "HOP(TABLE sales, DESCRIPTOR(sale_ts), INTERVAL '2' SECOND, INTERVAL '10' SECOND)"
            ),
            "{text}"
        );
        assert!(text.contains("WATERMARK FOR sale_ts AS sale_ts - INTERVAL '2' SECOND"));
        assert!(text.contains("window_start, window_end, window_time"));
        assert!(
            !text.contains("idle-timeout"),
            "one stream: no idle partitions"
        );
    }

    #[test]
    fn a_shape_the_tvf_refuses_gets_flinks_error_alternatives_and_the_legacy_form() {
        assert_eq!(flink_accepts(Span::seconds(10), Span::seconds(2)), Ok(()));
        let r = flink_accepts(Span::seconds(10), Span::seconds(3)).unwrap_err();
        assert!(r.error.contains("got size 10000 ms and slide 3000 ms"));
        assert_eq!(r.slides, vec![Span::seconds(2), Span::seconds(5)]);
        assert_eq!(r.sizes, vec![Span::seconds(9), Span::seconds(12)]);
        let text = lesson_sql(&q(10, 3));
        assert!(text.contains("GROUP BY HOP(sale_ts, INTERVAL '3' SECOND, INTERVAL '10' SECOND)"));
        assert!(text.contains("HOP_ROWTIME(sale_ts"));
        assert!(!text.contains("TABLE(\n"));
        // Milliseconds: suggestions in milliseconds.
        let r = flink_accepts(Span::millis(1_000), Span::millis(300)).unwrap_err();
        assert_eq!(r.slides, vec![Span::millis(250), Span::millis(500)]);
    }

    #[test]
    fn partitions_name_the_idle_timeout_and_processing_time_has_no_watermark() {
        let mut parts = q(10, 2);
        parts.partitions = 3;
        let text = lesson_sql(&parts);
        assert!(text.contains("SET 'table.exec.source.idle-timeout' = '15 s';"));
        assert!(text.contains("3 partitions"));
        let mut processing = q(10, 2);
        processing.time = TimeMode::Processing;
        let text = lesson_sql(&processing);
        assert!(text.contains("sale_ts AS PROCTIME()"));
        assert!(!text.contains("WATERMARK"));
        let mut file = q(10, 2);
        file.source = SqlSource::File;
        let text = lesson_sql(&file);
        assert!(text.contains("'path' = 'lesson-sales.jsonl'"));
        assert!(!text.contains("kafka"));
    }

    #[test]
    fn timestamps_print_as_flinks_sql_client_prints_them() {
        assert_eq!(flink_timestamp(10_000), "1970-01-01 00:00:10.000");
        assert_eq!(flink_timestamp(-2_000), "1969-12-31 23:59:58.000");
    }
}

/// The lesson's hopping window in other systems' syntax: (system, code, what to mind).
/// The trap each marks is the argument order — Flink and RisingWave and Arroyo put the
/// slide first, Spark and Kafka Streams the size.
pub fn other_systems(size: Span, slide: Span) -> Vec<(&'static str, String, &'static str)> {
    let words = |s: Span, upper: bool| {
        let (n, unit) = human_unit(s);
        let text = format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
        if upper {
            text.to_uppercase()
        } else {
            text
        }
    };
    let java = |s: Span| {
        let (n, unit) = human_unit(s);
        let f = match unit {
            "hour" => "ofHours",
            "minute" => "ofMinutes",
            "second" => "ofSeconds",
            _ => "ofMillis",
        };
        format!("Duration.{f}({n})")
    };
    vec![
        (
            "Flink SQL (window TVF)",
            format!(
                "HOP(TABLE sales, DESCRIPTOR(sale_ts), {}, {})",
                interval(slide),
                interval(size)
            ),
            "slide first, then size",
        ),
        (
            "Flink SQL (legacy group window)",
            format!(
                "GROUP BY HOP(sale_ts, {}, {})",
                interval(slide),
                interval(size)
            ),
            "slide first, then size",
        ),
        (
            "Spark Structured Streaming",
            format!(
                "window(col(\"sale_ts\"), \"{}\", \"{}\")",
                words(size, false),
                words(slide, false)
            ),
            "size first, then slide — the other way round from Flink",
        ),
        (
            "ksqlDB",
            format!(
                "WINDOW HOPPING (SIZE {}, ADVANCE BY {})",
                words(size, true),
                words(slide, true)
            ),
            "named: SIZE and ADVANCE BY",
        ),
        (
            "RisingWave",
            format!(
                "HOP(sales, sale_ts, INTERVAL '{}', INTERVAL '{}')",
                words(slide, true),
                words(size, true)
            ),
            "hop size (the slide) first, then window size",
        ),
        (
            "Arroyo",
            format!(
                "hop(INTERVAL '{}', INTERVAL '{}')",
                words(slide, false),
                words(size, false)
            ),
            "slide first, then size",
        ),
        (
            "Kafka Streams",
            format!(
                "TimeWindows.ofSizeWithNoGrace({}).advanceBy({})",
                java(size),
                java(slide)
            ),
            "size, then advance (the slide)",
        ),
    ]
}

/// A span as a whole number of its largest unit: (7, "minute"), (1500, "millisecond").
fn human_unit(s: Span) -> (i64, &'static str) {
    for (unit, n) in [("hour", 3_600_000), ("minute", 60_000), ("second", 1_000)] {
        if s.0 % n == 0 {
            return (s.0 / n, unit);
        }
    }
    (s.0, "millisecond")
}

#[cfg(test)]
mod other_tests {
    use super::*;

    #[test]
    fn every_system_gets_the_same_window_with_its_own_argument_order() {
        let all = other_systems(Span::seconds(10), Span::seconds(2));
        let code = |name: &str| all.iter().find(|(n, ..)| *n == name).unwrap().1.clone();
        assert_eq!(
            code("Spark Structured Streaming"),
            "window(col(\"sale_ts\"), \"10 seconds\", \"2 seconds\")"
        );
        assert_eq!(
            code("ksqlDB"),
            "WINDOW HOPPING (SIZE 10 SECONDS, ADVANCE BY 2 SECONDS)"
        );
        assert_eq!(
            code("RisingWave"),
            "HOP(sales, sale_ts, INTERVAL '2 SECONDS', INTERVAL '10 SECONDS')"
        );
        assert_eq!(
            code("Arroyo"),
            "hop(INTERVAL '2 seconds', INTERVAL '10 seconds')"
        );
        assert_eq!(
            code("Kafka Streams"),
            "TimeWindows.ofSizeWithNoGrace(Duration.ofSeconds(10)).advanceBy(Duration.ofSeconds(2))"
        );
        let seed = other_systems(Span::minutes(15), Span::seconds(1));
        assert!(
            seed[2].1.contains("\"15 minutes\", \"1 second\""),
            "{}",
            seed[2].1
        );
        let odd = other_systems(Span::millis(1_500), Span::millis(500));
        assert!(odd[6].1.contains("Duration.ofMillis(1500)"), "{}", odd[6].1);
    }
}
