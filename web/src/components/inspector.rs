//! The window inspector: everything about one window — its bounds and why they are
//! aligned there, its sales (equal to its row), the sales nearby it does not hold and why,
//! its panes, and when it fired or what it waits for.

use crate::format::{count, secs, summarised, AROUND};
use crate::lesson::{Lesson, Outside, Waiting, LESSON_IDLE_TIMEOUT};
use crate::page::{Action, LessonAction};
use crate::sql::flink_timestamp;
use hopscope_core::Cents;
use yew::prelude::*;

/// Draws the inspector of window `start` (the lesson is read from the caller's borrow).
pub fn inspector(l: &Lesson, start: i64, dispatch: &Callback<Action>) -> Html {
    let (size, slide) = (l.config.size.0, l.config.slide.0);
    let end = start + size;
    let events = l.events_in(start);
    let sum = Cents(events.iter().map(|e| e.value.0).sum());
    let fired = l.fired.get(&start);
    let never = l.never_fires(start);
    let outside = l.not_in(start);
    let panes = l.panes_of(start);
    let can_inject = l.is_event_time() && !l.is_live() && !l.has_ended();
    let inject = dispatch.reform(move |_| Action::Lesson(LessonAction::InjectAtEnd(start)));
    let state = if fired.is_some_and(|f| f.row.sales_in_window > 0) {
        "fired"
    } else if never {
        "never"
    } else {
        "open"
    };
    html! {
        <div class="selection inspector" data-testid="inspector" data-start={start.to_string()} data-state={state}>
            <h2>{ format!("Window [{}, {})", secs(start), secs(end)) }</h2>
            <p data-testid="inspector-bounds">{ format!(
                "Half-open: it holds sales from {} up to, not including, {} — a sale at exactly {} belongs to the windows that start there. Window starts are multiples of the slide counted from the epoch (1970-01-01 00:00:00 UTC, where the lesson's clock starts): {} = {} × {}, whatever time the first sale came.",
                secs(start), secs(end), secs(end), secs(start), start.div_euclid(slide), l.config.slide) }</p>
            if can_inject {
                <button data-testid="inspector-inject-end" onclick={inject}>{ format!("Put a sale at exactly {}", secs(end)) }</button>
            }
            <p data-testid="inspector-state" class="state" aria-live="polite">{ state_text(l, start) }</p>
            <h3 data-testid="inspector-sales" data-count={events.len().to_string()} data-sum={sum.display_plain()}>{
                format!("Its {}: {} in all", count(events.len() as u64, "sale", "sales"), sum.display_usd())
            }</h3>
            <ul>{ for summarised(&events).into_iter().map(|e| match e {
                Some(e) => html! {
                    <li>{ format!("sale {} at {}: {} ({})", e.id, secs(l.position(e).0), e.value.display_usd(), e.seller) }</li>
                },
                None => html! { <li class="muted">{ format!("… {} more …", events.len() - 2 * AROUND) }</li> },
            }) }</ul>
            if let Some(f) = fired.filter(|f| f.row.sales_in_window > 0) {
                <p class="muted" data-testid="inspector-row">{ format!(
                    "Its row: {} | {} | {} | sales_in_window {} | revenue {} | avg_ticket {} | biggest_sale {} | active_sellers {}",
                    flink_timestamp(start), flink_timestamp(end), flink_timestamp(end - 1),
                    f.row.sales_in_window, f.row.revenue.display_plain(), f.row.avg_ticket.display_plain(),
                    f.row.biggest_sale.display_plain(), f.row.active_sellers) }</p>
            }
            if !outside.is_empty() {
                <h3>{ "Nearby, not in it" }</h3>
                <ul>{ for summarised(&outside).into_iter().map(|o| match o {
                    Some((e, why)) => html! {
                        <li data-testid="inspector-outside" data-reason={why.key()} data-id={e.id.to_string()}>{ format!(
                            "sale {} at {}: {}", e.id, secs(l.position(e).0), outside_text(l, start, e, why)) }</li>
                    },
                    None => html! { <li class="muted">{ format!("… {} more …", outside.len() - 2 * AROUND) }</li> },
                }) }</ul>
            }
            <h3>{ format!("{} of {}", count(panes.len() as u64, "pane", "panes"), l.config.pane()) }</h3>
            <p class="muted" data-testid="inspector-panes">{ format!(
                "{}. The engine keeps one small summary per pane (gcd of size and slide); the window's row combines its panes: counts and sums add, the biggest sale is the largest of theirs, the sellers unite — so a sale costs the same however many windows hold it.",
                summarised(&panes).into_iter().map(|p| match p {
                    Some((p, n, _)) => format!("[{}, {}) {n}", secs(p), secs(p + l.config.pane().0)),
                    None => "…".into(),
                }).collect::<Vec<_>>().join(" · ")) }</p>
        </div>
    }
}

