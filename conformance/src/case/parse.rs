//! The case parser. Every error names the line and column and says what was expected.

use std::collections::{BTreeMap, BTreeSet};

use memspec::claim::Claim;
use memspec::fact::Unit;
use memspec::profile::{Engine, ProfileId};
use memspec::step::StepTarget;
use memspec::subject::{Capabilities, Capability, ErrorKind, GcOp, stat};
use memspec::tag::TagClass;

use super::engine_law::{self, EngineLaw};
use super::lex::{Token, tokens};
use super::{
    Case, CaseError, CaseId, CaseStep, Check, Expect, ExpectedValue, FORMAT_VERSION, Law, MAX_VARS, Op,
    OwnedParam, OwnedParamValue, OwnedValue, Pattern, Pos, Source, SourceKind, StatWant,
};

type Res<T> = Result<T, (Pos, String)>;

/// Allocations a `fill` may make when the case gives no `max=`.
const DEFAULT_FILL_MAX: u32 = 1024;

/// The most allocations a `fill` may be given (`max=`): a bound on the trial's time and memory.
const FILL_MAX_LIMIT: u32 = 4096;

/// The characters a `map-at` expectation may use: the heap map's (`py/gc.c` `gc_dump_alloc_table`)
/// and `*` for any HEAD.
const MAP_AT_CHARS: &str = ".=mhTLDSAFBM*";

fn err<T>(pos: Pos, message: impl Into<String>) -> Res<T> {
    Err((pos, message.into()))
}

/// Parses an integer: decimal, `0x` hex or `0b` binary, with an optional `-` and `_` separators.
pub fn parse_int(text: &str) -> Result<i128, String> {
    let (neg, body) = match text.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (radix, digits) = if let Some(h) = body.strip_prefix("0x") {
        (16, h)
    } else if let Some(b) = body.strip_prefix("0b") {
        (2, b)
    } else {
        (10, body)
    };
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    if clean.is_empty() {
        return Err(format!("expected a number, found `{text}`"));
    }
    let v = u128::from_str_radix(&clean, radix).map_err(|_| format!("expected a number, found `{text}`"))?;
    let v = i128::try_from(v).map_err(|_| format!("`{text}` is too large"))?;
    Ok(if neg { -v } else { v })
}

fn int_in<T: TryFrom<i128>>(tok: &Token, what: &str) -> Res<T> {
    let v = parse_int(&tok.as_str()).or_else(|m| err(tok.pos, format!("{what}: {m}")))?;
    T::try_from(v).or_else(|_| {
        err(
            tok.pos,
            format!("{what}: {v} is out of range for {}", std::any::type_name::<T>()),
        )
    })
}

fn parse_float(tok: &Token) -> Res<f64> {
    let s = tok.as_str();
    let v = match &*s {
        "nan" => f64::NAN,
        "inf" => f64::INFINITY,
        "-inf" => f64::NEG_INFINITY,
        other => other.parse::<f64>().or_else(|_| {
            err(
                tok.pos,
                format!("expected a float such as `2.5`, `-0.0`, `1e-3`, `nan`, `inf`, found `{other}`"),
            )
        })?,
    };
    Ok(v)
}

fn bare<'t>(tok: &'t Token, what: &str) -> Res<std::borrow::Cow<'t, str>> {
    if tok.quoted {
        return err(tok.pos, format!("expected {what}, found a quoted string"));
    }
    Ok(tok.as_str())
}

fn quoted(tok: &Token, what: &str) -> Res<Vec<u8>> {
    if !tok.quoted {
        return err(
            tok.pos,
            format!("expected {what} in double quotes, found `{}`", tok.as_str()),
        );
    }
    Ok(tok.text.clone())
}

/// A cursor over a line's tokens that knows where the line ends.
struct Line<'a> {
    toks: &'a [Token],
    at: usize,
    end: Pos,
}

impl<'a> Line<'a> {
    fn next(&mut self, what: &str) -> Res<&'a Token> {
        match self.toks.get(self.at) {
            Some(t) => {
                self.at += 1;
                Ok(t)
            }
            None => err(self.end, format!("the line ends here; expected {what}")),
        }
    }

    fn peek(&self) -> Option<&'a Token> {
        self.toks.get(self.at)
    }

    fn done(&self, after: &str) -> Res<()> {
        match self.toks.get(self.at) {
            None => Ok(()),
            Some(t) => err(
                t.pos,
                format!(
                    "unexpected `{}` after {after}; expected the end of the line",
                    t.as_str()
                ),
            ),
        }
    }
}

/// Header values being collected.
#[derive(Default)]
struct Head {
    format: Option<Pos>,
    about: Option<String>,
    profiles: Option<Vec<ProfileId>>,
    needs: Option<Capabilities>,
    claims: Option<Vec<&'static str>>,
    sources: Vec<Source>,
}

/// Parses the text of a case. `file` is how errors name the file; `engine`, `suite` and `name` come
/// from its path (`<engine>/<suite>/<name>.case`).
pub fn parse(file: &str, engine: &str, suite: &str, name: &str, text: &str) -> Result<Case, CaseError> {
    parse_inner(engine, suite, name, file, text).map_err(|(pos, message)| CaseError {
        file: file.to_string(),
        pos,
        message,
    })
}

