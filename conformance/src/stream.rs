//! The trial stream as `memspec run` prints it. libtest-mimic writes its stream (pretty, terse or
//! JSON) into a pipe, and [`relay`] passes it on to standard output line by line, with three
//! changes:
//!
//! * terse outcomes (`.`, `F`, `i`) come in lines of [`TERSE_COLUMNS`], each ending with the count
//!   so far (` 88/389`), as libtest's own terse output does, instead of one line as long as the run;
//! * each JSON test result carries `"memspec_status"` (`pass`, `fail`, `skip`, `busted`, `flaky`)
//!   and, for a busted or flaky trial, `"memspec_reason"`: libtest reports a busted trial `ok`, and
//!   consumers of libtest's JSON ignore fields they do not know;
//! * while a [`Progress`] line is shown on the terminal, the stream's lines are written above it.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::report::{Status, TrialRecord};
use crate::run::Watch;

/// Terse outcomes per line, as libtest prints them.
pub const TERSE_COLUMNS: usize = 88;

/// How long a run goes before its progress line appears.
pub const PROGRESS_DELAY: Duration = Duration::from_secs(1);

/// Breaks libtest-mimic's terse line of outcomes into lines of [`TERSE_COLUMNS`] with a count.
#[derive(Debug, Default)]
pub struct Terse {
    /// The trials the stream announced (`running N tests`).
    total: Option<usize>,
    /// Outcomes seen on the current run of outcomes.
    seen: usize,
    /// Whether the outcomes have begun and not yet ended.
    pub in_outcomes: bool,
    /// Whether the last character was inside an escape sequence (a colour).
    in_escape: bool,
    /// The line so far, outside the outcomes.
    current: String,
}

impl Terse {
    /// Passes on one line of the stream (with its newline when it has one), broken where needed.
    pub fn line(&mut self, line: &str) -> String {
        let mut out = String::with_capacity(line.len());
        for c in line.chars() {
            if !self.in_outcomes {
                // A line may come in pieces; the title is known once its newline is there.
                out.push(c);
                if c != '\n' {
                    self.current.push(c);
                    continue;
                }
                if let Some(n) = self
                    .current
                    .trim()
                    .strip_prefix("running ")
                    .and_then(|r| r.split(' ').next())
                    .and_then(|n| n.parse().ok())
                {
                    self.total = Some(n);
                    self.in_outcomes = true;
                    self.seen = 0;
                }
                self.current.clear();
                continue;
            }
            if self.in_escape {
                self.in_escape = c != 'm';
                out.push(c);
                continue;
            }
            match c {
                '\u{1b}' => self.in_escape = true,
                '\n' => self.in_outcomes = false,
                _ => {
                    if self.seen > 0 && self.seen.is_multiple_of(TERSE_COLUMNS) {
                        let total = self.total.map_or(String::new(), |t| t.to_string());
                        out.push_str(&format!(" {}/{total}\n", self.seen));
                    }
                    self.seen += 1;
                }
            }
            out.push(c);
        }
        out
    }
}

/// Wraps the long lines of libtest's `failures:` section (the failure messages) within
/// [`WIDTH`](crate::report::terminal::WIDTH), each continued under its own indent; lines elsewhere
/// and lines that fit pass unchanged.
#[derive(Debug, Default)]
pub struct Failures {
    on: bool,
    partial: String,
}

impl Failures {
    /// Passes `text` on; with `live`, a piece of the outcome line that must show at once.
    pub fn feed(&mut self, text: &str, live: bool) -> String {
        if live && self.partial.is_empty() {
            return text.to_string();
        }
        self.partial.push_str(text);
        let Some(end) = self.partial.rfind('\n') else {
            return String::new();
        };
        let whole: String = self.partial.drain(..=end).collect();
        let mut out = String::with_capacity(whole.len());
        for line in whole.split_inclusive('\n') {
            let bare = line.trim_end_matches('\n');
            if bare == "failures:" {
                self.on = true;
            } else if bare.starts_with("test result:") {
                self.on = false;
            }
            let width = crate::report::terminal::WIDTH;
            if self.on && bare.chars().count() > width {
                let indent: String = bare.chars().take_while(|c| *c == ' ').collect();
                let rest = format!("{indent}    ");
                out.push_str(&crate::report::terminal::wrap(bare, &indent, &rest, width));
            } else {
                out.push_str(line);
            }
        }
        out
    }

