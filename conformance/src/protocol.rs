//! The process protocol's wire format: JSON lines, one request and one answer per line.
//!
//! `conformance/PROTOCOL.md` is the specification; this module turns the subject calls' arguments and
//! results into JSON and back, for the client ([`crate::subjects::process`]) and the server
//! ([`crate::serve`]) alike.

use std::collections::BTreeSet;
use std::sync::Mutex;

use memspec::fact::Unit;
use memspec::profile::ProfileId;
use memspec::subject::{
    Capabilities, Capability, Collection, Decoded, Encoded, ErrorKind, GcOp, HeapConfig, InlineBytes, Param,
    ParamValue, SubjectError, Target, Value,
};
use memspec::tag::TagClass;
use serde_json::{Map, Value as Json, json};

use crate::case::{OwnedParam, OwnedParamValue, OwnedValue};

/// The protocol version this harness speaks.
pub const VERSION: u32 = 1;

/// The longest line either side may send, in bytes (the newline excluded).
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// A word as the protocol writes it: `0x` and lower-case hex.
pub fn word(w: u64) -> Json {
    Json::String(format!("{w:#x}"))
}

/// Reads a word written as `"0x..."`.
pub fn parse_word(j: &Json) -> Result<u64, String> {
    let s = j
        .as_str()
        .ok_or_else(|| format!("expected a word as a string \"0x...\", found {j}"))?;
    let h = s
        .strip_prefix("0x")
        .ok_or_else(|| format!("expected a word as \"0x...\", found {s:?}"))?;
    u64::from_str_radix(h, 16).map_err(|_| format!("{s:?} is not a hex word of at most 64 bits"))
}

/// Text or bytes: a JSON string when UTF-8, else `{"hex": "..."}`.
pub fn blob(b: &[u8]) -> Json {
    match std::str::from_utf8(b) {
        Ok(s) => Json::String(s.to_string()),
        Err(_) => json!({ "hex": b.iter().map(|x| format!("{x:02x}")).collect::<String>() }),
    }
}

/// Reads [`blob`].
pub fn parse_blob(j: &Json) -> Result<Vec<u8>, String> {
    if let Some(s) = j.as_str() {
        return Ok(s.as_bytes().to_vec());
    }
    let h = j
        .get("hex")
        .and_then(Json::as_str)
        .ok_or_else(|| format!("expected a string or {{\"hex\": \"...\"}}, found {j}"))?;
    if h.len() % 2 != 0 {
        return Err(format!("hex {h:?} has an odd number of digits"));
    }
    (0..h.len())
        .step_by(2)
        .map(|i| {
            h.get(i..i + 2)
                .and_then(|d| u8::from_str_radix(d, 16).ok())
                .ok_or_else(|| format!("hex {h:?} has a non-hex digit"))
        })
        .collect()
}

/// A float: a JSON number, or `"nan"`, `"inf"`, `"-inf"`.
pub fn float(f: f64) -> Json {
    if f.is_nan() {
        json!("nan")
    } else if f.is_infinite() {
        json!(if f > 0.0 { "inf" } else { "-inf" })
    } else {
        json!(f)
    }
}

/// Reads [`float`].
pub fn parse_float(j: &Json) -> Result<f64, String> {
    match j {
        Json::Number(n) => n.as_f64().ok_or_else(|| format!("{n} is not a float")),
        Json::String(s) if s == "nan" => Ok(f64::NAN),
        Json::String(s) if s == "inf" => Ok(f64::INFINITY),
        Json::String(s) if s == "-inf" => Ok(f64::NEG_INFINITY),
        other => Err(format!(
            "expected a float, \"nan\", \"inf\" or \"-inf\", found {other}"
        )),
    }
}

fn int(j: &Json) -> Result<i64, String> {
    j.as_i64()
        .ok_or_else(|| format!("expected an integer of at most 64 bits, found {j}"))
}

fn uint(j: &Json) -> Result<u64, String> {
    j.as_u64()
        .ok_or_else(|| format!("expected an integer of 0 or more, found {j}"))
}