fn parse_inner(engine_name: &str, suite: &str, name: &str, file: &str, text: &str) -> Res<Case> {
    let top = Pos { line: 1, col: 1 };
    let Some(engine) = Engine::from_name(engine_name) else {
        let names: Vec<_> = Engine::ALL.iter().map(|e| e.name()).collect();
        return err(
            top,
            format!(
                "the case is in folder `{engine_name}`, which is no engine; expected one of {}",
                names.join(", ")
            ),
        );
    };
    for (what, part) in [("suite", suite), ("case", name)] {
        if part.is_empty()
            || !part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return err(
                top,
                format!("the {what} name `{part}` must be letters, digits, `_` and `-` only"),
            );
        }
    }
    let mut head = Head::default();
    let mut steps: Vec<CaseStep> = Vec::new();
    let mut vars: Vec<String> = Vec::new();
    let mut var_of: BTreeMap<String, u16> = BTreeMap::new();
    // Names of the stats steps so far (`stats as <name>`).
    let mut labels: BTreeSet<String> = BTreeSet::new();
    // Unresolved source labels of expectations: (step, expect, label token pos, label).
    let mut pending_from: Vec<(usize, usize, Pos, Option<String>)> = Vec::new();

    for (i, raw) in text.lines().enumerate() {
        let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let trimmed = raw.trim_start();
        let indent = (raw.chars().count() - trimmed.chars().count()) as u32;
        if let Some(meta) = trimmed.strip_prefix(";;!") {
            let pos = Pos {
                line: line_no,
                col: indent + 1,
            };
            if let Some(first) = steps.first() {
                return err(
                    pos,
                    format!(
                        "metadata (`;;!`) belongs at the head of the file, before the first step (line {})",
                        first.pos.line
                    ),
                );
            }
            header_line(&mut head, meta, pos, indent + 4, engine)?;
            continue;
        }
        if trimmed.starts_with(";;") {
            return err(
                Pos {
                    line: line_no,
                    col: indent + 1,
                },
                "a line starting with `;;` must be metadata, `;;! key: value`; comments start with `#`",
            );
        }
        let toks = tokens(raw, line_no).map_err(|e| (e.pos, e.message))?;
        let Some(first) = toks.first() else { continue };
        let end = Pos {
            line: line_no,
            col: raw.chars().count() as u32 + 1,
        };
        // Split off the trailing `for ...` / `from ...` clauses.
        let (body, only, from) = clauses(&toks, end, &head)?;
        let mut line = Line {
            toks: body,
            at: 1,
            end,
        };
        if first.is("expect") {
            let Some(step_index) = steps.len().checked_sub(1) else {
                return err(
                    first.pos,
                    "`expect` must follow a step; there is no step before it",
                );
            };
            if matches!(steps[step_index].op, Op::Fill { .. }) {
                return err(
                    first.pos,
                    "`fill` gives nothing to expect; follow it with a `stats` or `heap-map` step and expect there",
                );
            }
            let check = expectation(&mut line, &steps[step_index].op, engine, &var_of, &labels)?;
            line.done(&format!("`expect {}`", check.keyword()))?;
            let step = &mut steps[step_index];
            if let (Some(eonly), Some(sonly)) = (&only, &step.only)
                && let Some(p) = eonly.iter().find(|p| !sonly.contains(p))
            {
                return err(
                    first.pos,
                    format!(
                        "this expectation is for {}, but the step it follows (line {}) does not run under it",
                        p.name(),
                        step.pos.line
                    ),
                );
            }
            pending_from.push((step_index, step.expects.len(), from.0, from.1));
            step.expects.push(Expect {
                pos: first.pos,
                only,
                source: 0,
                check,
            });
            continue;
        }
        if from.1.is_some() {
            return err(
                from.0,
                "`from` names the source of an expected value; it belongs on `expect` lines",
            );
        }
        let op = step(first, &mut line, &mut vars, &mut var_of, &mut labels)?;
        line.done(&format!("the `{}` step", op.verb()))?;
        if matches!(op, Op::Fill { .. }) && engine != Engine::MicroPython {
            return err(
                first.pos,
                format!(
                    "`fill` reads the largest free run from MicroPython's heap map (`max free sz`); {} has none",
                    engine.name()
                ),
            );
        }
        steps.push(CaseStep {
            pos: first.pos,
            only,
            op,
            expects: Vec::new(),
        });
    }

    // The head must be complete.
    if head.format.is_none() {
        return err(
            top,
            format!("the case has no `;;! case-format: {FORMAT_VERSION}` line; every case starts with one"),
        );
    }
    let about = head.about.ok_or_else(|| {
        (
            top,
            "the case has no `;;! about:` line saying what it shows".to_string(),
        )
    })?;
    let profiles = head.profiles.ok_or_else(|| {
        (
            top,
            "the case has no `;;! profiles:` line naming the profiles it runs under".to_string(),
        )
    })?;
    let needs = head.needs.ok_or_else(|| {
        (
            top,
            "the case has no `;;! needs:` line naming the capabilities it needs".to_string(),
        )
    })?;
    let claims = head.claims.ok_or_else(|| {
        (
            top,
            "the case has no `;;! claims:` line (write `;;! claims: none` if it checks only laws)"
                .to_string(),
        )
    })?;
    let sources = head.sources;
    if steps.iter().all(|s| s.expects.is_empty()) {
        return err(
            top,
            "the case has no `expect` line; a case that expects nothing checks nothing",
        );
    }

    // Resolve the source of every expectation.
    let mut used = vec![false; sources.len()];
    for (s, e, pos, label) in pending_from {
        let index = match label {
            Some(l) => sources.iter().position(|src| src.label == l).ok_or_else(|| {
                let names: Vec<_> = sources.iter().map(|s| s.label.as_str()).collect();
                (
                    pos,
                    format!(
                        "no source is labelled `{l}`; the case declares {}",
                        if names.is_empty() {
                            "none".to_string()
                        } else {
                            names.join(", ")
                        }
                    ),
                )
            })?,
            None if sources.len() == 1 => 0,
            None if sources.is_empty() => {
                return err(
                    steps[s].expects[e].pos,
                    "this expectation has no source: declare one with `;;! source <label>: ...` at the head",
                );
            }
            None => {
                let names: Vec<_> = sources.iter().map(|s| s.label.as_str()).collect();
                return err(
                    steps[s].expects[e].pos,
                    format!(
                        "this expectation names no source; add `from <label>` (one of {})",
                        names.join(", ")
                    ),
                );
            }
        };
        if let Some(u) = used.get_mut(index) {
            *u = true;
        }
        steps[s].expects[e].source = index;
    }
    if let Some(i) = used.iter().position(|u| !u) {
        return err(
            sources[i].pos,
            format!(
                "source `{}` is declared but no expectation uses it",
                sources[i].label
            ),
        );
    }

    // Steps against the head.
    for p in &profiles {
        if p.engine() != engine {
            return err(
                top,
                format!(
                    "profile {} belongs to {}, but the case is in the {} folder",
                    p.name(),
                    p.engine().name(),
                    engine.name()
                ),
            );
        }
        match steps.iter().find(|s| s.applies(*p)) {
            Some(s) if matches!(s.op, Op::Start { .. }) => {}
            Some(s) => {
                return err(
                    s.pos,
                    format!(
                        "under {} the first step is `{}`; every plan begins with `start arena=...`",
                        p.name(),
                        s.op.verb()
                    ),
                );
            }
            None => return err(top, format!("the case has no step that runs under {}", p.name())),
        }
    }
    for s in &steps {
        if let Some(only) = &s.only
            && let Some(p) = only.iter().find(|p| !profiles.contains(p))
        {
            return err(
                s.pos,
                format!("`for {}`: the case's `profiles:` line does not list it", p.name()),
            );
        }
        for e in &s.expects {
            if let Some(only) = &e.only
                && let Some(p) = only.iter().find(|p| !profiles.contains(p))
            {
                return err(
                    e.pos,
                    format!("`for {}`: the case's `profiles:` line does not list it", p.name()),
                );
            }
        }
        if let Some(c) = s.op.capabilities().iter().find(|c| !needs.has(*c)) {
            return err(
                s.pos,
                format!(
                    "the `{}` step needs the capability `{}`, which the `;;! needs:` line does not list",
                    s.op.verb(),
                    c.name()
                ),
            );
        }
    }
    Ok(Case {
        id: CaseId {
            engine: engine_name.to_string(),
            suite: suite.to_string(),
            name: name.to_string(),
        },
        file: file.to_string(),
        about,
        profiles,
        needs,
        claims,
        sources,
        steps,
        vars,
        text: text.lines().map(str::to_string).collect(),
    })
}

