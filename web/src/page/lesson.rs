//! The teaching view's half of the page's reducer: a lesson of the settings' shape, and
//! what the student's actions do to it.

use super::*;

fn lesson_time(s: &Settings) -> TimeMode {
    match s.time {
        TimeDomain::Event => TimeMode::event(s.delay),
        TimeDomain::Processing => TimeMode::Processing,
    }
}

pub(super) fn new_lesson(s: &Settings) -> (Lesson, Option<String>) {
    match Lesson::new(s.size, s.slide, lesson_time(s), s.seed)
        .and_then(|l| l.with_partitions(s.parts))
    {
        Ok(l) => match &s.script {
            Some(script) => (l.with_script(script), None),
            None => (l, None),
        },
        Err(e) => {
            let fallback = Settings::default();
            let lesson = Lesson::new(
                fallback.size,
                fallback.slide,
                lesson_time(&fallback),
                s.seed,
            )
            .expect("default lesson is valid");
            (lesson, Some(e.to_string()))
        }
    }
}

impl Page {
    /// A new lesson of the settings' shape with the student's sales carried over (see
    /// [`Lesson::take_over`]); `Reset` is what starts from nothing.
    pub(super) fn reshape_lesson(&mut self, now: f64) {
        let (l, err) = new_lesson(&self.settings);
        let old = std::mem::replace(&mut self.lesson, l);
        self.lesson_error = err;
        self.lesson.take_over(&old);
        if old.is_live() {
            self.lesson.go_live(Timestamp(now as i64));
        }
        self.versions.lesson += 1;
    }

    pub(super) fn restart_lesson(&mut self, now: f64) {
        self.lesson_back = 0;
        let (mut l, err) = new_lesson(&self.settings);
        // The quarantine is the student's setting, not the lesson's sales.
        if self.lesson.quarantine {
            l.set_quarantine(true);
        }
        self.lesson = l;
        self.lesson_error = err;
        self.lesson_playing = false;
        self.lesson_focus_hold = None;
        if self.live_active() {
            self.lesson.go_live(Timestamp(now as i64));
        }
        self.versions.lesson += 1;
    }

