//! grid-dispatch's replay of stored incident events into the read models, natively.
//!
//! `Replay.apply_rows` folds the rows a rebuild reads (projections/native_replay.py) into
//! plain Rust state; the Python views' objects are made from it only when asked for, one
//! incident at a time or all at once (`take_*`), and each is handed over once: from then
//! on the Python view holds it and applies the live events to it.
//!
//! `ReportReader.read` reads a plain report from `incidents.reported` for the route step
//! (report.rs; anything else is left to the contract's validation).
//!
//! `PlaceTable` files the duplicate index's open incidents by place and finds the earliest
//! one a report repeats (places.rs).
//!
//! `partition_for` places the relay's keys as Kafka's default partitioner does
//! (partition.rs), and `published_records` writes its records' JSON (published.rs).
mod duplicates;
mod finished;
mod limits;
mod objects;
mod partition;
mod places;
mod published;
mod replay;
mod report;
mod sla;
mod stored;
mod time;
mod timeline;
mod views;

use objects::{Objects, Types};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};
use replay::Core;
use rustc_hash::FxHashMap;
use views::Kind;

const INCIDENT_TOPIC: &str = "dispatch.domain.incident:";

#[pyclass(module = "grid_dispatch_native")]
struct Replay {
    core: Core,
    kinds: FxHashMap<Box<str>, Kind>,
    objects: Objects,
    handed_over: bool,
}

/// Which of an incident's rows a `take` hands over.
#[derive(Clone, Copy)]
enum View {
    Open,
    Facts,
    Clocks,
}

impl Replay {
    fn kind(&mut self, topic: &str) -> Kind {
        if let Some(&kind) = self.kinds.get(topic) {
            return kind;
        }
        let kind = Kind::of(&topic[topic.rfind('.').map_or(0, |dot| dot + 1)..]);
        self.kinds.insert(topic.into(), kind);
        kind
    }

    fn take(&mut self, py: Python<'_>, view: View, index: usize) -> PyResult<Option<PyObject>> {
        self.handed_over = true;
        let core = &mut self.core;
        let incident = &mut core.incidents[index];
        let (objects, names, id) = (&mut self.objects, &core.names, &*incident.id);
        match view {
            View::Open => incident.open.take().map(|row| objects.open_row(py, &row, names)),
            View::Facts => incident.facts.take().map(|f| objects.facts(py, id, &f, names)),
            View::Clocks => incident.clocks.take()
                .map(|c| objects.clocks(py, &c, names, &core.limits)),
        }.transpose()
    }

    fn take_all(&mut self, py: Python<'_>, view: View) -> PyResult<Vec<(PyObject, PyObject)>> {
        let mut taken = Vec::new();
        for index in 0..self.core.incidents.len() {
            if let Some(object) = self.take(py, view, index)? {
                let id = PyString::new(py, &self.core.incidents[index].id).into_any().unbind();
                taken.push((id, object));
            }
        }
        Ok(taken)
    }

    fn take_one(&mut self, py: Python<'_>, view: View, incident_id: &str) -> PyResult<Option<PyObject>> {
        match self.core.index_of(incident_id) {
            Some(index) => self.take(py, view, index),
            None => Ok(None),
        }
    }
}