/// The trailing `for P ...` and `from LABEL` clauses of a line.
type Clauses<'a> = (&'a [Token], Option<Vec<ProfileId>>, (Pos, Option<String>));

fn clauses<'a>(toks: &'a [Token], end: Pos, head: &Head) -> Res<Clauses<'a>> {
    let split = toks
        .iter()
        .enumerate()
        .skip(1)
        .find(|(_, t)| t.is("for") || t.is("from"))
        .map_or(toks.len(), |(i, _)| i);
    let (body, rest) = toks.split_at(split);
    let mut only: Option<Vec<ProfileId>> = None;
    let mut from: (Pos, Option<String>) = (end, None);
    let mut i = 0;
    while let Some(kw) = rest.get(i) {
        i += 1;
        if kw.is("for") {
            if only.is_some() {
                return err(kw.pos, "a second `for` clause; list every profile in one");
            }
            let mut list = Vec::new();
            while let Some(t) = rest.get(i) {
                if t.is("from") {
                    break;
                }
                let name = bare(t, "a profile name")?;
                let Some(p) = ProfileId::from_name(&name) else {
                    return err(t.pos, unknown_profile(&name));
                };
                if head.profiles.as_ref().is_some_and(|ps| !ps.contains(&p)) {
                    return err(
                        t.pos,
                        format!("`for {name}`: the case's `profiles:` line does not list it"),
                    );
                }
                list.push(p);
                i += 1;
            }
            if list.is_empty() {
                return err(
                    kw.pos,
                    "`for` must be followed by one or more profile names, such as `micropython-a32`",
                );
            }
            only = Some(list);
        } else if kw.is("from") {
            if from.1.is_some() {
                return err(kw.pos, "a second `from` clause; an expectation has one source");
            }
            let t = rest
                .get(i)
                .ok_or_else(|| (end, "`from` must be followed by a source label".to_string()))?;
            from = (t.pos, Some(bare(t, "a source label")?.into_owned()));
            i += 1;
        } else {
            return err(
                kw.pos,
                format!(
                    "unexpected `{}`; after `for`/`from` clauses the line must end",
                    kw.as_str()
                ),
            );
        }
    }
    Ok((body, only, from))
}

fn unknown_profile(name: &str) -> String {
    let names: Vec<_> = ProfileId::ALL.iter().map(|p| p.name()).collect();
    format!("`{name}` is no profile; expected one of {}", names.join(", "))
}

