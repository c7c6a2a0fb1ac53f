//! Debugging an implementation: `memspec run --trace DIR` writes each trial's requests and answers
//! as process-protocol lines (`DIR/<subject>/<profile>/<suite>/<case>.jsonl`, one
//! `{"request": ..., "answer": ...}` object a line), whatever the subject; `--diff-against ref`
//! replays a failed trial's requests on the reference (as `memspec serve` answers them) and shows
//! the first answer that differs.
//!
//! A [`Tracing`] subject turns every call into the request the process protocol would send, has the
//! wrapped subject answer it through [`serve::dispatch`] (the server's own dispatch), records both,
//! and gives the caller the answer read back as [`protocol`] reads an adapter's.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use memspec::profile::ProfileId;
use memspec::subject::{
    Allocation, Capabilities, Collection, Decoded, Encoded, ErrorKind, GcOp, HeapConfig, ObjId, ObjectSpec,
    Stat, Subject, SubjectError, SubjectResult, Target, Value,
};
use memspec::tag::TagClass;
use serde_json::{Value as Json, json};

use crate::protocol;
use crate::serve;
use crate::subjects::{Lease, SubjectFactory};

/// Where `--trace` writes, set once by the command line.
static TRACE_DIR: OnceLock<PathBuf> = OnceLock::new();

/// Turns tracing on for this process: every trial run after it writes its transcript under `dir`.
pub fn enable(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("--trace {}: {e}", dir.display()))?;
    let _ = TRACE_DIR.set(dir.to_path_buf());
    Ok(())
}

/// The trace folder, when tracing is on.
pub fn dir() -> Option<&'static Path> {
    TRACE_DIR.get().map(PathBuf::as_path)
}

/// One request and its answer: `{"ok": ...}` or `{"error": {"kind", "detail"}}`.
pub type Exchange = (Json, Json);

/// A subject that records every request and answer.
pub struct Tracing<'s> {
    inner: &'s mut dyn Subject,
    /// What was asked and answered, in order.
    pub log: Vec<Exchange>,
}

impl std::fmt::Debug for Tracing<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tracing")
            .field("subject", &self.inner.name())
            .field("exchanges", &self.log.len())
            .finish()
    }
}

fn bad_answer(op: &str, e: &str) -> SubjectError {
    SubjectError::new(ErrorKind::Protocol, format_args!("the answer to {op}: {e}"))
}

impl<'s> Tracing<'s> {
    /// Wraps `inner`.
    pub fn new(inner: &'s mut dyn Subject) -> Self {
        Tracing {
            inner,
            log: Vec::new(),
        }
    }

    fn ask(&mut self, op: &str, mut fields: Json) -> SubjectResult<Json> {
        if let Json::Object(m) = &mut fields {
            m.insert("op".into(), json!(op));
        }
        let answer = serve::dispatch(self.inner, op, &fields);
        let recorded = match &answer {
            Ok(ok) => json!({ "ok": ok }),
            Err(e) => json!({ "error": protocol::error(e.kind, e.detail.as_str()) }),
        };
        self.log.push((fields, recorded));
        answer
    }

    /// The transcript, one JSON line per exchange.
    pub fn lines(&self) -> String {
        self.log
            .iter()
            .map(|(q, a)| format!("{}\n", json!({ "request": q, "answer": a })))
            .collect()
    }
}

fn field<T>(op: &str, ok: &Json, key: &str, f: impl Fn(&Json) -> Result<T, String>) -> SubjectResult<T> {
    let v = ok
        .get(key)
        .ok_or_else(|| bad_answer(op, &format!("no `{key}`")))?;
    f(v).map_err(|e| bad_answer(op, &format!("`{key}` {e}")))
}

