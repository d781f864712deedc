//! The exercises' half of the page's reducer (see [`crate::exercises`]): opening one sets
//! the lesson to its settings and steps, the student's choices are checked, "Show me"
//! plays the moment the question was about, and the first answer to each exercise is kept
//! (localStorage, [`PROGRESS_KEY`]) — a score that survives a reload.

use super::*;
use crate::exercises::{self, Question, Verdict};

/// Where the exercises' progress is kept: `{"id": true|false, …}`, right at the first try.
pub const PROGRESS_KEY: &str = "hopscope-exercises";

/// What the student does in the exercises.
#[derive(Clone, Debug, PartialEq)]
pub enum ExerciseAction {
    Open(String),
    /// Tick (true) or untick a choice; for one-answer questions, pick it.
    Choose(usize, bool),
    Check,
    /// Play the moment the question was about in the lesson.
    Reveal,
    /// The next exercise of the set (or of all).
    Next,
    Close,
    /// Forget the scores.
    ClearProgress,
}

/// The open exercise.
#[derive(Clone, Debug, PartialEq)]
pub struct OpenExercise {
    pub id: String,
    pub question: Question,
    pub chosen: Vec<usize>,
    pub verdict: Option<Verdict>,
    pub revealed: bool,
}

impl Page {
    /// The exercises listed: the link's set, or all of them.
    pub fn exercise_list(&self) -> Vec<exercises::Exercise> {
        let all = exercises::all();
        match &self.settings.set {
            Some(set) => set.iter().filter_map(|id| exercises::find(id)).collect(),
            None => all,
        }
    }

    /// Reads the kept progress (ignoring what does not parse).
    pub fn load_progress(&mut self, text: &str) {
        if let Ok(map) = serde_json::from_str::<BTreeMap<String, bool>>(text) {
            self.exercise_progress = map
                .into_iter()
                .filter(|(id, _)| exercises::find(id).is_some())
                .collect();
            self.versions.lesson += 1;
        }
    }

    pub(super) fn open_exercise(&mut self, id: &str) {
        let Some(ex) = exercises::find(id) else {
            return;
        };
        let q = ex.question();
        let s = ex.setup;
        self.settings.size = s.size;
        self.settings.slide = s.slide;
        self.settings.seed = s.seed;
        self.settings.parts = s.parts;
        match s.delay {
            Some(d) => {
                self.settings.time = TimeDomain::Event;
                self.settings.delay = d;
            }
            None => self.settings.time = TimeDomain::Processing,
        }
        self.settings.exercise = Some(ex.id.to_string());
        // An exercise plays its own seeded sales, not a script.
        self.settings.script = None;
        self.lesson = s.lesson(&q.lead);
        self.lesson_error = None;
        self.lesson_back = 0;
        self.lesson_playing = false;
        self.lesson_focus_hold = None;
        self.exercise = Some(OpenExercise {
            id: ex.id.to_string(),
            question: q,
            chosen: Vec::new(),
            verdict: None,
            revealed: false,
        });
        self.versions.lesson += 1;
        self.settings_changed(true);
    }

    pub(super) fn handle_exercise(&mut self, a: ExerciseAction) {
        self.versions.lesson += 1;
        match a {
            ExerciseAction::Open(id) => self.open_exercise(&id),
            ExerciseAction::Choose(i, on) => {
                if let Some(e) = self.exercise.as_mut() {
                    if i >= e.question.choices.len() {
                        return;
                    }
                    if !e.question.multi {
                        e.chosen.clear();
                    }
                    e.chosen.retain(|c| *c != i);
                    if on {
                        e.chosen.push(i);
                    }
                    e.chosen.sort_unstable();
                }
            }
            ExerciseAction::Check => {
                let Some(e) = self.exercise.as_mut() else {
                    return;
                };
                let v = e.question.check(&e.chosen);
                // The score is the first try's.
                if !self.exercise_progress.contains_key(&e.id) {
                    self.exercise_progress.insert(e.id.clone(), v.right);
                    if let Ok(text) = serde_json::to_string(&self.exercise_progress) {
                        self.effects.push_back(Effect::SaveProgress(text));
                    }
                }
                e.verdict = Some(v);
                self.effects.push_back(Effect::Focus("exercise-verdict"));
            }
            ExerciseAction::Reveal => {
                let Some(e) = self.exercise.as_mut() else {
                    return;
                };
                if e.revealed {
                    return;
                }
                e.revealed = true;
                for step in e.question.reveal.clone() {
                    exercises::apply(&mut self.lesson, step);
                }
            }
            ExerciseAction::Next => {
                let list = self.exercise_list();
                let at = self
                    .exercise
                    .as_ref()
                    .and_then(|e| list.iter().position(|x| x.id == e.id));
                let next = match at {
                    Some(i) => list.get(i + 1),
                    None => list.first(),
                };
                match next.map(|e| e.id) {
                    Some(id) => self.open_exercise(id),
                    None => self.close_exercise(),
                }
            }
            ExerciseAction::Close => self.close_exercise(),
            ExerciseAction::ClearProgress => {
                self.exercise_progress.clear();
                self.effects.push_back(Effect::SaveProgress("{}".into()));
            }
        }
    }

