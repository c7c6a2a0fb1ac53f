//! The HTML report (`memspec run --html r.html`): one self-contained file (styles and script inline,
//! nothing fetched) with the matrix, every failed, busted or flaky trial with its message, the heap
//! maps in it drawn as block maps and the words in it drawn bit by bit, and the claims ledger with
//! each claim's text; buttons filter trials and claims by status.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::junit::{escape, location};
use super::{Report, Status, TrialRecord};

/// The page's styles: a block map cell per heap block, a bit cell per bit.
const STYLE: &str = "body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}\
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}\
.pass{background:#dfd}.fail{background:#fdd}.skip{background:#eee}.busted{background:#fed}.flaky{background:#eef}\
pre{background:#f6f6f6;padding:6px;overflow-x:auto;white-space:pre-wrap}\
.map{font:11px monospace;margin:4px 0}.map span{display:inline-block;width:9px;height:12px;margin:0 1px 1px 0;\
text-align:center;line-height:12px}\
.b-free{background:#eee;color:#eee}figure.heap{margin:6px 0}figcaption{font-size:12px;color:#555}.b-head{background:#36c;color:#fff}.b-tail{background:#9bd}.b-mark{background:#c63;color:#fff}\
.bits span{display:inline-block;width:12px;text-align:center;font:11px monospace;border:1px solid #ccc;margin-right:-1px}\
.bits .one{background:#36c;color:#fff}.bits .gap{border:none;width:6px}\
.filters button{margin-right:4px}.hidden{display:none}";

/// Hides the trials and claims of the statuses switched off; marks the page ready for the browser check.
const SCRIPT: &str = "const off=new Set();\
function apply(){document.querySelectorAll('[data-status]').forEach(e=>{\
e.classList.toggle('hidden',off.has(e.dataset.status))});\
document.querySelectorAll('.filters button').forEach(b=>{b.style.opacity=off.has(b.dataset.for)?0.4:1})}\
document.querySelectorAll('.filters button').forEach(b=>b.addEventListener('click',()=>{\
off.has(b.dataset.for)?off.delete(b.dataset.for):off.add(b.dataset.for);apply()}));\
apply();document.body.dataset.ready='yes';";

/// The CSS class of a heap-map character: free, a head (any object type letter), a tail, marked.
fn block_class(c: char) -> &'static str {
    match c {
        '.' => "b-free",
        '=' => "b-tail",
        'm' => "b-mark",
        _ => "b-head",
    }
}

/// A heap-map line `00001c00: h==....` (eight hex digits, a colon, block characters), as offset and blocks.
fn map_line(line: &str) -> Option<(&str, &str)> {
    let line = line.trim();
    let (off, blocks) = line.split_once(": ")?;
    let hex = off.len() == 8 && off.chars().all(|c| c.is_ascii_hexdigit());
    let chars = !blocks.is_empty()
        && blocks
            .chars()
            .all(|c| c.is_ascii_alphabetic() || c == '.' || c == '=');
    (hex && chars).then_some((off, blocks))
}

