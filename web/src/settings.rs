//! Everything a lesson depends on, kept in the URL query so a teacher can share a link
//! that reproduces it: `?tab=teach&seed=7&rate=5&speed=60&size=10s&slide=3s&time=event&delay=2s`,
//! and in the teaching view a selected window and the lesson clock (`window=10s&at=30s`) so a
//! teacher can share "look at this window".

use hopscope_core::partition::Partitioner;
use hopscope_core::window::TimeDomain;
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

#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub tab: Tab,
    pub source: Source,
    pub bridge: String,
    /// How the dashboard windows live records. Event time: by `sale_date`, one watermark
    /// per partition, starting one window back (warm start) so the first window shown is
    /// already complete. Processing time: by arrival (the seed's proctime), new records
    /// only, so windows fill up from empty.
    pub live_time: TimeDomain,
    pub seed: u64,
    /// Simulated sales per second.
    pub rate: f64,
    /// Simulated seconds per real second.
    pub speed: f64,
    /// Teaching view: window size and slide, time mode, watermark delay (the
    /// `WATERMARK … - INTERVAL` of Flink's DDL; not Flink's *allowed lateness*, which is
    /// another setting).
    pub size: Span,
    pub slide: Span,
    pub time: TimeDomain,
    pub delay: Span,
    /// Teaching view: the selected window's start (ms), and the lesson clock the link was
    /// made at — opening the link plays the (seeded) lesson to that moment.
    pub window: Option<i64>,
    pub at: Option<Span>,
    /// Teaching view: 1 (one stream) or the Kafka partitions the sales are read from.
    pub parts: u32,
    /// How the simulated producer places sellers on partitions.
    pub partitioner: Partitioner,
    /// Teaching view: the open exercise (its id), and the set a teacher's link names
    /// (only those are listed).
    pub exercise: Option<String>,
    pub set: Option<Vec<String>>,
    /// Teaching view: a teacher's scripted sales (`sales=`), played instead of generated ones.
    pub script: Option<Vec<crate::lesson::ScriptedSale>>,
    /// Teaching view: the presenter view (large type, the picture and one prompt).
    pub present: bool,
}

pub const SPEEDS: [f64; 5] = [1.0, 10.0, 60.0, 600.0, 3600.0];
pub const DEFAULT_BRIDGE: &str = "ws://127.0.0.1:8081/ws";

impl Default for Settings {
    fn default() -> Self {
        Settings {
            tab: Tab::Dashboard,
            source: Source::Simulator,
            bridge: DEFAULT_BRIDGE.into(),
            live_time: TimeDomain::Event,
            seed: 42,
            rate: 5.0,
            speed: 60.0,
            size: Span::seconds(10),
            slide: Span::seconds(2),
            time: TimeDomain::Event,
            delay: Span::seconds(2),
            window: None,
            at: None,
            parts: 1,
            partitioner: Partitioner::Murmur2,
            exercise: None,
            set: None,
            script: None,
            present: false,
        }
    }
}

/// Most windows one sale may be in, in the teaching view: the seed's own 15 min / 1 s. More
/// overlapping bars than that freeze the drawing (1 d / 1 s once never rendered).
pub const MAX_WINDOWS_PER_SALE: i64 = 900;
/// Sales per second the simulator accepts.
pub const MAX_RATE: f64 = 10_000.0;

/// Why a field's text was not taken; shown beside the field, which keeps its last good value.
pub type FieldError = String;

/// A window size: a duration with its unit, above zero.
pub fn parse_size(text: &str) -> Result<Span, FieldError> {
    let s = Span::parse(text).map_err(|e| e.to_string())?;
    engine_accepts(s, s)?;
    Ok(s)
}

/// A slide: above zero, at most the size, and not so small that one sale falls in more
/// than [`MAX_WINDOWS_PER_SALE`] windows.
pub fn parse_slide(text: &str, size: Span) -> Result<Span, FieldError> {
    let s = Span::parse(text).map_err(|e| e.to_string())?;
    check_shape(size, s)?;
    Ok(s)
}

/// What the engine refuses, in its own words (`WindowConfig::validate`), so the page and
/// the command line say the same thing.
fn engine_accepts(size: Span, slide: Span) -> Result<(), FieldError> {
    hopscope_core::WindowConfig::hop(size, slide, hopscope_core::TimeMode::Processing)
        .validate()
        .map_err(|e| e.to_string())
}