fn header_line(head: &mut Head, meta: &str, pos: Pos, col0: u32, engine: Engine) -> Res<()> {
    let Some((key, value)) = meta.split_once(':') else {
        return err(
            pos,
            "expected `;;! key: value` (keys: case-format, about, profiles, needs, claims, source <label>)",
        );
    };
    let key = key.trim();
    let value_col = col0 + key.chars().count() as u32 + 2;
    let vpos = Pos {
        line: pos.line,
        col: value_col,
    };
    // Tokens of the value with their real columns.
    let toks = || -> Res<Vec<Token>> {
        let pad = " ".repeat(value_col.saturating_sub(1) as usize);
        tokens(&format!("{pad}{value}"), pos.line).map_err(|e| (e.pos, e.message))
    };
    let once = |seen: bool, k: &str| -> Res<()> {
        if seen {
            return err(pos, format!("a second `{k}:` line; each key appears once"));
        }
        Ok(())
    };
    match key {
        "case-format" => {
            once(head.format.is_some(), key)?;
            let t = toks()?;
            let v = t
                .first()
                .ok_or_else(|| (vpos, format!("expected the format version, {FORMAT_VERSION}")))?;
            if !v.is(&FORMAT_VERSION.to_string()) || t.len() != 1 {
                return err(
                    v.pos,
                    format!(
                        "this harness reads case format {FORMAT_VERSION}, found `{}`",
                        value.trim()
                    ),
                );
            }
            head.format = Some(pos);
        }
        "about" => {
            once(head.about.is_some(), key)?;
            let v = value.trim();
            if v.is_empty() {
                return err(vpos, "`about:` needs one line saying what the case shows");
            }
            head.about = Some(v.to_string());
        }
        "profiles" => {
            once(head.profiles.is_some(), key)?;
            let mut list = Vec::new();
            for t in toks()? {
                let name = bare(&t, "a profile name")?;
                let Some(p) = ProfileId::from_name(&name) else {
                    return err(t.pos, unknown_profile(&name));
                };
                if p.engine() != engine {
                    return err(
                        t.pos,
                        format!(
                            "profile {} belongs to {}, but the case is in the {} folder",
                            p.name(),
                            p.engine().name(),
                            engine.name()
                        ),
                    );
                }
                if list.contains(&p) {
                    return err(t.pos, format!("{} is listed twice", p.name()));
                }
                list.push(p);
            }
            if list.is_empty() {
                return err(vpos, "`profiles:` must name at least one profile");
            }
            head.profiles = Some(list);
        }
        "needs" => {
            once(head.needs.is_some(), key)?;
            let mut set = Capabilities::NONE;
            for t in toks()? {
                let name = bare(&t, "a capability")?;
                let Some(c) = Capability::from_name(&name) else {
                    let names: Vec<_> = Capability::ALL.iter().map(|c| c.name()).collect();
                    return err(
                        t.pos,
                        format!("`{name}` is no capability; expected one of {}", names.join(", ")),
                    );
                };
                set = set.with(c);
            }
            head.needs = Some(set);
        }
        "claims" => {
            once(head.claims.is_some(), key)?;
            let t = toks()?;
            let mut list = Vec::new();
            if !(t.len() == 1 && t[0].is("none")) {
                for tok in &t {
                    let id = bare(tok, "a claim id")?;
                    let Some(c) = Claim::find(&id) else {
                        return err(
                            tok.pos,
                            format!("`{id}` is no claim id of the claims list (ids look like `MP-Y-31`)"),
                        );
                    };
                    list.push(c.id);
                }
                if list.is_empty() {
                    return err(vpos, "`claims:` must list claim ids, or say `none`");
                }
            }
            head.claims = Some(list);
        }
        k if k.starts_with("source") => {
            let label = k.strip_prefix("source").unwrap_or("").trim();
            if label.is_empty()
                || !label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return err(
                    pos,
                    "expected `;;! source <label>: <upstream|claim|measured|derived> ...` with a label of \
                     letters, digits, `-` and `_`",
                );
            }
            if head.sources.iter().any(|s| s.label == label) {
                return err(pos, format!("source `{label}` is declared twice"));
            }
            let kind = source_kind(value, vpos, &toks()?)?;
            head.sources.push(Source {
                label: label.to_string(),
                kind,
                pos,
            });
        }
        other => {
            return err(
                pos,
                format!(
                    "unknown metadata key `{other}`; expected case-format, about, profiles, needs, claims \
                     or source <label>"
                ),
            );
        }
    }
    Ok(())
}

fn source_kind(value: &str, vpos: Pos, toks: &[Token]) -> Res<SourceKind> {
    let Some(kind) = toks.first() else {
        return err(vpos, "expected `upstream`, `claim`, `measured` or `derived`");
    };
    let rest_text = || -> String {
        let v = value.trim_start();
        v.split_once(char::is_whitespace)
            .map_or("", |(_, r)| r)
            .trim()
            .to_string()
    };
    if kind.is("upstream") {
        let file = toks.get(1).ok_or_else(|| {
            (
                kind.pos,
                "`upstream` needs a file and a symbol: `upstream py/gc.c gc_alloc`".to_string(),
            )
        })?;
        let symbol = toks.get(2).ok_or_else(|| {
            (
                file.pos,
                "`upstream` needs a symbol after the file: `upstream py/gc.c gc_alloc`".to_string(),
            )
        })?;
        let note = match toks.get(3) {
            None => String::new(),
            Some(t) if t.is("--") => {
                let text = value.split_once(" -- ").map_or("", |(_, n)| n).trim();
                if text.is_empty() {
                    return err(
                        t.pos,
                        "`--` must be followed by a note saying what the source says",
                    );
                }
                text.to_string()
            }
            Some(t) => {
                return err(
                    t.pos,
                    format!(
                        "unexpected `{}`; after the file and symbol, write `-- <what it says>`",
                        t.as_str()
                    ),
                );
            }
        };
        return Ok(SourceKind::Upstream {
            file: file.as_str().into_owned(),
            symbol: symbol.as_str().into_owned(),
            note,
        });
    }
    if kind.is("claim") {
        let id = toks.get(1).ok_or_else(|| {
            (
                kind.pos,
                "`claim` needs a claim id, as in `claim MP-Y-31`".to_string(),
            )
        })?;
        let Some(c) = Claim::find(&id.as_str()) else {
            return err(
                id.pos,
                format!("`{}` is no claim id of the claims list", id.as_str()),
            );
        };
        if let Some(t) = toks.get(2) {
            return err(t.pos, "a `claim` source names one claim id and nothing more");
        }
        return Ok(SourceKind::Claim(c.id));
    }
    if kind.is("measured") || kind.is("derived") {
        let text = rest_text();
        if text.is_empty() {
            return err(
                kind.pos,
                if kind.is("measured") {
                    "`measured` needs the command that reproduces the value"
                } else {
                    "`derived` needs the formula"
                },
            );
        }
        return Ok(if kind.is("measured") {
            SourceKind::Measured(text)
        } else {
            SourceKind::Derived(text)
        });
    }
    err(
        kind.pos,
        format!(
            "`{}` is no kind of source; expected `upstream`, `claim`, `measured` or `derived`",
            kind.as_str()
        ),
    )
}

fn ident(tok: &Token, what: &str) -> Res<String> {
    let s = bare(tok, what)?;
    let ok = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ok {
        return err(
            tok.pos,
            format!("expected {what} (a letter or `_`, then letters, digits, `_`), found `{s}`"),
        );
    }
    Ok(s.into_owned())
}

/// An object kind: a letter, then letters, digits, `_` and `-` (`list`, `bound-method`, `mutable-tuple`).
fn kind_name(tok: &Token) -> Res<String> {
    let s = bare(tok, "an object kind")?;
    let ok = s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !ok {
        return err(
            tok.pos,
            format!("expected an object kind (a letter, then letters, digits, `_`, `-`), found `{s}`"),
        );
    }
    Ok(s.into_owned())
}

fn var_use(tok: &Token, name: &str, var_of: &BTreeMap<String, u16>) -> Res<u16> {
    var_of.get(name).copied().ok_or_else(|| {
        (
            tok.pos,
            format!("no `alloc {name} = ...` step before this line names an object `{name}`"),
        )
    })
}