/// When the window fired, or why it has not.
fn state_text(l: &Lesson, start: i64) -> String {
    let end = start + l.config.size.0;
    if let Some(f) = l.fired.get(&start).filter(|f| f.row.sales_in_window > 0) {
        return match f.watermark {
            Some(_) if f.by_end_of_input() => format!(
                "Fired at the end of input (clock {}): the bounded source's last watermark (+∞) fires every window still open.",
                secs(f.at.0)
            ),
            Some(w) => format!(
                "Fired at clock {}, when the watermark reached {} — at or past its end − 1 ms ({}). Its row is final: sales arriving later do not change it.",
                secs(f.at.0), secs(w.0), secs(end - 1)
            ),
            None => format!(
                "Fired at clock {}: in processing time a window fires when the clock passes its end.",
                secs(f.at.0)
            ),
        };
    }
    if l.never_fires(start) {
        return "Empty: no sale falls in it, so it never fires — Flink emits no row for a window without rows.".into();
    }
    match l.waiting(start) {
        Waiting::Clock { end } => format!(
            "Open: in processing time it fires when the clock reaches {} (now {}).",
            secs(end.0),
            secs(l.clock.0)
        ),
        Waiting::Input => "Open: no watermark yet — no sale has arrived. A window fires only when a watermark passes its end: waiting for input.".into(),
        Waiting::Watermark { now, needs } => format!(
            "Open: it fires when the watermark reaches {} (its end − 1 ms). The watermark is at {} (the newest sale − the delay): a sale dated {} or later moves it there — or End of input.",
            secs(end - 1), secs(now.0), secs(needs.0)
        ),
        Waiting::Partition { partition, at, held } => format!(
            "Open: partition {partition} holds the operator's watermark (the minimum over the partitions) at {}.{}",
            at.map(|w| secs(w.0)).unwrap_or_else(|| "nothing yet: it has delivered no sale".into()),
            if held {
                format!(" It is held back: after {} of silence it goes idle (Flink's table.exec.source.idle-timeout) and the other partitions move the watermark on.", LESSON_IDLE_TIMEOUT)
            } else {
                String::new()
            }
        ),
    }
}

fn outside_text(l: &Lesson, start: i64, e: &crate::lesson::LessonEvent, why: Outside) -> String {
    let end = start + l.config.size.0;
    match why {
        Outside::BeforeStart => format!("before its start ({})", secs(start)),
        Outside::AtOrAfterEnd if l.position(e).0 == end => {
            "exactly at its end: not in it (bounds are half-open), in the windows starting there"
                .into()
        }
        Outside::AtOrAfterEnd => format!("at or after its end ({})", secs(end)),
        Outside::ArrivedAfterFired => format!(
            "inside it, but it arrived at {} — after this window fired — so it joined only its windows still open (late)",
            secs(e.arrival.0)
        ),
        Outside::Dropped => format!(
            "inside it, but it arrived at {} when every one of its windows had fired: dropped (and counted)",
            secs(e.arrival.0)
        ),
    }
}
