//! The relay's records (infra/relay_records.py): a stored incident event made into the
//! JSON that goes out on `incidents.events`, as dispatch/published.py makes it
//! (`published_from_stored`, then orjson): the event's own fields in their stored order,
//! the envelope's left out, its times as text, then incident id, version, type,
//! occurred-at and recorded-at. Byte for byte the same where the store wrote the event with
//! orjson (the tests hold both routes equal), without making the event a Python dict first.
//!
//! Values are copied as stored: an integer beyond 64 bits, which orjson refuses to write,
//! goes out exactly. Anything this does not expect (a key written with escapes or given
//! twice, a key the envelope adds already there, a time not in the store's tagged form)
//! is left to the Python route: None for that row.
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::fmt;

const INCIDENT_TOPIC: &str = "dispatch.domain.incident:";
const ADDED: [&str; 5] = ["incident_id", "version", "type", "occurred_at", "recorded_at"];

/// A JSON object's members, in order, each value as written.
struct Members<'a>(Vec<(&'a str, &'a RawValue)>);

impl<'de> Deserialize<'de> for Members<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct InOrder;
        impl<'de> Visitor<'de> for InOrder {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Members<'de>, M::Error> {
                let mut members = Vec::with_capacity(16);
                // (&str: a key written with escapes cannot be borrowed, and is refused)
                while let Some(key) = map.next_key::<&'de str>()? {
                    members.push((key, map.next_value::<&'de RawValue>()?));
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(InOrder)
    }
}

/// A time as the store tags it: {"_type_": ..., "_data_": "<ISO text>"}; the text's JSON.
#[derive(Deserialize)]
struct Tagged<'a> {
    #[serde(rename = "_data_", borrow)]
    data: &'a RawValue,
}

fn tagged_text(value: &RawValue) -> Option<&str> {
    if !value.get().starts_with('{') {
        return None; // (serde would take a list for the struct too; Python refuses one)
    }
    let tagged: Tagged = serde_json::from_str(value.get()).ok()?;
    let text = tagged.data.get();
    text.starts_with('"').then_some(text)
}

/// The published JSON of one stored incident event, or None where the Python route decides.
pub fn published_json(incident_id: &str, version: i64, kind: &str, state: &[u8]) -> Option<Vec<u8>> {
    let Members(members) = serde_json::from_slice(state).ok()?;
    for (n, (key, _)) in members.iter().enumerate() {
        if ADDED.contains(key) || members[..n].iter().any(|(other, _)| other == key) {
            return None;
        }
    }
    let find = |name: &str| members.iter().find(|(key, _)| *key == name).map(|(_, value)| *value);
    let recorded_at = tagged_text(find("timestamp")?)?;
    // `at` is the business time a command names; a report happened when it was reported.
    let (occurred_at, reported_text) = match find("at").filter(|at| at.get() != "null") {
        Some(at) => (tagged_text(at)?, None),
        None => match find("reported_at").filter(|r| r.get() != "null") {
            Some(reported) => {
                let text = tagged_text(reported)?;
                (text, Some(text))
            }
            None => (recorded_at, None),
        },
    };
    let mut out = Vec::with_capacity(state.len() + 128);
    out.push(b'{');
    for (key, value) in &members {
        if matches!(*key, "timestamp" | "originator_topic" | "at") {
            continue;
        }
        if out.len() > 1 {
            out.push(b',');
        }
        out.push(b'"');
        out.extend_from_slice(key.as_bytes());
        out.extend_from_slice(b"\":");
        match (*key, reported_text) {
            ("reported_at", Some(text)) => out.extend_from_slice(text.as_bytes()),
            _ => out.extend_from_slice(value.get().as_bytes()),
        }
    }
    if out.len() > 1 {
        out.push(b',');
    }
    out.extend_from_slice(b"\"incident_id\":");
    serde_json::to_writer(&mut out, incident_id).ok()?;
    out.extend_from_slice(format!(",\"version\":{version},\"type\":").as_bytes());
    serde_json::to_writer(&mut out, kind).ok()?;
    out.extend_from_slice(b",\"occurred_at\":");
    out.extend_from_slice(occurred_at.as_bytes());
    out.extend_from_slice(b",\"recorded_at\":");
    out.extend_from_slice(recorded_at.as_bytes());
    out.push(b'}');
    Some(out)
}