    /// What is still held: the end of a stream without its newline.
    pub fn rest(&mut self) -> String {
        std::mem::take(&mut self.partial)
    }
}

/// One line of libtest's JSON stream with the trial's memspec status added to a test result, or the
/// line unchanged when it is none.
pub fn mark_json(line: &str, status_of: impl Fn(&str) -> Option<(Status, Option<String>)>) -> String {
    let Ok(serde_json::Value::Object(event)) = serde_json::from_str::<serde_json::Value>(line) else {
        return line.to_string();
    };
    let is_result = event.get("type").and_then(|t| t.as_str()) == Some("test")
        && event
            .get("event")
            .and_then(|e| e.as_str())
            .is_some_and(|e| e != "started");
    let (Some(name), true) = (event.get("name").and_then(|n| n.as_str()), is_result) else {
        return line.to_string();
    };
    let (status, reason) = status_of(name).unwrap_or((
        if event.get("event").and_then(|e| e.as_str()) == Some("ignored") {
            Status::Skip
        } else {
            Status::Pass
        },
        None,
    ));
    let Some(close) = line.rfind('}') else {
        return line.to_string();
    };
    let mut extra = format!(r#", "memspec_status": "{}""#, status.name());
    if let Some(r) = reason.filter(|_| matches!(status, Status::Busted | Status::Flaky)) {
        let quoted = serde_json::to_string(&r).unwrap_or_else(|_| "\"\"".into());
        extra.push_str(&format!(r#", "memspec_reason": {quoted}"#));
    }
    let head = line[..close].trim_end();
    format!("{head}{extra} {}", &line[close..])
}

/// The progress line's text after the count: failures so far and the trial running.
pub fn progress_message(failed: usize, running: Option<&str>) -> String {
    match running {
        Some(name) => format!("{failed} failed, running {name}"),
        None => format!("{failed} failed"),
    }
}

#[derive(Debug, Default)]
struct Tally {
    failed: usize,
    running: Vec<String>,
    ended: bool,
}

/// The progress line: trials done of the total, failures so far and the trial running. It appears
/// once a run has gone on for a given time, on a draw target that shows it only on a terminal.
#[derive(Debug, Clone)]
pub struct Progress {
    bar: ProgressBar,
    tally: Arc<(Mutex<Tally>, Condvar)>,
}

impl Progress {
    /// A progress line for `total` trials, drawn on `target` from `delay` after now (at once for a
    /// zero delay), until [`Progress::end`].
    pub fn new(total: usize, target: ProgressDrawTarget, delay: Duration) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template("{pos}/{len} trials, {wide_msg}") {
            bar.set_style(style);
        }
        bar.set_message(progress_message(0, None));
        let p = Progress {
            bar,
            tally: Arc::new((Mutex::new(Tally::default()), Condvar::new())),
        };
        if delay.is_zero() {
            p.bar.set_draw_target(target);
        } else {
            let later = p.clone();
            let _ = std::thread::Builder::new()
                .name("progress".into())
                .spawn(move || later.show_after(target, delay));
        }
        p
    }

    fn show_after(&self, target: ProgressDrawTarget, delay: Duration) {
        let (lock, ended) = &*self.tally;
        let Ok(t) = lock.lock() else { return };
        let Ok((t, _)) = ended.wait_timeout_while(t, delay, |t| !t.ended) else {
            return;
        };
        if !t.ended {
            self.bar.set_draw_target(target);
            self.bar.enable_steady_tick(Duration::from_millis(200));
        }
    }

    fn update(&self, f: impl FnOnce(&mut Tally)) {
        if let Ok(mut t) = self.tally.0.lock() {
            f(&mut t);
            self.bar
                .set_message(progress_message(t.failed, t.running.last().map(String::as_str)));
        }
    }

    /// Whether the line is on show.
    pub fn shown(&self) -> bool {
        !self.bar.is_hidden()
    }

    /// Runs `f` (which writes to the terminal) with the line taken away and drawn again after.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.bar.suspend(f)
    }

    /// Takes the line away for good.
    pub fn end(&self) {
        let (lock, ended) = &*self.tally;
        if let Ok(mut t) = lock.lock() {
            t.ended = true;
        }
        ended.notify_all();
        self.bar.finish_and_clear();
    }
}

impl Watch for Progress {
    fn planned(&self, trials: usize) {
        self.bar.set_length(trials as u64);
    }

    fn started(&self, name: &str) {
        self.update(|t| t.running.push(name.to_string()));
    }

    fn finished(&self, rec: &TrialRecord) {
        self.update(|t| {
            t.running.retain(|n| *n != rec.name);
            if rec.status == Status::Fail {
                t.failed += 1;
            }
        });
        self.bar.inc(1);
    }
}

/// What the relay and the progress line learn of each trial as the run goes.
#[derive(Debug, Default)]
pub struct Console {
    statuses: Mutex<HashMap<String, (Status, Option<String>)>>,
    /// The progress line, when there is one.
    pub progress: Option<Progress>,
}

impl Console {
    /// A console with `progress`, if any.
    pub fn new(progress: Option<Progress>) -> Console {
        Console {
            statuses: Mutex::new(HashMap::new()),
            progress,
        }
    }

    fn status_of(&self, name: &str) -> Option<(Status, Option<String>)> {
        self.statuses.lock().ok()?.get(name).cloned()
    }
}

impl Watch for Console {
    fn planned(&self, trials: usize) {
        if let Some(p) = &self.progress {
            p.planned(trials);
        }
    }

    fn started(&self, name: &str) {
        if let Some(p) = &self.progress {
            p.started(name);
        }
    }

    fn finished(&self, rec: &TrialRecord) {
        if let Ok(mut s) = self.statuses.lock() {
            s.insert(rec.name.clone(), (rec.status, rec.reason.clone()));
        }
        if let Some(p) = &self.progress {
            p.finished(rec);
        }
    }
}

/// The stream's formats, as the relay treats them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `test name ... ok` lines.
    Pretty,
    /// One character per outcome.
    Terse,
    /// libtest's JSON events, one a line.
    Json,
}