/// `a[3]` → (a, 3).
fn slot_ref(tok: &Token, var_of: &BTreeMap<String, u16>) -> Res<(u16, i64)> {
    let s = bare(tok, "an object slot such as `a[0]`")?;
    let Some((name, rest)) = s.split_once('[') else {
        return err(
            tok.pos,
            format!("expected an object slot such as `a[0]`, found `{s}`"),
        );
    };
    let Some(index) = rest.strip_suffix(']') else {
        return err(tok.pos, format!("`{s}` lacks the closing `]`"));
    };
    let var = var_use(tok, name, var_of)?;
    let i = parse_int(index).map_err(|m| (tok.pos, format!("the slot index: {m}")))?;
    let i = i64::try_from(i).map_err(|_| (tok.pos, format!("the slot index {i} is out of range")))?;
    Ok((var, i))
}

fn params(line: &mut Line<'_>) -> Res<Vec<OwnedParam>> {
    let mut out: Vec<OwnedParam> = Vec::new();
    while let Some(t) = line.peek() {
        line.at += 1;
        let s = bare(t, "an argument `name=value`")?;
        let Some((name, value)) = s.split_once('=') else {
            return err(t.pos, format!("expected an argument `name=value`, found `{s}`"));
        };
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return err(t.pos, format!("`{name}` is not an argument name"));
        }
        if out.iter().any(|p| p.name == name) {
            return err(t.pos, format!("argument `{name}` is given twice"));
        }
        let v = if value.is_empty() {
            let q = line.next(&format!("a value after `{name}=`"))?;
            OwnedParamValue::Text(quoted(q, &format!("the text of `{name}`"))?)
        } else if let Ok(v) = parse_int(value) {
            OwnedParamValue::Int(v)
        } else if let Ok(f) = value.parse::<f64>() {
            OwnedParamValue::Float(f)
        } else if value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            // A bare word (`port=unix`) is text.
            OwnedParamValue::Text(value.as_bytes().to_vec())
        } else {
            return err(
                t.pos,
                format!(
                    "argument `{name}`: expected a number, a word, or `{name}=\"text\"`, found `{value}`"
                ),
            );
        };
        out.push(OwnedParam {
            name: name.to_string(),
            value: v,
        });
    }
    Ok(out)
}

