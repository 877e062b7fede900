//! The replay's state: every incident's rows in the four views, and one stored event folded
//! into all of them (as projections/views.py feeds them: open incidents, facts, the
//! duplicate index, the SLA clocks), each view skipping what it has applied already.
use crate::duplicates::{self, Candidate, IndexEvent, Window};
use crate::limits::{Limits, PyRules};
use crate::sla::{self, ClockEvent, Clocks};
use crate::stored::{Number, StoredEvent, Text};
use crate::timeline::Timeline;
use crate::views::{self, Facts, Kind, Names, OpenRow};
use pyo3::prelude::*;
use rustc_hash::FxHashMap;

pub struct Incident {
    pub id: Box<str>,
    pub open: Option<OpenRow>,
    pub facts: Option<Box<Facts>>,
    pub clocks: Option<Box<Clocks>>,
}

pub struct Core {
    pub incidents: Vec<Incident>,
    pub candidates: Vec<Option<Candidate>>, // by incident, while the index keeps it
    by_id: FxHashMap<Box<str>, usize>,
    pub names: Names,
    pub window: Window,
    pub limits: Limits,
    pub timeline: Timeline,
}

fn naive(field: &str) -> String {
    format!("field {field:?} has no UTC offset (the SLA clocks would read it in the calendar's zone)")
}

impl Core {
    pub fn new(window_us: i64, limits: Limits, timeline: Timeline) -> Core {
        Core { incidents: Vec::new(), candidates: Vec::new(), by_id: FxHashMap::default(),
               names: Names::new(), window: Window::new(window_us), limits, timeline }
    }

    pub fn index_of(&self, incident_id: &str) -> Option<usize> {
        self.by_id.get(incident_id).copied()
    }

    pub fn apply(&mut self, py: Python<'_>, id: &str, version: i64, kind: Kind, state: &[u8])
                 -> Result<(), String> {
        let index = match self.by_id.get(id) {
            Some(&index) => index,
            None if kind == Kind::Reported => {
                self.incidents.push(Incident {
                    id: id.into(),
                    open: Some(OpenRow { version: 0, holder: self.names.id(views::UNASSIGNED), is_open: true }),
                    facts: Some(Box::default()),
                    clocks: Some(Box::default()),
                });
                self.candidates.push(None);
                self.by_id.insert(id.into(), self.incidents.len() - 1);
                self.incidents.len() - 1
            }
            None => return Ok(()), // an incident let go of, or whose report is not here
        };
        let incident = &self.incidents[index];
        let open_due = incident.open.as_ref().is_some_and(|row| version > row.version);
        let facts_due = incident.facts.as_ref().is_some_and(|f| version > f.version);
        let clocks_due = incident.clocks.as_ref().is_some_and(|c| version > c.version);
        let index_due = duplicates::moves_the_index(kind) && match &self.candidates[index] {
            Some(known) => version > known.version,
            None => kind == Kind::Reported,
        };
        if !(open_due || facts_due || clocks_due || index_due) {
            return Ok(());
        }
        let e: StoredEvent = serde_json::from_slice(state)
            .map_err(|error| format!("not a stored event this replay takes: {error}"))?;
        let names = &mut self.names;
        let incident = &mut self.incidents[index];
        if let (true, Some(row)) = (open_due, incident.open.as_mut()) {
            views::apply_open(row, kind, version, &e, names)?;
        }
        if let (true, Some(facts)) = (facts_due, incident.facts.as_mut()) {
            facts.version = version;
            views::apply_facts(facts, kind, &e, names)?;
        }
        if index_due {
            self.index(index, kind, version, &e)?;
        }
        if let (true, Some(clocks)) = (clocks_due, self.incidents[index].clocks.as_mut()) {
            if sla::moves(kind).is_some() {
                let event = clock_event(kind, &e, &mut self.names)?;
                let mut rules = PyRules { py, limits: &mut self.limits, timeline: &self.timeline, names: &self.names };
                sla::apply(clocks, &event, &mut rules)?;
            }
            clocks.version = version;
        }
        Ok(())
    }

    fn index(&mut self, index: usize, kind: Kind, version: i64, e: &StoredEvent) -> Result<(), String> {
        let names = &mut self.names;
        let recorded_at = views::time(&e.timestamp.data, "recorded_at")?;
        if kind == Kind::Reported {
            let reported = e.reported_at.as_ref().ok_or("no field \"reported_at\"")?;
            let candidate = Candidate {
                version,
                category: views::text(names, &e.category, "category")?,
                reported_at: views::time(&reported.data, "reported_at")?,
                point: point(e)?,
                address: 0,
                grid: 0,
                is_open: true,
                recorded_at,
                filed: false,
            };
            self.window.add(index, candidate, &mut self.candidates);
            return Ok(());
        }
        let Some(known) = self.candidates[index].as_mut() else { return Ok(()) };
        let (mut address, mut grid, mut category) = (0, 0, None);
        if kind == Kind::Located {
            let place = e.place.as_ref().ok_or("no field \"place\"")?;
            address = optional(names, &place.address, "place.address")?;
            grid = optional(names, &place.grid, "place.grid")?;
        } else if kind == Kind::Reclassified {
            category = Some(views::text(names, &e.category, "category")?);
        }
        duplicates::apply(known, &IndexEvent { kind, version, category, address, grid })
    }
}

/// `place.get(field)`: absent or null is None.
fn optional(names: &mut Names, value: &Text, field: &str) -> Result<u32, String> {
    match value {
        Text::Missing => Ok(0),
        _ => views::text(names, value, field),
    }
}

/// The reported point, (lat, lon), if the location has a latitude.
fn point(e: &StoredEvent) -> Result<Option<(f64, f64)>, String> {
    match &e.location {
        None => Ok(None),
        Some(location) => match (location.lat, location.lon) {
            (Number::Missing, _) => Ok(None),
            (Number::Is(lat), Number::Is(lon)) => Ok(Some((lat, lon))),
            _ => Err("location.lat or location.lon is not a number taken here".into()),
        },
    }
}

fn clock_event(kind: Kind, e: &StoredEvent, names: &mut Names) -> Result<ClockEvent, String> {
    let (text, field) = match (kind, &e.reported_at) {
        (Kind::Reported, Some(reported)) => (reported.data.as_ref(), "reported_at"),
        (Kind::Reported, None) => return Err("no field \"reported_at\"".into()),
        _ => (e.occurred_at(), "occurred_at"),
    };
    let at = views::time(text, field)?;
    if at.offset_s.is_none() {
        return Err(naive(field));
    }
    let present = |names: &mut Names, value: &Text, field: &str| match value {
        Text::Missing => Ok(None),
        _ => views::text(names, value, field).map(Some),
    };
    Ok(ClockEvent {
        kind,
        at,
        sla_class: present(names, &e.sla_class, "sla_class")?,
        priority: optional(names, &e.priority, "priority")?,
        department: present(names, &e.department, "department")?,
        hours: match e.hours { Number::Is(hours) => Some(hours), _ => None },
    })
}