/// For each stored row (notification id, incident id, version, topic, state): its
/// published JSON, or None (not an incident event, or left to the Python route).
#[pyfunction]
pub fn published_records(py: Python<'_>, rows: &Bound<'_, PyList>) -> PyResult<Vec<PyObject>> {
    let mut made = Vec::with_capacity(rows.len());
    for row in rows.iter() {
        let row = row.downcast::<PyTuple>()?;
        let topic = row.get_borrowed_item(3)?;
        let topic = topic.downcast::<PyString>()?.to_str()?;
        let json = if topic.starts_with(INCIDENT_TOPIC) {
            // (as dispatch/published.py names it: the topic after its last dot)
            let kind = &topic[topic.rfind('.').map_or(0, |dot| dot + 1)..];
            let (id, version, state) = (row.get_borrowed_item(1)?, row.get_borrowed_item(2)?,
                                        row.get_borrowed_item(4)?);
            // Anything but plain text, a 64-bit version and bytes: the Python route's.
            match (id.downcast_exact::<PyString>(), version.extract::<i64>(),
                   state.downcast::<PyBytes>()) {
                (Ok(id), Ok(version), Ok(state)) =>
                    published_json(id.to_str()?, version, kind, state.as_bytes()),
                _ => None,
            }
        } else {
            None
        };
        made.push(match json {
            Some(json) => PyBytes::new(py, &json).into_any().unbind(),
            None => py.None(),
        });
    }
    Ok(made)
}

#[cfg(test)]
mod tests {
    use super::published_json;

    fn text(json: Option<Vec<u8>>) -> Option<String> {
        json.map(|bytes| String::from_utf8(bytes).unwrap())
    }

    const STAMP: &str = r#"{"_type_":"datetime_iso","_data_":"2026-11-28T20:00:00.000001+00:00"}"#;

    #[test]
    fn a_report_goes_out_with_its_times_as_text_and_the_envelope_last() {
        let state = format!(r#"{{"timestamp":{STAMP},"originator_topic":"x","source":"hotline","reported_at":{{"_type_":"datetime_iso","_data_":"2026-11-28T08:00:00+08:00"}},"extra":{{"n":123456789012345678901234567890}}}}"#);
        assert_eq!(text(published_json("i-1", 1, "Reported", state.as_bytes())).unwrap(),
                   r#"{"source":"hotline","reported_at":"2026-11-28T08:00:00+08:00","extra":{"n":123456789012345678901234567890},"incident_id":"i-1","version":1,"type":"Reported","occurred_at":"2026-11-28T08:00:00+08:00","recorded_at":"2026-11-28T20:00:00.000001+00:00"}"#);
    }

    #[test]
    fn what_it_does_not_expect_is_left_to_python() {
        let with = |member: &str| format!(r#"{{"timestamp":{STAMP},{member}}}"#);
        assert!(published_json("i", 2, "Located", with(r#""type":"x""#).as_bytes()).is_none());
        assert!(published_json("i", 2, "Located", with(r#""a":1,"a":2"#).as_bytes()).is_none());
        assert!(published_json("i", 2, "Located", with(r#""\u0061":1"#).as_bytes()).is_none());
        assert!(published_json("i", 2, "Located", with(r#""at":"2026""#).as_bytes()).is_none());
        assert!(published_json("i", 2, "Located", with(r#""at":["2026"]"#).as_bytes()).is_none());
        assert!(published_json("i", 2, "Located", br#"{"place":{}}"#).is_none());
        assert!(published_json("i", 2, "Located", with(r#""at":null"#).as_bytes()).is_some());
    }
}