impl Subject for Tracing<'_> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn supports(&self, profile: ProfileId) -> bool {
        self.inner.supports(profile)
    }

    fn capabilities(&self, profile: ProfileId) -> Capabilities {
        self.inner.capabilities(profile)
    }

    fn start(&mut self, profile: ProfileId, config: &HeapConfig<'_>) -> SubjectResult<()> {
        let f = protocol::start_fields(profile, config)?;
        self.ask("start", f).map(|_| ())
    }

    fn encode(&mut self, value: &Value<'_>) -> SubjectResult<Encoded> {
        let ok = self.ask("encode", json!({ "value": protocol::value(value) }))?;
        Ok(Encoded {
            word: field("encode", &ok, "word", protocol::parse_word)?,
            class: field("encode", &ok, "class", |c| protocol::parse_class(Some(c)))?,
        })
    }

    fn decode(&mut self, word: u64) -> SubjectResult<(TagClass, Decoded)> {
        let ok = self.ask("decode", json!({ "word": protocol::word(word) }))?;
        Ok((
            field("decode", &ok, "class", |c| protocol::parse_class(Some(c)))?,
            field("decode", &ok, "value", protocol::parse_decoded)?,
        ))
    }

    fn alloc(&mut self, spec: &ObjectSpec<'_>) -> SubjectResult<Allocation> {
        let params = protocol::params(spec.params)
            .map_err(|e| SubjectError::new(ErrorKind::BadArgument, format_args!("{e}")))?;
        let ok = self.ask("alloc", json!({ "kind": spec.kind, "params": params }))?;
        let number = |v: &Json| v.as_u64().ok_or_else(|| format!("is not a number: {v}"));
        Ok(Allocation {
            id: ObjId(field("alloc", &ok, "obj", number)? as u32),
            word: field("alloc", &ok, "word", protocol::parse_word)?,
            bytes: field("alloc", &ok, "bytes", number)?,
        })
    }

    fn link(&mut self, from: ObjId, slot: u32, target: Target) -> SubjectResult<()> {
        let f = json!({ "obj": from.0, "slot": slot, "target": protocol::target(target) });
        self.ask("link", f).map(|_| ())
    }

    fn root(&mut self, o: ObjId) -> SubjectResult<()> {
        self.ask("root", json!({ "obj": o.0 })).map(|_| ())
    }

    fn unroot(&mut self, o: ObjId) -> SubjectResult<()> {
        self.ask("unroot", json!({ "obj": o.0 })).map(|_| ())
    }

    fn collect(&mut self) -> SubjectResult<Collection> {
        let ok = self.ask("collect", json!({}))?;
        protocol::parse_collection(&ok).map_err(|e| bad_answer("collect", &e))
    }

    fn stats(&mut self, sink: &mut dyn FnMut(Stat<'_>)) -> SubjectResult<()> {
        let ok = self.ask("stats", json!({}))?;
        for s in ok.get("stats").and_then(Json::as_array).into_iter().flatten() {
            let name = s.get("name").and_then(Json::as_str).unwrap_or("");
            let unit = protocol::parse_unit(s.get("unit").and_then(Json::as_str).unwrap_or(""))
                .map_err(|e| bad_answer("stats", &e))?;
            let value = s.get("value").and_then(Json::as_u64).unwrap_or(0);
            sink(Stat { name, unit, value });
        }
        Ok(())
    }

    fn heap_map(&mut self, out: &mut dyn std::fmt::Write) -> SubjectResult<()> {
        let ok = self.ask("heap-map", json!({}))?;
        out.write_str(ok.get("text").and_then(Json::as_str).unwrap_or(""))
            .map_err(|_| bad_answer("heap-map", "the text could not be written"))
    }

    fn is_live(&mut self, o: ObjId) -> SubjectResult<bool> {
        let ok = self.ask("live", json!({ "obj": o.0 }))?;
        field("live", &ok, "live", |v| {
            v.as_bool().ok_or_else(|| format!("is not a boolean: {v}"))
        })
    }

    fn gc_control(&mut self, op: GcOp) -> SubjectResult<()> {
        self.ask("gc", json!({ "action": protocol::gc_op(op) }))
            .map(|_| ())
    }

    fn read_word(&mut self, o: ObjId, index: i32) -> SubjectResult<u64> {
        let ok = self.ask("read", json!({ "obj": o.0, "index": index }))?;
        field("read", &ok, "word", protocol::parse_word)
    }
}

/// The trace file of a trial `subject/profile/suite::case` under `dir`.
pub fn file_of(dir: &Path, trial: &str) -> PathBuf {
    let mut p = dir.to_path_buf();
    for part in trial.split(['/', ':']).filter(|s| !s.is_empty()) {
        p.push(part);
    }
    p.set_extension("jsonl");
    p
}