/// The heap maps in `message` drawn as block maps, one block a cell, each distinct map once: a run of
/// map lines with the `GC memory layout; from ADDR:` and `(N lines all free)` lines among them.
fn block_maps(message: &str) -> String {
    let mut maps: Vec<String> = Vec::new();
    let mut current = String::new();
    for line in message.lines().map(str::trim) {
        if let Some((off, blocks)) = map_line(line) {
            let _ = write!(
                current,
                "<div class=\"map\" title=\"heap map line at +{off}\">{off} "
            );
            for c in blocks.chars() {
                let _ = write!(current, "<span class=\"{}\">{c}</span>", block_class(c));
            }
            current.push_str("</div>\n");
        } else if line.starts_with("GC memory layout; from ") || line.ends_with("lines all free)") {
            let _ = writeln!(current, "<div class=\"map\">{}</div>", escape(line));
        } else if !current.is_empty() {
            maps.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        maps.push(current);
    }
    let mut out = String::new();
    for (i, m) in maps.iter().enumerate() {
        if maps[..i].contains(m) || !m.contains("<span") {
            continue;
        }
        let _ = writeln!(
            out,
            "<figure class=\"heap\"><figcaption>heap map</figcaption>\n{m}</figure>"
        );
    }
    out
}

/// The `0x...` words of the `observed` and `accepted` lines of `message` drawn bit by bit, highest first.
fn bit_diagrams(message: &str) -> String {
    let mut out = String::new();
    for line in message.lines().map(str::trim) {
        if !(line.starts_with("observed") || line.starts_with("accepted") || line.starts_with("expected")) {
            continue;
        }
        for token in line.split(|c: char| !c.is_ascii_alphanumeric()) {
            let Some(hex) = token.strip_prefix("0x") else {
                continue;
            };
            let Ok(word) = u64::from_str_radix(hex, 16) else {
                continue;
            };
            let bits = if hex.len() > 8 { 64 } else { 32 };
            let _ = write!(out, "<div class=\"bits\" title=\"{}\">", escape(line));
            for i in (0..bits).rev() {
                let one = word >> i & 1 == 1;
                let _ = write!(
                    out,
                    "<span class=\"{}\">{}</span>",
                    if one { "one" } else { "" },
                    u8::from(one)
                );
                if i % 8 == 0 && i != 0 {
                    out.push_str("<span class=\"gap\"></span>");
                }
            }
            let _ = writeln!(out, " {}</div>", escape(line));
        }
    }
    out
}

fn trial_section(t: &TrialRecord) -> String {
    let msg = t.message.as_deref().unwrap_or("");
    let mut out = format!(
        "<section class=\"trial {s}\" data-status=\"{s}\"><h3>{} <small>{s}</small></h3>\n<p>{}</p>\n",
        escape(&t.name),
        escape(&location(t)),
        s = t.status.name()
    );
    if let Some(r) = &t.reason {
        let _ = writeln!(out, "<p>reason: {}</p>", escape(r));
    }
    let _ = writeln!(out, "<pre>{}</pre>", escape(msg));
    out.push_str(&bit_diagrams(msg));
    out.push_str(&block_maps(msg));
    out.push_str("</section>\n");
    out
}

/// The report as one self-contained HTML page.
pub fn write(report: &Report) -> String {
    let mut out = String::from("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
    let _ = writeln!(
        out,
        "<title>memspec report</title><style>{STYLE}</style></head><body>"
    );
    let totals = report.totals();
    let _ = writeln!(
        out,
        "<h1>memspec report</h1>\n<p id=\"totals\">{}</p>",
        escape(&totals.summary())
    );
    out.push_str("<p class=\"filters\">show: ");
    for s in [
        Status::Pass,
        Status::Fail,
        Status::Skip,
        Status::Busted,
        Status::Flaky,
    ] {
        let _ = write!(
            out,
            "<button class=\"{n}\" data-for=\"{n}\">{n}</button>",
            n = s.name()
        );
    }
    out.push_str("</p>\n<h2>Matrix</h2>\n<p>pass/fail/skip/busted per subject, profile and suite</p>\n");
    let m = report.matrix();
    let suites: BTreeSet<&String> = m.values().flat_map(|r| r.keys()).collect();
    out.push_str("<table id=\"matrix\"><tr><th>subject/profile</th>");
    for s in &suites {
        let _ = write!(out, "<th>{}</th>", escape(s));
    }
    out.push_str("</tr>\n");
    for ((subject, profile), row) in &m {
        let _ = write!(out, "<tr><th>{}/{}</th>", escape(subject), escape(profile));
        for s in &suites {
            match row.get(*s) {
                Some(c) => {
                    let class = if c.fail > 0 {
                        "fail"
                    } else if c.pass > 0 {
                        "pass"
                    } else {
                        "skip"
                    };
                    let _ = write!(out, "<td class=\"{class}\">{}</td>", c.cell());
                }
                None => out.push_str("<td></td>"),
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str(
        "</table>\n<h2>Failed, busted and flaky trials</h2>\n<p class=\"map\">block maps: \
         <span class=\"b-head\">h</span> a head (its object type's letter), <span class=\"b-tail\">=</span> a tail, \
         <span class=\"b-free\">.</span> free, <span class=\"b-mark\">m</span> marked; bit rows highest bit first</p>\n",
    );
    let notable: Vec<&TrialRecord> = report
        .trials
        .iter()
        .filter(|t| matches!(t.status, Status::Fail | Status::Busted | Status::Flaky))
        .collect();
    if notable.is_empty() {
        out.push_str("<p>none</p>\n");
    }
    for t in notable {
        out.push_str(&trial_section(t));
    }
    out.push_str(
        "<h2>Trials</h2>\n<table id=\"trials\"><tr><th>trial</th><th>status</th><th>case</th></tr>\n",
    );
    for t in &report.trials {
        let _ = writeln!(
            out,
            "<tr class=\"{s}\" data-status=\"{s}\"><td>{}</td><td>{s}</td><td>{}</td></tr>",
            escape(&t.name),
            escape(&location(t)),
            s = t.status.name()
        );
    }
    out.push_str(
        "</table>\n<h2>Claims ledger</h2>\n<table id=\"ledger\"><tr><th>claim</th><th>text</th>\
                  <th>verdicts</th><th>cases: outcomes</th></tr>\n",
    );
    for e in &report.ledger {
        let mut outcomes = super::Counts::default();
        for c in &e.cases {
            for o in &c.outcomes {
                outcomes.add(o.status);
            }
        }
        let status = if outcomes.fail > 0 {
            "fail"
        } else if outcomes.pass > 0 {
            "pass"
        } else {
            "skip"
        };
        let verdicts: Vec<String> = e
            .verdicts
            .iter()
            .map(|v| format!("{}: {}", v.profiles.join(" "), v.verdict))
            .collect();
        let _ = writeln!(
            out,
            "<tr class=\"{status}\" data-status=\"{status}\"><td>{}</td><td>{}</td><td>{}</td><td>{} case(s): {}</td></tr>",
            escape(&e.claim),
            escape(&e.text),
            escape(&verdicts.join("; ")),
            e.cases.len(),
            outcomes.cell()
        );
    }
    let _ = writeln!(out, "</table>\n<script>{SCRIPT}</script>\n</body></html>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_heap_map_line_in_a_message_is_drawn_as_one_block_per_character() {
        let html = block_maps("observed:\n00000000: Lh=.m\nnot a map: line\nagain:\n00000000: Lh=.m\n");
        assert_eq!(
            html.matches("<span").count(),
            5,
            "one block a cell, the same map drawn once: {html}"
        );
        assert!(html.contains("<span class=\"b-head\">L</span><span class=\"b-head\">h</span><span class=\"b-tail\">=</span><span class=\"b-free\">.</span><span class=\"b-mark\">m</span>"), "{html}");
    }

    #[test]
    fn an_observed_word_is_drawn_bit_by_bit_highest_first() {
        let html = bit_diagrams("line 3: `expect word`\n    observed 0x0000000b\n    accepted 0x*******1");
        assert_eq!(
            html.matches("class=\"bits\"").count(),
            1,
            "only a whole word is drawn: {html}"
        );
        assert_eq!(
            html.matches("<span class=\"one\">1</span>").count(),
            3,
            "0xb has three bits set: {html}"
        );
    }
}
