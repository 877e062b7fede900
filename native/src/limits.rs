//! The SLA limits of each (class, priority), as the Python rules work them out
//! (projections/sla_incident_clocks.py: `Rules.limits`), asked once per pair and kept with
//! the Python objects the clocks are handed over with.
use crate::sla::{LimitsId, Rules, StageLimit, STAGES};
use crate::timeline::Timeline;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rustc_hash::FxHashMap;

pub struct StageObjects {
    pub sla_class: PyObject, // the class whose limit applies (resolved)
    pub limit_object: PyObject, // the Limit, as configured
    pub measure: PyObject,   // "working" or "calendar"
    pub limit: StageLimit,
}

pub struct Entry {
    pub limits: PyObject, // the dict the Python rules gave, for the handed-over rows
    pub stages: Vec<StageObjects>,
}

pub struct Limits {
    limits_for: PyObject,   // (sla_class, priority) -> {stage: (class, Limit, measure, us)}
    extension_us: PyObject, // hours -> microseconds, as timedelta(hours=...) // 1 µs
    by_pair: FxHashMap<(u32, u32), LimitsId>,
    pub entries: Vec<Entry>,
}

impl Limits {
    pub fn new(limits_for: PyObject, extension_us: PyObject) -> Limits {
        Limits { limits_for, extension_us, by_pair: FxHashMap::default(), entries: Vec::new() }
    }
}

pub struct PyRules<'a, 'py> {
    pub py: Python<'py>,
    pub limits: &'a mut Limits,
    pub timeline: &'a Timeline,
    pub names: &'a crate::views::Names,
}

fn failed(error: PyErr) -> String {
    format!("the SLA rules raised {error}")
}

impl Rules for PyRules<'_, '_> {
    fn limits(&mut self, sla_class: u32, priority: u32) -> Result<LimitsId, String> {
        if let Some(&id) = self.limits.by_pair.get(&(sla_class, priority)) {
            return Ok(id);
        }
        let py = self.py;
        let text = |id: u32| -> Option<&str> { (id != 0).then(|| &*self.names.texts[id as usize]) };
        let limits = self.limits.limits_for
            .call1(py, (text(sla_class), text(priority))).map_err(failed)?;
        let dict = limits.bind(py).downcast::<PyDict>().map_err(|e| failed(e.into()))?;
        let mut stages = Vec::with_capacity(STAGES.len());
        for stage in STAGES {
            let item = dict.get_item(stage).map_err(failed)?
                .ok_or_else(|| format!("the SLA rules gave no limit for {stage}"))?;
            let (sla_class, limit, measure, us): (PyObject, PyObject, String, i64) =
                item.extract().map_err(failed)?;
            let working = measure == "working";
            stages.push(StageObjects { sla_class, limit_object: limit, measure: measure.into_pyobject(py)
                .map_err(|e| failed(e.into()))?.into_any().unbind(), limit: StageLimit { working, us } });
        }
        let id = self.limits.entries.len() as LimitsId;
        self.limits.entries.push(Entry { limits, stages });
        self.limits.by_pair.insert((sla_class, priority), id);
        Ok(id)
    }

    fn limit(&self, id: LimitsId, stage: u8) -> StageLimit {
        self.limits.entries[id as usize].stages[stage as usize].limit
    }

    fn extension_us(&mut self, hours: f64) -> Result<i64, String> {
        self.limits.extension_us.call1(self.py, (hours,)).and_then(|us| us.extract(self.py)).map_err(failed)
    }

    fn timeline(&self) -> &Timeline {
        self.timeline
    }
}