/// Size and slide together: what the engine accepts, and a drawable number of windows per
/// sale.
pub fn check_shape(size: Span, slide: Span) -> Result<(), FieldError> {
    engine_accepts(size, slide)?;
    if size.0 / slide.0 > MAX_WINDOWS_PER_SALE {
        return Err(format!(
            "{size} / {slide} puts each sale in {} windows; the teaching view draws at most {MAX_WINDOWS_PER_SALE} (the seed's 15m / 1s)",
            size.0 / slide.0
        ));
    }
    Ok(())
}

/// A watermark delay: a duration with its unit, zero or more.
pub fn parse_delay(text: &str) -> Result<Span, FieldError> {
    Span::parse(text).map_err(|e| e.to_string())
}

/// Simulated sales per second: a number from 0 to [`MAX_RATE`].
pub fn parse_rate(text: &str) -> Result<f64, FieldError> {
    match text.trim().parse::<f64>() {
        Ok(r) if (0.0..=MAX_RATE).contains(&r) => Ok(r),
        _ => Err(format!(
            "sales per second must be a number from 0 to {MAX_RATE}, got {:?}",
            text.trim()
        )),
    }
}

/// A generator seed: a whole number from 0.
pub fn parse_seed(text: &str) -> Result<u64, FieldError> {
    text.trim().parse().map_err(|_| {
        format!(
            "the seed must be a whole number from 0, got {:?}",
            text.trim()
        )
    })
}

/// The bridge a page loaded over `protocol` (`https:`) from `host` (`name:port`) talks to.
/// A page served over https may open only wss:// (browsers refuse ws:// there as mixed
/// content), so a ws:// address becomes wss://; with no address given, a page served over
/// https is the bridge's own (`serve --tls-cert`) and finds it at its own origin.
pub fn bridge_for_page(bridge: &str, given: bool, protocol: &str, host: &str) -> String {
    if protocol != "https:" {
        return bridge.to_string();
    }
    if !given {
        return format!("wss://{host}/ws");
    }
    match bridge.strip_prefix("ws://") {
        Some(rest) => format!("wss://{rest}"),
        None => bridge.to_string(),
    }
}

/// The page's query with the bridge [`bridge_for_page`] gives, so the page connects to it
/// from its first action.
pub fn query_for_page(query: &str, protocol: &str, host: &str) -> String {
    let q = query.trim_start_matches('?');
    let given = form_urlencoded::parse(q.as_bytes()).any(|(k, _)| k == "bridge");
    let current = Settings::from_query(q).bridge;
    let bridge = bridge_for_page(&current, given, protocol, host);
    if bridge == current {
        return q.to_string();
    }
    let encoded: String = form_urlencoded::byte_serialize(bridge.as_bytes()).collect();
    if q.is_empty() {
        format!("bridge={encoded}")
    } else {
        format!("{q}&bridge={encoded}")
    }
}

/// The bridge's WebSocket URL.
pub fn parse_bridge(text: &str) -> Result<String, FieldError> {
    let t = text.trim();
    if (t.starts_with("ws://") || t.starts_with("wss://")) && t.len() > 6 && !t.contains(' ') {
        Ok(t.to_string())
    } else {
        Err(format!(
            "the bridge address is a WebSocket URL such as {DEFAULT_BRIDGE}, got {t:?}"
        ))
    }
}

