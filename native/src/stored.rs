//! A stored incident event as eventsourcing's JSON transcoder wrote it (times as
//! {"_type_": "datetime_iso", "_data_": ISO text}), read without copying its text.
//!
//! Only the fields the views read are decoded; the rest is skipped. A field the views need
//! distinguishes missing from null, as the Python views do (a missing one is a KeyError
//! there, a null one is stored as None): anything this decoding does not take makes the
//! replay give up, and the caller replays in Python instead (projections/native_replay.py).
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;

/// A text field: absent, null, or text (escaped text is unescaped into an owned string).
#[derive(Default, Debug)]
pub enum Text<'a> {
    #[default]
    Missing,
    Null,
    Is(Cow<'a, str>),
    Other,
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("text or null")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text::Is(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text::Is(Cow::Owned(v.to_owned())))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Text::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Text::Null)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Text::Other)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Text::Other)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Text::Other)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Text::Other)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(Text::Other)
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<de::IgnoredAny, de::IgnoredAny>()?.is_some() {}
                Ok(Text::Other)
            }
        }
        deserializer.deserialize_any(TextVisitor)
    }
}

/// A flag (`justified`, `resolved`): absent, null or a boolean; anything else is Other.
#[derive(Default, Debug, Clone, Copy, PartialEq)]
pub enum Flag {
    #[default]
    Missing,
    Null,
    Is(bool),
    Other,
}

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::Null => Flag::Null,
            serde_json::Value::Bool(b) => Flag::Is(b),
            _ => Flag::Other,
        })
    }
}

#[derive(Deserialize, Debug)]
pub struct Typed<'a> {
    #[serde(borrow, rename = "_data_")]
    pub data: Cow<'a, str>,
}

/// A JSON number as a float (an integer too large for one exactly is refused: None).
#[derive(Default, Debug, Clone, Copy, PartialEq)]
pub enum Number {
    #[default]
    Missing,
    Is(f64),
    Other,
}

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        const EXACT: u64 = 1 << 53;
        Ok(match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::Number(n) if n.is_f64() => n.as_f64().map_or(Number::Other, Number::Is),
            serde_json::Value::Number(n) => match (n.as_i64(), n.as_u64()) {
                (Some(i), _) if i.unsigned_abs() <= EXACT => Number::Is(i as f64),
                (None, Some(u)) if u <= EXACT => Number::Is(u as f64),
                _ => Number::Other,
            },
            _ => Number::Other,
        })
    }
}

/// A report's location: an object (its `lat` and `lon`), null, or something else, which
/// the replay refuses (Python reads a list's or a text's "lat" its own ways).
#[derive(Debug, Default)]
pub enum Location {
    #[default]
    Missing,
    Point { lat: Number, lon: Number },
    Other,
}

impl<'de> Deserialize<'de> for Location {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let number = |value: Option<&serde_json::Value>| match value {
            None => Number::Missing,
            Some(v) => Number::deserialize(v.clone()).unwrap_or(Number::Other),
        };
        Ok(match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::Null => Location::Missing,
            serde_json::Value::Object(map) => Location::Point { lat: number(map.get("lat")), lon: number(map.get("lon")) },
            _ => Location::Other,
        })
    }
}

/// `place.grid_workers`: absent (none), or a list of texts; null or anything else is refused.
#[derive(Debug, Default)]
pub enum GridWorkers<'a> {
    #[default]
    Missing,
    Are(Vec<Text<'a>>),
    Other,
}

impl<'de: 'a, 'a> Deserialize<'de> for GridWorkers<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Option::<Vec<Text<'a>>>::deserialize(deserializer) {
            Ok(Some(workers)) => Ok(GridWorkers::Are(workers)),
            Ok(None) | Err(_) => Ok(GridWorkers::Other),
        }
    }
}

#[derive(Deserialize, Debug)]
pub struct Place<'a> {
    #[serde(borrow, default)]
    pub address: Text<'a>,
    #[serde(borrow, default)]
    pub grid: Text<'a>,
    #[serde(borrow, default)]
    pub street: Text<'a>,
    #[serde(borrow, default)]
    pub district: Text<'a>,
    #[serde(borrow, default)]
    pub grid_workers: GridWorkers<'a>,
}

/// Only the recording time of a stored event.
#[derive(Deserialize, Debug)]
pub struct Stamp<'a> {
    #[serde(borrow)]
    pub timestamp: Typed<'a>,
}

#[derive(Deserialize, Debug)]
pub struct StoredEvent<'a> {
    #[serde(borrow)]
    pub timestamp: Typed<'a>,
    #[serde(borrow, default)]
    pub at: Option<Typed<'a>>,
    #[serde(borrow, default)]
    pub reported_at: Option<Typed<'a>>,
    #[serde(borrow, default)]
    pub category: Text<'a>,
    #[serde(borrow, default)]
    pub priority: Text<'a>,
    #[serde(borrow, default)]
    pub department: Text<'a>,
    #[serde(borrow, default)]
    pub manual_queue: Text<'a>,
    #[serde(borrow, default)]
    pub rating: Text<'a>,
    #[serde(default)]
    pub resolved: Flag,
    #[serde(default)]
    pub justified: Flag,
    #[serde(borrow, default)]
    pub place: Option<Place<'a>>,
    #[serde(default)]
    pub location: Location,
    #[serde(borrow, default)]
    pub sla_class: Text<'a>,
    #[serde(default)]
    pub hours: Number,
}

impl<'a> StoredEvent<'a> {
    /// The published `occurred_at`: the command's business time, else the report's, else
    /// when it was recorded (dispatch/published.py).
    pub fn occurred_at(&self) -> &str {
        match (&self.at, &self.reported_at) {
            (Some(at), _) => &at.data,
            (None, Some(reported)) => &reported.data,
            _ => &self.timestamp.data,
        }
    }
}