/// Reads a trace file back into its exchanges.
pub fn read(path: &Path) -> Result<Vec<Exchange>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    text.lines()
        .enumerate()
        .map(|(i, l)| {
            let v: Json =
                serde_json::from_str(l).map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))?;
            Ok((v["request"].clone(), v["answer"].clone()))
        })
        .collect()
}

/// `j` with every word (`"0x..."`) written one way, so that `0x0000000b` and `0xb` compare equal.
fn canonical(j: &Json) -> Json {
    match j {
        Json::String(t) => match t.strip_prefix("0x").map(|h| u64::from_str_radix(h, 16)) {
            Some(Ok(w)) => json!(format!("{w:#x}")),
            _ => j.clone(),
        },
        Json::Array(a) => Json::Array(a.iter().map(canonical).collect()),
        Json::Object(m) => Json::Object(m.iter().map(|(k, v)| (k.clone(), canonical(v))).collect()),
        _ => j.clone(),
    }
}

/// Replays `log`'s requests on a subject `reference` lends, object ids mapped from the traced
/// subject's to the reference's, and says where the first answer differs (`None`: none differs).
pub fn first_difference(
    log: &[Exchange],
    reference: &dyn SubjectFactory,
    timeout: std::time::Duration,
) -> Option<String> {
    // The largest arena the trace's starts ask for, as the harness leases a subject for a case.
    let arena_bytes = log
        .iter()
        .filter_map(|(q, _)| q.get("arena").and_then(Json::as_u64))
        .max()
        .unwrap_or(0);
    let lease = Lease { timeout, arena_bytes };
    let mut found = None;
    let fault = reference.lend(&lease, &mut |s| {
        let mut ids: std::collections::BTreeMap<u64, u64> = std::collections::BTreeMap::new();
        for (n, (request, answer)) in log.iter().enumerate() {
            let mut q = request.clone();
            for key in ["obj"] {
                if let Some(id) = q.get(key).and_then(Json::as_u64) {
                    q[key] = json!(ids.get(&id).copied().unwrap_or(id));
                }
            }
            if let Some(id) = q.pointer("/target/obj").and_then(Json::as_u64) {
                q["target"]["obj"] = json!(ids.get(&id).copied().unwrap_or(id));
            }
            let op = q.get("op").and_then(Json::as_str).unwrap_or("").to_string();
            let got = match serve::dispatch(s, &op, &q) {
                Ok(ok) => json!({ "ok": ok }),
                Err(e) => json!({ "error": protocol::error(e.kind, e.detail.as_str()) }),
            };
            if op == "alloc"
                && let (Some(theirs), Some(ours)) = (answer.pointer("/ok/obj"), got.pointer("/ok/obj"))
            {
                ids.insert(theirs.as_u64().unwrap_or(0), ours.as_u64().unwrap_or(0));
            }
            let mut same = canonical(&got) == canonical(answer);
            // An object id is each subject's own choice: compare alloc answers without it.
            if !same && op == "alloc" {
                let strip = |j: &Json| {
                    let mut j = j.clone();
                    if let Some(ok) = j.get_mut("ok").and_then(Json::as_object_mut) {
                        ok.remove("obj");
                    }
                    j
                };
                same = canonical(&strip(&got)) == canonical(&strip(answer));
            }
            // A subject may give fewer figures, or others of its own: compare the ones both name.
            if !same && op == "stats" {
                let figures = |j: &Json| -> std::collections::BTreeMap<String, Json> {
                    j.pointer("/ok/stats")
                        .and_then(Json::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(|f| Some((f.get("name")?.as_str()?.to_string(), f.clone())))
                        .collect()
                };
                let (theirs, ours) = (figures(answer), figures(&got));
                same = !theirs.is_empty()
                    && theirs
                        .iter()
                        .all(|(name, f)| ours.get(name).is_none_or(|o| o == f));
            }
            if !same {
                found = Some(format!(
                    "request {n} differs:\n  asked     {request}\n  subject   {answer}\n  reference {got}"
                ));
                return;
            }
        }
    });
    match fault {
        Err(f) => Some(format!(
            "the reference could not replay the trace: {}",
            f.diagnosis
        )),
        Ok(()) => found,
    }
}

/// Runs `plan` on `subject` as [`check::execute`] does; with tracing on, through a [`Tracing`] subject,
/// writing the transcript of trial `trial` (`subject/profile/suite::case`).
pub fn execute(
    plan: &crate::plan::Plan<'_>,
    subject: &mut dyn Subject,
    trial: &str,
) -> crate::check::Execution {
    let Some(dir) = dir() else {
        return crate::check::execute(plan, subject);
    };
    let mut t = Tracing::new(subject);
    let exec = crate::check::execute(plan, &mut t);
    let path = file_of(dir, trial);
    let written = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(&path, t.lines()));
    if let Err(e) = written {
        eprintln!("memspec: cannot write the trace {}: {e}", path.display());
    }
    exec
}