/// A value to encode, as `{"int": 5}`, `{"str": "ab"}`, ...
pub fn value(v: &Value<'_>) -> Json {
    match v {
        Value::Int(i) => json!({ "int": i }),
        Value::Float(f) => json!({ "float": float(*f) }),
        Value::Qstr(q) => json!({ "qstr": q }),
        Value::Str(s) => json!({ "str": blob(s) }),
        Value::Bytes(b) => json!({ "bytes": blob(b) }),
        Value::Bool(b) => json!({ "bool": b }),
        Value::Named(n) => json!({ "named": n }),
        Value::Error(e) => json!({ "error": e }),
    }
}

fn single(j: &Json) -> Result<(&str, &Json), String> {
    let o = j
        .as_object()
        .filter(|o| o.len() == 1)
        .ok_or_else(|| format!("expected an object with one key such as {{\"int\": 5}}, found {j}"))?;
    o.iter()
        .next()
        .map(|(k, v)| (k.as_str(), v))
        .ok_or_else(|| "empty object".to_string())
}

/// Reads [`value`].
pub fn parse_value(j: &Json) -> Result<OwnedValue, String> {
    let (k, v) = single(j)?;
    Ok(match k {
        "int" => OwnedValue::Int(int(v)?),
        "float" => OwnedValue::Float(parse_float(v)?),
        "qstr" => OwnedValue::Qstr(uint(v)?),
        "str" => OwnedValue::Str(parse_blob(v)?),
        "bytes" => OwnedValue::Bytes(parse_blob(v)?),
        "bool" => OwnedValue::Bool(
            v.as_bool()
                .ok_or_else(|| format!("expected true or false, found {v}"))?,
        ),
        "named" => OwnedValue::Named(
            v.as_str()
                .ok_or_else(|| format!("expected a name, found {v}"))?
                .to_string(),
        ),
        "error" => {
            OwnedValue::Error(u8::try_from(uint(v)?).map_err(|_| format!("error kind {v} is over 255"))?)
        }
        other => return Err(format!("`{other}` is no value kind")),
    })
}

/// A borrowed [`Value`] of an [`OwnedValue`].
pub fn borrow_value(v: &OwnedValue) -> Value<'_> {
    v.borrow()
}

/// A decoded value.
pub fn decoded(d: &Decoded) -> Json {
    match d {
        Decoded::Int(i) => json!({ "int": i }),
        Decoded::Float(f) => json!({ "float": float(*f) }),
        Decoded::Qstr(q) => json!({ "qstr": q }),
        Decoded::Str(s) => json!({ "str": blob(s.as_slice()) }),
        Decoded::Bytes(b) => json!({ "bytes": blob(b.as_slice()) }),
        Decoded::Bool(b) => json!({ "bool": b }),
        Decoded::Named(n) => json!({ "named": n }),
        Decoded::Error(e) => json!({ "error": e }),
        Decoded::Pointer(w) => json!({ "pointer": word(*w) }),
        Decoded::Image(w) => json!({ "image": word(*w) }),
        Decoded::Header(w) => json!({ "header": word(*w) }),
    }
}

/// The most distinct constant names a client keeps (they are kept for the life of the process).
const MAX_NAMES: usize = 4096;

/// Constant names read from subjects, kept for the life of the process: [`Decoded::Named`] holds a
/// `&'static str`, and engines have a handful of such names.
fn intern(name: &str) -> Result<&'static str, String> {
    static NAMES: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
    let mut names = NAMES
        .lock()
        .map_err(|_| "the name table is poisoned".to_string())?;
    if let Some(n) = names.get(name) {
        return Ok(n);
    }
    if names.len() >= MAX_NAMES || name.len() > 64 {
        return Err(format!("too many or too long constant names (at {name:?})"));
    }
    let leaked: &'static str = Box::leak(name.to_string().into_boxed_str());
    names.insert(leaked);
    Ok(leaked)
}

fn inline(v: &Json) -> Result<InlineBytes, String> {
    let b = parse_blob(v)?;
    InlineBytes::new(&b).ok_or_else(|| format!("{} bytes do not fit in a word (8 at most)", b.len()))
}

