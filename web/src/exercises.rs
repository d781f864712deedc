//! Predict, then reveal: exercises built on the lesson. Each one sets up a seeded lesson
//! (its settings and a few steps), pauses right before something happens and asks what
//! will happen; the answer is checked against what the engine then does (the question is
//! computed from a replay of the same lesson with the reveal's steps — never written by
//! hand), explained, and a wrong choice names the misconception it reveals.
//!
//! Pure and deterministic (a lesson is a function of its settings and steps), so every
//! exercise is tested natively: it builds, its right answer is what the reveal shows, and
//! each wrong choice has its trap.

use crate::format::secs;
use crate::lesson::{Lesson, Waiting};
use hopscope_core::window::{Pushed, TimeMode};
use hopscope_core::Span;

/// What the lesson does before (and, to reveal, after) the question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The next sale arrives, `n` times.
    Next(u32),
    /// A sale just behind the watermark arrives.
    Late,
    /// A sale behind every one of its windows arrives.
    TooLate,
    /// A partition is held back (or released).
    Pause(u32),
    /// The clock moves on by one slide, `n` times.
    Slide(u32),
    /// The input ends.
    End,
}

/// The lesson an exercise runs on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Setup {
    pub size: Span,
    pub slide: Span,
    /// `None`: processing time.
    pub delay: Option<Span>,
    pub seed: u64,
    pub parts: u32,
    pub steps: &'static [Step],
}

impl Setup {
    pub fn time(&self) -> TimeMode {
        self.delay.map_or(TimeMode::Processing, TimeMode::event)
    }

    /// The lesson after `steps`, then `more`.
    pub fn lesson(&self, more: &[Step]) -> Lesson {
        let mut l = Lesson::new(self.size, self.slide, self.time(), self.seed)
            .and_then(|l| l.with_partitions(self.parts))
            .expect("an exercise's lesson is valid");
        for s in self.steps.iter().chain(more) {
            apply(&mut l, *s);
        }
        l
    }
}

pub fn apply(l: &mut Lesson, step: Step) {
    match step {
        Step::Next(n) => (0..n).for_each(|_| l.next_event()),
        Step::Late => l.inject_late(),
        Step::TooLate => l.inject_too_late(),
        Step::Pause(p) => l.toggle_pause(p),
        Step::Slide(n) => (0..n).for_each(|_| l.advance(l.config.slide)),
        Step::End => l.end_input(),
    }
}

/// A question, its choices and what each wrong one reveals.
#[derive(Clone, Debug, PartialEq)]
pub struct Question {
    pub prompt: String,
    pub choices: Vec<String>,
    /// Indices of the right choices (one unless `multi`).
    pub correct: Vec<usize>,
    /// Pick every right choice (checkboxes) rather than one (radio buttons).
    pub multi: bool,
    /// Why the right answer is right, with the lesson's numbers.
    pub why: String,
    /// Per choice: the misconception behind choosing it wrongly (or behind leaving a
    /// right one out, for `multi`).
    pub traps: Vec<Option<String>>,
    /// Steps after the setup's, to the moment the question is asked (the page plays them
    /// when the exercise opens).
    pub lead: Vec<Step>,
    /// What "Show me" does to the lesson then: the moment the question was about.
    pub reveal: Vec<Step>,
}

/// The result of checking an answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    pub right: bool,
    /// The misconceptions the wrong choices (and missed right ones) reveal.
    pub traps: Vec<String>,
}

impl Question {
    pub fn check(&self, chosen: &[usize]) -> Verdict {
        let mut chosen: Vec<usize> = chosen.to_vec();
        chosen.sort_unstable();
        chosen.dedup();
        let right = chosen == self.correct;
        let mut traps: Vec<String> = Vec::new();
        for (i, trap) in self.traps.iter().enumerate() {
            let wrong = chosen.contains(&i) != self.correct.contains(&i);
            if let (true, Some(t)) = (wrong, trap) {
                if !traps.contains(t) {
                    traps.push(t.clone());
                }
            }
        }
        Verdict { right, traps }
    }
}