impl Settings {
    /// Reads a query string like [`Settings::from_query`], and says what it refused: each
    /// problem names the field's test id, so the page shows it by the field.
    pub fn from_query_checked(query: &str) -> (Settings, Vec<(&'static str, FieldError)>) {
        let d = Settings::default();
        // Unchecked fields as `from_query` reads them; checked ones from their defaults.
        let mut s = Settings {
            size: d.size,
            slide: d.slide,
            delay: d.delay,
            rate: d.rate,
            seed: d.seed,
            bridge: d.bridge.clone(),
            ..Settings::from_query(query)
        };
        let mut problems = Vec::new();
        let mut raw_slide = None;
        for (k, v) in form_urlencoded::parse(query.trim_start_matches('?').as_bytes()) {
            let mut take = |id: &'static str, r: Result<(), FieldError>| {
                if let Err(e) = r {
                    problems.push((id, format!("from the link: {e}")));
                }
            };
            match k.as_ref() {
                "size" => take("lesson-size", parse_size(&v).map(|x| s.size = x)),
                "slide" => raw_slide = Some(v.into_owned()),
                "delay" | "lateness" => take("lesson-delay", parse_delay(&v).map(|x| s.delay = x)),
                "rate" => take("rate", parse_rate(&v).map(|x| s.rate = x)),
                "seed" => take("seed", parse_seed(&v).map(|x| s.seed = x)),
                "bridge" => take("bridge-url", parse_bridge(&v).map(|x| s.bridge = x)),
                "sales" => take(
                    "lesson-script",
                    crate::lesson::parse_script(&v).map(|x| s.script = Some(x)),
                ),
                _ => {}
            }
        }
        if let Some(v) = raw_slide {
            match parse_slide(&v, s.size) {
                Ok(x) => s.slide = x,
                Err(e) => problems.push(("lesson-slide", format!("from the link: {e}"))),
            }
        }
        if check_shape(s.size, s.slide).is_err() {
            // A good size with the default slide can still be too fine or too coarse.
            s.slide = Span(s.size.0.min(d.slide.0).max(s.size.0 / MAX_WINDOWS_PER_SALE));
        }
        (s, problems)
    }

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
                "ltime" => s.live_time = TimeDomain::from_name(&v).unwrap_or(TimeDomain::Event),
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
                "time" => s.time = TimeDomain::from_name(&v).unwrap_or(TimeDomain::Event),
                "delay" | "lateness" => s.delay = Span::parse(&v).unwrap_or(s.delay),
                "window" => s.window = parse_instant(&v),
                "at" => s.at = Span::parse(&v).ok().filter(|x| x.0 >= 0 && x.0 <= MAX_AT.0),
                "partitioner" => s.partitioner = Partitioner::parse(&v).unwrap_or(s.partitioner),
                // Unknown ids are left out: an old link still opens.
                "exercise" => s.exercise = crate::exercises::find(&v).map(|e| e.id.to_string()),
                "sales" => s.script = crate::lesson::parse_script(&v).ok(),
                "present" => s.present = v == "1",
                "set" => {
                    let ids: Vec<String> = v
                        .split(',')
                        .filter_map(|id| crate::exercises::find(id.trim()))
                        .map(|e| e.id.to_string())
                        .collect();
                    s.set = (!ids.is_empty()).then_some(ids);
                }
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
        let mut q = format!(
            "?tab={}&source={}&bridge={}&ltime={}&seed={}&rate={}&speed={}&size={}&slide={}&time={}&delay={}&parts={}&partitioner={}",
            match self.tab {
                Tab::Dashboard => "dashboard",
                Tab::Teach => "teach",
            },
            match self.source {
                Source::Simulator => "sim",
                Source::Live => "live",
            },
            form_urlencoded::byte_serialize(self.bridge.as_bytes()).collect::<String>(),
            self.live_time.name(),
            self.seed,
            self.rate,
            self.speed,
            self.size,
            self.slide,
            self.time.name(),
            self.delay,
            self.parts,
            match self.partitioner {
                Partitioner::Murmur2 => "murmur2",
                Partitioner::ConsistentRandom => "consistent-random",
            }
        );
        if let Some(w) = self.window {
            q.push_str(&format!("&window={}", instant_text(w)));
        }
        if let Some(at) = self.at {
            q.push_str(&format!("&at={at}"));
        }
        if let Some(e) = &self.exercise {
            q.push_str(&format!("&exercise={e}"));
        }
        if let Some(set) = &self.set {
            q.push_str(&format!("&set={}", set.join(",")));
        }
        if self.present {
            q.push_str("&present=1");
        }
        if let Some(script) = &self.script {
            q.push_str("&sales=");
            q.extend(form_urlencoded::byte_serialize(
                crate::lesson::script_text(script).as_bytes(),
            ));
        }
        q
    }
}

/// The furthest lesson clock a link may ask the page to play to (a day of lesson time,
/// about 50,000 sales: a second of work, not a frozen tab).
pub const MAX_AT: Span = Span(86_400_000);

/// A window start as a link writes it: a duration with its unit, `-` before it for
/// instants before the epoch (`-8s`).
pub fn instant_text(ms: i64) -> String {
    if ms < 0 {
        format!("-{}", Span(-ms))
    } else {
        Span(ms).to_string()
    }
}

