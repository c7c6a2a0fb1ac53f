//! The subject contract (`conformance/CONTRACT.md`) names everything the corpus asks of a subject: every
//! `start` port and option, every `alloc` kind and parameter with its JSON type, every kind a case links
//! into. The corpus is read with the harness's own case parser, the contract's tables as Markdown.

use std::collections::BTreeSet;
use std::path::Path;

use memspec_conformance::case::{Case, Op, OwnedParamValue};
use memspec_conformance::corpus;

/// One thing a case asks of a subject, as the contract names it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Use {
    /// `start port=P` under an engine.
    Port { engine: String, port: String },
    /// `start name=value`: the option and the JSON type the harness sends.
    StartOption {
        engine: String,
        name: String,
        json: &'static str,
    },
    /// `alloc x = kind` (with no parameters: `param` empty).
    AllocParam {
        engine: String,
        kind: String,
        param: String,
        json: &'static str,
    },
    /// `link x[i] -> y` where `x` is of `kind`.
    LinkSlot { engine: String, kind: String },
}

impl std::fmt::Display for Use {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Use::Port { engine, port } => write!(f, "{engine}: start port={port}"),
            Use::StartOption { engine, name, json } => write!(f, "{engine}: start option {name} ({json})"),
            Use::AllocParam {
                engine, kind, param, ..
            } if param.is_empty() => {
                write!(f, "{engine}: alloc kind {kind}")
            }
            Use::AllocParam {
                engine,
                kind,
                param,
                json,
            } => {
                write!(f, "{engine}: alloc {kind} {param}= ({json})")
            }
            Use::LinkSlot { engine, kind } => write!(f, "{engine}: link into a {kind}"),
        }
    }
}

/// The JSON type the process protocol sends a case's `name=value` as.
fn json_type(v: &OwnedParamValue) -> &'static str {
    match v {
        OwnedParamValue::Int(_) => "integer",
        OwnedParamValue::Float(_) => "number",
        OwnedParamValue::Text(_) => "string",
    }
}

/// What the cases ask of a subject.
fn corpus_uses(cases: &[Case]) -> BTreeSet<Use> {
    let mut uses = BTreeSet::new();
    for case in cases {
        let engine = case.id.engine.clone();
        let mut kinds = std::collections::BTreeMap::new();
        for step in &case.steps {
            match &step.op {
                Op::Start { port, options, .. } => {
                    if let Some(port) = port {
                        uses.insert(Use::Port {
                            engine: engine.clone(),
                            port: port.clone(),
                        });
                    }
                    for o in options {
                        uses.insert(Use::StartOption {
                            engine: engine.clone(),
                            name: o.name.clone(),
                            json: json_type(&o.value),
                        });
                    }
                }
                Op::Alloc { var, kind, params } => {
                    kinds.insert(*var, kind.clone());
                    uses.insert(Use::AllocParam {
                        engine: engine.clone(),
                        kind: kind.clone(),
                        param: String::new(),
                        json: "",
                    });
                    for p in params {
                        uses.insert(Use::AllocParam {
                            engine: engine.clone(),
                            kind: kind.clone(),
                            param: p.name.clone(),
                            json: json_type(&p.value),
                        });
                    }
                }
                Op::Link { from, .. } => {
                    if let Some(kind) = kinds.get(from) {
                        uses.insert(Use::LinkSlot {
                            engine: engine.clone(),
                            kind: kind.clone(),
                        });
                    }
                }
                _ => {}
            }
        }
    }
    uses
}

