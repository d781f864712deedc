//! The topic's six partitions: sales per partition and the sellers each one holds.

use super::{select_value, use_dispatch, Shared};
use crate::page::Action;
use hopscope_core::generate::SELLERS;
use hopscope_core::partition::Partitioner;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct PartitionsProps {
    pub page: Shared,
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
    html! {
        <section class="panel" aria-label="Kafka partitions">
            <h2>{ "Topic sales: 6 partitions, key = seller" }</h2>
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
            <div class="partitions" data-testid="partitions">
                { for shop.per_partition.iter().enumerate().map(|(p, n)| {
                    let sellers: Vec<&str> = if live {
                        shop.seller_partitions.iter().filter(|(_, q)| **q as usize == p).map(|(s, _)| s.as_str()).collect()
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
            <p class="muted">{ format!("{} sales seen, {} late ({} of them dropped: all their windows had fired)", shop.total_sales, shop.late, shop.dropped) }</p>
        </section>
    }
}
