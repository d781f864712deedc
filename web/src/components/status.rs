//! Where the shop stands: the simulator's clock and pace, or the live connection, its
//! records and Flink's agreement.

use super::PageRef;
use crate::format::{clock_text, compact_number};
use crate::page::Page;
use crate::settings::Source;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct StatusProps {
    pub page: PageRef,
    pub shop: u64,
    pub settings: u64,
}

#[function_component(Status)]
pub fn status(p: &StatusProps) -> Html {
    let page = p.page.get();
    let (settings, live, sim, shop) = (&page.settings, &page.live, &page.sim, &page.shop);
    let elapsed = sim.elapsed().0;
    let warm = elapsed < 30 * 60 * 1000;
    let running = sim.running();
    html! {
        <div class="status" data-testid="status">
            if settings.source == Source::Live {
                if let Some(problem) = &live.problem {
                    <p class="problem" role="alert" data-testid="live-problem">{ problem.clone() }</p>
                }
                if live.connected {
                    <p data-testid="live-status">{ format!("Live from {}{}: {} records ({} invalid){}{}{}",
                        settings.bridge,
                        live.topic.as_ref().map(|t| format!(", topic {t}")).unwrap_or_default(),
                        live.records, live.invalid,
                        live.last.map(|(p, o)| format!(", last partition {p} offset {o}")).unwrap_or_default(),
                        if live.lag.is_empty() { String::new() } else {
                            format!(", lag {}", live.lag.iter().map(|(p, l)| format!("p{p}:{l}")).collect::<Vec<_>>().join(" "))
                        },
                        match live.opened {
                            0 | 1 => String::new(),
                            n => format!(", reconnected {} time{} (resumed from the last offsets, {} gap notices)", n - 1, if n == 2 { "" } else { "s" }, live.gaps),
                        }) }</p>
                    if live.paused {
                        <p class="badge" role="status" data-testid="live-paused">{ format!(
                            "Paused: the bridge sends nothing. Resume continues from the next offset of every partition ({}), so nothing is lost or counted twice.",
                            live.next.iter().map(|(p, o)| format!("p{p}:{o}")).collect::<Vec<_>>().join(" ")) }</p>
                    } else {
                        <p class="muted" data-testid="live-rate">{ {
                            let (all, per) = live.measured_rate(hopscope_core::Timestamp(page.last_tick as i64));
                            format!("Measured {:.1} records/s over the last 10 s{}{}",
                                all,
                                if per.is_empty() { String::new() } else {
                                    format!(" ({})", per.iter().map(|(p, r)| format!("p{p} {r:.1}/s")).collect::<Vec<_>>().join(" · "))
                                },
                                live.topic_since.map(|t| {
                                    let age = hopscope_core::Span((page.last_tick as i64 - t.0).max(0));
                                    format!("; the topic keeps records since {t} ({} old)", age_text(age))
                                }).unwrap_or_default()
                                + &live.first_record.map(|t| format!("; first record read: {t}")).unwrap_or_default()
                                + &live.bridge.as_ref().map(|b| format!(" · bridge: {b}")).unwrap_or_default())
                        } }</p>
                    }
                    if let Some(jump) = &live.jump {
                        <p class="problem" role="alert" data-testid="live-jump">{ format!("⚠️ {jump}") }</p>
                    }
                    if let Some(bad) = &live.last_invalid {
                        <p class="muted" data-testid="live-invalid">{ format!("Invalid records are counted and skipped; the last: {bad}") }</p>
                    }
                    if let Some(topic) = &live.windows_topic {
                        { agreement(&page, topic) }
                    }
                    if let Some(from) = live.warm_from.filter(|_| shop.is_event_time()) {
                        <p class="muted" data-testid="live-time-status">{ format!(
                            "Windows by sale time, one watermark per partition (Flink's Kafka source; a partition silent for {} stops holding it). {} Watermark {}.",
                            crate::shop::LIVE_IDLE_TIMEOUT,
                            warm_text(from, live.topic_since.or(live.first_record), shop.first_sale, shop.window_size()),
                            shop.watermark().map(|w| w.to_string()).unwrap_or_else(|| "not yet (waiting for every partition)".into())) }</p>
                    }
                }
            }
            if !page.live_active() {
                <p>
                    <span data-testid="sim-clock">{ format!("Shop time {} ", clock_text(elapsed)) }</span>
                    { format!("· {} so far · {}", crate::format::count(shop.total_sales, "sale", "sales"),
                        if sim.paused { "paused".to_string() } else { format!("{}× speed", settings.speed) }) }
                    { for running.iter().map(|(k, left)| html! {
                        <span class="badge">{ format!("{k} {left:.0}s left") }</span>
                    }) }
                </p>
                if let Some(notice) = behind_notice(&page) {
                    <p class="notice" role="status" data-testid="running-behind">{ notice }</p>
                }
                if warm {
                    <p class="muted" data-testid="warmup">{ "Growth alerts compare each 15-minute window with the 15 minutes before it, so they start after 30 minutes of shop time (use 600× to get there in seconds)." }</p>
                }
            }
        </div>
    }
}