    fn close_exercise(&mut self) {
        self.exercise = None;
        self.settings.exercise = None;
        self.settings_changed(true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(query: &str) -> Page {
        Page::from_query(query, 0.0)
    }

    #[test]
    fn a_link_opens_an_exercise_on_its_lesson_and_the_url_keeps_it() {
        let mut p = page("?tab=teach&exercise=late&set=join,late,end");
        let e = p.exercise.as_ref().expect("opened from the link");
        assert_eq!(e.id, "late");
        let ex = exercises::find("late").unwrap();
        assert_eq!(p.lesson.events.len(), ex.setup.lesson(&[]).events.len());
        assert_eq!(
            p.exercise_list().iter().map(|e| e.id).collect::<Vec<_>>(),
            ["join", "late", "end"]
        );
        let mut url = String::new();
        while let Some(effect) = p.poll_effect() {
            if let Effect::WriteUrl(q) = effect {
                url = q;
            }
        }
        assert!(url.contains("&exercise=late&set=join,late,end"), "{url}");
    }

    #[test]
    fn the_first_answer_is_scored_and_kept_the_reveal_plays_the_moment() {
        let mut p = page("?tab=teach");
        p.handle_exercise(ExerciseAction::Open("too-late".into()));
        let q = p.exercise.as_ref().unwrap().question.clone();
        let wrong = (0..q.choices.len())
            .find(|i| !q.correct.contains(i))
            .unwrap();
        p.handle_exercise(ExerciseAction::Choose(wrong, true));
        p.handle_exercise(ExerciseAction::Check);
        let v = p.exercise.as_ref().unwrap().verdict.clone().unwrap();
        assert!(!v.right && !v.traps.is_empty());
        // Right the second time: the score stays the first try's.
        p.handle_exercise(ExerciseAction::Choose(q.correct[0], true));
        p.handle_exercise(ExerciseAction::Check);
        assert!(p.exercise.as_ref().unwrap().verdict.as_ref().unwrap().right);
        assert_eq!(p.exercise_progress.get("too-late"), Some(&false));
        let saved: Vec<String> = std::iter::from_fn(|| p.poll_effect())
            .filter_map(|e| match e {
                Effect::SaveProgress(t) => Some(t),
                _ => None,
            })
            .collect();
        assert_eq!(saved, [r#"{"too-late":false}"#]);
        let dropped = p.lesson.dropped_count();
        p.handle_exercise(ExerciseAction::Reveal);
        assert_eq!(
            p.lesson.dropped_count(),
            dropped + 1,
            "the too-late sale arrives, in no window"
        );
        // Progress read back on the next visit; unknown ids dropped.
        let mut q2 = page("?tab=teach");
        q2.load_progress(r#"{"too-late":false,"gone":true}"#);
        assert_eq!(q2.exercise_progress.len(), 1);
    }

    #[test]
    fn next_walks_the_set_and_closes_after_the_last() {
        let mut p = page("?tab=teach&set=join,end");
        p.handle_exercise(ExerciseAction::Next);
        assert_eq!(p.exercise.as_ref().unwrap().id, "join");
        p.handle_exercise(ExerciseAction::Next);
        assert_eq!(p.exercise.as_ref().unwrap().id, "end");
        p.handle_exercise(ExerciseAction::Next);
        assert!(p.exercise.is_none());
        assert!(p.settings.exercise.is_none());
    }
}