/// Reads [`decoded`].
pub fn parse_decoded(j: &Json) -> Result<Decoded, String> {
    let (k, v) = single(j)?;
    Ok(match k {
        "int" => Decoded::Int(int(v)?),
        "float" => Decoded::Float(parse_float(v)?),
        "qstr" => Decoded::Qstr(uint(v)?),
        "str" => Decoded::Str(inline(v)?),
        "bytes" => Decoded::Bytes(inline(v)?),
        "bool" => Decoded::Bool(
            v.as_bool()
                .ok_or_else(|| format!("expected true or false, found {v}"))?,
        ),
        "named" => Decoded::Named(intern(
            v.as_str().ok_or_else(|| format!("expected a name, found {v}"))?,
        )?),
        "error" => Decoded::Error(u8::try_from(uint(v)?).map_err(|_| format!("error kind {v} is over 255"))?),
        "pointer" => Decoded::Pointer(parse_word(v)?),
        "image" => Decoded::Image(parse_word(v)?),
        "header" => Decoded::Header(parse_word(v)?),
        other => return Err(format!("`{other}` is no decoded value kind")),
    })
}

/// The fields of a `start` request: the profile, the arena's bytes, the options, and the port where
/// the case names one.
pub fn start_fields(profile: ProfileId, config: &HeapConfig<'_>) -> Result<Json, SubjectError> {
    let options =
        params(config.options).map_err(|e| SubjectError::new(ErrorKind::BadArgument, format_args!("{e}")))?;
    let mut f = json!({ "profile": profile.name(), "arena": config.arena_bytes, "options": options });
    if let (Some(port), Json::Object(m)) = (config.port, &mut f) {
        m.insert("port".into(), json!(port));
    }
    Ok(f)
}

/// Object arguments or heap options, as an object of name to value.
pub fn params(ps: &[Param<'_>]) -> Result<Json, String> {
    let mut m = Map::new();
    for p in ps {
        let v = match p.value {
            // A JSON number of at most 64 bits, signed or unsigned; a larger one (a big int's
            // value) as its decimal text, `{"int": "-1267650600228229401496703205376"}`.
            ParamValue::Int(i) => match (i64::try_from(i), u64::try_from(i)) {
                (Ok(v), _) => json!(v),
                (_, Ok(v)) => json!(v),
                _ => json!({ "int": i.to_string() }),
            },
            ParamValue::Float(f) if f.is_finite() => float(f),
            // "nan" and "inf" alone would read back as text.
            ParamValue::Float(f) => json!({ "float": float(f) }),
            ParamValue::Text(t) => blob(t),
        };
        m.insert(p.name.to_string(), v);
    }
    Ok(Json::Object(m))
}

/// Reads [`params`]. A JSON integer is an integer, a JSON float or `{"float": "inf"}` a float, text
/// is text.
pub fn parse_params(j: Option<&Json>) -> Result<Vec<OwnedParam>, String> {
    let Some(j) = j else { return Ok(Vec::new()) };
    let o = j
        .as_object()
        .ok_or_else(|| format!("expected an object of arguments, found {j}"))?;
    o.iter()
        .map(|(k, v)| {
            let value = match v {
                Json::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                    (Some(i), _, _) => OwnedParamValue::Int(i128::from(i)),
                    (None, Some(u), _) => OwnedParamValue::Int(i128::from(u)),
                    (None, None, Some(f)) => OwnedParamValue::Float(f),
                    _ => return Err(format!("argument {k}: {n} is no number the protocol reads")),
                },
                Json::Object(f) if f.len() == 1 && f.contains_key("float") => {
                    OwnedParamValue::Float(parse_float(&f["float"])?)
                }
                Json::Object(f) if f.len() == 1 && f.contains_key("int") => {
                    let text = f["int"].as_str().unwrap_or_default();
                    OwnedParamValue::Int(text.parse::<i128>().map_err(|_| {
                        format!(
                            "argument {k}: {} is no integer of at most 128 bits in decimal text",
                            f["int"]
                        )
                    })?)
                }
                other => OwnedParamValue::Text(parse_blob(other)?),
            };
            Ok(OwnedParam {
                name: k.clone(),
                value,
            })
        })
        .collect()
}

/// A borrowed list of [`Param`]s of owned ones.
pub fn borrow_params(ps: &[OwnedParam]) -> Vec<Param<'_>> {
    ps.iter().map(OwnedParam::borrow).collect()
}