/// One exercise: an id for links, a title, its lesson and its question.
pub struct Exercise {
    pub id: &'static str,
    pub title: &'static str,
    pub setup: Setup,
    ask: fn(&Setup) -> Question,
}

impl Exercise {
    pub fn question(&self) -> Question {
        (self.ask)(&self.setup)
    }
}

const fn lesson(steps: &'static [Step]) -> Setup {
    Setup {
        size: Span(10_000),
        slide: Span(2_000),
        delay: Some(Span(2_000)),
        seed: 3,
        parts: 1,
        steps,
    }
}

/// Every exercise, in the order a class meets them.
pub fn all() -> Vec<Exercise> {
    vec![
        Exercise {
            id: "hop-args",
            title: "HOP's arguments: which is the slide?",
            setup: lesson(&[Step::Next(4)]),
            ask: hop_args,
        },
        Exercise {
            id: "align",
            title: "Where do windows start?",
            setup: lesson(&[]),
            ask: align,
        },
        Exercise {
            id: "join",
            title: "Which windows will this sale join?",
            setup: lesson(&[Step::Next(7)]),
            ask: join,
        },
        Exercise {
            id: "count",
            title: "What will this window's COUNT be?",
            setup: lesson(&[Step::Next(9)]),
            ask: count_when_fired,
        },
        Exercise {
            id: "sum",
            title: "What will this window's SUM be?",
            setup: lesson(&[Step::Next(12)]),
            ask: sum_when_fired,
        },
        Exercise {
            id: "fire",
            title: "Which windows fire when the watermark moves?",
            setup: lesson(&[Step::Next(10)]),
            ask: fire,
        },
        Exercise {
            id: "fire-when",
            title: "When will this window fire?",
            setup: Setup {
                delay: Some(Span(3_000)),
                ..lesson(&[Step::Next(6)])
            },
            ask: fire_when,
        },
        Exercise {
            id: "late",
            title: "A late sale: in how many windows?",
            setup: lesson(&[Step::Next(14)]),
            ask: late,
        },
        Exercise {
            id: "too-late",
            title: "A very late sale: in how many windows?",
            setup: lesson(&[Step::Next(14)]),
            ask: too_late,
        },
        Exercise {
            id: "partition",
            title: "Which partition holds the watermark?",
            setup: Setup {
                parts: 3,
                ..lesson(&[Step::Next(8), Step::Pause(1), Step::Next(6)])
            },
            ask: partition,
        },
        Exercise {
            id: "idle",
            title: "Why does no window fire?",
            setup: Setup {
                parts: 3,
                ..lesson(&[Step::Next(6), Step::Pause(2), Step::Next(4)])
            },
            ask: idle,
        },
        Exercise {
            id: "end",
            title: "The input ends: what fires?",
            setup: lesson(&[Step::Next(11)]),
            ask: end,
        },
        Exercise {
            id: "processing",
            title: "Processing time: which windows count this sale?",
            setup: Setup {
                delay: None,
                ..lesson(&[Step::Next(8)])
            },
            ask: processing,
        },
    ]
}

pub fn find(id: &str) -> Option<Exercise> {
    all().into_iter().find(|e| e.id == id)
}

/// The indices of the choices (window starts) for which `right` holds.
fn indices(starts: &[i64], right: impl Fn(&i64) -> bool) -> Vec<usize> {
    starts
        .iter()
        .enumerate()
        .filter(|(_, st)| right(st))
        .map(|(i, _)| i)
        .collect()
}

fn window_text(start: i64, size: i64) -> String {
    format!("[{}, {})", secs(start), secs(start + size))
}

/// Numbers around the right one as choices, in order: (choices, index of the right one).
fn numbers(right: i64, others: &[i64]) -> (Vec<i64>, usize) {
    let mut all: Vec<i64> = others.iter().copied().filter(|n| *n != right).collect();
    all.push(right);
    all.sort_unstable();
    all.dedup();
    let at = all.iter().position(|n| *n == right).unwrap_or(0);
    (all, at)
}