fn step(
    verb: &Token,
    line: &mut Line<'_>,
    vars: &mut Vec<String>,
    var_of: &mut BTreeMap<String, u16>,
    labels: &mut BTreeSet<String>,
) -> Res<Op> {
    let v = bare(verb, "a step")?;
    Ok(match &*v {
        "start" => {
            let ps = params(line)?;
            let mut arena = None;
            let mut port = None;
            let mut options = Vec::new();
            for p in ps {
                match (p.name.as_str(), &p.value) {
                    ("arena", OwnedParamValue::Int(n)) => {
                        arena = Some(u64::try_from(*n).map_err(|_| {
                            (
                                verb.pos,
                                format!("`arena={n}`: the arena size must be 0 or more bytes"),
                            )
                        })?)
                    }
                    ("arena", _) => return err(verb.pos, "`arena=` takes a number of bytes"),
                    ("port", OwnedParamValue::Text(t)) => {
                        port = Some(String::from_utf8_lossy(t).into_owned())
                    }
                    ("port", _) => return err(verb.pos, "`port=` takes a port name such as `unix`"),
                    _ => options.push(p),
                }
            }
            let Some(arena) = arena else {
                return err(verb.pos, "`start` needs `arena=<bytes>`");
            };
            Op::Start { arena, port, options }
        }
        "encode" => {
            let kind = line.next("a value kind: int, float, qstr, str, bytes, bool, named or error")?;
            let k = bare(kind, "a value kind")?;
            let val = line.next("the value")?;
            Op::Encode(match &*k {
                "int" => OwnedValue::Int(int_in(val, "the int")?),
                "float" => OwnedValue::Float(parse_float(val)?),
                "qstr" => OwnedValue::Qstr(int_in(val, "the qstr index")?),
                "str" => OwnedValue::Str(quoted(val, "the string")?),
                "bytes" => OwnedValue::Bytes(quoted(val, "the bytes")?),
                "bool" => OwnedValue::Bool(boolean(val)?),
                "named" => OwnedValue::Named(bare(val, "a constant's name")?.into_owned()),
                "error" => OwnedValue::Error(int_in(val, "the error kind")?),
                other => {
                    return err(
                        kind.pos,
                        format!(
                            "`{other}` is no value kind; expected int, float, qstr, str, bytes, bool, named or error"
                        ),
                    );
                }
            })
        }
        "decode" => {
            let w = line.next("the word to decode, such as `0x0000000b`")?;
            Op::Decode(int_in(w, "the word")?)
        }
        "alloc" => {
            let name_tok = line.next("the object's name, as in `alloc a = list len=0`")?;
            let name = ident(name_tok, "an object name")?;
            let eq = line.next("`=` after the object's name")?;
            if !eq.is("=") {
                return err(
                    eq.pos,
                    format!("expected `=` after `{name}`, found `{}`", eq.as_str()),
                );
            }
            let kind_tok = line.next("the object kind, such as `list` or `raw`")?;
            let kind = kind_name(kind_tok)?;
            let params = params(line)?;
            let var = u16::try_from(vars.len())
                .ok()
                .filter(|v| (*v as usize) < MAX_VARS)
                .ok_or_else(|| {
                    (
                        name_tok.pos,
                        format!("a case may name at most {MAX_VARS} objects"),
                    )
                })?;
            vars.push(name.clone());
            var_of.insert(name, var);
            Op::Alloc { var, kind, params }
        }
        "link" => {
            let slot_tok = line.next("the slot written, as in `link a[0] -> b`")?;
            let (from, slot) = slot_ref(slot_tok, var_of)?;
            let slot = u32::try_from(slot).map_err(|_| {
                (
                    slot_tok.pos,
                    format!("slot {slot} is negative; slots count from 0"),
                )
            })?;
            let arrow = line.next("`->`")?;
            if !arrow.is("->") {
                return err(arrow.pos, format!("expected `->`, found `{}`", arrow.as_str()));
            }
            let t = line.next("what to store: an object, `obj+offset`, `word 0x...` or `empty`")?;
            let ts = bare(t, "an object, `obj+offset`, `word 0x...` or `empty`")?;
            let target = if ts == "empty" {
                StepTarget::Empty
            } else if ts == "word" {
                let w = line.next("the raw word")?;
                StepTarget::Word(int_in(w, "the word")?)
            } else if let Some((name, off)) = ts.split_once('+') {
                let var = var_use(t, name, var_of)?;
                let off = parse_int(off).map_err(|m| (t.pos, format!("the offset: {m}")))?;
                let off =
                    u32::try_from(off).map_err(|_| (t.pos, format!("the offset {off} is out of range")))?;
                StepTarget::Interior(memspec::step::Var(var), off)
            } else {
                StepTarget::Object(memspec::step::Var(var_use(t, &ts, var_of)?))
            };
            Op::Link { from, slot, target }
        }
        "unlink" => {
            let slot_tok = line.next("the slot cleared, as in `unlink a[0]`")?;
            let (from, slot) = slot_ref(slot_tok, var_of)?;
            let slot = u32::try_from(slot).map_err(|_| {
                (
                    slot_tok.pos,
                    format!("slot {slot} is negative; slots count from 0"),
                )
            })?;
            Op::Link {
                from,
                slot,
                target: StepTarget::Empty,
            }
        }
        "root" | "unroot" | "live" => {
            let t = line.next("an object name")?;
            let name = ident(t, "an object name")?;
            let var = var_use(t, &name, var_of)?;
            match &*v {
                "root" => Op::Root(var),
                "unroot" => Op::Unroot(var),
                _ => Op::Live(var),
            }
        }
        "read" => {
            let t = line.next("the word read, as in `read a[-1]`")?;
            let (var, i) = slot_ref(t, var_of)?;
            let i = i32::try_from(i).map_err(|_| (t.pos, format!("word index {i} is out of range")))?;
            Op::Read(var, i)
        }
        "fill" => {
            let mut rooted = false;
            let mut max = DEFAULT_FILL_MAX;
            while let Some(t) = line.peek() {
                line.at += 1;
                let w = bare(t, "`rooted` or `max=N`")?;
                if w == "rooted" && !rooted {
                    rooted = true;
                } else if let Some(n) = w.strip_prefix("max=") {
                    let n = parse_int(n).map_err(|m| (t.pos, format!("`max=`: {m}")))?;
                    max = u32::try_from(n)
                        .ok()
                        .filter(|n| (1..=FILL_MAX_LIMIT).contains(n))
                        .ok_or_else(|| {
                            (
                                t.pos,
                                format!("`max={n}`: a fill makes 1 to {FILL_MAX_LIMIT} allocations"),
                            )
                        })?;
                } else {
                    return err(
                        t.pos,
                        format!("unexpected `{w}` after `fill`; expected `rooted` (once) or `max=N`"),
                    );
                }
            }
            Op::Fill { rooted, max }
        }
        "collect" => Op::Collect,
        "stats" => match line.peek() {
            Some(t) if t.is("as") => {
                line.at += 1;
                let n = line.next("a name for the figures, as in `stats as before`")?;
                let name = ident(n, "a name for the figures")?;
                if labels.contains(&name) {
                    return err(n.pos, format!("a stats step is already named `{name}`"));
                }
                labels.insert(name.clone());
                Op::Stats(Some(name))
            }
            _ => Op::Stats(None),
        },
        "heap-map" => Op::HeapMap,
        "gc" => {
            let t = line.next("lock, unlock, disable or enable")?;
            let op = match &*bare(t, "lock, unlock, disable or enable")? {
                "lock" => GcOp::Lock,
                "unlock" => GcOp::Unlock,
                "disable" => GcOp::Disable,
                "enable" => GcOp::Enable,
                other => {
                    return err(
                        t.pos,
                        format!("`gc {other}`: expected lock, unlock, disable or enable"),
                    );
                }
            };
            Op::Gc(op)
        }
        other => {
            return err(
                verb.pos,
                format!(
                    "`{other}` is no step; expected start, encode, decode, alloc, link, unlink, root, unroot, \
                     collect, stats, heap-map, live, gc, read, fill or expect"
                ),
            );
        }
    })
}

fn boolean(t: &Token) -> Res<bool> {
    match &*bare(t, "true or false")? {
        "true" => Ok(true),
        "false" => Ok(false),
        other => err(t.pos, format!("expected true or false, found `{other}`")),
    }
}

fn tag_class(t: &Token) -> Res<TagClass> {
    let name = bare(t, "a tag class")?;
    TagClass::from_name(&name).ok_or_else(|| {
        let names: Vec<_> = TagClass::ALL.iter().map(|c| c.name()).collect();
        (
            t.pos,
            format!("`{name}` is no tag class; expected one of {}", names.join(", ")),
        )
    })
}

fn pattern(t: &Token) -> Res<Pattern> {
    Pattern::parse(&bare(t, "a word pattern")?).map_err(|m| (t.pos, m))
}