/// What a link stores.
pub fn target(t: Target) -> Json {
    match t {
        Target::Object(o) => json!({ "obj": o.0 }),
        Target::Interior(o, off) => json!({ "obj": o.0, "offset": off }),
        Target::Word(w) => json!({ "word": word(w) }),
        Target::Empty => json!("empty"),
    }
}

/// Reads [`target`].
pub fn parse_target(j: &Json) -> Result<Target, String> {
    if j.as_str() == Some("empty") {
        return Ok(Target::Empty);
    }
    if let Some(w) = j.get("word") {
        return Ok(Target::Word(parse_word(w)?));
    }
    let obj = j
        .get("obj")
        .ok_or_else(|| format!("expected {{\"obj\": N}}, {{\"obj\": N, \"offset\": B}}, {{\"word\": \"0x...\"}} or \"empty\", found {j}"))?;
    let obj =
        memspec::subject::ObjId(u32::try_from(uint(obj)?).map_err(|_| "object id over 32 bits".to_string())?);
    match j.get("offset") {
        Some(off) => Ok(Target::Interior(
            obj,
            u32::try_from(uint(off)?).map_err(|_| "offset over 32 bits".to_string())?,
        )),
        None => Ok(Target::Object(obj)),
    }
}

/// A collector control's name.
pub fn gc_op(op: GcOp) -> &'static str {
    match op {
        GcOp::Lock => "lock",
        GcOp::Unlock => "unlock",
        GcOp::Disable => "disable",
        GcOp::Enable => "enable",
    }
}

/// Reads [`gc_op`].
pub fn parse_gc_op(s: &str) -> Result<GcOp, String> {
    Ok(match s {
        "lock" => GcOp::Lock,
        "unlock" => GcOp::Unlock,
        "disable" => GcOp::Disable,
        "enable" => GcOp::Enable,
        other => {
            return Err(format!(
                "`{other}` is no gc action; expected lock, unlock, disable or enable"
            ));
        }
    })
}

/// A unit's name on the wire (unlike [`Unit::name`], never empty).
pub fn unit(u: Unit) -> &'static str {
    match u {
        Unit::Bytes => "bytes",
        Unit::Bits => "bits",
        Unit::Words => "words",
        Unit::Blocks => "blocks",
        Unit::Entries => "entries",
        Unit::Count => "count",
        Unit::Flag => "flag",
        Unit::Number => "number",
    }
}

/// Reads what [`unit()`] writes.
pub fn parse_unit(s: &str) -> Result<Unit, String> {
    Ok(match s {
        "bytes" => Unit::Bytes,
        "bits" => Unit::Bits,
        "words" => Unit::Words,
        "blocks" => Unit::Blocks,
        "entries" => Unit::Entries,
        "count" => Unit::Count,
        "flag" => Unit::Flag,
        "number" => Unit::Number,
        other => return Err(format!("`{other}` is no unit")),
    })
}

/// A collection's result.
pub fn collection(c: &Collection) -> Json {
    json!({
        "freed_allocations": c.freed_allocations,
        "freed_bytes": c.freed_bytes,
        "returned": c.returned,
        "finalisers_run": c.finalisers_run,
    })
}

/// Reads [`collection`].
pub fn parse_collection(j: &Json) -> Result<Collection, String> {
    let field = |k: &str| -> Result<u64, String> {
        uint(
            j.get(k)
                .ok_or_else(|| format!("the collect answer lacks `{k}`"))?,
        )
    };
    Ok(Collection {
        freed_allocations: field("freed_allocations")?,
        freed_bytes: field("freed_bytes")?,
        returned: match j.get("returned") {
            None | Some(Json::Null) => None,
            Some(v) => Some(int(v)?),
        },
        finalisers_run: field("finalisers_run")?,
    })
}

/// An encode result.
pub fn encoded(e: &Encoded) -> Json {
    json!({ "word": word(e.word), "class": e.class.name() })
}

/// Reads a tag class name.
pub fn parse_class(j: Option<&Json>) -> Result<TagClass, String> {
    let s = j
        .and_then(Json::as_str)
        .ok_or_else(|| "the answer lacks `class`".to_string())?;
    TagClass::from_name(s).ok_or_else(|| format!("`{s}` is no tag class"))
}

/// An error as data.
pub fn error(kind: ErrorKind, detail: &str) -> Json {
    json!({ "kind": kind.name(), "detail": detail })
}