fn hop_args(s: &Setup) -> Question {
    let (size, slide) = (s.size.0, s.slide.0);
    let per = size / slide;
    let (choices, at) = numbers(per, &[1, slide / 1_000, size / 1_000]);
    let traps = choices
        .iter()
        .map(|n| {
            Some(if *n == 1 {
                "Hopping windows overlap: with a slide smaller than the size every sale is in several (one window per sale is TUMBLE).".to_string()
            } else if *n == size / 1_000 {
                format!("{n} is the size in seconds, not a count of windows: a new window starts every slide, so size ÷ slide of them hold each instant.")
            } else {
                format!("Reading the arguments as (size, slide) swaps them: HOP takes the SLIDE first ({}), then the SIZE ({}).", secs(slide), secs(size))
            })
        })
        .collect();
    Question {
        prompt: format!(
            "The query says HOP(TABLE sales, DESCRIPTOR(sale_ts), INTERVAL '{}' SECOND, INTERVAL '{}' SECOND). In how many windows is each sale?",
            slide / 1_000,
            size / 1_000
        ),
        choices: choices.iter().map(|n| n.to_string()).collect(),
        correct: vec![at],
        multi: false,
        why: format!(
            "HOP's third argument is the slide ({}) and the fourth the size ({}): a window of {} starts every {}, so {} windows hold each instant.",
            secs(slide), secs(size), secs(size), secs(slide), per
        ),
        traps: with_right_none(traps, at),
        lead: Vec::new(),
        reveal: vec![Step::Next(1)],
    }
}

fn with_right_none(mut traps: Vec<Option<String>>, right: usize) -> Vec<Option<String>> {
    if let Some(t) = traps.get_mut(right) {
        *t = None;
    }
    traps
}

/// The sale the reveal's first `Next` delivers (the newest event after it).
fn next_sale(s: &Setup, reveal: &[Step]) -> (Lesson, crate::lesson::LessonEvent) {
    let after = s.lesson(reveal);
    let e = after
        .events
        .iter()
        .max_by_key(|e| e.id)
        .cloned()
        .expect("the reveal delivers a sale");
    (after, e)
}

fn align(s: &Setup) -> Question {
    let reveal = vec![Step::Next(1)];
    let (after, e) = next_sale(s, &reveal);
    let t = e.event_time.0;
    let first = after
        .windows_containing(e.event_time)
        .first()
        .map(|w| w.0 .0)
        .unwrap_or(t);
    let slide = s.slide.0;
    let (choices, at) = numbers(first, &[t, 0, t.div_euclid(slide) * slide]);
    let traps = choices
        .iter()
        .map(|c| {
            Some(if *c == t {
                "Windows do not start at the first sale: they are aligned to the epoch, starting at every multiple of the slide, whatever the data.".to_string()
            } else if *c == 0 {
                "The epoch is where the alignment counts from, but windows that started before it (at negative multiples of the slide) hold this sale too.".to_string()
            } else {
                format!("That is the newest window holding it (the slide boundary at or before the sale); the earliest started size − slide = {} before.", secs(s.size.0 - slide))
            })
        })
        .collect();
    Question {
        prompt: format!(
            "The lesson's first sale happens at {}. What is the start of the earliest window that holds it?",
            secs(t)
        ),
        choices: choices.iter().map(|c| secs(*c)).collect(),
        correct: vec![at],
        multi: false,
        why: format!(
            "Windows start at every multiple of the slide ({}) since the epoch; the windows holding {} are those starting after {} − size and no later than it: the earliest starts at {}.",
            secs(slide), secs(t), secs(t), secs(first)
        ),
        traps: with_right_none(traps, at),
        lead: Vec::new(),
        reveal,
    }
}