/// Reads [`instant_text`]; `None` for anything else.
pub fn parse_instant(text: &str) -> Option<i64> {
    match text.strip_prefix('-') {
        Some(rest) => Span::parse(rest).ok().map(|s| -s.0),
        None => Span::parse(text).ok().map(|s| s.0),
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
            live_time: TimeDomain::Processing,
            seed: 7,
            rate: 12.5,
            speed: 600.0,
            size: Span::seconds(10),
            slide: Span::seconds(3),
            time: TimeDomain::Processing,
            delay: Span::millis(1500),
            window: Some(-8_000),
            at: Some(Span::seconds(30)),
            parts: 3,
            partitioner: Partitioner::ConsistentRandom,
            exercise: Some("late".into()),
            set: Some(vec!["join".into(), "late".into()]),
            script: Some(crate::lesson::parse_script("1.5:19.99:ana,0.25@2:5:bo-2").unwrap()),
            present: true,
        };
        assert_eq!(Settings::from_query(&s.to_query()), s);
        // An unknown exercise is left out of a set, and not opened.
        let s = Settings::from_query("exercise=nope&set=nope,end");
        assert_eq!((s.exercise, s.set), (None, Some(vec!["end".to_string()])));
        // Links from before the watermark delay had its own name still open.
        assert_eq!(Settings::from_query("lateness=3s").delay, Span::seconds(3));
        assert_eq!(Settings::from_query("window=junk").window, None);
        assert_eq!(Settings::from_query("at=1000d").at, None, "beyond MAX_AT");
    }

    #[test]
    fn checked_queries_name_each_refused_value_and_keep_good_ones() {
        let (s, problems) = Settings::from_query_checked(
            "?size=-5s&slide=abc&lateness=-1s&rate=20000&seed=x&bridge=http://evil&tab=teach",
        );
        let ids: Vec<&str> = problems.iter().map(|(id, _)| *id).collect();
        assert_eq!(
            ids,
            [
                "lesson-size",
                "lesson-delay",
                "rate",
                "seed",
                "bridge-url",
                "lesson-slide"
            ]
        );
        assert_eq!(s.tab, Tab::Teach, "good values still apply");
        assert_eq!(
            (s.size, s.slide, s.rate),
            (Span::seconds(10), Span::seconds(2), 5.0)
        );
        let (s, problems) = Settings::from_query_checked("size=4s&slide=9s");
        assert_eq!(s.size, Span::seconds(4));
        assert_eq!(s.slide, Span::seconds(2), "the slide stays a good one");
        assert!(
            problems[0].1.contains("must not exceed size"),
            "{problems:?}"
        );
        let (s, problems) = Settings::from_query_checked("size=1d&slide=1s");
        assert!(problems[0].1.contains("at most 900"), "{problems:?}");
        assert!(
            check_shape(s.size, s.slide).is_ok(),
            "{:?} {:?}",
            s.size,
            s.slide
        );
        let (_, problems) = Settings::from_query_checked("size=0");
        assert!(problems[0].1.contains("must be positive"), "{problems:?}");
        assert!(parse_size("10.5s").is_err());
        assert!(parse_size("").is_err());
        assert!(parse_rate("-5").is_err());
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

    #[test]
    fn a_page_served_over_https_talks_wss() {
        assert_eq!(
            bridge_for_page(DEFAULT_BRIDGE, false, "https:", "bridge.lan:8443"),
            "wss://bridge.lan:8443/ws"
        );
        assert_eq!(
            bridge_for_page("ws://10.0.0.5:8081/ws", true, "https:", "x"),
            "wss://10.0.0.5:8081/ws"
        );
        assert_eq!(
            bridge_for_page("wss://a/ws", true, "https:", "x"),
            "wss://a/ws"
        );
        assert_eq!(
            bridge_for_page(DEFAULT_BRIDGE, false, "http:", "127.0.0.1:8080"),
            DEFAULT_BRIDGE
        );
        let q = query_for_page("?source=live", "https:", "localhost:8443");
        assert_eq!(Settings::from_query(&q).bridge, "wss://localhost:8443/ws");
        assert_eq!(Settings::from_query(&q).source, Source::Live);
        assert_eq!(query_for_page("?source=live", "http:", "x"), "source=live");
    }
}
