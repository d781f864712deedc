//! The topic's partitions: sales per partition and the sellers each one holds — a card
//! each for up to a dozen, one row per busy partition for bigger topics (bounded lists).

use super::{select_value, use_dispatch, PageRef};
use crate::format::count;
use crate::page::Action;
use hopscope_core::generate::SELLERS;
use hopscope_core::partition::Partitioner;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct PartitionsProps {
    pub page: PageRef,
    pub shop: u64,
    pub settings: u64,
}

#[function_component(Partitions)]
pub fn partitions(p: &PartitionsProps) -> Html {
    let dispatch = use_dispatch();
    let page = p.page.get();
    let shop = &page.shop;
    let total: u64 = shop.per_partition.iter().sum::<u64>().max(1);
    let live = page.live_active();
    let partitioner = page.settings.partitioner;
    let text = if live {
        "Each seller's sales always land in one partition and stay in order there; which one is read from the topic (the producer's partitioner decides)."
    } else if partitioner == Partitioner::Murmur2 {
        "Kafka's Java client (and hopscope produce) sends a key to murmur2(key) mod 6, so each seller's sales always land in one partition and stay in order there."
    } else {
        "librdkafka's default partitioner (confluent-kafka, the seed's Python producer) sends a key to crc32(key) mod 6: most sellers land elsewhere than with the Java client's murmur2."
    };
    let n = shop.per_partition.len();
    let title = match (&page.live.topic, live) {
        (Some(topic), true) => format!("Topic {topic}: {n} partitions, key = seller"),
        _ => format!("Topic sales: {n} partitions, key = seller"),
    };
    let sellers_of = |p: usize| -> Vec<&str> {
        if live {
            shop.seller_partitions
                .iter()
                .filter(|(_, q)| **q as usize == p)
                .map(|(s, _)| s.as_str())
                .collect()
        } else {
            SELLERS
                .iter()
                .copied()
                .filter(|s| partitioner.partition(s.as_bytes(), 6) as usize == p)
                .collect()
        }
    };
    let share = |n: u64| 100.0 * n as f64 / total as f64;
    // Live: how far the bridge is behind each partition's end (its status, once a second).
    let lag_of = |p: usize| -> String {
        if !live {
            return String::new();
        }
        page.live
            .lag
            .iter()
            .find(|(q, _)| *q as usize == p)
            .map(|(_, l)| format!(" · lag {l}"))
            .unwrap_or_default()
    };
    // Live: what this page read, and since when; in arrival time nothing is late.
    let seen = match (live, page.live.first_record) {
        (false, _) => "seen".to_string(),
        (true, Some(t)) => format!("read by this page since {t}"),
        (true, None) => "read by this page".to_string(),
    };
    let summary = if live && !shop.is_event_time() {
        format!(
            "{} {seen}; windows by arrival time, so no sale is late.",
            count(shop.total_sales, "sale", "sales")
        )
    } else {
        format!(
            "{} {seen}, {} late ({} of them dropped: all their windows had fired)",
            count(shop.total_sales, "sale", "sales"),
            shop.late,
            shop.dropped
        )
    };
    // Up to a dozen partitions get a card each; a bigger topic gets one row per partition
    // with sales (the busiest first, at most MAX_ROWS), so 4,096 partitions stay readable.
    let many = n > MAX_CARDS;
    let mut busy: Vec<(usize, u64)> = shop
        .per_partition
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, c)| *c > 0)
        .collect();
    busy.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let idle = n - busy.len();
    let more = busy.len().saturating_sub(MAX_ROWS);
    busy.truncate(MAX_ROWS);
    html! {
        <section class="panel" aria-label="Kafka partitions">
            <h2 data-testid="partitions-title">{ title }</h2>
            <p class="muted">{ text }</p>
            if !live {
                <label class="muted">{ "Producer's partitioner " }
                    <select data-testid="partitioner" onchange={dispatch.reform(|e: Event| {
                        Action::SetPartitioner(Partitioner::parse(&select_value(&e)).unwrap_or_default())
                    })}>
                        <option value="murmur2" selected={partitioner == Partitioner::Murmur2}>{ "murmur2 (Java clients, hopscope)" }</option>
                        <option value="consistent-random" selected={partitioner == Partitioner::ConsistentRandom}>{ "consistent_random (librdkafka default, the seed)" }</option>
                    </select>
                </label>
            }
            if many {
                <ol class="partition-rows" data-testid="partition-rows">
                    { for busy.iter().map(|(p, c)| {
                        let sellers = sellers_of(*p);
                        html! {
                            <li data-testid={format!("partition-{p}")}>
                                <span class="partition-head">{ format!("P{p}") }</span>
                                <span class="bar-cell"><span class="partition-bar" style={format!("width:{:.1}%", share(*c))}></span></span>
                                <span class="muted">{ format!("{} ({:.0}%){}{}", count(*c, "sale", "sales"), share(*c), lag_of(*p), seller_list(&sellers)) }</span>
                            </li>
                        }
                    }) }
                </ol>
                <p class="muted" data-testid="partitions-idle">{ format!(
                    "{}{idle} of {n} partitions have had no sales yet.",
                    if more > 0 { format!("{more} more partitions with sales, fewer each. ") } else { String::new() }) }</p>
            } else {
                <div class="partitions" data-testid="partitions">
                    { for shop.per_partition.iter().enumerate().map(|(p, c)| {
                        let sellers = sellers_of(p);
                        let shown = sellers.len().min(MAX_NAMES);
                        html! {
                            <div class="partition" data-testid={format!("partition-{p}")}>
                                <div class="partition-head">{ format!("P{p}") }
                                    <span class="muted">{ format!(" {} ({:.0}%){}", count(*c, "sale", "sales"), share(*c), lag_of(p)) }</span></div>
                                <div class="partition-bar" style={format!("width:{:.1}%", share(*c))}></div>
                                <ul>
                                    { for sellers[..shown].iter().map(|s| html! { <li>{ *s }</li> }) }
                                    if sellers.len() > shown {
                                        <li class="muted">{ format!("+{} more", sellers.len() - shown) }</li>
                                    }
                                </ul>
                            </div>
                        }
                    }) }
                </div>
            }
            <p class="muted" data-testid="partitions-summary">{ summary }</p>
            if shop.beyond_partitions > 0 {
                <p class="muted" data-testid="partitions-beyond">{ format!(
                    "{} sales came from partitions numbered {} or more: counted in the windows, not listed here.",
                    shop.beyond_partitions, crate::shop::MAX_PARTITIONS) }</p>
            }
            if shop.sellers_unlisted {
                <p class="muted">{ format!("Sellers listed: the first {} seen; later ones count in the windows.", crate::shop::MAX_SELLERS) }</p>
            }
        </section>
    }
}

/// Partitions that get a card each; past this many, one row per partition with sales.
const MAX_CARDS: usize = 12;
/// Rows of partitions with sales, busiest first, in the many-partitions list.
const MAX_ROWS: usize = 24;
/// Seller names per partition.
const MAX_NAMES: usize = 8;

/// `: ana.silva, bruno.souza +3 more` (at most [`MAX_NAMES`] names), or nothing.
fn seller_list(sellers: &[&str]) -> String {
    match sellers.len() {
        0 => String::new(),
        n if n <= MAX_NAMES => format!(": {}", sellers.join(", ")),
        n => format!(
            ": {} +{} more",
            sellers[..MAX_NAMES].join(", "),
            n - MAX_NAMES
        ),
    }
}