fn join(s: &Setup) -> Question {
    let reveal = vec![Step::Next(1)];
    let (after, e) = next_sale(s, &reveal);
    let size = s.size.0;
    let holding: Vec<i64> = after
        .windows_containing(e.event_time)
        .iter()
        .map(|w| w.0 .0)
        .collect();
    let lo = holding.first().copied().unwrap_or(0) - s.slide.0;
    let hi = holding.last().copied().unwrap_or(0) + s.slide.0;
    let starts: Vec<i64> = (0..)
        .map(|k| lo + k * s.slide.0)
        .take_while(|x| *x <= hi)
        .collect();
    let correct = indices(&starts, |st| holding.contains(st) && e.counts_in(*st, size));
    let t = e.event_time.0;
    let traps: Vec<Option<String>> = starts
        .iter()
        .map(|st| {
            Some(if holding.contains(st) {
                format!("Every window whose span covers the sale holds it: {} of them here (size ÷ slide), not only the newest.", holding.len())
            } else if *st > t {
                "A window holds sales from its start on: one starting after the sale cannot hold it.".to_string()
            } else {
                format!("A window is [start, end): it holds its start but not its end, so [{}, {}) ended before this sale.", secs(*st), secs(st + size))
            })
        })
        .collect();
    Question {
        prompt: format!(
            "The next sale happened at {}. Which windows will it join? Pick every one.",
            secs(e.event_time.0)
        ),
        choices: starts.iter().map(|st| window_text(*st, size)).collect(),
        correct,
        multi: true,
        why: format!(
            "A sale at {} is in every window [start, start + {}) with start ≤ {} < start + {}: {}.",
            secs(e.event_time.0),
            secs(size),
            secs(e.event_time.0),
            secs(size),
            holding
                .iter()
                .map(|st| window_text(*st, size))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        traps,
        lead: Vec::new(),
        reveal,
    }
}

/// The first open window holding sales, and the steps after which it has fired.
fn next_to_fire(s: &Setup) -> Option<(i64, u32, Lesson)> {
    let before = s.lesson(&[]);
    let start = before
        .events
        .iter()
        .flat_map(|e| before.windows_containing(e.event_time))
        .map(|w| w.0 .0)
        .filter(|st| !before.fired.contains_key(st))
        .min()?;
    for n in 1..40 {
        let after = s.lesson(&[Step::Next(n)]);
        if after.fired.contains_key(&start) {
            return Some((start, n, after));
        }
    }
    None
}

fn count_when_fired(s: &Setup) -> Question {
    let (start, n, after) = next_to_fire(s).expect("a window fires within 40 sales");
    let before = s.lesson(&[]);
    let size = s.size.0;
    let now = before.events_in(start).len() as i64;
    let right = after.fired[&start].row.sales_in_window as i64;
    let (choices, at) = numbers(right, &[now, right + 1, (right - 1).max(0)]);
    let traps = choices
        .iter()
        .map(|c| {
            Some(if *c == now && now != right {
                "The window is still open: sales that arrive before the watermark passes its end still count in it.".to_string()
            } else if *c > right {
                format!("A sale at exactly {} (the window's end) belongs to the next window: the end is excluded.", secs(start + size))
            } else {
                "Count every sale with start ≤ time < end that arrives before the window fires.".to_string()
            })
        })
        .collect();
    Question {
        prompt: format!(
            "Window {} has not fired yet. What will its COUNT(*) be when it fires?",
            window_text(start, size)
        ),
        choices: choices.iter().map(|c| c.to_string()).collect(),
        correct: vec![at],
        multi: false,
        why: format!(
            "It fires once the watermark reaches its end − 1 ms ({} from now); by then {} with start ≤ time < end have arrived.",
            crate::format::count(n, "sale", "sales"),
            crate::format::count(right as u64, "sale", "sales")
        ),
        traps: with_right_none(traps, at),
        lead: Vec::new(),
        reveal: vec![Step::Next(n)],
    }
}

fn sum_when_fired(s: &Setup) -> Question {
    let (start, n, after) = next_to_fire(s).expect("a window fires within 40 sales");
    let before = s.lesson(&[]);
    let size = s.size.0;
    let row = &after.fired[&start].row;
    let right = row.revenue.0;
    let now: i64 = before.events_in(start).iter().map(|e| e.value.0).sum();
    let biggest = row.biggest_sale.0;
    let (choices, at) = numbers(right, &[now, right - biggest, right + biggest]);
    let traps = choices
        .iter()
        .map(|c| {
            Some(if *c == now && now != right {
                "Sales still arriving before the watermark passes the window's end are added too.".to_string()
            } else if *c > right {
                "Only the sales inside the window add up, each once: the biggest sale is not counted twice.".to_string()
            } else {
                "Every sale inside the window counts, the biggest one too.".to_string()
            })
        })
        .collect();
    Question {
        prompt: format!(
            "Window {} has not fired yet. What will its SUM(price) be when it fires?",
            window_text(start, size)
        ),
        choices: choices
            .iter()
            .map(|c| hopscope_core::Cents(*c).display_plain())
            .collect(),
        correct: vec![at],
        multi: false,
        why: format!(
            "The {} in it when it fires ({} from now) add up to {}.",
            crate::format::count(row.sales_in_window, "sale", "sales"),
            crate::format::count(n, "sale", "sales"),
            row.revenue.display_plain()
        ),
        traps: with_right_none(traps, at),
        lead: Vec::new(),
        reveal: vec![Step::Next(n)],
    }
}

fn fire(s: &Setup) -> Question {
    let before = s.lesson(&[]);
    // The next sale that fires a window holding sales.
    let (n, after) = (1..40)
        .map(|n| (n, s.lesson(&[Step::Next(n)])))
        .find(|(_, a)| {
            a.fired
                .iter()
                .any(|(st, f)| !before.fired.contains_key(st) && f.row.sales_in_window > 0)
        })
        .expect("a window fires within 40 sales");
    let prev = s.lesson(&[Step::Next(n - 1)]);
    let size = s.size.0;
    let e = after.events.iter().max_by_key(|e| e.id).cloned().unwrap();
    let delay = s.delay.unwrap_or_default().0;
    let fired: Vec<i64> = after
        .fired
        .iter()
        .filter(|(st, f)| !prev.fired.contains_key(st) && f.row.sales_in_window > 0)
        .map(|(st, _)| *st)
        .collect();
    let open: Vec<i64> = prev
        .events
        .iter()
        .flat_map(|e| prev.windows_containing(e.event_time))
        .map(|w| w.0 .0)
        .filter(|st| !prev.fired.contains_key(st))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .take(fired.len() + 3)
        .collect();
    let wm = after.watermark().unwrap_or_default().0;
    let correct = indices(&open, |st| fired.contains(st));
    let traps = open
        .iter()
        .map(|st| {
            Some(if fired.contains(st) {
                format!("A window fires as soon as the watermark reaches its end − 1 ms: {} has.", window_text(*st, size))
            } else {
                format!("The watermark ({}) is the newest sale minus the delay, not the newest sale: {} needs it at {}.", secs(wm), window_text(*st, size), secs(st + size - 1))
            })
        })
        .collect();
    Question {
        prompt: format!(
            "The watermark is at {}. The next sale (at {}) moves it to {} − {} = {}. Which windows fire? Pick every one.",
            prev.watermark().map_or("nothing yet".into(), |w| secs(w.0)),
            secs(e.event_time.0),
            secs(e.event_time.0),
            secs(delay),
            secs(wm)
        ),
        choices: open.iter().map(|st| window_text(*st, size)).collect(),
        correct,
        multi: true,
        why: format!(
            "A window fires once the watermark reaches its end − 1 ms; at {} that is every window ending at or before {}.",
            secs(wm),
            secs(wm + 1)
        ),
        traps,
        lead: if n > 1 { vec![Step::Next(n - 1)] } else { Vec::new() },
        reveal: vec![Step::Next(1)],
    }
}

fn fire_when(s: &Setup) -> Question {
    let (start, n, after) = next_to_fire(s).expect("a window fires within 40 sales");
    let size = s.size.0;
    let delay = s.delay.unwrap_or_default().0;
    let end = start + size;
    let needs = end - 1 + delay;
    let firing = after.events.iter().max_by_key(|e| e.id).cloned().unwrap();
    let choices = vec![
        format!(
            "When a sale at {} or later arrives (end − 1 ms + delay {})",
            secs(needs),
            secs(delay)
        ),
        format!("When the clock reaches {} (its end)", secs(end)),
        format!("When a sale after {} (its end) arrives", secs(end)),
        "At the end of input only".to_string(),
    ];
    let traps = vec![
        None,
        Some("In event time the clock plays no part: only the watermark (the newest sale minus the delay) fires windows.".into()),
        Some(format!("The watermark trails the newest sale by the delay ({}): a sale just after the end moves it only to end − delay.", secs(delay))),
        Some("A watermark fires windows as the stream goes on; the end of input only fires what is left.".into()),
    ];
    Question {
        prompt: format!(
            "The watermark delay is {}. When will window {} fire?",
            secs(delay),
            window_text(start, size)
        ),
        choices,
        correct: vec![0],
        multi: false,
        why: format!(
            "It fires when the watermark (newest sale − {}) reaches {} − 1 ms: a sale at {} or later. Here the sale at {} does it, {} from now.",
            secs(delay),
            secs(end),
            secs(needs),
            secs(firing.event_time.0),
            crate::format::count(n, "sale", "sales")
        ),
        traps,
        lead: Vec::new(),
        reveal: vec![Step::Next(n)],
    }
}

fn late_question(s: &Setup, step: Step) -> Question {
    let reveal = vec![step];
    let (_, e) = next_sale(s, &reveal);
    let size = s.size.0;
    let windows = (size / s.slide.0) as usize;
    let joined = match e.fate {
        Pushed::Accepted => windows,
        Pushed::LateJoined { joined, .. } => joined as usize,
        Pushed::Dropped { .. } => 0,
    };
    let (options, at) = numbers(joined as i64, &[0, 1, windows as i64]);
    let traps = options
        .iter()
        .map(|n| {
            Some(if *n == windows as i64 {
                "Fired windows never change (Flink emits each row once, with no allowed lateness): a late sale joins only its windows that have not fired.".to_string()
            } else if *n == 0 {
                "Late is not lost: a sale behind the watermark still joins its windows that have not fired yet.".to_string()
            } else {
                format!("Count its windows still open: {joined} of its {windows}.")
            })
        })
        .collect();
    let wm = s.lesson(&[]).watermark().unwrap_or_default().0;
    Question {
        prompt: format!(
            "The watermark is at {}. A sale from {} arrives now. In how many of its {} windows will it count?",
            secs(wm),
            secs(e.event_time.0),
            windows
        ),
        choices: options.iter().map(|n| n.to_string()).collect(),
        correct: vec![at],
        multi: false,
        why: if joined == 0 {
            format!(
                "Every one of its windows ends at or before the watermark + 1 ms ({}): all have fired and stay as they were, so it is in none (Flink drops it; the lesson counts it as dropped).",
                secs(wm + 1)
            )
        } else {
            format!(
                "Its windows ending at or before the watermark + 1 ms ({}) have fired and stay as they were; it joins the other {}.",
                secs(wm + 1),
                joined
            )
        },
        traps: with_right_none(traps, at),
        lead: Vec::new(),
        reveal,
    }
}

fn late(s: &Setup) -> Question {
    late_question(s, Step::Late)
}

fn too_late(s: &Setup) -> Question {
    late_question(s, Step::TooLate)
}

fn partition(s: &Setup) -> Question {
    let l = s.lesson(&[]);
    let marks = l.partition_watermarks();
    let holding = marks
        .iter()
        .filter(|p| !p.idle)
        .min_by_key(|p| (p.watermark.is_some(), p.watermark))
        .map(|p| p.partition)
        .unwrap_or(0);
    let choices: Vec<String> = marks
        .iter()
        .map(|p| {
            format!(
                "p{} (its watermark {})",
                p.partition,
                p.watermark.map_or("none yet".into(), |w| secs(w.0))
            )
        })
        .collect();
    let traps = marks
        .iter()
        .map(|p| {
            (p.partition != holding).then(|| {
                "The operator's watermark is the minimum of its partitions' (those not idle): the slowest one holds it, not the fastest.".to_string()
            })
        })
        .collect();
    Question {
        prompt: "The sales are read from 3 partitions, each with its own watermark. Which one holds the operator's watermark?".into(),
        choices,
        correct: vec![holding as usize],
        multi: false,
        why: format!(
            "The window operator takes the minimum of its partitions' watermarks: p{holding}'s, which is held back, so windows wait for it."
        ),
        traps,
        lead: Vec::new(),
        reveal: vec![Step::Next(1)],
    }
}

fn idle(s: &Setup) -> Question {
    let l = s.lesson(&[]);
    let held = match l.waiting(
        l.events
            .iter()
            .flat_map(|e| l.windows_containing(e.event_time))
            .map(|w| w.0 .0)
            .filter(|st| !l.fired.contains_key(st))
            .min()
            .unwrap_or(0),
    ) {
        Waiting::Partition { partition, .. } => partition,
        _ => 2,
    };
    let choices = vec![
        format!("Partition p{held} is silent: the operator's watermark is the minimum, so it waits for p{held}"),
        "The watermark delay is too long".to_string(),
        "Windows fire only at the end of input".to_string(),
        "No sale has been late".to_string(),
    ];
    Question {
        prompt: "Sales keep arriving, but the oldest open windows do not fire. Why?".into(),
        choices,
        correct: vec![0],
        multi: false,
        why: format!(
            "Each partition has its own watermark and the operator takes their minimum. p{held} delivers nothing, so its watermark stays; after the idle timeout ({}) it is left out and the others move the windows on (table.exec.source.idle-timeout in Flink).",
            secs(crate::lesson::LESSON_IDLE_TIMEOUT.0)
        ),
        traps: vec![
            None,
            Some("A delay postpones firing by a fixed amount; it does not stop windows firing while sales arrive.".into()),
            Some("Windows fire as the watermark passes them; the end of input fires only what is left.".into()),
            Some("Late sales do not hold windows back: the slowest partition's watermark does.".into()),
        ],
        lead: Vec::new(),
        reveal: vec![Step::Slide(8)],
    }
}

fn end(s: &Setup) -> Question {
    let before = s.lesson(&[]);
    let after = s.lesson(&[Step::End]);
    let size = s.size.0;
    let open: Vec<i64> = after
        .fired
        .iter()
        .filter(|(st, f)| !before.fired.contains_key(st) && f.row.sales_in_window > 0)
        .map(|(st, _)| *st)
        .collect();
    let last_fired = before
        .fired
        .iter()
        .filter(|(_, f)| f.row.sales_in_window > 0)
        .map(|(st, _)| *st)
        .next_back();
    // And the window after the newest sale: it holds none.
    let newest = before
        .events
        .iter()
        .map(|e| e.event_time.0)
        .max()
        .unwrap_or(0);
    let empty = newest.div_euclid(s.slide.0) * s.slide.0 + s.slide.0;
    let mut starts: Vec<i64> = last_fired
        .into_iter()
        .chain(open.iter().copied())
        .chain([empty])
        .collect();
    starts.sort_unstable();
    starts.dedup();
    let correct = indices(&starts, |st| open.contains(st));
    let traps = starts
        .iter()
        .map(|st| {
            Some(if open.contains(st) {
                "The end of input is a last watermark at +∞: every window holding a sale fires, however young.".to_string()
            } else if *st == empty {
                format!("{} holds no sale: Flink emits no row for an empty window.", window_text(*st, size))
            } else {
                format!("{} fired already: a window fires once and its row never changes.", window_text(*st, size))
            })
        })
        .collect();
    Question {
        prompt: "The input ends now (a file read to its end, or a bounded Kafka source). Which windows fire? Pick every one.".into(),
        choices: starts.iter().map(|st| window_text(*st, size)).collect(),
        correct,
        multi: true,
        why: format!(
            "A bounded source's end is a watermark of +∞: the {} windows still open with sales fire at once; without it they would wait for a watermark no sale brings.",
            open.len()
        ),
        traps,
        lead: Vec::new(),
        reveal: vec![Step::End],
    }
}

fn processing(s: &Setup) -> Question {
    let reveal = vec![Step::Next(1)];
    let (after, e) = next_sale(s, &reveal);
    let size = s.size.0;
    let by_arrival: Vec<i64> = after
        .windows_containing(e.arrival)
        .iter()
        .map(|w| w.0 .0)
        .filter(|st| e.counts_in(*st, size))
        .collect();
    let by_event: Vec<i64> = after
        .windows_containing(e.event_time)
        .iter()
        .map(|w| w.0 .0)
        .collect();
    let mut starts: Vec<i64> = by_arrival.iter().chain(&by_event).copied().collect();
    starts.sort_unstable();
    starts.dedup();
    let correct = indices(&starts, |st| by_arrival.contains(st));
    let traps = starts
        .iter()
        .map(|st| {
            Some(if by_arrival.contains(st) {
                "In processing time a sale is in the windows of its arrival: every window covering the arrival holds it.".to_string()
            } else {
                format!("{} covers the sale's own time, but processing time ignores it: the arrival ({}) decides.", window_text(*st, size), secs(e.arrival.0))
            })
        })
        .collect();
    Question {
        prompt: format!(
            "Processing time. The next sale happened at {} and reaches the operator at {}. Which windows count it? Pick every one.",
            secs(e.event_time.0),
            secs(e.arrival.0)
        ),
        choices: starts.iter().map(|st| window_text(*st, size)).collect(),
        correct,
        multi: true,
        why: format!(
            "Processing-time windows use the operator's clock: the sale is in the windows covering {} (its arrival), whatever its own time.",
            secs(e.arrival.0)
        ),
        traps,
        lead: Vec::new(),
        reveal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_are_at_least_twelve_exercises_with_unique_ids() {
        let all = all();
        assert!(all.len() >= 12, "{}", all.len());
        let mut ids: Vec<_> = all.iter().map(|e| e.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), all.len());
    }

    /// Each exercise builds; its right answer is right, each wrong single choice is wrong
    /// and names a misconception.
    #[test]
    fn every_exercise_checks_right_and_wrong_answers_with_traps() {
        for ex in all() {
            let q = ex.question();
            assert!(!q.correct.is_empty(), "{}: no right choice", ex.id);
            assert!(q.choices.len() >= 2, "{}: {:?}", ex.id, q.choices);
            assert!(q.correct.iter().all(|c| *c < q.choices.len()), "{}", ex.id);
            assert!(q.check(&q.correct).right, "{}", ex.id);
            assert_eq!(q.traps.len(), q.choices.len(), "{}", ex.id);
            let wrong = (0..q.choices.len())
                .find(|i| !q.correct.contains(i))
                .unwrap_or_else(|| panic!("{}: every choice is right", ex.id));
            let v = q.check(&[wrong]);
            assert!(!v.right, "{}", ex.id);
            assert!(
                !v.traps.is_empty(),
                "{}: a wrong answer names its misconception",
                ex.id
            );
            assert!(!q.reveal.is_empty(), "{}", ex.id);
            // The page plays the lead then the reveal: the lesson moves on.
            let asked = ex.setup.lesson(&q.lead);
            let mut shown = ex.setup.lesson(&q.lead);
            for step in &q.reveal {
                apply(&mut shown, *step);
            }
            assert!(
                shown.events.len() > asked.events.len()
                    || shown.fired.len() > asked.fired.len()
                    || shown.has_ended(),
                "{}: the reveal shows something happen",
                ex.id
            );
        }
    }
}
