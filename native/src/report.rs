//! A report from `incidents.reported`, read natively when it is plain: its incident id and
//! the `Reported` event's fields, as the route step makes them from the contract's model
//! (dispatch/service_layer/reports.py).
//!
//! Plain means nothing the contract's validation (pydantic) would have to coerce, default
//! beyond `priority`, `reporter` and `attachments`, or judge: every field of the type it
//! is declared with and within its limits, the time in RFC 3339 with an offset, no key
//! twice, no fields of its own in `location` or `reporter` (their dumps drop nulls there),
//! no `_type_` key anywhere (the store's tags), integers within 64 bits, no deeper than
//! `DEPTH`. Anything else gives None, and the contract reads it: a bad report's error
//! always comes from there.
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDateTime, PyDict, PyList, PyString, PyTzInfo};
use rustc_hash::FxHashMap;
use std::borrow::Cow;

const DEPTH: usize = 32;
const SOURCES: [&str; 5] = ["grid_worker", "hotline", "app", "sensor", "video"];
const PRIORITIES: [&str; 4] = ["low", "normal", "high", "urgent"];

#[pyclass(module = "grid_dispatch_native")]
pub struct ReportReader {
    namespace: Vec<u8>,
    zone_class: PyObject,
    zones: FxHashMap<i32, PyObject>,
}

#[pymethods]
impl ReportReader {
    /// `namespace`: the incident ids' uuid5 namespace, 16 bytes; `zone_class`: the tzinfo
    /// class the contract's times carry (pydantic_core.TzInfo), called with the offset.
    #[new]
    fn new(namespace: Vec<u8>, zone_class: PyObject) -> PyResult<Self> {
        if namespace.len() != 16 {
            return Err(pyo3::exceptions::PyValueError::new_err("a namespace is 16 bytes"));
        }
        Ok(ReportReader { namespace, zone_class, zones: FxHashMap::default() })
    }

