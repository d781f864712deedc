//! The guided steps of the teaching view, in words that follow the lesson's settings: the
//! numbers a step quotes are the ones on the screen, not the defaults it was written for.

use crate::lesson::{Lesson, LESSON_IDLE_TIMEOUT};
use crate::sql::{flink_accepts, interval};
use hopscope_core::window::TimeMode;
use hopscope_core::Span;

/// How many steps there are.
pub const STEPS: usize = 10;

/// Step `step`'s title and text for lesson `l`.
pub fn step(step: usize, l: &Lesson) -> (String, String) {
    let (size, slide) = (l.config.size, l.config.slide);
    let delay = match l.config.time {
        TimeMode::Event(e) => e.delay,
        TimeMode::Processing => Span::seconds(2),
    };
    let (title, text) = match step {
        0 => ("A stream of sales", "Each dot is a sale. Press “Next event” a few times: sales arrive one by one, like records read from a Kafka topic.".to_string()),
        1 => ("Hopping windows", format!(
            "Each bar is a window {size} long. A new one starts every {slide} (the slide), so windows overlap. Click a sale: every window containing it is outlined. Click a window, or its row in the table below: the inspector says what it holds and why.")),
        2 => ("How many windows?", windows_per_sale(size, slide)),
        3 => ("Panes", format!(
            "The thin dashed lines cut time into panes of {} (the gcd of {size} and {slide}). Every window is a whole number of panes. The engine keeps one small summary per pane and combines a window's panes when it fires — so each sale costs the same however many windows overlap.",
            l.config.pane())),
        4 => ("The watermark", format!(
            "In event time the red line is the watermark: the newest sale time minus the watermark delay ({delay} here; in the SQL: WATERMARK FOR sale_ts AS sale_ts - {}). A window fires (turns solid) once the watermark reaches its end − 1 ms, and its row appears in the table. Until then it is open and may still receive sales.",
            interval(delay))),
        5 => ("Out of order and late", "“Inject out-of-order” adds a sale from a moment ago: within the delay it still counts everywhere. “Inject late” adds one from behind the watermark (!): its first windows have fired and keep their rows without it (✕ when you select it), and it joins the ones still open — as Flink does. “Inject too late” adds one whose every window has fired: only then is it dropped (✕), and counted.".to_string()),
        6 => ("Bounds", format!(
            "Windows are half-open: [start, end) holds a sale at its start, not one at its end. Select a window and press “Put a sale at exactly …”: the sale lands in the windows that start there. Starts are multiples of {slide} counted from the epoch (1970-01-01 00:00 UTC), not from the first sale.")),
        7 => ("End of input", "With no more sales the watermark stops, and the newest windows wait forever. “End of input” does what a bounded source (a file) does at its end: one last watermark, +∞, and every window with sales fires. The table then holds exactly the rows Flink prints for the SQL below on the lesson's sales file.".to_string()),
        8 => ("Processing time", "Sales reach the engine a moment after they happen (up to 1.5 s here), so they arrive in a slightly different order than they happened. Switch to processing time: a sale now belongs to the windows of the moment it arrives, whatever its own time — the dots move to their arrival times (your sales and selection stay; a note compares the windows before and after). There is no watermark and nothing is late, but results depend on when data shows up.".to_string()),
        _ => ("Partitions", format!(
            "Read from 3 Kafka partitions (event time): each partition has its own watermark (p0, p1, p2) and the window operator's is their minimum (red), as in Flink's Kafka source. Hold a partition: the watermark stops at it — windows wait — until it has been silent for {LESSON_IDLE_TIMEOUT} (Flink: SET 'table.exec.source.idle-timeout'); then it is left out and the others move the watermark on. Release it: its held sales arrive behind the watermark and are late. Meanwhile the others read on and their windows stay open: reading a backlog, one partition behind in event time can keep hours of the others' windows in memory. Flink's WITH ALIGNMENT (hopscope analyze --max-drift) pauses a partition that runs more than a bound ahead of the slowest instead.")),
    };
    (format!("{}. {title}", step + 1), text)
}

/// Step 3 for the current shape: how many windows a sale is in, and whether Flink's
/// window TVF takes the shape.
fn windows_per_sale(size: Span, slide: Span) -> String {
    match flink_accepts(size, slide) {
        Ok(()) => format!(
            "With size {size} and slide {slide} every sale is in {size} ÷ {slide} = {} windows. Try a slide that does not divide the size (e.g. 3 s with 10 s): a sale is then in one of two counts of windows, depending on where it falls — and Flink's window TVF refuses that shape (the badge above says what it accepts).",
            size.0 / slide.0
        ),
        Err(_) => format!(
            "{size} ÷ {slide} = {:.2} is not whole, so a sale is in {} or {} windows depending on where it falls. Flink's window TVF refuses this shape (the badge above quotes its error); the legacy GROUP BY HOP accepts it, and the SQL below uses that.",
            size.0 as f64 / slide.0 as f64,
            size.0 / slide.0,
            size.0 / slide.0 + 1
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hopscope_core::window::TimeMode;

    #[test]
    fn the_steps_quote_the_settings_on_the_screen() {
        let l = Lesson::new(
            Span::seconds(12),
            Span::seconds(4),
            TimeMode::event(Span::seconds(3)),
            1,
        )
        .unwrap();
        assert!(
            step(2, &l).1.contains("12s ÷ 4s = 3 windows"),
            "{}",
            step(2, &l).1
        );
        assert!(step(4, &l).1.contains("INTERVAL '3' SECOND"));
        let odd = Lesson::new(
            Span::seconds(10),
            Span::seconds(3),
            TimeMode::event(Span::seconds(2)),
            1,
        )
        .unwrap();
        let text = step(2, &odd).1;
        assert!(
            text.contains("3 or 4 windows") && text.contains("refuses"),
            "{text}"
        );
        assert_eq!(step(STEPS - 1, &l).0, format!("{STEPS}. Partitions"));
    }
}
