//! The Python views' own objects, made from the native state: IncidentRow and
//! IncidentFacts (their dataclasses, called with their fields in order), datetimes with the
//! offsets they were written with, and one Python string per name.
use crate::duplicates::Candidate;
use crate::limits::Limits;
use crate::sla::{Clocks, STAGES};
use crate::time::Time;
use crate::views::{Facts, Names, OpenRow};
use pyo3::prelude::*;
use pyo3::types::{PyDateTime, PyList, PyString, PyTuple, PyTzInfo};
use rustc_hash::FxHashMap;

/// The Python classes the views hold, and the calendar a timed clock holds.
pub struct Types {
    pub row: PyObject,
    pub facts: PyObject,
    pub clocks: PyObject,
    pub stage: PyObject,
    pub candidate: PyObject,
    pub calendar: PyObject,
}

pub struct Objects {
    types: Types,
    strings: Vec<Option<PyObject>>,
    zones: FxHashMap<i32, PyObject>,
    // The instants made for the incident in hand: one event's time is every clock's it
    // moved, and one object for it is what the Python views hold too (less memory).
    recent: Vec<(Time, PyObject)>,
    fixed: FxHashMap<&'static str, PyObject>, // stage and event type names, one object each
}

impl Objects {
    pub fn new(types: Types) -> Self {
        Objects { types, strings: Vec::new(), zones: FxHashMap::default(), recent: Vec::new(),
                  fixed: FxHashMap::default() }
    }

    fn name(&mut self, py: Python<'_>, id: u32, names: &Names) -> PyObject {
        if id == 0 {
            return py.None();
        }
        let index = id as usize;
        if self.strings.len() <= index {
            self.strings.resize_with(names.texts.len().max(index + 1), || None);
        }
        self.strings[index]
            .get_or_insert_with(|| PyString::new(py, &names.texts[index]).into_any().unbind())
            .clone_ref(py)
    }

    fn fixed_text(&mut self, py: Python<'_>, text: &'static str) -> PyObject {
        self.fixed.entry(text)
            .or_insert_with(|| PyString::intern(py, text).into_any().unbind())
            .clone_ref(py)
    }

    /// `datetime.timezone(timedelta(seconds=offset))`, as `fromisoformat` gives (UTC: the
    /// module's own `timezone.utc`).
    fn zone(&mut self, py: Python<'_>, offset_s: i32) -> PyResult<PyObject> {
        if let Some(zone) = self.zones.get(&offset_s) {
            return Ok(zone.clone_ref(py));
        }
        let datetime = py.import("datetime")?;
        let zone = if offset_s == 0 {
            datetime.getattr("timezone")?.getattr("utc")?
        } else {
            let delta = datetime.getattr("timedelta")?.call1((0, offset_s))?;
            datetime.getattr("timezone")?.call1((delta,))?
        };
        self.zones.insert(offset_s, zone.clone().unbind());
        Ok(zone.unbind())
    }

    fn time(&mut self, py: Python<'_>, t: &Time) -> PyResult<PyObject> {
        if let Some((_, made)) = self.recent.iter().find(|(seen, _)| seen == t) {
            return Ok(made.clone_ref(py));
        }
        let made = self.new_time(py, t)?;
        self.recent.push((*t, made.clone_ref(py)));
        Ok(made)
    }

    fn new_time(&mut self, py: Python<'_>, t: &Time) -> PyResult<PyObject> {
        let c = t.civil();
        let zone = match t.offset_s {
            Some(offset) => Some(self.zone(py, offset)?),
            None => None,
        };
        let zone = zone.as_ref().map(|z| z.bind(py).downcast::<PyTzInfo>()).transpose()?;
        Ok(PyDateTime::new(py, c.year, c.month, c.day, c.hour, c.minute, c.second, c.microsecond,
                           zone)?.into_any().unbind())
    }

    pub fn maybe_time(&mut self, py: Python<'_>, t: &Option<Time>) -> PyResult<PyObject> {
        match t {
            Some(t) => self.time(py, t),
            None => Ok(py.None()),
        }
    }

    fn pairs(&mut self, py: Python<'_>, pairs: &[(u32, Time)], names: &Names) -> PyResult<PyObject> {
        let mut items = Vec::with_capacity(pairs.len());
        for (name, at) in pairs {
            let pair = (self.name(py, *name, names), self.time(py, at)?);
            items.push(PyTuple::new(py, [pair.0, pair.1])?.into_any());
        }
        Ok(PyList::new(py, items)?.into_any().unbind())
    }

    pub fn open_row(&mut self, py: Python<'_>, row: &OpenRow, names: &Names) -> PyResult<PyObject> {
        let holder = self.name(py, row.holder, names);
        let recorded_at = PyString::new(py, &row.recorded_at);
        self.types.row.call1(py, (row.version, holder, row.is_open, recorded_at))
    }