    /// (the incident id's 16 bytes, the fields, the report time as `isoformat()` writes it)
    /// for a plain report; None otherwise.
    fn read(&mut self, py: Python<'_>, raw: &[u8])
            -> PyResult<Option<(PyObject, PyObject, String)>> {
        let Ok(text) = std::str::from_utf8(raw) else { return Ok(None) };
        let mut parser = Parser { s: text.as_bytes(), i: 0, py };
        let Some(report) = parser.report()? else { return Ok(None) };
        parser.ws();
        if parser.i != parser.s.len() {
            return Ok(None);
        }
        self.fields(py, report)
    }
}

impl ReportReader {
    fn fields(&mut self, py: Python<'_>, r: Report)
              -> PyResult<Option<(PyObject, PyObject, String)>> {
        let (Some(report_id), Some(source), Some(category), Some(at), Some(location),
             Some(description)) = (r.report_id, r.source, r.category, r.reported_at,
                                   r.location, r.description) else { return Ok(None) };
        let Some(reported_at) = self.time(py, &at)? else { return Ok(None) };
        let mut hasher = sha1_smol::Sha1::new();
        hasher.update(&self.namespace);
        hasher.update(source.as_bytes());
        hasher.update(b"\x1f");
        hasher.update(report_id.as_bytes());
        let mut id: [u8; 16] = hasher.digest().bytes()[..16].try_into().unwrap();
        id[6] = (id[6] & 0x0f) | 0x50;   // version 5
        id[8] = (id[8] & 0x3f) | 0x80;   // RFC 4122 variant
        let fields = PyDict::new(py);
        fields.set_item(pyo3::intern!(py, "source"), PyString::intern(py, source))?;
        fields.set_item(pyo3::intern!(py, "report_id"), report_id.as_ref())?;
        fields.set_item(pyo3::intern!(py, "category"), category.as_ref())?;
        fields.set_item(pyo3::intern!(py, "reported_at"), reported_at)?;
        fields.set_item(pyo3::intern!(py, "location"), location)?;
        fields.set_item(pyo3::intern!(py, "description"), description)?;
        fields.set_item(pyo3::intern!(py, "priority"),
                        PyString::intern(py, r.priority.unwrap_or("normal")))?;
        fields.set_item(pyo3::intern!(py, "reporter"), r.reporter.unwrap_or_else(|| py.None()))?;
        let attachments = match r.attachments {
            Some(list) => list,
            None => PyList::empty(py).into_any().unbind(),
        };
        fields.set_item(pyo3::intern!(py, "attachments"), attachments)?;
        fields.set_item(pyo3::intern!(py, "extra"), r.extra)?;
        Ok(Some((PyBytes::new(py, &id).into_any().unbind(), fields.into_any().unbind(),
                  at.isoformat())))
    }

    fn time(&mut self, py: Python<'_>, t: &Time) -> PyResult<Option<PyObject>> {
        let zone = match self.zones.get(&t.offset_s) {
            Some(zone) => zone.clone_ref(py),
            None => {
                let zone = self.zone_class.call1(py, (t.offset_s,))?;
                self.zones.insert(t.offset_s, zone.clone_ref(py));
                zone
            }
        };
        let zone = zone.bind(py).downcast::<PyTzInfo>()?;
        Ok(PyDateTime::new(py, t.year, t.month, t.day, t.hour, t.minute, t.second,
                           t.microsecond, Some(zone)).ok().map(|d| d.into_any().unbind()))
    }
}

struct Time {
    year: i32, month: u8, day: u8, hour: u8, minute: u8, second: u8, microsecond: u32,
    offset_s: i32,
}

impl Time {
    /// As Python's `datetime.isoformat()` writes it: microseconds only when not zero, the
    /// offset as ±HH:MM (`parse_time` takes whole minutes only).
    fn isoformat(&self) -> String {
        let mut text = format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", self.year, self.month,
                               self.day, self.hour, self.minute, self.second);
        if self.microsecond != 0 {
            text += &format!(".{:06}", self.microsecond);
        }
        let minutes = self.offset_s.abs() / 60;
        text += &format!("{}{:02}:{:02}", if self.offset_s < 0 { '-' } else { '+' },
                         minutes / 60, minutes % 60);
        text
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.f{1,6}](Z|±HH:MM)`, a real day and time; None otherwise.
fn parse_time(s: &str) -> Option<Time> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<u32> {
        let part = b.get(from..from + len)?;
        part.iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + (c - b'0') as u32))
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':'
        || b[16] != b':' {
        return None;
    }
    let (year, month, day) = (num(0, 4)? as i32, num(5, 2)? as u8, num(8, 2)? as u8);
    let (hour, minute, second) = (num(11, 2)? as u8, num(14, 2)? as u8, num(17, 2)? as u8);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if year < 1 || !(1..=12).contains(&month) || day < 1 || day > days[month as usize - 1]
        || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let (mut i, mut microsecond) = (19, 0u32);
    if b[i] == b'.' {
        let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if !(1..=6).contains(&digits) {
            return None;
        }
        microsecond = num(i + 1, digits)? * 10u32.pow(6 - digits as u32);
        i += 1 + digits;
    }
    let offset_s = match b.get(i..)? {
        b"Z" => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (h, m) = (num(i + 1, 2)? as i32, num(i + 4, 2)? as i32);
            if h > 23 || m > 59 {
                return None;
            }
            (h * 3600 + m * 60) * if *sign == b'-' { -1 } else { 1 }
        }
        _ => return None,
    };
    Some(Time { year, month, day, hour, minute, second, microsecond, offset_s })
}

#[derive(Default)]
struct Report<'a> {
    report_id: Option<Cow<'a, str>>,
    source: Option<&'static str>,
    category: Option<Cow<'a, str>>,
    reported_at: Option<Time>,
    location: Option<PyObject>,
    description: Option<PyObject>,
    priority: Option<&'static str>,
    reporter: Option<PyObject>,
    attachments: Option<PyObject>,
    extra: Option<PyObject>,
}

struct Parser<'a, 'py> {
    s: &'a [u8],
    i: usize,
    py: Python<'py>,
}

/// Parsing gives up (None: not plain) or fails (a Python error making an object).
type Plain<T> = PyResult<Option<T>>;

macro_rules! plain {
    ($e:expr) => {
        match $e? {
            Some(v) => v,
            None => return Ok(None),
        }
    };
}

fn chars_within(s: &str, least: usize, most: usize) -> bool {
    let n = s.chars().count();
    least <= n && n <= most
}

fn is_category(s: &str) -> bool {
    chars_within(s, 1, 128) && s.split('.').all(|part| !part.is_empty()
        && part.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-'))
}

fn one_of(s: &str, names: &[&'static str]) -> Option<&'static str> {
    names.iter().copied().find(|name| *name == s)
}

impl<'a, 'py> Parser<'a, 'py> {
    fn ws(&mut self) {
        while matches!(self.s.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.s.get(self.i).copied()
    }

    fn report(&mut self) -> Plain<Report<'a>> {
        let mut r = Report { extra: Some(PyDict::new(self.py).into_any().unbind()),
                             ..Default::default() };
        let ok = self.object(|p, key| {
            macro_rules! once {
                ($field:expr, $value:expr) => {{
                    if $field.is_some() {
                        return Ok(None);
                    }
                    $field = Some(plain!($value));
                }};
            }
            match key.as_ref() {
                "report_id" => once!(r.report_id, p.text_within(1, 128)),
                "source" => once!(r.source, p.text().map(|t| t.and_then(|t| one_of(&t, &SOURCES)))),
                "category" => once!(r.category,
                                    p.text().map(|t| t.filter(|t| is_category(t)))),
                "reported_at" => once!(r.reported_at, p.text().map(|t| t.and_then(|t| parse_time(&t)))),
                "location" => once!(r.location, p.location()),
                "description" => once!(r.description, p.text_within(0, 10_000)
                    .map(|t| t.map(|t| PyString::new(p.py, &t).into_any().unbind()))),
                "priority" => once!(r.priority,
                                    p.text().map(|t| t.and_then(|t| one_of(&t, &PRIORITIES)))),
                "reporter" => once!(r.reporter, p.reporter()),
                "attachments" => once!(r.attachments, p.attachments()),
                _ => {
                    let extra = r.extra.as_ref().unwrap().bind(p.py).downcast::<PyDict>()?.clone();
                    if extra.contains(key.as_ref())? {
                        return Ok(None);
                    }
                    let value = plain!(p.value(1));
                    extra.set_item(key.as_ref(), value)?;
                }
            }
            Ok(Some(()))
        })?;
        Ok(ok.map(|_| r))
    }

    /// Each key of an object, in order, to `each`, which reads its value.
    fn object<F>(&mut self, mut each: F) -> Plain<()>
    where F: FnMut(&mut Self, Cow<'a, str>) -> Plain<()> {
        if !self.eat(b'{') {
            return Ok(None);
        }
        if self.eat(b'}') {
            return Ok(Some(()));
        }
        loop {
            self.ws();
            let key = plain!(Ok::<_, PyErr>(self.string()));
            if key == "_type_" || !self.eat(b':') {
                return Ok(None);
            }
            plain!(each(self, key));
            if self.eat(b',') {
                continue;
            }
            return Ok(self.eat(b'}').then_some(()));
        }
    }

    fn text(&mut self) -> Plain<Cow<'a, str>> {
        self.ws();
        Ok(self.string())
    }

    fn text_within(&mut self, least: usize, most: usize) -> Plain<Cow<'a, str>> {
        Ok(self.text()?.filter(|t| chars_within(t, least, most)))
    }

    fn null(&mut self) -> bool {
        self.ws();
        if self.s[self.i..].starts_with(b"null") {
            self.i += 4;
            true
        } else {
            false
        }
    }

    /// The declared fields only, nulls left out, in the declared order (as the contract's
    /// `model_dump(exclude_none=True)` gives them).
    fn location(&mut self) -> Plain<PyObject> {
        let mut texts: [Option<Option<Cow<'a, str>>>; 3] = [None, None, None]; // qr, address, grid
        let mut points: [Option<Option<f64>>; 2] = [None, None];   // lat, lon
        plain!(self.object(|p, key| {
            let (slot, most) = match key.as_ref() {
                "qr_code" => (0, 256),
                "address_id" => (1, 128),
                "grid_id" => (2, 64),
                "lat" | "lon" => {
                    let (n, limit) = if key == "lat" { (0, 90.0) } else { (1, 180.0) };
                    if points[n].is_some() {
                        return Ok(None);
                    }
                    points[n] = Some(if p.null() { None } else {
                        Some(plain!(Ok::<_, PyErr>(p.number().and_then(|n| n.as_f64())
                            .filter(|v| (-limit..=limit).contains(v)))))
                    });
                    return Ok(Some(()));
                }
                _ => return Ok(None),
            };
            if texts[slot].is_some() {
                return Ok(None);
            }
            texts[slot] = Some(if p.null() { None } else { Some(plain!(p.text_within(1, most))) });
            Ok(Some(()))
        }));
        let [qr, address, grid] = texts.map(Option::flatten);
        let [lat, lon] = points.map(Option::flatten);
        if lat.is_some() != lon.is_some() || (qr.is_none() && address.is_none()
                                               && grid.is_none() && lat.is_none()) {
            return Ok(None);
        }
        let py = self.py;
        let dict = PyDict::new(py);
        if let Some(v) = qr { dict.set_item(pyo3::intern!(py, "qr_code"), v.as_ref())?; }
        if let Some(v) = address { dict.set_item(pyo3::intern!(py, "address_id"), v.as_ref())?; }
        if let Some(v) = lat { dict.set_item(pyo3::intern!(py, "lat"), v)?; }
        if let Some(v) = lon { dict.set_item(pyo3::intern!(py, "lon"), v)?; }
        if let Some(v) = grid { dict.set_item(pyo3::intern!(py, "grid_id"), v.as_ref())?; }
        Ok(Some(dict.into_any().unbind()))
    }

    fn reporter(&mut self) -> Plain<PyObject> {
        if self.null() {
            return Ok(Some(self.py.None()));
        }
        let mut texts: [Option<Option<Cow<'a, str>>>; 3] = [None, None, None]; // id, name, phone
        plain!(self.object(|p, key| {
            let slot = match key.as_ref() { "id" => 0, "name" => 1, "phone" => 2, _ => return Ok(None) };
            if texts[slot].is_some() {
                return Ok(None);
            }
            texts[slot] = Some(if p.null() { None } else { Some(plain!(p.text())) });
            Ok(Some(()))
        }));
        let dict = PyDict::new(self.py);
        for (name, text) in ["id", "name", "phone"].iter().zip(texts) {
            if let Some(text) = text.flatten() {
                dict.set_item(PyString::intern(self.py, name), text.as_ref())?;
            }
        }
        Ok(Some(dict.into_any().unbind()))
    }

    fn attachments(&mut self) -> Plain<PyObject> {
        let list = PyList::empty(self.py);
        if !self.eat(b'[') {
            return Ok(None);
        }
        if !self.eat(b']') {
            loop {
                let text = plain!(self.text());
                list.append(text.as_ref())?;
                if self.eat(b',') {
                    continue;
                }
                if !self.eat(b']') {
                    return Ok(None);
                }
                break;
            }
        }
        Ok((list.len() <= 50).then(|| list.into_any().unbind()))
    }

    /// Any JSON value as Python's: dict (no key twice), list, str, int, float, bool, None.
    fn value(&mut self, depth: usize) -> Plain<PyObject> {
        let py = self.py;
        if depth > DEPTH {
            return Ok(None);
        }
        Ok(Some(match plain!(Ok::<_, PyErr>(self.peek())) {
            b'{' => {
                let dict = PyDict::new(py);
                plain!(self.object(|p, key| {
                    if dict.contains(key.as_ref())? {
                        return Ok(None);
                    }
                    dict.set_item(key.as_ref(), plain!(p.value(depth + 1)))?;
                    Ok(Some(()))
                }));
                dict.into_any().unbind()
            }
            b'[' => {
                self.i += 1;
                let list = PyList::empty(py);
                if !self.eat(b']') {
                    loop {
                        list.append(plain!(self.value(depth + 1)))?;
                        if self.eat(b',') {
                            continue;
                        }
                        if !self.eat(b']') {
                            return Ok(None);
                        }
                        break;
                    }
                }
                list.into_any().unbind()
            }
            b'"' => PyString::new(py, &plain!(Ok::<_, PyErr>(self.string()))).into_any().unbind(),
            b't' | b'f' | b'n' => {
                let rest = &self.s[self.i..];
                let (word, value) = if rest.starts_with(b"true") { (4, true.into_pyobject(py)?.to_owned().into_any().unbind()) }
                    else if rest.starts_with(b"false") { (5, false.into_pyobject(py)?.to_owned().into_any().unbind()) }
                    else if rest.starts_with(b"null") { (4, py.None()) }
                    else { return Ok(None) };
                self.i += word;
                value
            }
            _ => match plain!(Ok::<_, PyErr>(self.number())) {
                Number::Int(n) => n.into_pyobject(py)?.into_any().unbind(),
                Number::Float(f) => f.into_pyobject(py)?.into_any().unbind(),
            },
        }))
    }

    /// A JSON number: an integer within 64 bits, or a finite float.
    fn number(&mut self) -> Option<Number> {
        self.ws();
        let start = self.i;
        let s = self.s;
        let digits = |i: &mut usize| {
            let from = *i;
            while s.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i - from
        };
        let mut i = self.i;
        if s.get(i) == Some(&b'-') {
            i += 1;
        }
        let whole = digits(&mut i);
        if whole == 0 || (whole > 1 && s[i - whole] == b'0') {
            return None;
        }
        let mut float = false;
        if s.get(i) == Some(&b'.') {
            i += 1;
            if digits(&mut i) == 0 {
                return None;
            }
            float = true;
        }
        if matches!(s.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(s.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            if digits(&mut i) == 0 {
                return None;
            }
            float = true;
        }
        self.i = i;
        let token = std::str::from_utf8(&s[start..i]).ok()?;
        if float {
            token.parse::<f64>().ok().filter(|f| f.is_finite()).map(Number::Float)
        } else {
            token.parse::<i64>().ok().map(Number::Int)
        }
    }

    /// A JSON string at the cursor, unescaped; None if not one (or a lone surrogate).
    fn string(&mut self) -> Option<Cow<'a, str>> {
        let s = self.s;
        if s.get(self.i) != Some(&b'"') {
            return None;
        }
        let start = self.i + 1;
        let mut i = start;
        while let Some(&c) = s.get(i) {
            match c {
                b'"' => {
                    self.i = i + 1;
                    return std::str::from_utf8(&s[start..i]).ok().map(Cow::Borrowed);
                }
                b'\\' => return self.escaped(start, i),
                0..=0x1f => return None,
                _ => i += 1,
            }
        }
        None
    }

    fn escaped(&mut self, start: usize, first: usize) -> Option<Cow<'a, str>> {
        let s = self.s;
        let mut out = String::from(std::str::from_utf8(&s[start..first]).ok()?);
        let mut i = first;
        let hex = |i: usize| -> Option<u32> {
            u32::from_str_radix(std::str::from_utf8(s.get(i..i + 4)?).ok()?, 16).ok()
                .filter(|_| s[i..i + 4].iter().all(u8::is_ascii_hexdigit))
        };
        loop {
            let c = *s.get(i)?;
            match c {
                b'"' => {
                    self.i = i + 1;
                    return Some(Cow::Owned(out));
                }
                b'\\' => {
                    let e = *s.get(i + 1)?;
                    i += 2;
                    out.push(match e {
                        b'"' => '"', b'\\' => '\\', b'/' => '/', b'b' => '\u{8}',
                        b'f' => '\u{c}', b'n' => '\n', b'r' => '\r', b't' => '\t',
                        b'u' => {
                            let high = hex(i)?;
                            i += 4;
                            if (0xD800..0xDC00).contains(&high) {
                                if s.get(i..i + 2)? != b"\\u" {
                                    return None;
                                }
                                let low = hex(i + 2)?;
                                if !(0xDC00..0xE000).contains(&low) {
                                    return None;
                                }
                                i += 6;
                                char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))?
                            } else {
                                char::from_u32(high)?   // a lone low surrogate: None
                            }
                        }
                        _ => return None,
                    });
                }
                0..=0x1f => return None,
                _ => {
                    let from = i;
                    while s.get(i).is_some_and(|&c| c != b'"' && c != b'\\' && c >= 0x20) {
                        i += 1;
                    }
                    out.push_str(std::str::from_utf8(&s[from..i]).ok()?);
                }
            }
        }
    }
}

enum Number {
    Int(i64),
    Float(f64),
}

impl Number {
    fn as_f64(&self) -> Option<f64> {
        Some(match *self {
            Number::Int(n) => n as f64,
            Number::Float(f) => f,
        })
    }
}