fn expectation(
    line: &mut Line<'_>,
    op: &Op,
    engine: Engine,
    var_of: &BTreeMap<String, u16>,
    labels: &BTreeSet<String>,
) -> Res<Check> {
    let kw =
        line.next("what is expected: word, class, value, error, bytes, used, live, map-line, law, ...")?;
    let k = bare(kw, "an expectation keyword")?;
    let fits = |ok: bool, needs: &str| -> Res<()> {
        if ok {
            Ok(())
        } else {
            err(
                kw.pos,
                format!("`expect {k}` needs {needs}; it follows a `{}` step", op.verb()),
            )
        }
    };
    let gives_word = matches!(op, Op::Encode(_) | Op::Alloc { .. } | Op::Read(..));
    let stat_name = match &*k {
        "used" => Some(stat::USED),
        "free" => Some(stat::FREE),
        "total" => Some(stat::TOTAL),
        "allocations" => Some(stat::ALLOCATIONS),
        _ => None,
    };
    let check = match &*k {
        "word" => {
            fits(gives_word, "a step that gives a word (encode, alloc, read)")?;
            Check::Word(pattern(
                line.next("a word pattern such as `0x0000000b` or `0x7fc*****`")?,
            )?)
        }
        "class" => {
            fits(
                matches!(op, Op::Encode(_) | Op::Decode(_)),
                "an encode or decode step",
            )?;
            Check::Class(tag_class(line.next("a tag class such as `small-int`")?)?)
        }
        "value" => {
            fits(matches!(op, Op::Decode(_)), "a decode step")?;
            let kind = line.next(
                "a value kind: int, float, qstr, str, bytes, bool, named, error, pointer, image, header",
            )?;
            let val = line.next("the value")?;
            Check::Value(match &*bare(kind, "a value kind")? {
                "int" => ExpectedValue::Int(int_in(val, "the int")?),
                "float" => ExpectedValue::Float(parse_float(val)?),
                "qstr" => ExpectedValue::Qstr(int_in(val, "the qstr index")?),
                "str" => ExpectedValue::Str(quoted(val, "the string")?),
                "bytes" => ExpectedValue::Bytes(quoted(val, "the bytes")?),
                "bool" => ExpectedValue::Bool(boolean(val)?),
                "named" => ExpectedValue::Named(bare(val, "a constant's name")?.into_owned()),
                "error" => ExpectedValue::Error(int_in(val, "the error kind")?),
                "pointer" => ExpectedValue::Pointer(pattern(val)?),
                "image" => ExpectedValue::Image(pattern(val)?),
                "header" => ExpectedValue::Header(pattern(val)?),
                other => {
                    return err(
                        kind.pos,
                        format!(
                            "`{other}` is no value kind; expected int, float, qstr, str, bytes, bool, named, \
                             error, pointer, image or header"
                        ),
                    );
                }
            })
        }
        "error" => {
            let t = line.next("an error kind such as `out-of-memory`")?;
            let name = bare(t, "an error kind")?;
            Check::Error(ErrorKind::from_name(&name).ok_or_else(|| {
                let names: Vec<_> = ErrorKind::ALL.iter().map(|k| k.name()).collect();
                (
                    t.pos,
                    format!("`{name}` is no error kind; expected one of {}", names.join(", ")),
                )
            })?)
        }
        "bytes" => {
            fits(matches!(op, Op::Alloc { .. }), "an alloc step")?;
            Check::Bytes(int_in(line.next("a number of bytes")?, "the bytes")?)
        }
        "freed-allocations" | "freed-bytes" | "finalisers" => {
            fits(matches!(op, Op::Collect), "a collect step")?;
            let n = int_in(line.next("a count")?, &k)?;
            match &*k {
                "freed-allocations" => Check::FreedAllocations(n),
                "freed-bytes" => Check::FreedBytes(n),
                _ => Check::Finalisers(n),
            }
        }
        "returned" => {
            fits(matches!(op, Op::Collect), "a collect step")?;
            let t = line.next("what collect returned: a number or `none`")?;
            if t.is("none") {
                Check::Returned(None)
            } else {
                Check::Returned(Some(int_in(t, "the returned value")?))
            }
        }
        _ if stat_name.is_some() || k == "stat" => {
            fits(matches!(op, Op::Stats(_)), "a stats step")?;
            let name = match stat_name {
                Some(n) => n.to_string(),
                None => bare(
                    line.next("a figure's name such as `heap.used`")?,
                    "a figure's name",
                )?
                .into_owned(),
            };
            let t = line.next("a value, or a change such as `+32` or `-16`")?;
            let s = bare(t, "a value")?;
            let mut want = if s.starts_with('+') || s.starts_with('-') {
                StatWant::Delta(int_in(t, "the change")?)
            } else {
                StatWant::Exact(int_in(t, "the value")?)
            };
            let unit = match line.peek() {
                Some(u) if !u.is("since") => {
                    line.at += 1;
                    Some(unit(u)?)
                }
                _ => None,
            };
            if let Some(kw) = line.peek().filter(|t| t.is("since")) {
                line.at += 1;
                let StatWant::Delta(change) = want else {
                    return err(
                        kw.pos,
                        "`since` follows a change such as `+32`; a value needs no baseline",
                    );
                };
                let b = line.next("the name of an earlier `stats as <name>` step")?;
                let since = ident(b, "a baseline's name")?;
                if !labels.contains(&since) {
                    return err(
                        b.pos,
                        format!("no `stats as {since}` step comes before this line"),
                    );
                }
                want = StatWant::Since { change, since };
            }
            Check::Stat { name, want, unit }
        }
        "alloc-word" | "not-alloc-word" => {
            fits(gives_word, "a step that gives a word (encode, alloc, read)")?;
            let t = line.next("an object name")?;
            let name = ident(t, "an object name")?;
            Check::AllocWord {
                var: var_use(t, &name, var_of)?,
                same: k == "alloc-word",
            }
        }
        "offset-from" => {
            fits(gives_word, "a step that gives a word (encode, alloc, read)")?;
            let t = line.next("an object name")?;
            let name = ident(t, "an object name")?;
            let var = var_use(t, &name, var_of)?;
            let n = line.next("a distance such as `+1` or `-16`")?;
            let offset = int_in(n, "the distance")?;
            let u = line.next("the unit, `bytes` or `blocks`")?;
            let unit = match &*bare(u, "`bytes` or `blocks`")? {
                "bytes" => Unit::Bytes,
                "blocks" if engine == Engine::MicroPython => Unit::Blocks,
                other => {
                    return err(
                        u.pos,
                        if other == "blocks" {
                            format!(
                                "`blocks` are MicroPython's; a {} case counts in `bytes`",
                                engine.name()
                            )
                        } else {
                            format!("`{other}`: expected `bytes` or `blocks`")
                        },
                    );
                }
            };
            Check::OffsetFrom { var, offset, unit }
        }
        "map-at" => {
            fits(matches!(op, Op::HeapMap), "a heap-map step")?;
            let t = line.next("an object name")?;
            let name = ident(t, "an object name")?;
            let var = var_use(t, &name, var_of)?;
            let qt = line.next("the block characters in double quotes, such as `\"h=.\"`")?;
            let q = quoted(qt, "the block characters")?;
            let chars =
                String::from_utf8(q).map_err(|_| (qt.pos, "the characters must be UTF-8".to_string()))?;
            if let Some(c) = chars.chars().find(|c| !MAP_AT_CHARS.contains(*c)) {
                return err(
                    qt.pos,
                    format!("`{c}` is no heap-map block character; expected `{MAP_AT_CHARS}` (`*` any HEAD)"),
                );
            }
            if chars.is_empty() {
                return err(qt.pos, "`map-at` needs at least one block character");
            }
            Check::MapAt { var, chars }
        }
        "live" | "dead" => {
            fits(matches!(op, Op::Live(_)), "a live step")?;
            Check::Live(k == "live")
        }
        "map-line" | "map-contains" => {
            fits(matches!(op, Op::HeapMap), "a heap-map step")?;
            let t = quoted(line.next("the text in double quotes")?, "the text")?;
            let s = String::from_utf8(t).map_err(|_| (kw.pos, "the text must be UTF-8".to_string()))?;
            if k == "map-line" {
                Check::MapLine(s)
            } else {
                Check::MapContains(s)
            }
        }
        "map-count" => {
            fits(matches!(op, Op::HeapMap), "a heap-map step")?;
            let t = quoted(
                line.next("the block characters in double quotes, such as `\"=\"`")?,
                "the block characters",
            )?;
            let chars =
                String::from_utf8(t).map_err(|_| (kw.pos, "the characters must be UTF-8".to_string()))?;
            if chars.is_empty() {
                return err(kw.pos, "`map-count` needs at least one block character");
            }
            let count = int_in(line.next("the number of blocks")?, "the count")?;
            Check::MapCount { chars, count }
        }
        "law" => {
            let t = line.next("a law's name")?;
            let name = bare(t, "a law's name")?;
            let mut named = |what: &str| -> Res<i128> {
                let a = line.next(&format!("`{what}=<number>`"))?;
                let s = bare(a, "an argument")?;
                let Some(v) = s.strip_prefix(what).and_then(|r| r.strip_prefix('=')) else {
                    return err(a.pos, format!("expected `{what}=<number>`, found `{s}`"));
                };
                parse_int(v).map_err(|m| (a.pos, format!("`{what}`: {m}")))
            };
            let law = match &*name {
                "used-plus-free-is-pool" => {
                    fits(matches!(op, Op::Stats(_)), "a stats step")?;
                    Law::UsedPlusFreeIsPool
                }
                "rounded-to-granule" => {
                    fits(matches!(op, Op::Alloc { .. }), "an alloc step")?;
                    let requested = named("requested")?;
                    let granule = named("granule")?;
                    let requested = u64::try_from(requested)
                        .map_err(|_| (t.pos, "`requested` must be 0 or more".to_string()))?;
                    let granule = u64::try_from(granule)
                        .ok()
                        .filter(|g| *g > 0)
                        .ok_or_else(|| (t.pos, "`granule` must be 1 or more".to_string()))?;
                    Law::RoundedToGranule { requested, granule }
                }
                "round-trip" => {
                    fits(
                        matches!(op, Op::Decode(_)),
                        "a decode step (of a word an earlier encode gave)",
                    )?;
                    Law::RoundTrip
                }
                "small-int-iff-in-range" => {
                    fits(
                        matches!(op, Op::Encode(OwnedValue::Int(_))),
                        "an `encode int` step",
                    )?;
                    let min = i64::try_from(named("min")?)
                        .map_err(|_| (t.pos, "`min` is out of range".to_string()))?;
                    let max = i64::try_from(named("max")?)
                        .map_err(|_| (t.pos, "`max` is out of range".to_string()))?;
                    if min > max {
                        return err(t.pos, format!("`min={min}` is above `max={max}`"));
                    }
                    Law::SmallIntIffInRange { min, max }
                }
                "exactly-one-class" => {
                    fits(
                        gives_word || matches!(op, Op::Decode(_)),
                        "a step that gives a word",
                    )?;
                    Law::ExactlyOneClass
                }
                "word-has-class" => {
                    fits(gives_word, "a step that gives a word (encode, alloc, read)")?;
                    Law::WordHasClass(tag_class(line.next("a tag class")?)?)
                }
                other => match EngineLaw::parse(engine, other, op, t.pos, &mut named)? {
                    Some(l) => Law::Engine(l),
                    None => {
                        let own = engine_law::names(engine);
                        return err(
                            t.pos,
                            format!(
                                "`{other}` is no law; expected used-plus-free-is-pool, rounded-to-granule, round-trip, \
                                 small-int-iff-in-range, exactly-one-class or word-has-class{}",
                                if own.is_empty() {
                                    String::new()
                                } else {
                                    format!(", or a law of {}: {}", engine.name(), own.join(", "))
                                }
                            ),
                        );
                    }
                },
            };
            Check::Law(law)
        }
        other => {
            return err(
                kw.pos,
                format!(
                    "`{other}` is no expectation; expected word, class, value, error, bytes, freed-allocations, \
                     freed-bytes, returned, finalisers, used, free, total, allocations, stat, live, dead, \
                     map-line, map-contains, map-count, map-at, alloc-word, not-alloc-word, offset-from or law"
                ),
            );
        }
    };
    Ok(check)
}

fn unit(t: &Token) -> Res<Unit> {
    Ok(match &*bare(t, "a unit")? {
        "bytes" => Unit::Bytes,
        "bits" => Unit::Bits,
        "words" => Unit::Words,
        "blocks" => Unit::Blocks,
        "entries" => Unit::Entries,
        other => {
            return err(
                t.pos,
                format!("`{other}` is no unit; expected bytes, bits, words, blocks or entries"),
            );
        }
    })
}

/// Parses object arguments or heap options written as in a case, `len=3 text="abc"` (the `args` of a
/// size table entry).
pub fn parse_params(text: &str) -> Result<Vec<OwnedParam>, String> {
    let toks = tokens(text, 1).map_err(|e| format!("column {}: {}", e.pos.col, e.message))?;
    let mut line = Line {
        toks: &toks,
        at: 0,
        end: Pos {
            line: 1,
            col: text.chars().count() as u32 + 1,
        },
    };
    params(&mut line).map_err(|(pos, m)| format!("column {}: {m}", pos.col))
}