/// Copies the stream from `from` to `to` until it ends, changed as the module says; `to_terminal`
/// says `to` is the terminal the progress line is on, so lines go above it.
pub fn relay(
    from: impl std::io::Read,
    mut to: impl Write,
    format: Format,
    console: &Console,
    to_terminal: bool,
) {
    let mut from = std::io::BufReader::new(from);
    let mut terse = Terse::default();
    let mut failures = Failures::default();
    let mut held = String::new();
    let mut chunk = Vec::new();
    let mut pending: Vec<u8> = Vec::new();
    loop {
        chunk.clear();
        // Terse outcomes come without a newline; a read takes what is there.
        let got = if format == Format::Terse {
            match from.fill_buf() {
                Ok([]) | Err(_) => break,
                Ok(buf) => {
                    let n = buf.iter().position(|b| *b == b'\n').map_or(buf.len(), |i| i + 1);
                    chunk.extend_from_slice(&buf[..n]);
                    from.consume(n);
                    n
                }
            }
        } else {
            from.read_until(b'\n', &mut chunk).unwrap_or(0)
        };
        if got == 0 {
            break;
        }
        // A read may end inside a character; its first bytes wait for the rest.
        pending.extend_from_slice(&chunk);
        let whole = match std::str::from_utf8(&pending) {
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            _ => pending.len(),
        };
        let text = String::from_utf8_lossy(&pending[..whole]).into_owned();
        pending.drain(..whole);
        let out = match format {
            Format::Terse => {
                let out = terse.line(&text);
                failures.feed(&out, terse.in_outcomes)
            }
            Format::Pretty => failures.feed(&text, false),
            Format::Json => {
                let (line, nl) = text.strip_suffix('\n').map_or((&*text, ""), |l| (l, "\n"));
                format!("{}{nl}", mark_json(line, |n| console.status_of(n)))
            }
        };
        let shown = console.progress.as_ref().filter(|p| to_terminal && p.shown());
        match shown {
            // Above the progress line only whole lines go; the rest waits for its newline.
            Some(p) => {
                held.push_str(&out);
                if let Some(end) = held.rfind('\n') {
                    let lines: String = held.drain(..=end).collect();
                    p.suspend(|| {
                        let _ = to.write_all(lines.as_bytes());
                        let _ = to.flush();
                    });
                }
            }
            None => {
                held.push_str(&out);
                let _ = to.write_all(held.as_bytes());
                let _ = to.flush();
                held.clear();
            }
        }
    }
    held.push_str(&failures.rest());
    let _ = to.write_all(held.as_bytes());
    let _ = to.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terse_outcomes_break_every_88_with_the_count_so_far() {
        let mut t = Terse::default();
        let mut out = t.line("\n");
        out.push_str(&t.line("running 200 tests\n"));
        for _ in 0..200 {
            out.push_str(&t.line("\u{1b}[32m.\u{1b}[0m"));
        }
        out.push_str(&t.line("\n"));
        out.push_str(&t.line("test result: ok. 200 passed\n"));
        let plain: String = out.replace("\u{1b}[32m", "").replace("\u{1b}[0m", "");
        let lines: Vec<&str> = plain.lines().collect();
        assert_eq!(lines[1], "running 200 tests");
        assert_eq!(lines[2], format!("{} 88/200", ".".repeat(88)));
        assert_eq!(lines[3], format!("{} 176/200", ".".repeat(88)));
        assert_eq!(lines[4], ".".repeat(24));
        assert_eq!(lines[5], "test result: ok. 200 passed");
    }

    #[test]
    fn a_long_failure_message_wraps_under_its_indent_and_the_rest_passes_unchanged() {
        let long = format!(
            "line 12: `alloc` failed under micropython-a32: {}",
            "word ".repeat(30)
        );
        let diagram = "    observed 0x0000000b           00000000|00000000|00000000|00001011";
        let mut f = Failures::default();
        let before = format!("test {} ... ok\n", "x".repeat(120));
        let mut out = f.feed(&before, false);
        out.push_str(&f.feed("failures:\n\n---- t ----\n", false));
        out.push_str(&f.feed(&format!("{long}\n{diagram}\n"), false));
        out.push_str(&f.feed("\ntest result: FAILED. 1 passed; 1 failed\n", false));
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], before.trim_end(), "before the failures nothing changes");
        let message: Vec<&&str> = lines.iter().skip_while(|l| !l.starts_with("line 12")).collect();
        assert!(message.len() > 2, "{out}");
        assert!(message.iter().all(|l| l.chars().count() <= 100), "{out}");
        assert!(
            message[1].starts_with("    word"),
            "continued under an indent: {out}"
        );
        assert!(
            out.contains(&format!("\n{diagram}\n")),
            "the diagram is untouched: {out}"
        );
        let words = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(words(&out).contains(&words(&long)), "no word is lost: {out}");
    }

    /// A reader that hands over one piece per read.
    struct IterRead(Vec<std::io::Result<Vec<u8>>>, usize);

    impl std::io::Read for IterRead {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let Some(Ok(piece)) = self.0.get(self.1) else {
                return Ok(0);
            };
            let n = piece.len().min(buf.len());
            buf[..n].copy_from_slice(&piece[..n]);
            self.1 += 1;
            Ok(n)
        }
    }

    #[test]
    fn the_relay_breaks_a_terse_stream_and_wraps_its_failures() {
        let mut input = String::from("\nrunning 200 tests\n");
        input.push_str(&"i".repeat(150));
        input.push_str(&"F".repeat(50));
        input.push_str("\nfailures:\n\n---- t ----\n");
        input.push_str(&"word ".repeat(40));
        input.push_str("\n\ntest result: FAILED. 150 passed; 50 failed\n");
        let mut out = Vec::new();
        // As a pipe hands it over: a few bytes at a time, the title in pieces.
        let pieces = input
            .as_bytes()
            .chunks(3)
            .map(|c| Ok::<_, std::io::Error>(c.to_vec()));
        let reader = std::io::BufReader::with_capacity(3, IterRead(pieces.collect(), 0));
        relay(reader, &mut out, Format::Terse, &Console::default(), false);
        let out = String::from_utf8_lossy(&out);
        assert!(out.lines().all(|l| l.chars().count() <= 100), "{out}");
        assert!(out.contains(" 88/200\n") && out.contains(" 176/200\n"), "{out}");
        assert!(
            out.ends_with("test result: FAILED. 150 passed; 50 failed\n"),
            "{out}"
        );
    }

    #[test]
    fn terse_outcomes_pass_at_once_and_a_line_after_them_waits_for_its_newline() {
        let mut f = Failures::default();
        assert_eq!(f.feed("..", true), "..");
        assert_eq!(f.feed("fail", false), "");
        assert_eq!(f.feed("ures:\n", false), "failures:\n");
        assert_eq!(f.feed("end", false), "");
        assert_eq!(f.rest(), "end");
    }

    #[test]
    fn a_busted_result_in_json_carries_its_memspec_status_and_reason() {
        let line = r#"{ "type": "test", "name": "ref/p/s::c", "event": "ok" }"#;
        let out = mark_json(line, |_| Some((Status::Busted, Some("a \"known\" bug".into()))));
        let v: serde_json::Value = serde_json::from_str(&out).expect("still JSON");
        assert_eq!(v["event"], "ok", "{out}");
        assert_eq!(v["memspec_status"], "busted", "{out}");
        assert_eq!(v["memspec_reason"], "a \"known\" bug", "{out}");
    }

    #[test]
    fn json_lines_other_than_test_results_pass_unchanged() {
        for line in [
            r#"{ "type": "suite", "event": "started", "test_count": 3 }"#,
            r#"{ "type": "test", "event": "started", "name": "ref/p/s::c" }"#,
            "not json",
        ] {
            assert_eq!(mark_json(line, |_| Some((Status::Busted, None))), line);
        }
    }

    #[test]
    fn the_progress_message_counts_failures_and_names_the_trial_running() {
        assert_eq!(
            progress_message(2, Some("ref/micropython-a32/heap::fill")),
            "2 failed, running ref/micropython-a32/heap::fill"
        );
        assert_eq!(progress_message(0, None), "0 failed");
    }

    /// A terminal of 100 columns that keeps what is written on it.
    #[derive(Debug, Clone, Default)]
    struct Screen(Arc<Mutex<String>>);

    impl indicatif::TermLike for Screen {
        fn width(&self) -> u16 {
            100
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            self.write_str(&format!("{s}\n"))
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            if let Ok(mut t) = self.0.lock() {
                t.push_str(s);
            }
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            Ok(())
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn record(name: &str, status: Status) -> TrialRecord {
        TrialRecord {
            name: name.into(),
            subject: "ref".into(),
            profile: "micropython-a32".into(),
            case: "micropython/heap::x".into(),
            suite: "heap".into(),
            file: "micropython/heap/x.case".into(),
            claims: Vec::new(),
            status,
            expected: "pass".into(),
            reason: None,
            message: None,
            figures: crate::check::Figures::default(),
            millis: 1.0,
        }
    }

    #[test]
    fn the_progress_line_on_a_terminal_counts_done_of_total_failures_and_the_trial_running() {
        let screen = Screen::default();
        let p = Progress::new(
            0,
            ProgressDrawTarget::term_like(Box::new(screen.clone())),
            Duration::ZERO,
        );
        p.planned(3);
        p.started("ref/a");
        p.finished(&record("ref/a", Status::Fail));
        p.started("ref/b");
        p.bar.tick();
        assert!(p.shown());
        let text = screen.0.lock().map(|t| t.clone()).unwrap_or_default();
        assert!(text.contains("1/3 trials, 1 failed, running ref/b"), "{text:?}");
        p.end();
    }

    #[test]
    fn the_progress_line_on_stderr_shows_only_when_stderr_is_a_terminal() {
        use std::io::IsTerminal as _;
        let p = Progress::new(3, ProgressDrawTarget::stderr(), Duration::ZERO);
        assert_eq!(p.shown(), std::io::stderr().is_terminal());
        p.end();
    }

    #[test]
    fn a_progress_line_on_a_hidden_target_is_never_shown() {
        let p = Progress::new(3, ProgressDrawTarget::hidden(), Duration::ZERO);
        p.started("a");
        assert!(!p.shown());
        p.end();
    }
}
