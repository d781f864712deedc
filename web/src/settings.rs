//! Everything a lesson depends on, kept in the URL query so a teacher can share a link
//! that reproduces it: `?tab=teach&seed=7&rate=5&speed=60&size=10s&slide=3s&time=event&lateness=2s`.

use hopscope_core::partition::Partitioner;
use hopscope_core::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Dashboard,
    Teach,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Simulator,
    Live,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LessonTime {
    Event,
    Processing,
}

/// How the dashboard windows live records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiveTime {
    /// By `sale_date`, one watermark per partition, starting one window back (warm start):
    /// the first window shown is already complete.
    Event,
    /// By arrival (the seed's proctime), new records only: windows fill up from empty.
    Processing,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub tab: Tab,
    pub source: Source,
    pub bridge: String,
    /// Live source: event time with a warm start, or processing time.
    pub live_time: LiveTime,
    pub seed: u64,
    /// Simulated sales per second.
    pub rate: f64,
    /// Simulated seconds per real second.
    pub speed: f64,
    /// Teaching view: window size and slide, time mode, allowed lateness.
    pub size: Span,
    pub slide: Span,
    pub time: LessonTime,
    pub lateness: Span,
    /// Teaching view: 1 (one stream) or the Kafka partitions the sales are read from.
    pub parts: u32,
    /// How the simulated producer places sellers on partitions.
    pub partitioner: Partitioner,
}

pub const SPEEDS: [f64; 5] = [1.0, 10.0, 60.0, 600.0, 3600.0];
pub const DEFAULT_BRIDGE: &str = "ws://127.0.0.1:8081/ws";

impl Default for Settings {
    fn default() -> Self {
        Settings {
            tab: Tab::Dashboard,
            source: Source::Simulator,
            bridge: DEFAULT_BRIDGE.into(),
            live_time: LiveTime::Event,
            seed: 42,
            rate: 5.0,
            speed: 60.0,
            size: Span::seconds(10),
            slide: Span::seconds(2),
            time: LessonTime::Event,
            lateness: Span::seconds(2),
            parts: 1,
            partitioner: Partitioner::Murmur2,
        }
    }
}

impl Settings {
    /// Reads a query string (with or without `?`). Unknown keys are ignored and bad values
    /// keep their defaults, so an old or hand-edited link still opens.
    pub fn from_query(query: &str) -> Settings {
        let mut s = Settings::default();
        for (k, v) in form_urlencoded::parse(query.trim_start_matches('?').as_bytes()) {
            let v = v.into_owned();
            match k.as_ref() {
                "tab" => {
                    s.tab = if v == "teach" {
                        Tab::Teach
                    } else {
                        Tab::Dashboard
                    }
                }
                "source" => {
                    s.source = if v == "live" {
                        Source::Live
                    } else {
                        Source::Simulator
                    }
                }
                "bridge" if v.starts_with("ws://") || v.starts_with("wss://") => s.bridge = v,
                "ltime" => {
                    s.live_time = if v == "processing" {
                        LiveTime::Processing
                    } else {
                        LiveTime::Event
                    }
                }
                "seed" => s.seed = v.parse().unwrap_or(s.seed),
                "rate" => {
                    s.rate = v
                        .parse::<f64>()
                        .ok()
                        .filter(|r| (0.0..=10_000.0).contains(r))
                        .unwrap_or(s.rate)
                }
                "speed" => {
                    s.speed = v
                        .parse::<f64>()
                        .ok()
                        .filter(|x| (0.1..=36_000.0).contains(x))
                        .unwrap_or(s.speed)
                }
                "size" => s.size = Span::parse(&v).ok().filter(|x| x.0 > 0).unwrap_or(s.size),
                "slide" => s.slide = Span::parse(&v).ok().filter(|x| x.0 > 0).unwrap_or(s.slide),
                "time" => {
                    s.time = if v == "processing" {
                        LessonTime::Processing
                    } else {
                        LessonTime::Event
                    }
                }
                "lateness" => s.lateness = Span::parse(&v).unwrap_or(s.lateness),
                "partitioner" => s.partitioner = Partitioner::parse(&v).unwrap_or(s.partitioner),
                "parts" => {
                    s.parts = v
                        .parse::<u32>()
                        .ok()
                        .filter(|p| (1..=3).contains(p))
                        .unwrap_or(s.parts)
                }
                _ => {}
            }
        }
        if s.slide > s.size {
            s.slide = s.size;
        }
        s
    }

    pub fn to_query(&self) -> String {
        format!(
            "?tab={}&source={}&bridge={}&ltime={}&seed={}&rate={}&speed={}&size={}&slide={}&time={}&lateness={}&parts={}&partitioner={}",
            match self.tab {
                Tab::Dashboard => "dashboard",
                Tab::Teach => "teach",
            },
            match self.source {
                Source::Simulator => "sim",
                Source::Live => "live",
            },
            form_urlencoded::byte_serialize(self.bridge.as_bytes()).collect::<String>(),
            match self.live_time {
                LiveTime::Event => "event",
                LiveTime::Processing => "processing",
            },
            self.seed,
            self.rate,
            self.speed,
            self.size,
            self.slide,
            match self.time {
                LessonTime::Event => "event",
                LessonTime::Processing => "processing",
            },
            self.lateness,
            self.parts,
            match self.partitioner {
                Partitioner::Murmur2 => "murmur2",
                Partitioner::ConsistentRandom => "consistent-random",
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_through_the_query() {
        let s = Settings {
            tab: Tab::Teach,
            source: Source::Live,
            bridge: "ws://localhost:9000/ws".into(),
            live_time: LiveTime::Processing,
            seed: 7,
            rate: 12.5,
            speed: 600.0,
            size: Span::seconds(10),
            slide: Span::seconds(3),
            time: LessonTime::Processing,
            lateness: Span::millis(1500),
            parts: 3,
            partitioner: Partitioner::ConsistentRandom,
        };
        assert_eq!(Settings::from_query(&s.to_query()), s);
    }

    #[test]
    fn bad_values_fall_back_to_defaults() {
        let s = Settings::from_query(
            "?seed=x&rate=-1&size=0s&slide=zz&bridge=http://evil&junk&speed=1e9",
        );
        assert_eq!(s, Settings::default());
        let s = Settings::from_query("size=4s&slide=9s");
        assert_eq!(s.slide, Span::seconds(4), "slide is clamped to the size");
    }
}