/// The backticked words of a table cell, each cut at its first blank (`raw words=` names `raw`).
fn names(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .filter_map(|n| n.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

/// Whether a contract's JSON type admits what the harness sends (a JSON number admits an integer).
fn admits(contract: &str, sent: &str) -> bool {
    contract
        .split(" or ")
        .any(|t| t == sent || (t == "number" && sent == "integer"))
}

/// The uses of `wanted` that the contract's tables do not name.
fn missing(contract: &str, wanted: &BTreeSet<Use>) -> Vec<String> {
    // (engine, table, cells) for every body row of every contract table.
    let mut rows: Vec<(String, String, Vec<String>)> = Vec::new();
    let mut table: Option<(String, String)> = None;
    let mut header_seen = false;
    for line in contract.lines() {
        let Some(inner) = line.trim().strip_prefix('|').and_then(|l| l.strip_suffix('|')) else {
            table = None;
            continue;
        };
        let cells: Vec<String> = inner.split('|').map(|c| c.trim().to_owned()).collect();
        match &table {
            None => {
                let first = &cells[0];
                table = ["port", "start option", "alloc kind", "link slot"]
                    .iter()
                    .find_map(|t| {
                        first
                            .strip_suffix(t)
                            .map(|e| (e.trim().to_owned(), (*t).to_owned()))
                    });
                header_seen = false;
            }
            Some(_) if !header_seen => header_seen = true,
            Some((engine, t)) => rows.push((engine.clone(), t.clone(), cells)),
        }
    }
    let has = |engine: &str, t: &str, ok: &dyn Fn(&[String]) -> bool| {
        rows.iter()
            .any(|(e, tt, cells)| e == engine && tt == t && ok(cells))
    };
    wanted
        .iter()
        .filter(|u| match u {
            Use::Port { engine, port } => !has(engine, "port", &|c| names(&c[0]).contains(port)),
            Use::StartOption { engine, name, json } => !has(engine, "start option", &|c| {
                names(&c[0]).contains(name) && admits(&c[1], json)
            }),
            Use::AllocParam {
                engine,
                kind,
                param,
                json,
            } => !has(engine, "alloc kind", &|c| {
                names(&c[0]).contains(kind)
                    && (param.is_empty() || (names(&c[1]).contains(param) && admits(&c[2], json)))
            }),
            Use::LinkSlot { engine, kind } => !has(engine, "link slot", &|c| names(&c[0]).contains(kind)),
        })
        .map(Use::to_string)
        .collect()
}

fn contract_text() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("CONTRACT.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn corpus() -> Vec<Case> {
    corpus::load(&corpus::default_root()).unwrap_or_else(|errors| {
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        panic!("the corpus does not parse:\n{}", shown.join("\n"))
    })
}

#[test]
fn every_start_option_port_and_alloc_parameter_the_corpus_uses_is_in_the_contract() {
    let uses = corpus_uses(&corpus());
    let gaps = missing(&contract_text(), &uses);
    assert!(
        gaps.is_empty(),
        "conformance/CONTRACT.md does not name {} thing(s) the corpus asks of a subject \
         (add a row to the engine's table):\n  {}",
        gaps.len(),
        gaps.join("\n  ")
    );
}

#[test]
fn the_corpus_asks_for_options_parameters_and_links_of_every_engine() {
    // The comparison above passes vacuously on an empty reading: the corpus must give each kind of use.
    let uses = corpus_uses(&corpus());
    for engine in ["micropython", "microvium", "julia", "skybison"] {
        let of = |f: &dyn Fn(&Use) -> bool| uses.iter().filter(|u| f(u)).count();
        let allocs = of(&|u| matches!(u, Use::AllocParam { engine: e, .. } if e == engine));
        let links = of(&|u| matches!(u, Use::LinkSlot { engine: e, .. } if e == engine));
        assert!(
            allocs > 0 && links > 0,
            "{engine}: {allocs} alloc uses, {links} link uses read"
        );
    }
    assert!(uses.iter().any(|u| matches!(u, Use::StartOption { .. })));
    assert!(uses.iter().any(|u| matches!(u, Use::Port { .. })));
}

#[test]
fn a_contract_without_a_row_the_corpus_uses_is_reported_with_that_row() {
    let contract = contract_text();
    let cut: String = contract
        .lines()
        .filter(|l| !l.starts_with("| `gc_stack` |") && !l.starts_with("| `closure` | `captured` |"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(cut.len(), contract.len(), "the rows to cut are in the contract");
    let gaps = missing(&cut, &corpus_uses(&corpus()));
    assert_eq!(
        gaps,
        [
            "micropython: start option gc_stack (integer)",
            "micropython: alloc kind closure",
            "micropython: alloc closure captured= (integer)"
        ],
        "the rows cut from the contract, and only they, are reported (closure had one row)"
    );
}

#[test]
fn a_parameter_of_another_json_type_than_the_contract_says_is_reported() {
    let contract = contract_text().replace(
        "| `raw` | `bytes` | integer | required |",
        "| `raw` | `bytes` | string | required |",
    );
    let gaps = missing(&contract, &corpus_uses(&corpus()));
    assert!(
        gaps.contains(&"micropython: alloc raw bytes= (integer)".to_owned()),
        "got {gaps:?}"
    );
}

#[test]
fn the_default_port_of_each_micropython_profile_is_the_one_the_reference_builds() {
    use memspec::profile::ProfileId;
    use memspec_impl::micropython::Config;
    let contract = contract_text();
    for p in ProfileId::ALL
        .into_iter()
        .filter(|p| p.name().starts_with("micropython-"))
    {
        let port = Config::new(p, None).expect("a MicroPython profile").port.name();
        let row = contract
            .lines()
            .find(|l| l.starts_with(&format!("| `{port}` |")))
            .unwrap_or_else(|| panic!("no port row for `{port}`"));
        let default_of = row.split('|').nth(2).unwrap_or("");
        let short = p.name().trim_start_matches("micropython");
        assert!(
            default_of.contains(&format!("`{}`", p.name())) || default_of.contains(&format!("`{short}`")),
            "{}: the reference builds port `{port}` by default, the contract's row says: {row}",
            p.name()
        );
    }
}
