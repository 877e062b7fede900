//! The open-incidents rows and the incident facts, folded from stored events exactly as
//! projections/open_incidents.py and projections/incident_facts.py fold published ones.
//! Text is kept as indexes into one table of names (0: None).
use crate::stored::{Flag, GridWorkers, StoredEvent, Text};
use crate::time::Time;
use rustc_hash::FxHashMap;

pub const UNASSIGNED: &str = "(not yet dispatched)";
pub const AWAITING_ROUTING: &str = "(awaiting a new decision)";

#[derive(Default)]
pub struct Names {
    pub texts: Vec<Box<str>>,
    index: FxHashMap<Box<str>, u32>,
}

impl Names {
    pub fn new() -> Self {
        let mut names = Names::default();
        names.texts.push("".into()); // 0 stands for None
        names
    }
    pub fn id(&mut self, text: &str) -> u32 {
        if let Some(&id) = self.index.get(text) {
            return id;
        }
        let id = self.texts.len() as u32;
        self.texts.push(text.into());
        self.index.insert(text.into(), id);
        id
    }
}

pub struct OpenRow {
    pub version: i64,
    pub holder: u32,
    pub is_open: bool,
    // Its report's store time, as stored (the views file's order): its own text, not a
    // name (nearly every incident's differs, and the names table never shrinks).
    pub recorded_at: Box<str>,
}

#[derive(Default)]
pub struct Facts {
    pub version: i64,
    pub reported_at: Option<Time>,
    pub category: u32,
    pub priority: u32,
    pub grid: u32,
    pub street: u32,
    pub district: u32,
    pub grid_workers: Vec<u32>,
    pub first_department: u32,
    pub department: u32,
    pub dispatches: Vec<(u32, Time)>,
    pub first_dispatched_at: Option<Time>,
    pub returns: Vec<(u32, Time)>,
    pub unjustified_returns: Vec<(u32, Time)>,
    pub reassigned: i64,
    pub extensions_granted: Vec<Time>,
    pub suspended: bool,
    pub verifications: Vec<(Time, bool)>,
    pub closed_at: Option<Time>,
    pub rated: Option<(u32, Option<bool>, Time)>,
    pub voided: bool,
    pub merged: bool,
}

/// The event types the views tell apart (the stored topic's last part).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Reported, Located, Dispatched, Reassigned, QueuedForManualDispatch, Returned,
    Reclassified, ReturnJudged, ExtensionGranted, Suspended, Resumed, Reopened, Closed,
    Rated, Voided, MergedAsDuplicate, Accepted, Resolved, Other,
}

const NAMES: [(&str, Kind); 18] = {
    use Kind::*;
    [("Reported", Reported), ("Located", Located), ("Dispatched", Dispatched),
     ("Reassigned", Reassigned), ("QueuedForManualDispatch", QueuedForManualDispatch),
     ("Returned", Returned), ("Reclassified", Reclassified), ("ReturnJudged", ReturnJudged),
     ("ExtensionGranted", ExtensionGranted), ("Suspended", Suspended), ("Resumed", Resumed),
     ("Reopened", Reopened), ("Closed", Closed), ("Rated", Rated), ("Voided", Voided),
     ("MergedAsDuplicate", MergedAsDuplicate), ("Accepted", Accepted), ("Resolved", Resolved)]
};

impl Kind {
    pub fn of(name: &str) -> Kind {
        NAMES.iter().find(|(n, _)| *n == name).map_or(Kind::Other, |&(_, kind)| kind)
    }

    pub fn name(self) -> &'static str {
        NAMES.iter().find(|(_, k)| *k == self).map_or("", |&(n, _)| n)
    }
}

/// A field's text as a name (0 for null); missing or not text is an error naming it.
pub fn text(names: &mut Names, value: &Text, field: &str) -> Result<u32, String> {
    match value {
        Text::Is(t) => Ok(names.id(t)),
        Text::Null => Ok(0),
        Text::Missing => Err(format!("no field {field:?}")),
        Text::Other => Err(format!("field {field:?} is not text")),
    }
}

