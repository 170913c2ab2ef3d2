//! A JSON Schema checker for the keywords `docs/openapi.json` uses (tests/openapi.rs checks
//! the live server's answers with it). Unknown keywords and patterns fail loudly, so the
//! document cannot silently outgrow it.

use chat_protocol::limits::check_username;
use serde_json::Value;
use uuid::Uuid;

/// The `pattern`s the document uses; [`check_schema`] knows how to test each.
const USERNAME_PATTERN: &str = "^[A-Za-z0-9_.-]{3,32}$";
const TIME_PATTERN: &str = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$";
const UUID_PATTERN: &str =
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";
const NOT_BLANK_PATTERN: &str = r"\S";

/// Follows `$ref`s (local JSON pointers) to the object they name.
pub fn deref<'a>(doc: &'a Value, mut v: &'a Value) -> &'a Value {
    while let Some(target) = v.get("$ref").and_then(Value::as_str) {
        let pointer = target.strip_prefix('#').expect("local $ref");
        v = doc
            .pointer(pointer)
            .unwrap_or_else(|| panic!("$ref {target} does not resolve"));
    }
    v
}

fn matches_pattern(pattern: &str, s: &str) -> bool {
    match pattern {
        USERNAME_PATTERN => check_username(s).is_ok(),
        UUID_PATTERN => s.len() == 36 && Uuid::parse_str(s).is_ok(),
        NOT_BLANK_PATTERN => s.chars().any(|c| !c.is_whitespace()),
        TIME_PATTERN => {
            let b = s.as_bytes();
            b.len() == 24
                && b.iter().enumerate().all(|(i, c)| match i {
                    4 | 7 => *c == b'-',
                    10 => *c == b'T',
                    13 | 16 => *c == b':',
                    19 => *c == b'.',
                    23 => *c == b'Z',
                    _ => c.is_ascii_digit(),
                })
        }
        other => panic!("the schema checker does not know the pattern {other:?}; teach it"),
    }
}

fn type_matches(name: &str, v: &Value) -> bool {
    match name {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64(),
        "string" => v.is_string(),
        other => panic!("unknown JSON Schema type {other}"),
    }
}

/// A JSON Schema checker for the keywords the document uses; unknown keywords fail loudly so the
/// document cannot silently outgrow it.
pub fn check_schema(doc: &Value, schema: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
    let schema = deref(doc, schema);
    let Some(keywords) = schema.as_object() else {
        panic!("schema at {at} is not an object: {schema}");
    };
    for (keyword, arg) in keywords {
        match keyword.as_str() {
            "description" | "examples" | "example" | "default" | "title" => {}
            "allOf" => {
                for sub in arg.as_array().expect("allOf array") {
                    check_schema(doc, sub, v, at, errors);
                }
            }
            "anyOf" | "oneOf" => {
                let passing = arg
                    .as_array()
                    .expect("anyOf/oneOf array")
                    .iter()
                    .filter(|sub| {
                        let mut sub_errors = Vec::new();
                        check_schema(doc, sub, v, at, &mut sub_errors);
                        sub_errors.is_empty()
                    })
                    .count();
                let ok = if keyword == "anyOf" {
                    passing >= 1
                } else {
                    passing == 1
                };
                if !ok {
                    errors.push(format!(
                        "{at}: {keyword} matched {passing} alternatives: {v}"
                    ));
                }
            }
            "const" if v != arg => errors.push(format!("{at}: {v} is not {arg}")),
            "enum" if !arg.as_array().expect("enum array").contains(v) => {
                errors.push(format!("{at}: {v} not in {arg}"))
            }
            "type" => {
                let ok = match arg {
                    Value::String(t) => type_matches(t, v),
                    Value::Array(ts) => ts.iter().any(|t| type_matches(t.as_str().unwrap(), v)),
                    _ => panic!("bad type keyword at {at}"),
                };
                if !ok {
                    errors.push(format!("{at}: {v} is not of type {arg}"));
                }
            }
            "format" => {
                if let Some(s) = v.as_str() {
                    let ok = match arg.as_str().unwrap() {
                        "uuid" => Uuid::parse_str(s).is_ok(),
                        "date-time" => chrono::DateTime::parse_from_rfc3339(s).is_ok(),
                        _ => true,
                    };
                    if !ok {
                        errors.push(format!("{at}: {s:?} is not a {arg}"));
                    }
                }
            }
            "pattern" => {
                if let Some(s) = v.as_str()
                    && !matches_pattern(arg.as_str().unwrap(), s)
                {
                    errors.push(format!("{at}: {s:?} does not match {arg}"));
                }
            }
            "minLength" | "maxLength" => {
                if let Some(s) = v.as_str() {
                    let len = s.chars().count() as u64;
                    let bound = arg.as_u64().unwrap();
                    if (keyword == "minLength" && len < bound)
                        || (keyword == "maxLength" && len > bound)
                    {
                        errors.push(format!("{at}: length {len} breaks {keyword} {bound}"));
                    }
                }
            }
            "minimum" | "maximum" => {
                if let Some(n) = v.as_f64() {
                    let bound = arg.as_f64().unwrap();
                    if (keyword == "minimum" && n < bound) || (keyword == "maximum" && n > bound) {
                        errors.push(format!("{at}: {n} breaks {keyword} {bound}"));
                    }
                }
            }
            "minItems" | "maxItems" => {
                if let Some(items) = v.as_array() {
                    let len = items.len() as u64;
                    let bound = arg.as_u64().unwrap();
                    if (keyword == "minItems" && len < bound)
                        || (keyword == "maxItems" && len > bound)
                    {
                        errors.push(format!("{at}: {len} items break {keyword} {bound}"));
                    }
                }
            }
            "items" => {
                for (i, item) in v.as_array().into_iter().flatten().enumerate() {
                    check_schema(doc, arg, item, &format!("{at}[{i}]"), errors);
                }
            }
            "required" => {
                if let Some(obj) = v.as_object() {
                    for name in arg.as_array().unwrap() {
                        if !obj.contains_key(name.as_str().unwrap()) {
                            errors.push(format!("{at}: missing required field {name}"));
                        }
                    }
                }
            }
            "properties" => {
                if let Some(obj) = v.as_object() {
                    for (name, sub) in arg.as_object().unwrap() {
                        if let Some(field) = obj.get(name) {
                            check_schema(doc, sub, field, &format!("{at}.{name}"), errors);
                        }
                    }
                }
            }
            "additionalProperties" => {
                if arg == &Value::Bool(false)
                    && let Some(obj) = v.as_object()
                {
                    let known = schema["properties"].as_object();
                    for name in obj.keys() {
                        if !known.is_some_and(|k| k.contains_key(name)) {
                            errors.push(format!("{at}: unexpected field {name}"));
                        }
                    }
                }
            }
            "const" | "enum" => {}
            other => panic!("the schema checker does not know the keyword {other:?} (at {at})"),
        }
    }
}