#[pymethods]
impl Replay {
    /// `types`: the views' classes (IncidentRow, IncidentFacts, IncidentClocks, StageClock,
    /// Candidate) and the calendar the clocks hold; `limits_for(sla_class, priority)` and
    /// `extension_us(hours)` as the SLA clocks' rules; `timeline`: the calendar's working
    /// time (first day since 1970, workday flags, working time before and by the end of each
    /// day, periods, total, the zone's fixed offset in seconds); `window_us`: how long the
    /// duplicate index keeps an incident after it was recorded; `keep_finished_us`: how
    /// long views that let finished incidents go keep them (None: they keep every one).
    #[new]
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (types, limits_for, extension_us, timeline, window_us, keep_finished_us=None))]
    fn new(types: (PyObject, PyObject, PyObject, PyObject, PyObject, PyObject),
           limits_for: PyObject, extension_us: PyObject,
           timeline: (i64, Vec<bool>, Vec<i64>, Vec<i64>, Vec<(i64, i64)>, i64, i64),
           window_us: i64, keep_finished_us: Option<i64>) -> Self {
        let (first_day, workday, cum_start, cum_end, periods, total, zone_s) = timeline;
        let timeline = timeline::Timeline::new(first_day, workday, cum_start, cum_end, periods, total, zone_s);
        let limits = limits::Limits::new(limits_for, extension_us);
        let (row, facts, clocks, stage, candidate, calendar) = types;
        Replay {
            core: Core::new(window_us, limits, timeline, keep_finished_us.map(finished::Finished::new)),
            kinds: FxHashMap::default(),
            objects: Objects::new(Types { row, facts, clocks, stage, candidate, calendar }),
            handed_over: false,
        }
    }

    /// Fold rows as the rebuild reads them: (notification id, incident id, version, topic,
    /// state). Raises ValueError naming the row it cannot take; the rows before it are in.
    fn apply_rows(&mut self, py: Python<'_>, rows: &Bound<'_, PyList>) -> PyResult<usize> {
        if self.handed_over {
            // Events of an incident handed over would be lost to its Python object.
            return Err(PyValueError::new_err("rows applied after the views were handed over"));
        }
        let mut applied = 0;
        let mut last: Option<Bound<'_, PyAny>> = None; // the batch's last incident event
        for row in rows.iter() {
            let row = row.downcast::<PyTuple>()?;
            let topic = row.get_borrowed_item(3)?;
            let topic = topic.downcast::<PyString>()?.to_str()?;
            if !topic.starts_with(INCIDENT_TOPIC) {
                continue;
            }
            let id = row.get_borrowed_item(1)?;
            let id = id.downcast::<PyString>()?.to_str()?;
            let version: i64 = row.get_borrowed_item(2)?.extract()?;
            let state = row.get_borrowed_item(4)?;
            let state = state.downcast::<PyBytes>()?.as_bytes();
            if escapes_a_lone_surrogate_half(state) {
                // serde_json skips the fields the views do not read without judging their
                // escapes; orjson, and so the relay, refuses the row (dead-lettered): the
                // replay in Python leaves it out as the relay did.
                return Err(PyValueError::new_err(format!(
                    "incident {id} version {version} ({topic}): a \\u escape of a surrogate")));
            }
            let kind = self.kind(topic);
            self.core.apply(py, id, version, kind, state).map_err(|reason| {
                PyValueError::new_err(format!("incident {id} version {version} ({topic}): {reason}"))
            })?;
            applied += 1;
            last = Some(row.get_item(4)?);
        }
        if let (Some(finished), Some(state)) = (self.core.finished.as_mut(), last) {
            // The store's clock, as the Python views take it from each batch's last event.
            let stamp: stored::Stamp = serde_json::from_slice(state.downcast::<PyBytes>()?.as_bytes())
                .map_err(|error| PyValueError::new_err(format!("a batch's last event: {error}")))?;
            let at = views::time(&stamp.timestamp.data, "recorded_at").map_err(PyValueError::new_err)?;
            finished.saw(at);
        }
        Ok(applied)
    }

    /// Views that let finished incidents go: those due now are dropped, and their
    /// open-incidents rows handed over as (incident id, IncidentRow), for saving.
    fn release_finished(&mut self, py: Python<'_>) -> PyResult<Vec<(PyObject, PyObject)>> {
        let mut released = Vec::new();
        for (index, row) in self.core.release_finished() {
            let id = PyString::new(py, &self.core.incidents[index].id).into_any().unbind();
            released.push((id, self.objects.open_row(py, &row, &self.core.names)?));
        }
        Ok(released)
    }

    /// What views that let finished incidents go still hold of the endings, once:
    /// [(ended at, incident id)] in the order they ended, and the latest recording time.
    fn take_finished(&mut self, py: Python<'_>) -> PyResult<(Vec<(PyObject, PyObject)>, PyObject)> {
        self.handed_over = true;
        let Some(finished) = self.core.finished.as_mut() else { return Ok((Vec::new(), py.None())) };
        let mut ended = Vec::with_capacity(finished.ended.len());
        for (at, incident_id) in std::mem::take(&mut finished.ended) {
            ended.push((self.objects.maybe_time(py, &Some(at))?,
                        PyString::new(py, &incident_id).into_any().unbind()));
        }
        let newest = self.objects.maybe_time(py, &finished.newest)?;
        Ok((ended, newest))
    }

    /// The incident's open-incidents row, handed over (None if none or handed already).
    fn take_open(&mut self, py: Python<'_>, incident_id: &str) -> PyResult<Option<PyObject>> {
        self.take_one(py, View::Open, incident_id)
    }

    fn take_facts(&mut self, py: Python<'_>, incident_id: &str) -> PyResult<Option<PyObject>> {
        self.take_one(py, View::Facts, incident_id)
    }

    fn take_clocks(&mut self, py: Python<'_>, incident_id: &str) -> PyResult<Option<PyObject>> {
        self.take_one(py, View::Clocks, incident_id)
    }

    /// Every row not handed over yet, as (incident id, row), in the order of the reports.
    fn take_all_open(&mut self, py: Python<'_>) -> PyResult<Vec<(PyObject, PyObject)>> {
        self.take_all(py, View::Open)
    }

    fn take_all_facts(&mut self, py: Python<'_>) -> PyResult<Vec<(PyObject, PyObject)>> {
        self.take_all(py, View::Facts)
    }

    fn take_all_clocks(&mut self, py: Python<'_>) -> PyResult<Vec<(PyObject, PyObject)>> {
        self.take_all(py, View::Clocks)
    }

    /// The duplicate index's kept incidents, once: (incident id, Candidate, filed under its
    /// place) in the order they were added, and the newest recording time.
    fn take_duplicates(&mut self, py: Python<'_>) -> PyResult<(Vec<(PyObject, PyObject, bool)>, PyObject)> {
        self.handed_over = true;
        let core = &mut self.core;
        let mut kept = Vec::new();
        for index in 0..core.incidents.len() {
            if let Some(candidate) = core.candidates[index].take() {
                let id = PyString::new(py, &core.incidents[index].id).into_any().unbind();
                let filed = candidate.filed;
                kept.push((id, self.objects.candidate(py, &candidate, &core.names)?, filed));
            }
        }
        let newest = self.objects.maybe_time(py, &core.window.newest)?;
        Ok((kept, newest))
    }

    /// Every incident id, in the order of the reports (the views' changed sets).
    fn incident_ids(&self, py: Python<'_>) -> Vec<PyObject> {
        self.core.incidents.iter().map(|i| PyString::new(py, &i.id).into_any().unbind()).collect()
    }
}