    pub fn facts(&mut self, py: Python<'_>, incident_id: &str, f: &Facts, names: &Names) -> PyResult<PyObject> {
        self.recent.clear();
        let workers: Vec<PyObject> = f.grid_workers.iter().map(|w| self.name(py, *w, names)).collect();
        let mut extensions = Vec::with_capacity(f.extensions_granted.len());
        for at in &f.extensions_granted {
            extensions.push(self.time(py, at)?);
        }
        let mut verifications = Vec::with_capacity(f.verifications.len());
        for (at, passed) in &f.verifications {
            let at = self.time(py, at)?;
            verifications.push(PyTuple::new(py, [at, passed.into_pyobject(py)?.to_owned().into_any().unbind()])?);
        }
        let rated = match &f.rated {
            None => py.None(),
            Some((rating, resolved, at)) => {
                let rating = self.name(py, *rating, names);
                let resolved = match resolved {
                    Some(b) => b.into_pyobject(py)?.to_owned().into_any().unbind(),
                    None => py.None(),
                };
                PyTuple::new(py, [rating, resolved, self.time(py, at)?])?.into_any().unbind()
            }
        };
        let fields: Vec<PyObject> = vec![
            PyString::new(py, incident_id).into_any().unbind(),
            f.version.into_pyobject(py)?.into_any().unbind(),
            self.maybe_time(py, &f.reported_at)?,
            self.name(py, f.category, names),
            self.name(py, f.priority, names),
            self.name(py, f.grid, names),
            self.name(py, f.street, names),
            self.name(py, f.district, names),
            PyTuple::new(py, workers)?.into_any().unbind(),
            self.name(py, f.first_department, names),
            self.name(py, f.department, names),
            self.pairs(py, &f.dispatches, names)?,
            self.maybe_time(py, &f.first_dispatched_at)?,
            self.pairs(py, &f.returns, names)?,
            self.pairs(py, &f.unjustified_returns, names)?,
            f.reassigned.into_pyobject(py)?.into_any().unbind(),
            PyList::new(py, extensions)?.into_any().unbind(),
            f.suspended.into_pyobject(py)?.to_owned().into_any().unbind(),
            PyList::new(py, verifications)?.into_any().unbind(),
            self.maybe_time(py, &f.closed_at)?,
            rated,
            f.voided.into_pyobject(py)?.to_owned().into_any().unbind(),
            f.merged.into_pyobject(py)?.to_owned().into_any().unbind(),
        ];
        self.types.facts.call1(py, PyTuple::new(py, fields)?)
    }

    /// IncidentClocks(version, priority, sla_class, suspended_since, clocks, limits), each
    /// StageClock with its fields in order (the kept answers left to be worked out).
    pub fn clocks(&mut self, py: Python<'_>, c: &Clocks, names: &Names, limits: &Limits) -> PyResult<PyObject> {
        self.recent.clear();
        let mut clocks = Vec::with_capacity(c.clocks.len());
        for clock in &c.clocks {
            let fixed = clock.limit.map(|id| &limits.entries[id as usize].stages[clock.stage as usize]);
            let none = || py.None();
            let fields: Vec<PyObject> = vec![
                self.fixed_text(py, STAGES[clock.stage as usize]),
                self.name(py, clock.department, names),
                self.time(py, &clock.started_at)?,
                fixed.map_or_else(none, |f| f.sla_class.clone_ref(py)),
                fixed.map_or_else(none, |f| f.limit_object.clone_ref(py)),
                fixed.map_or_else(none, |f| f.measure.clone_ref(py)),
                self.maybe_time(py, &clock.paused_since)?,
                self.maybe_time(py, &clock.ended_at)?,
                clock.ended_by.map_or_else(none, |k| self.fixed_text(py, k.name())),
                clock.limit_us.into_pyobject(py)?.into_any().unbind(),
                clock.extension_us.into_pyobject(py)?.into_any().unbind(),
                clock.paused_us.into_pyobject(py)?.into_any().unbind(),
                fixed.map_or_else(none, |_| self.types.calendar.clone_ref(py)),
            ];
            clocks.push(self.types.stage.call1(py, PyTuple::new(py, fields)?)?);
        }
        let fields: Vec<PyObject> = vec![
            c.version.into_pyobject(py)?.into_any().unbind(),
            self.name(py, c.priority, names),
            self.name(py, c.sla_class, names),
            self.maybe_time(py, &c.suspended_since)?,
            PyList::new(py, clocks)?.into_any().unbind(),
            c.limits.map_or_else(|| py.None(), |id| limits.entries[id as usize].limits.clone_ref(py)),
        ];
        self.types.clocks.call1(py, PyTuple::new(py, fields)?)
    }

    /// Candidate(version, category, reported_at, point, address, grid, is_open, recorded_at).
    pub fn candidate(&mut self, py: Python<'_>, c: &Candidate, names: &Names) -> PyResult<PyObject> {
        self.recent.clear();
        let point = match c.point {
            Some((lat, lon)) => PyTuple::new(py, [lat, lon])?.into_any().unbind(),
            None => py.None(),
        };
        let fields: Vec<PyObject> = vec![
            c.version.into_pyobject(py)?.into_any().unbind(),
            self.name(py, c.category, names),
            self.time(py, &c.reported_at)?,
            point,
            self.name(py, c.address, names),
            self.name(py, c.grid, names),
            c.is_open.into_pyobject(py)?.to_owned().into_any().unbind(),
            self.time(py, &c.recorded_at)?,
        ];
        self.types.candidate.call1(py, PyTuple::new(py, fields)?)
    }
}
