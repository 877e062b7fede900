//! grid-dispatch's replay of stored incident events into the read models, natively.
//!
//! `Replay.apply_rows` folds the rows a rebuild reads (projections/native_replay.py) into
//! plain Rust state; the Python views' objects are made from it only when asked for, one
//! incident at a time or all at once (`take_*`), and each is handed over once: from then
//! on the Python view holds it and applies the live events to it.
mod objects;
mod stored;
mod time;
mod views;

use objects::Objects;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};
use rustc_hash::FxHashMap;
use views::{Facts, Kind, Names, OpenRow};

const INCIDENT_TOPIC: &str = "dispatch.domain.incident:";

struct Incident {
    id: Box<str>,
    open: Option<OpenRow>,
    facts: Option<Box<Facts>>,
}

#[pyclass(module = "grid_dispatch_native")]
struct Replay {
    incidents: Vec<Incident>,
    by_id: FxHashMap<Box<str>, usize>,
    kinds: FxHashMap<Box<str>, Kind>,
    names: Names,
    objects: Objects,
    open_left: usize,
    facts_left: usize,
    handed_over: bool,
}

impl Replay {
    fn apply(&mut self, id: &str, version: i64, kind: Kind, state: &[u8]) -> Result<(), String> {
        let index = match self.by_id.get(id) {
            Some(&index) => index,
            None if kind == Kind::Reported => {
                self.incidents.push(Incident {
                    id: id.into(),
                    open: Some(OpenRow { version: 0, holder: self.names.id(views::UNASSIGNED), is_open: true }),
                    facts: Some(Box::default()),
                });
                self.open_left += 1;
                self.facts_left += 1;
                self.by_id.insert(id.into(), self.incidents.len() - 1);
                self.incidents.len() - 1
            }
            None => return Ok(()), // an incident whose report is not in the store: as Python
        };
        let incident = &mut self.incidents[index];
        let open_due = incident.open.as_ref().is_some_and(|row| version > row.version);
        let facts_due = incident.facts.as_ref().is_some_and(|f| version > f.version);
        if !(open_due || facts_due) {
            return Ok(());
        }
        let event: stored::StoredEvent = serde_json::from_slice(state)
            .map_err(|error| format!("not a stored event this replay takes: {error}"))?;
        if let (true, Some(row)) = (open_due, incident.open.as_mut()) {
            views::apply_open(row, kind, version, &event, &mut self.names)?;
        }
        if let (true, Some(facts)) = (facts_due, incident.facts.as_mut()) {
            facts.version = version;
            views::apply_facts(facts, kind, &event, &mut self.names)?;
        }
        Ok(())
    }

    fn kind(&mut self, topic: &str) -> Kind {
        if let Some(&kind) = self.kinds.get(topic) {
            return kind;
        }
        let kind = Kind::of(&topic[topic.rfind('.').map_or(0, |dot| dot + 1)..]);
        self.kinds.insert(topic.into(), kind);
        kind
    }
}

#[pymethods]
impl Replay {
    /// `row_type`: IncidentRow; `facts_type`: IncidentFacts (their fields in order).
    #[new]
    fn new(row_type: PyObject, facts_type: PyObject) -> Self {
        Replay {
            incidents: Vec::new(),
            by_id: FxHashMap::default(),
            kinds: FxHashMap::default(),
            names: Names::new(),
            objects: Objects::new(row_type, facts_type),
            open_left: 0,
            facts_left: 0,
            handed_over: false,
        }
    }

    /// Fold rows as the rebuild reads them: (notification id, incident id, version, topic,
    /// state). Raises ValueError naming the row it cannot take; the rows before it are in.
    fn apply_rows(&mut self, rows: &Bound<'_, PyList>) -> PyResult<usize> {
        if self.handed_over {
            // Events of an incident handed over would be lost to its Python object.
            return Err(PyValueError::new_err("rows applied after the views were handed over"));
        }
        let mut applied = 0;
        for row in rows.iter() {
            let row = row.downcast::<PyTuple>()?;
            let topic = row.get_item(3)?;
            let topic = topic.downcast::<PyString>()?.to_str()?;
            if !topic.starts_with(INCIDENT_TOPIC) {
                continue;
            }
            let id = row.get_item(1)?;
            let id = id.downcast::<PyString>()?.to_str()?;
            let version: i64 = row.get_item(2)?.extract()?;
            let state = row.get_item(4)?;
            let state = state.downcast::<PyBytes>()?.as_bytes();
            let kind = self.kind(topic);
            self.apply(id, version, kind, state).map_err(|reason| {
                PyValueError::new_err(format!("incident {id} version {version} ({topic}): {reason}"))
            })?;
            applied += 1;
        }
        Ok(applied)
    }

    /// The incident's open-incidents row, handed over (None if none or handed already).
    fn take_open(&mut self, py: Python<'_>, incident_id: &str) -> PyResult<Option<PyObject>> {
        self.handed_over = true;
        let Some(&index) = self.by_id.get(incident_id) else { return Ok(None) };
        let Some(row) = self.incidents[index].open.take() else { return Ok(None) };
        self.open_left -= 1;
        self.objects.open_row(py, &row, &self.names).map(Some)
    }

    fn take_facts(&mut self, py: Python<'_>, incident_id: &str) -> PyResult<Option<PyObject>> {
        self.handed_over = true;
        let Some(&index) = self.by_id.get(incident_id) else { return Ok(None) };
        let Some(facts) = self.incidents[index].facts.take() else { return Ok(None) };
        self.facts_left -= 1;
        self.objects.facts(py, incident_id, &facts, &self.names).map(Some)
    }

    /// Every row not handed over yet, as (incident id, row), in the order of the reports.
    fn take_all_open(&mut self, py: Python<'_>) -> PyResult<Vec<(PyObject, PyObject)>> {
        self.handed_over = true;
        let mut taken = Vec::with_capacity(self.open_left);
        for incident in &mut self.incidents {
            if let Some(row) = incident.open.take() {
                let id = PyString::new(py, &incident.id).into_any().unbind();
                taken.push((id, self.objects.open_row(py, &row, &self.names)?));
            }
        }
        self.open_left = 0;
        Ok(taken)
    }

    fn take_all_facts(&mut self, py: Python<'_>) -> PyResult<Vec<(PyObject, PyObject)>> {
        self.handed_over = true;
        let mut taken = Vec::with_capacity(self.facts_left);
        for incident in &mut self.incidents {
            if let Some(facts) = incident.facts.take() {
                let id = PyString::new(py, &incident.id).into_any().unbind();
                taken.push((id, self.objects.facts(py, &incident.id, &facts, &self.names)?));
            }
        }
        self.facts_left = 0;
        Ok(taken)
    }

    /// How many rows, and how many facts, are still to be handed over.
    fn left(&self) -> (usize, usize) {
        (self.open_left, self.facts_left)
    }
}

#[pymodule]
fn grid_dispatch_native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<Replay>()?;
    Ok(())
}