pub fn time(text: &str, field: &str) -> Result<Time, String> {
    Time::parse(text).ok_or_else(|| format!("field {field:?} is not an instant taken here: {text:?}"))
}

/// The open-incidents view's fold (a row that exists and has not applied this version).
pub fn apply_open(row: &mut OpenRow, kind: Kind, version: i64, e: &StoredEvent,
                  names: &mut Names) -> Result<(), String> {
    use Kind::*;
    match kind {
        Dispatched | Reassigned => row.holder = text(names, &e.department, "department")?,
        QueuedForManualDispatch => {
            row.holder = match &e.manual_queue {
                Text::Is(queue) => names.id(&format!("queue:{queue}")),
                Text::Null => names.id("queue:None"),
                _ => return Err("field \"manual_queue\" is missing or not text".into()),
            }
        }
        Returned | Reclassified => row.holder = names.id(AWAITING_ROUTING),
        Closed | Voided | MergedAsDuplicate => row.is_open = false,
        _ => {}
    }
    row.version = version;
    Ok(())
}

/// The incident facts view's fold.
pub fn apply_facts(f: &mut Facts, kind: Kind, e: &StoredEvent, names: &mut Names) -> Result<(), String> {
    use Kind::*;
    let at = || time(e.occurred_at(), "occurred_at");
    match kind {
        Reported => {
            let reported = e.reported_at.as_ref().ok_or("no field \"reported_at\"")?;
            f.reported_at = Some(time(&reported.data, "reported_at")?);
            f.category = text(names, &e.category, "category")?;
            f.priority = text(names, &e.priority, "priority")?;
        }
        Located => {
            let place = e.place.as_ref().ok_or("no field \"place\"")?;
            f.grid = text(names, &place.grid, "place.grid")?;
            f.street = text(names, &place.street, "place.street")?;
            f.district = text(names, &place.district, "place.district")?;
            f.grid_workers = match &place.grid_workers {
                GridWorkers::Missing => vec![],
                GridWorkers::Are(workers) => workers.iter().map(|w| match w {
                    Text::Is(t) => Ok(names.id(t)),
                    _ => Err("place.grid_workers holds something other than text".to_string()),
                }).collect::<Result<_, _>>()?,
                GridWorkers::Other => return Err("place.grid_workers is not a list of texts".into()),
            };
        }
        Dispatched | Reassigned => {
            let (department, at) = (text(names, &e.department, "department")?, at()?);
            f.department = department;
            f.dispatches.push((department, at));
            if f.first_department == 0 {
                f.first_department = department;
                f.first_dispatched_at = Some(at);
            }
            if kind == Reassigned {
                f.reassigned += 1;
            }
        }
        Returned => {
            f.returns.push((text(names, &e.department, "department")?, at()?));
            f.department = 0;
        }
        Reclassified => f.department = 0,
        ReturnJudged => match e.justified {
            Flag::Is(true) => {}
            Flag::Is(false) | Flag::Null => {
                f.unjustified_returns.push((text(names, &e.department, "department")?, at()?))
            }
            _ => return Err("field \"justified\" is missing or not a flag".into()),
        },
        ExtensionGranted => f.extensions_granted.push(at()?),
        Suspended => f.suspended = true,
        Resumed => f.suspended = false,
        Reopened => f.verifications.push((at()?, false)),
        Closed => {
            let at = at()?;
            f.verifications.push((at, true));
            f.closed_at = Some(at);
        }
        Rated => {
            let rating = text(names, &e.rating, "rating")?;
            let resolved = match e.resolved {
                Flag::Is(b) => Some(b),
                Flag::Null => None,
                _ => return Err("field \"resolved\" is missing or not a flag".into()),
            };
            f.rated = Some((rating, resolved, at()?));
        }
        Voided => f.voided = true,
        MergedAsDuplicate => f.merged = true,
        QueuedForManualDispatch | Accepted | Resolved | Other => {}
    }
    Ok(())
}