    pub(super) fn handle_lesson(&mut self, a: LessonAction, now: f64) {
        // Moving the keyboard between bars keeps the held picture: nothing changes.
        if matches!(a, LessonAction::HoldFocus(_)) && self.lesson_focus_hold.is_some() {
            return;
        }
        self.versions.lesson += 1;
        match a {
            LessonAction::NextEvent => self.lesson.next_event(),
            LessonAction::StepSlide => self.lesson.advance(self.lesson.config.slide),
            LessonAction::TogglePlay => self.lesson_playing = !self.lesson_playing,
            LessonAction::InjectOutOfOrder => self.lesson.inject_out_of_order(),
            LessonAction::InjectLate => self.lesson.inject_late(),
            LessonAction::InjectTooLate => self.lesson.inject_too_late(),
            LessonAction::InjectBrokenClock => self.lesson.inject_broken_clock(),
            LessonAction::ToggleQuarantine => {
                let on = !self.lesson.quarantine;
                self.lesson.set_quarantine(on);
            }
            LessonAction::SetSize(text) => {
                let slide = self.settings.slide;
                let r = settings::parse_size(&text)
                    .and_then(|s| settings::check_shape(s, slide.min(s)).map(|_| s));
                if let Some(s) = self.checked("lesson-size", r) {
                    self.settings.size = s;
                    if self.settings.slide > s {
                        self.settings.slide = s;
                    }
                    self.reshape_lesson(now);
                    self.settings_changed(true);
                }
            }
            LessonAction::SetSlide(text) => {
                let r = settings::parse_slide(&text, self.settings.size);
                if let Some(s) = self.checked("lesson-slide", r) {
                    self.settings.slide = s;
                    self.reshape_lesson(now);
                    self.settings_changed(true);
                }
            }
            LessonAction::SetDelay(text) => {
                if let Some(s) = self.checked("lesson-delay", settings::parse_delay(&text)) {
                    self.settings.delay = s;
                    self.reshape_lesson(now);
                    self.settings_changed(true);
                }
            }
            LessonAction::SetTime(t) => {
                self.settings.time = t;
                self.reshape_lesson(now);
                self.settings_changed(true);
            }
            LessonAction::SetParts(n) => {
                self.settings.parts = n;
                self.reshape_lesson(now);
                self.settings_changed(true);
            }
            LessonAction::TogglePartition(p) => self.lesson.toggle_pause(p),
            LessonAction::EndInput => self.lesson.end_input(),
            LessonAction::InjectAtEnd(start) => self
                .lesson
                .inject_at(Timestamp(start + self.lesson.config.size.0)),
            LessonAction::SetSqlSource(source) => {
                self.sql_source = source;
                self.sql_copied = None;
            }
            LessonAction::CopySql => {
                self.sql_copied = None;
                self.effects.push_back(Effect::Copy(self.lesson_sql()));
            }
            LessonAction::CopyText(text) => {
                self.sql_copied = None;
                self.effects.push_back(Effect::Copy(text));
            }
            LessonAction::DownloadSales => self.effects.push_back(Effect::Download {
                name: crate::sql::SALES_FILE,
                text: self.lesson.sales_jsonl(),
            }),
            LessonAction::Select(s) => {
                self.lesson.selected = if self.lesson.selected == s {
                    Selected::Nothing
                } else {
                    s
                };
                // The address names the selected window (and the clock its sales need).
                if self.window_link() != (self.settings.window, self.settings.at) {
                    self.settings_changed(true);
                }
            }
            LessonAction::Guide(d) => {
                self.guide_step = (self.guide_step as isize + d)
                    .clamp(0, crate::steps::STEPS as isize - 1)
                    as usize
            }
            LessonAction::ToggleZoom => self.lesson_zoomed_out = !self.lesson_zoomed_out,
            LessonAction::Scroll(windows) => {
                // Back as far as the oldest sale kept, a window at a time.
                let l = &self.lesson;
                let oldest = l.events.iter().map(|e| l.position(e).0).min();
                let most = oldest.map_or(0, |o| (l.clock.0 - o).max(0) + l.config.size.0);
                self.lesson_back = (self.lesson_back - windows * l.config.size.0).clamp(0, most);
            }
            LessonAction::ScrollToNow => self.lesson_back = 0,
            LessonAction::KeyTo(to) => {
                self.lesson.selected = to;
                if self.window_link() != (self.settings.window, self.settings.at) {
                    self.settings_changed(true);
                }
                self.effects.push_back(Effect::FocusQuery(match to {
                    Selected::Window(s) => format!("[data-testid=window-bar][data-start=\"{s}\"]"),
                    Selected::Event(id) => format!("[data-testid=event-dot][data-id=\"{id}\"]"),
                    Selected::Nothing => "[data-testid=lesson-status]".into(),
                }));
            }
            LessonAction::ToggleUtc => self.lesson_utc = !self.lesson_utc,
            LessonAction::HoldFocus(at) => self.lesson_focus_hold = Some(at),
            LessonAction::ReleaseFocus => self.lesson_focus_hold = None,
            LessonAction::Reset => self.restart_lesson(now),
            LessonAction::CopyScriptLink => {
                self.link_copied = None;
                let script = self.lesson.script();
                if !script.is_empty() {
                    let mut s = self.settings.clone();
                    s.script = Some(script);
                    s.exercise = None;
                    (s.window, s.at) = (None, None);
                    self.effects.push_back(Effect::CopyLink(s.to_query()));
                }
            }
            LessonAction::TogglePresent => {
                self.settings.present = !self.settings.present;
                self.settings_changed(true);
            }
            LessonAction::Print => self.effects.push_back(Effect::Print),
        }
    }
}