#[pymodule]
fn grid_dispatch_native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<Replay>()?;
    module.add_class::<report::ReportReader>()?;
    module.add_class::<places::PlaceTable>()?;
    module.add_function(wrap_pyfunction!(places::utc_us_of, module)?)?;
    module.add_function(wrap_pyfunction!(partition::partition_for, module)?)?;
    module.add_function(wrap_pyfunction!(published::published_records, module)?)?;
    Ok(())
}


/// Whether the JSON text holds a `\u` escape of a lone surrogate half (`\uD800`-`\uDFFF`
/// not in a high-low pair). The store's writer (orjson) escapes only control characters,
/// so its rows never do; a row written by hand may. (An escaped backslash before "ud8.."
/// also answers yes: that row only takes the slower replay.)
fn escapes_a_lone_surrogate_half(state: &[u8]) -> bool {
    let half = |at: usize| -> Option<bool> {   // Some(high?) for a surrogate escape at `at`
        (state.len() > at + 5 && state[at + 1] == b'u' && state[at + 2] | 0x20 == b'd')
            .then(|| state[at + 3] | 0x20)
            .and_then(|digit| match digit {
                b'8'..=b'9' | b'a'..=b'b' => Some(true),
                b'c'..=b'f' => Some(false),
                _ => None,
            })
    };
    let mut paired_low = usize::MAX;   // where the low half of the last pair begins
    memchr::memchr_iter(b'\\', state).any(|at| match half(at) {
        Some(true) if state.get(at + 6) == Some(&b'\\') && half(at + 6) == Some(false) => {
            paired_low = at + 6;
            false
        }
        Some(false) => at != paired_low,
        Some(true) => true,
        None => false,
    })
}

#[cfg(test)]
mod tests {
    use super::escapes_a_lone_surrogate_half as lone;

    #[test]
    fn only_lone_surrogate_halves_are_found() {
        assert!(!lone(br#"{"d":"plain \n \u001f \u00e9 \\ end"}"#));
        assert!(!lone(br#"{"d":"\ud83d\ude00 a pair","e":"\uD83D\uDE00"}"#));
        assert!(lone(br#"{"d":"\ud800"}"#));
        assert!(lone(br#"{"d":"\ude00 low alone"}"#));
        assert!(lone(br#"{"d":"\ud83d\u0041 high then not low"}"#));
        assert!(lone(br#"{"d":"\ud83d"#));
    }
}