/// For each failed trial of `trials`, the first answer its trace differs from the reference's in.
pub fn diff_failed(trials: &[crate::report::TrialRecord], reference: &dyn SubjectFactory) -> String {
    let Some(dir) = dir() else {
        return String::new();
    };
    let mut out = String::new();
    for t in trials.iter().filter(|t| t.status == crate::report::Status::Fail) {
        let path = file_of(dir, &t.name);
        let said = match read(&path) {
            Err(e) => e,
            Ok(log) => first_difference(&log, reference, std::time::Duration::from_secs(10))
                .unwrap_or_else(|| "every answer is the reference's".into()),
        };
        out.push_str(&format!(
            "{} (trace {}):\n  {}\n",
            t.name,
            path.display(),
            said.replace('\n', "\n  ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::subjects::reference::RefFactory;
    use std::time::Duration;

    fn exchanges(lines: &[&str]) -> Vec<Exchange> {
        lines
            .iter()
            .map(|l| {
                let v: Json = serde_json::from_str(l).unwrap();
                (v["request"].clone(), v["answer"].clone())
            })
            .collect()
    }

    #[test]
    fn a_trace_the_reference_answers_alike_has_no_difference_even_with_other_object_ids() {
        let log = exchanges(&[
            r#"{"request":{"op":"start","profile":"micropython-a32","arena":8192,"options":{}},"answer":{"ok":{}}}"#,
            r#"{"request":{"op":"encode","value":{"int":5}},"answer":{"ok":{"word":"0x0000000b","class":"small-int"}}}"#,
            // The reference's answer, from `memspec serve`; the subject numbers its objects from 7.
            r#"{"request":{"op":"alloc","kind":"raw","params":{"bytes":32}},"answer":{"ok":{"obj":7,"word":"0x42f80","bytes":32}}}"#,
            r#"{"request":{"op":"root","obj":7},"answer":{"ok":{}}}"#,
            r#"{"request":{"op":"live","obj":7},"answer":{"ok":{"live":true}}}"#,
        ]);
        assert_eq!(first_difference(&log, &RefFactory, Duration::from_secs(10)), None);
    }

    #[test]
    fn the_first_answer_unlike_the_references_is_named_with_both_answers() {
        // A small int one bit off, as an adapter with a wrong shift answers it.
        let log = exchanges(&[
            r#"{"request":{"op":"start","profile":"micropython-a32","arena":8192,"options":{}},"answer":{"ok":{}}}"#,
            r#"{"request":{"op":"encode","value":{"int":5}},"answer":{"ok":{"word":"0x00000015","class":"small-int"}}}"#,
            r#"{"request":{"op":"encode","value":{"int":6}},"answer":{"ok":{"word":"0x00000019","class":"small-int"}}}"#,
        ]);
        let d = first_difference(&log, &RefFactory, Duration::from_secs(10)).unwrap();
        assert!(d.starts_with("request 1 differs:"), "{d}");
        assert!(
            d.contains("subject   {\"ok\":{\"class\":\"small-int\",\"word\":\"0x00000015\"}}"),
            "{d}"
        );
        assert!(
            d.contains("reference {\"ok\":{\"class\":\"small-int\",\"word\":\"0xb\"}}"),
            "{d}"
        );
    }

    #[test]
    fn a_trial_name_is_a_path_under_the_trace_folder() {
        assert_eq!(
            file_of(Path::new("t"), "process/micropython-a32/heap::atb"),
            Path::new("t/process/micropython-a32/heap/atb.jsonl")
        );
    }
}