/// When the simulator cannot keep up with rate × speed in its frame budget: by how much,
/// in words. `None` while it keeps up (within 5 %).
fn behind_notice(page: &Page) -> Option<String> {
    let pace = page.sim.pace();
    if page.sim.paused || pace >= 0.95 {
        return None;
    }
    let speed = page.settings.speed * pace;
    let sales = page.sim.rate() * speed;
    Some(format!(
        "Running behind: the shop simulates at about {}× ({} sales per real second), not the {}× asked — more than this browser can compute while staying responsive. Lower the speed or the sales/s to follow in real time.",
        compact_number(speed),
        compact_number(sales),
        page.settings.speed
    ))
}

/// Flink's windows (the bridge's `--windows-topic`) against the page's own.
fn agreement(page: &Page, topic: &str) -> Html {
    let Some(a) = &page.shop.agreement else {
        // Processing time: the job windows by sale time, this page by arrival.
        return html! {
            <p class="muted" data-testid="live-agreement">{ format!(
                "Flink's windows from topic {topic}: {} received. This page windows by arrival (processing time) and the job by sale time, so they are not compared: choose event time to set them side by side.",
                page.live.windows_received) }</p>
        };
    };
    let verdict = match (&a.first_difference, a.compared) {
        (_, 0) => "none compared yet: waiting for windows both computed".to_string(),
        (None, n) => format!("all {n} equal"),
        (Some(d), n) => format!(
            "{} of {n} equal; first difference: window {} → {}, {}: Flink {}, this page {}",
            a.equal, d.window.window_start, d.window.window_end, d.field, d.theirs, d.ours
        ),
    };
    let mut extra = String::new();
    if a.repeated > 0 {
        extra += &format!(
            " {} sent again after a reconnect (compared once).",
            a.repeated
        );
    }
    if a.unmatched > 0 {
        extra += &format!(
            " {} let go without a partner (another window size, or the job stopped).",
            a.unmatched
        );
    }
    let class = if a.first_difference.is_some() {
        "problem"
    } else {
        "muted"
    };
    html! {
        <p class={class} data-testid="live-agreement">{ format!(
            "Flink's windows from topic {topic}: {} received; compared with this page's: {verdict}.{extra}",
            a.received) }</p>
    }
}

/// The warm start, honestly: a topic younger than a window has no complete window yet.
/// A topic's age in the largest whole units that say it (`2 h 5 min`, `40 s`).
fn age_text(age: hopscope_core::Span) -> String {
    let s = age.0 / 1000;
    match s {
        0..60 => format!("{s} s"),
        60..3_600 => format!("{} min {} s", s / 60, s % 60),
        3_600..86_400 => format!("{} h {} min", s / 3_600, (s % 3_600) / 60),
        _ => format!("{} d {} h", s / 86_400, (s % 86_400) / 3_600),
    }
}

/// Where a warm start began and whether its first window is whole. `from` and `written`
/// (the topic's oldest record) are Kafka timestamps, when records were written; the windows
/// are on sale time, which a topic's records may carry from long before (a back-filled or
/// replayed topic), so the sentence names both clocks rather than calling a window complete
/// or partial from the write times alone.
fn warm_text(
    from: hopscope_core::Timestamp,
    written: Option<hopscope_core::Timestamp>,
    earliest_sale: Option<hopscope_core::Timestamp>,
    size: hopscope_core::Span,
) -> String {
    match written {
        // Records from well after the warm start: the topic began since.
        Some(first) if first.since(from) > hopscope_core::Span::seconds(60) => {
            let whole = match earliest_sale {
                Some(e) => format!(
                    " Its earliest sale is dated {e}: windows ending before {} hold less than a whole window.",
                    e.plus(size)
                ),
                None => " Its first windows fill as it grows.".to_string(),
            };
            format!(
                "Warm start from {from}, but the topic's first record was written at {first}: it is younger than a window, so this page reads all of it.{whole}"
            )
        }
        _ => format!("Warm start from {from}: the first window shown is complete."),
    }
}

#[cfg(test)]
mod tests {
    use super::warm_text;
    use hopscope_core::{Span, Timestamp};

    #[test]
    fn a_warm_start_on_a_young_topic_names_both_clocks() {
        let t = |s: &str| Timestamp::parse_iso(s).unwrap();
        let from = t("2026-12-07T08:54:43Z");
        let size = Span::minutes(15);
        // Written 16 s ago, its sales dated from 20 minutes ago (a back-filled topic).
        let text = warm_text(
            from,
            Some(t("2026-12-07T09:09:41Z")),
            Some(t("2026-12-07T08:49:41Z")),
            size,
        );
        assert!(
            text.contains("younger than a window, so this page reads all of it"),
            "{text}"
        );
        assert!(
            text.contains(
                "windows ending before 2026-12-07T09:04:41.000Z hold less than a whole window"
            ),
            "{text}"
        );
        // No sale yet.
        assert!(warm_text(from, Some(t("2026-12-07T09:09:41Z")), None, size)
            .ends_with("Its first windows fill as it grows."));
        // A topic older than the warm start.
        assert_eq!(
            warm_text(
                from,
                Some(t("2026-12-01T00:00:00Z")),
                Some(t("2026-12-01T00:00:00Z")),
                size
            ),
            "Warm start from 2026-12-07T08:54:43.000Z: the first window shown is complete."
        );
    }
}
