//! The replay's state: every incident's rows in the four views, and one stored event folded
//! into all of them (as projections/views.py feeds them: open incidents, facts, the
//! duplicate index, the SLA clocks), each view skipping what it has applied already.
use crate::duplicates::{self, Candidate, IndexEvent, Window};
use crate::finished::Finished;
use crate::limits::{Limits, PyRules};
use crate::sla::{self, ClockEvent, Clocks};
use crate::stored::{Location, Number, StoredEvent, Text};
use crate::time::Time;
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
    pub finished: Option<Finished>, // views that let finished incidents go
}

fn naive(field: &str) -> String {
    format!("field {field:?} has no UTC offset (the SLA clocks would read it in the calendar's zone)")
}

impl Core {
    pub fn new(window_us: i64, limits: Limits, timeline: Timeline, finished: Option<Finished>) -> Core {
        Core { incidents: Vec::new(), candidates: Vec::new(), by_id: FxHashMap::default(),
               names: Names::new(), window: Window::new(window_us), limits, timeline, finished }
    }

    /// A report makes the rows the views do not hold (new, or let go of once finished: a
    /// view that has no row for an incident makes one from its report, as in Python).
    fn report_again(&mut self, index: usize) {
        let unassigned = self.names.id(views::UNASSIGNED);
        let incident = &mut self.incidents[index];
        incident.open.get_or_insert(OpenRow { version: 0, holder: unassigned, is_open: true,
                                              recorded_at: Box::from("") });
        incident.facts.get_or_insert_with(Box::default);
        incident.clocks.get_or_insert_with(Box::default);
    }

    /// The finished incidents due to go (views that let them go): their rows dropped, and
    /// their open-incidents rows as they ended, for the caller to save.
    pub fn release_finished(&mut self) -> Vec<(usize, OpenRow)> {
        let Some(finished) = self.finished.as_mut() else { return Vec::new() };
        let mut released = Vec::new();
        for incident_id in finished.due() {
            if let Some(&index) = self.by_id.get(&incident_id) {
                let incident = &mut self.incidents[index];
                (incident.facts, incident.clocks) = (None, None);
                if let Some(row) = incident.open.take() {
                    released.push((index, row));
                }
            }
        }
        released
    }

    pub fn index_of(&self, incident_id: &str) -> Option<usize> {
        self.by_id.get(incident_id).copied()
    }

    pub fn apply(&mut self, py: Python<'_>, id: &str, version: i64, kind: Kind, state: &[u8])
                 -> Result<(), String> {
        if kind == Kind::Reported && version != 1 {
            // Only the first event of an incident is its report; the Python views would
            // take another one each their own way (a row made at once, old places kept).
            return Err(format!("a report at version {version}, not its incident's first event"));
        }
        let noting = self.finished.is_some()
            && matches!(kind, Kind::Closed | Kind::Voided | Kind::MergedAsDuplicate);
        let index = match self.by_id.get(id) {
            Some(&index) => {
                if kind == Kind::Reported && self.finished.is_some() {
                    self.report_again(index);
                }
                Some(index)
            }
            None if kind == Kind::Reported => {
                self.incidents.push(Incident { id: id.into(), open: None, facts: None, clocks: None });
                self.candidates.push(None);
                self.by_id.insert(id.into(), self.incidents.len() - 1);
                self.report_again(self.incidents.len() - 1);
                Some(self.incidents.len() - 1)
            }
            None => None, // an incident let go of, or whose report is not here
        };
        let (open_due, facts_due, clocks_due, index_due) = match index {
            None => (false, false, false, false),
            Some(index) => {
                let incident = &self.incidents[index];
                (incident.open.as_ref().is_some_and(|row| version > row.version),
                 incident.facts.as_ref().is_some_and(|f| version > f.version),
                 incident.clocks.as_ref().is_some_and(|c| version > c.version),
                 duplicates::moves_the_index(kind) && match &self.candidates[index] {
                     Some(known) => version > known.version,
                     None => kind == Kind::Reported,
                 })
            }
        };
        if !(open_due || facts_due || clocks_due || index_due || noting) {
            return Ok(());
        }
        let e: StoredEvent = serde_json::from_slice(state)
            .map_err(|error| format!("not a stored event this replay takes: {error}"))?;
        if kind == Kind::Reported && e.at.is_some() {
            return Err("a report with a field \"at\" (its time is `reported_at`)".into());
        }
        if let (true, Some(finished)) = (noting, self.finished.as_mut()) {
            finished.note_ending(id, recorded_at(&e)?);
        }
        let Some(index) = index else { return Ok(()) };
        let names = &mut self.names;
        let incident = &mut self.incidents[index];
        if let (true, Some(row)) = (open_due, incident.open.as_mut()) {
            views::apply_open(row, kind, version, &e, names)?;
            if kind == Kind::Reported {
                row.recorded_at = Box::from(e.timestamp.data.as_ref());
            }
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
        let recorded_at = recorded_at(e)?;
        if kind == Kind::Reported {
            let reported = e.reported_at.as_ref().ok_or("no field \"reported_at\"")?;
            let candidate = Candidate {
                version,
                category: index_category(names, e)?,
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
            category = Some(index_category(names, e)?);
        }
        duplicates::apply(known, &IndexEvent { kind, version, category, address, grid })
    }
}

/// The category the duplicate index files under: text (None would fail the Python index
/// when it files the incident, so it is refused here).
fn index_category(names: &mut Names, e: &StoredEvent) -> Result<u32, String> {
    match views::text(names, &e.category, "category")? {
        0 => Err("field \"category\" is null".into()),
        id => Ok(id),
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
        Location::Missing => Ok(None),
        Location::Point { lat: Number::Missing, .. } => Ok(None),
        Location::Point { lat: Number::Is(lat), lon: Number::Is(lon) } => Ok(Some((*lat, *lon))),
        _ => Err("location is not an object with numbers for lat and lon".into()),
    }
}

/// The store's clock: an instant with its offset (the Python views compare them).
fn recorded_at(e: &StoredEvent) -> Result<Time, String> {
    let at = views::time(&e.timestamp.data, "recorded_at")?;
    if at.offset_s.is_none() {
        return Err("field \"timestamp\" has no UTC offset (the store's clock is compared \
                    across events)".into());
    }
    Ok(at)
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