/// The profiles and capabilities a server offers in its hello answer.
pub fn served(served: &[(ProfileId, Capabilities)]) -> Json {
    let mut m = Map::new();
    for (p, caps) in served {
        m.insert(
            p.name().to_string(),
            Json::Array(caps.iter().map(|c| json!(c.name())).collect()),
        );
    }
    Json::Object(m)
}

/// Reads [`served`]. Unknown profile names are left out (a newer server may know more);
/// unknown capability names are an error.
pub fn parse_served(j: &Json) -> Result<Vec<(ProfileId, Capabilities)>, String> {
    let o = j
        .as_object()
        .ok_or_else(|| format!("`profiles` must be an object of profile to capabilities, found {j}"))?;
    let mut out = Vec::new();
    for (name, caps) in o {
        let Some(p) = ProfileId::from_name(name) else {
            continue;
        };
        let list = caps
            .as_array()
            .ok_or_else(|| format!("the capabilities of {name} must be a list"))?;
        let mut set = Capabilities::NONE;
        for c in list {
            let cn = c.as_str().unwrap_or("");
            let cap = Capability::from_name(cn).ok_or_else(|| format!("`{c}` is no capability"))?;
            set = set.with(cap);
        }
        out.push((p, set));
    }
    if out.is_empty() {
        let listed: Vec<&str> = o.keys().map(String::as_str).collect();
        let known: Vec<&str> = ProfileId::ALL.iter().map(|p| p.name()).collect();
        return Err(format!(
            "it serves no profile this harness knows (it listed: {}); profiles: {}",
            if listed.is_empty() {
                "none".to_string()
            } else {
                listed.join(", ")
            },
            known.join(", ")
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_arguments_cross_as_64_bit_numbers_and_larger_ones_as_decimal_text() {
        let arg = |v: i128| {
            [Param {
                name: "value",
                value: ParamValue::Int(v),
            }]
        };
        for v in [-(1i128 << 63), -1, 1 << 62, 1 << 63, (1 << 64) - 1] {
            let j = params(&arg(v)).map_err(|e| format!("{v}: {e}"));
            let back = j.and_then(|j| parse_params(Some(&j)));
            assert_eq!(
                back.map(|ps| ps.first().map(|p| p.value.clone())),
                Ok(Some(OwnedParamValue::Int(v))),
                "{v}"
            );
        }
        for v in [1i128 << 64, -(1i128 << 63) - 1, 1 << 100, i128::MIN] {
            let j = params(&arg(v)).map_err(|e| format!("{v}: {e}"));
            assert_eq!(
                j.as_ref().ok().map(|j| j["value"].clone()),
                Some(json!({ "int": v.to_string() })),
                "{v}"
            );
            let back = j.and_then(|j| parse_params(Some(&j)));
            assert_eq!(
                back.map(|ps| ps.first().map(|p| p.value.clone())),
                Ok(Some(OwnedParamValue::Int(v))),
                "{v}"
            );
        }
        let bad = json!({ "value": { "int": "2**100" } });
        let e = parse_params(Some(&bad)).err().unwrap_or_default();
        assert!(e.contains("no integer of at most 128 bits"), "{e:?}");
    }

    #[test]
    fn float_arguments_json_cannot_hold_as_numbers_come_back_as_floats() {
        let ps = [
            Param {
                name: "value",
                value: ParamValue::Float(f64::INFINITY),
            },
            Param {
                name: "low",
                value: ParamValue::Float(f64::NEG_INFINITY),
            },
            Param {
                name: "nan",
                value: ParamValue::Float(f64::NAN),
            },
            Param {
                name: "text",
                value: ParamValue::Text(b"inf"),
            },
        ];
        let back = parse_params(Some(&params(&ps).unwrap())).unwrap();
        let get = |n: &str| back.iter().find(|p| p.name == n).map(|p| p.value.clone());
        assert_eq!(get("value"), Some(OwnedParamValue::Float(f64::INFINITY)));
        assert_eq!(get("low"), Some(OwnedParamValue::Float(f64::NEG_INFINITY)));
        assert!(matches!(get("nan"), Some(OwnedParamValue::Float(f)) if f.is_nan()));
        assert_eq!(get("text"), Some(OwnedParamValue::Text(b"inf".to_vec())));
    }
}
