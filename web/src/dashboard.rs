//! The shop dashboard: controls, KPI cards, charts, alert feed with the cooldown's state,
//! and the partition view.

use crate::charts;
use crate::field::Field;
use crate::icon::{icon, Icon};
use crate::settings::LiveTime;
use crate::settings::{Source, SPEEDS};
use crate::{App, Msg};
use hopscope_core::generate::{Scenario, SELLERS};
use hopscope_core::partition::Partitioner;
use yew::prelude::*;

fn kpi(label: &str, value: String, testid: &str) -> Html {
    kpi_titled(label, value, None, testid)
}

/// A KPI whose shown value is compact; `exact` (the full figure) is in its tooltip.
fn kpi_titled(label: &str, value: String, exact: Option<String>, testid: &str) -> Html {
    html! {
        <div class="kpi" data-testid={testid.to_string()}>
            <div class="kpi-label">{ label.to_string() }</div>
            <div class="kpi-value" title={exact}>{ value }</div>
        </div>
    }
}

/// The seed's console lines without their emoji (boxes where no emoji font is installed).
fn plain(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| {
            let kept: String = l
                .chars()
                .filter(|c| !matches!(*c as u32, 0x2300..=0x23FF | 0x2600..=0x27BF | 0x1F000..=0x1FAFF | 0xFE0F))
                .collect();
            let indent = kept.len() - kept.trim_start().len();
            format!("{}{}", &kept[..indent.min(kept.len())], kept.trim_start())
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Money short enough for a KPI tile at any rate: `$4.75M`, `$18.1K`, `$999.50`.
pub fn compact_usd(c: hopscope_core::Cents) -> String {
    let d = c.dollars();
    let a = d.abs();
    if a >= 1e9 {
        format!("${:.2}B", d / 1e9)
    } else if a >= 1e6 {
        format!("${:.2}M", d / 1e6)
    } else if a >= 1e4 {
        format!("${:.1}K", d / 1e3)
    } else {
        c.display_usd()
    }
}

/// The cooldown's rule, with the numbers in use.
fn cooldown_rule(c: &hopscope_core::detect::CooldownConfig) -> String {
    let ratio = |(n, d): (i64, i64)| n as f64 / d as f64;
    format!(
        "Each kind starts at {:.2} s. Every alert held back stretches its kind's cooldown ×{} (up to {:.2} s); one shown after a calm spell of twice the cooldown shrinks it ×{} (down to {:.2} s).",
        c.start.as_secs_f64(),
        ratio(c.grow),
        c.max.as_secs_f64(),
        ratio(c.shrink),
        c.min.as_secs_f64()
    )
}

/// How a kind's cooldown moved from where it started, in words for the table.
fn moved(current: hopscope_core::Span, c: &hopscope_core::detect::CooldownConfig) -> String {
    let r = current.0 as f64 / c.start.0 as f64;
    let bound = if current == c.max {
        " (at the maximum)"
    } else if current == c.min {
        " (at the minimum)"
    } else {
        ""
    };
    if current > c.start {
        format!("↑ ×{r:.2}: alerts kept coming{bound}")
    } else if current < c.start {
        format!("↓ ×{r:.2}: calm since{bound}")
    } else {
        "= as it started".into()
    }
}

/// What the charts cover: how many windows, and one point per how many.
fn history_note(h: &crate::shop::History) -> String {
    match h.points() {
        [first, .., last] => format!(
            " · {} of windows{}",
            clock_text(last.end.0 - first.end.0),
            if h.stride() > 1 {
                format!(", one point per {} windows", h.stride())
            } else {
                String::new()
            }
        ),
        _ => String::new(),
    }
}

/// A count short enough for a sentence or a narrow column: `212`, `18.1K`, `2.35M`,
/// `1.20B` — at most 7 characters at any magnitude.
pub fn compact_number(n: f64) -> String {
    // Each unit starts where the one below would round up to 4 digits ("1000.0K").
    if n >= 999_995_000.0 {
        format!("{:.2}B", n / 1e9)
    } else if n >= 999_950.0 {
        format!("{:.2}M", n / 1e6)
    } else if n >= 9_999.5 {
        format!("{:.1}K", n / 1e3)
    } else {
        format!("{n:.0}")
    }
}

fn clock_text(ms: i64) -> String {
    let s = ms / 1000;
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

impl App {
    fn view_controls(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let live = self.settings.source == Source::Live;
        let speed = self.settings.speed;
        html! {
            <section class="controls" aria-label="Simulation controls">
                <div class="row">
                    <label>{ "Source " }
                        <select data-testid="source" onchange={link.callback(|e: Event| {
                            let v = e.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
                            Msg::SetSource(if v == "live" { Source::Live } else { Source::Simulator })
                        })}>
                            <option value="sim" selected={!live}>{ "Simulator (in this page)" }</option>
                            <option value="live" selected={live}>{ "Live (bridge)" }</option>
                        </select>
                    </label>
                    if live {
                        <label>{ "Bridge " }
                            <Field testid="bridge-url" value={self.settings.bridge.clone()} size={28} label="Bridge WebSocket URL"
                                error={self.field_error("bridge-url")} reset={self.field_resets}
                                on_commit={link.callback(Msg::SetBridge)} />
                        </label>
                        <label>{ "Windows by " }
                            <select data-testid="live-time" onchange={link.callback(|e: Event| {
                                let v = e.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
                                Msg::SetLiveTime(if v == "processing" { LiveTime::Processing } else { LiveTime::Event })
                            })}>
                                <option value="event" selected={self.settings.live_time == LiveTime::Event}>{ "sale time (warm start)" }</option>
                                <option value="processing" selected={self.settings.live_time == LiveTime::Processing}>{ "arrival time (new records only)" }</option>
                            </select>
                        </label>
                    }
                    <label>{ "Seed " }
                        <Field testid="seed" kind="number" value={self.settings.seed.to_string()} label="Seed"
                            error={self.field_error("seed")} reset={self.field_resets}
                            on_commit={link.callback(Msg::SetSeed)} />
                    </label>
                    <label>{ "Sales/s " }
                        <Field testid="rate" kind="number" value={self.settings.rate.to_string()} label="Sales per second"
                            error={self.field_error("rate")} reset={self.field_resets}
                            on_commit={link.callback(Msg::SetRate)} />
                    </label>
                    <span class="speed" role="group" aria-label="Simulation speed">
                        { for SPEEDS.iter().map(|s| {
                            let s = *s;
                            html! {
                                <button class={classes!((speed == s).then_some("active"))}
                                    data-testid={format!("speed-{s}")} aria-pressed={(speed == s).to_string()}
                                    onclick={link.callback(move |_| Msg::SetSpeed(s))}>{ format!("{s}×") }</button>
                            }
                        }) }
                    </span>
                </div>
                <div class="row">
                    <button data-testid="pause" onclick={link.callback(|_| Msg::TogglePause)}>
                        if self.sim.paused { { icon(Icon::Play) }{ " Resume" } } else { { icon(Icon::Pause) }{ " Pause" } }</button>
                    <button data-testid="step" onclick={link.callback(|_| Msg::StepSlide)}
                        title="Advance the shop clock by one slide (1 s)">{ icon(Icon::Step) }{ " Step one slide" }</button>
                    <button data-testid="reset" onclick={link.callback(|_| Msg::Reset)}>{ icon(Icon::Reset) }{ " Reset" }</button>
                    <span class="sep"></span>
                    <button data-testid="trigger-spike" onclick={link.callback(|_| Msg::Trigger(Scenario::spike()))}
                        title="Sales ×10 for 30 s">{ icon(Icon::Bolt) }{ " Activity spike" }</button>
                    <button data-testid="trigger-concentration" onclick={link.callback(|_| Msg::Trigger(Scenario::concentration()))}
                        title="One seller takes 80% of sales for 10 minutes">{ icon(Icon::Target) }{ " Seller concentration" }</button>
                    <button data-testid="trigger-surge" onclick={link.callback(|_| Msg::Trigger(Scenario::surge()))}
                        title="One category takes 80% of sales for 10 minutes">{ icon(Icon::Star) }{ " Category surge" }</button>
                    <button data-testid="trigger-outlier" onclick={link.callback(|_| Msg::Trigger(Scenario::OutlierSale))}
                        title="One huge bulk order">{ icon(Icon::Diamond) }{ " Outlier sale" }</button>
                </div>
                { self.view_status() }
            </section>
        }
    }

    /// Flink's windows (the bridge's `--windows-topic`) against the page's own.
    fn view_agreement(&self, topic: &str) -> Html {
        let Some(a) = &self.shop.agreement else {
            return Html::default();
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

    fn view_status(&self) -> Html {
        let elapsed = self.sim.elapsed().0;
        let warm = elapsed < 30 * 60 * 1000;
        let running = self.sim.running();
        html! {
            <div class="status" data-testid="status">
                if self.settings.source == Source::Live {
                    if let Some(p) = &self.live.problem {
                        <p class="problem" role="alert" data-testid="live-problem">{ p.clone() }</p>
                    }
                    if self.live.connected {
                        <p data-testid="live-status">{ format!("Live from {}{}: {} records ({} invalid){}{}{}",
                            self.settings.bridge,
                            self.live.topic.as_ref().map(|t| format!(", topic {t}")).unwrap_or_default(),
                            self.live.records, self.live.invalid,
                            self.live.last.map(|(p, o)| format!(", last partition {p} offset {o}")).unwrap_or_default(),
                            if self.live.lag.is_empty() { String::new() } else {
                                format!(", lag {}", self.live.lag.iter().map(|(p, l)| format!("p{p}:{l}")).collect::<Vec<_>>().join(" "))
                            },
                            match self.live.opened {
                                0 | 1 => String::new(),
                                n => format!(", reconnected {} time{} (resumed from the last offsets, {} gap notices)", n - 1, if n == 2 { "" } else { "s" }, self.live.gaps),
                            }) }</p>
                        if let Some(topic) = &self.live.windows_topic {
                            { self.view_agreement(topic) }
                        }
                        if let Some(from) = self.live.warm_from.filter(|_| self.shop.is_event_time()) {
                            <p class="muted" data-testid="live-time-status">{ format!(
                                "Windows by sale time, one watermark per partition (Flink's Kafka source; a partition silent for {} stops holding it). Warm start from {}: the first window shown is complete. Watermark {}.",
                                crate::shop::LIVE_IDLE_TIMEOUT, from,
                                self.shop.watermark().map(|w| w.to_string()).unwrap_or_else(|| "not yet (waiting for every partition)".into())) }</p>
                        }
                    }
                }
                if !self.live_active() {
                    <p>
                        <span data-testid="sim-clock">{ format!("Shop time {} ", clock_text(elapsed)) }</span>
                        { format!("· {} sales so far · {}", self.shop.total_sales,
                            if self.sim.paused { "paused".to_string() } else { format!("{}× speed", self.settings.speed) }) }
                        { for running.iter().map(|(k, left)| html! {
                            <span class="badge">{ format!("{k} {left:.0}s left") }</span>
                        }) }
                    </p>
                    if let Some(notice) = self.behind_notice() {
                        <p class="notice" role="status" data-testid="running-behind">{ notice }</p>
                    }
                    if warm {
                        <p class="muted" data-testid="warmup">{ "Growth alerts compare each 15-minute window with the 15 minutes before it, so they start after 30 minutes of shop time (use 600× to get there in seconds)." }</p>
                    }
                }
            </div>
        }
    }

    /// When the simulator cannot keep up with rate × speed in its frame budget: by how
    /// much, in words. `None` while it keeps up (within 5 %).
    fn behind_notice(&self) -> Option<String> {
        let pace = self.sim.pace();
        if self.sim.paused || pace >= 0.95 {
            return None;
        }
        let speed = self.settings.speed * pace;
        let sales = self.sim.rate() * speed;
        Some(format!(
            "Running behind: the shop simulates at about {}× ({} sales per real second), not the {}× asked — more than this browser can compute while staying responsive. Lower the speed or the sales/s to follow in real time.",
            compact_number(speed),
            compact_number(sales),
            self.settings.speed
        ))
    }

    pub(crate) fn view_dashboard(&self, ctx: &Context<Self>) -> Html {
        let w = self.shop.latest();
        let v = |f: &dyn Fn(&hopscope_core::WindowResult) -> String| {
            w.map(f).unwrap_or_else(|| "—".into())
        };
        let points = self.shop.history.points();
        let cats: Vec<(String, u64)> = w
            .map(|w| {
                w.top_categories
                    .iter()
                    .map(|k| (k.name.clone(), k.count))
                    .collect()
            })
            .unwrap_or_default();
        let sellers: Vec<(String, u64)> = w
            .map(|w| {
                w.top_sellers
                    .iter()
                    .map(|k| (k.name.clone(), k.count))
                    .collect()
            })
            .unwrap_or_default();
        html! {
            <div class="dashboard">
                { self.view_controls(ctx) }
                <section class="kpis" aria-label="Newest window">
                    <h2>{ "Newest window " }<small class="muted" data-testid="window-range">{
                        w.map(|w| format!("{} → {}", w.window_start.to_iso(), w.window_end.to_iso())).unwrap_or_default()
                    }</small></h2>
                    <div class="kpi-grid">
                        { kpi("Sales in window", v(&|w| w.sales_in_window.to_string()), "kpi-sales") }
                        { kpi_titled("Revenue", v(&|w| compact_usd(w.revenue)), w.map(|w| w.revenue.display_usd()), "kpi-revenue") }
                        { kpi("Average ticket", v(&|w| w.avg_ticket.display_usd()), "kpi-ticket") }
                        { kpi("Active sellers", v(&|w| format!("{}/{}", w.active_sellers, SELLERS.len())), "kpi-sellers") }
                        { kpi("Categories", v(&|w| w.active_categories.to_string()), "kpi-categories") }
                        { kpi("Products", v(&|w| w.active_products.to_string()), "kpi-products") }
                        { kpi_titled("Biggest sale", v(&|w| compact_usd(w.biggest_sale)), w.map(|w| w.biggest_sale.display_usd()), "kpi-biggest") }
                    </div>
                </section>
                <div class="cols">
                    <section class="panel wide">
                        <h2>{ "Sales per window" }<small class="muted">{ history_note(&self.shop.history) }</small></h2>
                        { charts::series(points, |p| p.sales as f64, compact_number, "sales", "chart-sales") }
                        <h2>{ "Revenue per window" }</h2>
                        { charts::series(points, |p| p.revenue, |v| format!("${}", compact_number(v)), "revenue", "chart-revenue") }
                    </section>
                    <section class="panel">
                        <h2>{ "Top categories" }</h2>
                        { charts::bars(&cats, "top-categories") }
                        <h2>{ "Top sellers" }</h2>
                        { charts::bars(&sellers, "top-sellers") }
                    </section>
                </div>
                <div class="cols">
                    { self.view_alerts() }
                    { self.view_partitions(ctx) }
                </div>
            </div>
        }
    }

    fn view_alerts(&self) -> Html {
        let c = self.shop.cooldown_config();
        html! {
            <section class="panel" aria-label="Alerts">
                <h2>{ "Alerts" }</h2>
                <details class="cooldown" data-testid="cooldown">
                    <summary>{ format!("Adaptive cooldown: {} alerts held back", self.shop.blocked()) }</summary>
                    <p class="muted" data-testid="cooldown-rule">{ cooldown_rule(&c) }</p>
                    <table>
                        <tr><th>{ "kind" }</th><th>{ "cooldown now" }</th><th>{ "moved" }</th><th>{ "shown" }</th><th>{ "held back" }</th></tr>
                        { for self.shop.cooldowns().into_iter().map(|(k, st)| html! {
                            <tr data-testid="cooldown-row" data-kind={format!("{k:?}")}>
                                <td>{ k.title() }</td><td>{ format!("{:.2} s", st.current.as_secs_f64()) }</td>
                                <td>{ moved(st.current, &c) }</td>
                                <td>{ st.shown }</td><td>{ st.blocked }</td></tr>
                        }) }
                    </table>
                </details>
                if self.shop.alerts.is_empty() {
                    <p class="muted" data-testid="no-alerts">{
                        if self.shop.ran_for() < hopscope_core::Span::minutes(30) {
                            "No events detected yet. Try a scenario once the shop has run for 30 minutes."
                        } else {
                            "No alerts: the shop has been calm (growth within ±15%, no dominant seller or category, no outlier). Trigger a scenario to see one."
                        }
                    }</p>
                }
                <ol class="alerts" aria-live="polite">
                    { for self.shop.alerts.iter().map(|(a, why)| html! {
                        <li class="alert" data-testid="alert" data-kind={format!("{:?}", a.kind)}>
                            <pre>{ plain(&a.console_lines()) }</pre>
                            if let Some(why) = why {
                                <p class="why" data-testid="alert-why">{ why.clone() }</p>
                            }
                            <small class="muted">{ format!("window ending {}", a.window_end.to_iso()) }</small>
                        </li>
                    }) }
                </ol>
            </section>
        }
    }

    fn view_partitions(&self, ctx: &Context<Self>) -> Html {
        let total: u64 = self.shop.per_partition.iter().sum::<u64>().max(1);
        let live = self.live_active();
        let partitioner = self.settings.partitioner;
        let link = ctx.link();
        let text = if live {
            "Each seller's sales always land in one partition and stay in order there; which one is read from the topic (the producer's partitioner decides)."
        } else if partitioner == Partitioner::Murmur2 {
            "Kafka's Java client (and hopscope produce) sends a key to murmur2(key) mod 6, so each seller's sales always land in one partition and stay in order there."
        } else {
            "librdkafka's default partitioner (confluent-kafka, the seed's Python producer) sends a key to crc32(key) mod 6: most sellers land elsewhere than with the Java client's murmur2."
        };
        html! {
            <section class="panel" aria-label="Kafka partitions">
                <h2>{ "Topic sales: 6 partitions, key = seller" }</h2>
                <p class="muted">{ text }</p>
                if !live {
                    <label class="muted">{ "Producer's partitioner " }
                        <select data-testid="partitioner" onchange={link.callback(|e: Event| {
                            let v = e.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
                            Msg::SetPartitioner(Partitioner::parse(&v).unwrap_or_default())
                        })}>
                            <option value="murmur2" selected={partitioner == Partitioner::Murmur2}>{ "murmur2 (Java clients, hopscope)" }</option>
                            <option value="consistent-random" selected={partitioner == Partitioner::ConsistentRandom}>{ "consistent_random (librdkafka default, the seed)" }</option>
                        </select>
                    </label>
                }
                <div class="partitions" data-testid="partitions">
                    { for self.shop.per_partition.iter().enumerate().map(|(p, n)| {
                        let sellers: Vec<&str> = if live {
                            self.shop.seller_partitions.iter().filter(|(_, q)| **q as usize == p).map(|(s, _)| s.as_str()).collect()
                        } else {
                            SELLERS.iter().copied().filter(|s| partitioner.partition(s.as_bytes(), 6) as usize == p).collect()
                        };
                        html! {
                            <div class="partition" data-testid={format!("partition-{p}")}>
                                <div class="partition-head">{ format!("P{p}") }
                                    <span class="muted">{ format!(" {n} sales ({:.0}%)", 100.0 * *n as f64 / total as f64) }</span></div>
                                <div class="partition-bar" style={format!("width:{:.1}%", 100.0 * *n as f64 / total as f64)}></div>
                                <ul>{ for sellers.iter().map(|s| html! { <li>{ *s }</li> }) }</ul>
                            </div>
                        }
                    }) }
                </div>
                <p class="muted">{ format!("{} sales seen, {} late ({} of them dropped: all their windows had fired)", self.shop.total_sales, self.shop.late, self.shop.dropped) }</p>
            </section>
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hopscope_core::detect::CooldownConfig;
    use hopscope_core::Span;

    #[test]
    fn the_cooldown_table_says_how_each_kind_moved() {
        let c = CooldownConfig::default();
        assert_eq!(moved(c.start, &c), "= as it started");
        assert_eq!(
            moved(Span::millis(1_800), &c),
            "↑ ×1.20: alerts kept coming"
        );
        assert_eq!(
            moved(c.max, &c),
            format!(
                "↑ ×{:.2}: alerts kept coming (at the maximum)",
                c.max.0 as f64 / c.start.0 as f64
            )
        );
        assert_eq!(moved(Span::millis(1_350), &c), "↓ ×0.90: calm since");
        assert!(
            cooldown_rule(&c).contains("starts at 1.50 s"),
            "{}",
            cooldown_rule(&c)
        );
        assert!(
            cooldown_rule(&c).contains("×1.2 (up to 4.00 s)"),
            "{}",
            cooldown_rule(&c)
        );
        assert!(
            cooldown_rule(&c).contains("×0.9 (down to 0.80 s)"),
            "{}",
            cooldown_rule(&c)
        );
    }
}

#[cfg(test)]
mod compact_tests {
    use super::compact_number;

    #[test]
    fn compact_numbers_stay_short_at_every_magnitude() {
        assert_eq!(compact_number(212.0), "212");
        assert_eq!(compact_number(18_149.0), "18.1K");
        assert_eq!(compact_number(999_949.0), "999.9K");
        // Not "1000.0K": past the rounding edge it is millions.
        assert_eq!(compact_number(999_960.0), "1.00M");
        assert_eq!(compact_number(2_345_678.0), "2.35M");
        for k in 0..12 {
            let n = 10f64.powi(k) * 9.9999;
            assert!(compact_number(n).len() <= 7, "{n}: {}", compact_number(n));
        }
    }
}
