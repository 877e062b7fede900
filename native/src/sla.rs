//! The SLA clocks of an incident, folded as projections/sla_incident_clocks.py folds them,
//! with the range checks of projections/sla_stage_clock.py: where the Python clocks would
//! raise CalendarRangeError (a problem the views record), this fold refuses the row and
//! the replay is done in Python instead.
use crate::time::Time;
use crate::timeline::Timeline;
use crate::views::Kind;

pub const STAGES: [&str; 5] = ["dispatch", "accept", "handle", "verify", "close"];
const DISPATCH: u8 = 0;
const ACCEPT: u8 = 1;
const HANDLE: u8 = 2;
const VERIFY: u8 = 3;
const CLOSE: u8 = 4;
const EVERY: &[u8] = &[DISPATCH, ACCEPT, HANDLE, VERIFY, CLOSE];

/// A class's limit for one stage, as the Python rules worked it out (`Rules.limits`).
#[derive(Clone, Copy)]
pub struct StageLimit {
    pub working: bool,
    pub us: i64,
}

/// The limits of one (class, priority): an index into the replay's table of them.
pub type LimitsId = u32;

pub struct Clock {
    pub stage: u8,
    pub department: u32,
    pub started_at: Time,
    pub limit: Option<LimitsId>, // whose limits fixed it (with `stage`: which one)
    pub working: bool,
    pub paused_since: Option<Time>,
    pub ended_at: Option<Time>,
    pub ended_by: Option<Kind>,
    pub limit_us: i64,
    pub extension_us: i64,
    pub paused_us: i64,
}

#[derive(Default)]
pub struct Clocks {
    pub version: i64,
    pub priority: u32,
    pub sla_class: u32,
    pub suspended_since: Option<Time>,
    pub clocks: Vec<Clock>,
    pub limits: Option<LimitsId>,
}

/// What the fold needs of the replay around it.
pub trait Rules {
    fn limits(&mut self, sla_class: u32, priority: u32) -> Result<LimitsId, String>;
    fn limit(&self, id: LimitsId, stage: u8) -> StageLimit;
    fn extension_us(&mut self, hours: f64) -> Result<i64, String>;
    fn timeline(&self) -> &Timeline;
}

const BEYOND: &str = "an instant or a deadline beyond the business calendar";

/// The event's fields the clocks read, already decoded by the caller.
pub struct ClockEvent {
    pub kind: Kind,
    pub at: Time,
    pub sla_class: Option<u32>,
    pub priority: u32,
    pub department: Option<u32>,
    pub hours: Option<f64>,
}

/// The stages an event ends and the one it starts; None for events that move no clock.
pub fn moves(kind: Kind) -> Option<(&'static [u8], Option<u8>)> {
    use Kind::*;
    Some(match kind {
        Reported | QueuedForManualDispatch | Suspended | Resumed | ExtensionGranted => (&[], None),
        Dispatched | Reassigned => (&[DISPATCH, ACCEPT, HANDLE], Some(ACCEPT)),
        Returned | Reclassified => (&[ACCEPT, HANDLE], None),
        Accepted => (&[ACCEPT], Some(HANDLE)),
        Resolved => (&[HANDLE], Some(VERIFY)),
        Reopened => (&[VERIFY], None),
        Closed | Voided | MergedAsDuplicate => (EVERY, None),
        _ => return None,
    })
}

impl Clock {
    fn new(stage: u8, department: u32, started_at: Time) -> Clock {
        Clock { stage, department, started_at, limit: None, working: false, paused_since: None,
                ended_at: None, ended_by: None, limit_us: 0, extension_us: 0, paused_us: 0 }
    }

    fn fix(&mut self, limits: LimitsId, rules: &dyn Rules) -> Result<(), String> {
        let limit = rules.limit(limits, self.stage);
        let span_us = limit.us + self.extension_us + self.paused_us;
        let checks = limit.working && span_us != 0 && self.ended_at.is_none();
        let timeline = rules.timeline();
        let bound = if checks { timeline.day_end(&self.started_at).ok_or(BEYOND)? } else { 0 };
        self.limit = Some(limits);
        self.working = limit.working;
        self.limit_us = limit.us;
        if checks && bound + span_us > timeline.total {
            timeline.reaches(&self.started_at, span_us).ok_or(BEYOND)?;
        }
        Ok(())
    }

    fn elapsed_us(&self, a: &Time, b: &Time, timeline: &Timeline) -> Result<i64, String> {
        if !self.working {
            return Ok((b.utc_us - a.utc_us).max(0));
        }
        match (timeline.position(b), timeline.position(a)) {
            (Some(end), Some(start)) => Ok((end - start).max(0)),
            _ if b.utc_us <= a.utc_us => Ok(0),
            _ => Err(BEYOND.into()),
        }
    }

    fn reschedule(&self, timeline: &Timeline) -> Result<(), String> {
        let span_us = self.limit_us + self.extension_us + self.paused_us;
        if span_us != 0 && self.limit.is_some() && self.working && self.ended_at.is_none() {
            timeline.reaches(&self.started_at, span_us).ok_or(BEYOND)?;
        }
        Ok(())
    }

    fn resume(&mut self, at: &Time, timeline: &Timeline) -> Result<(), String> {
        if let Some(since) = self.paused_since {
            if self.limit.is_some() {
                self.paused_us += self.elapsed_us(&since, at, timeline)?;
            }
            self.paused_since = None;
            self.reschedule(timeline)?;
        }
        Ok(())
    }
}

/// Fold one event (not yet applied to this incident) into its clocks.
pub fn apply(row: &mut Clocks, e: &ClockEvent, rules: &mut dyn Rules) -> Result<(), String> {
    use Kind::*;
    let Some((ends, starts)) = moves(e.kind) else { return Ok(()) };
    let at = e.at;
    match e.kind {
        Dispatched | QueuedForManualDispatch | Reassigned => {
            row.sla_class = e.sla_class.ok_or("no field \"sla_class\"")?;
            row.limits = if row.sla_class == 0 { None } else { Some(rules.limits(row.sla_class, row.priority)?) };
            if let Some(limits) = row.limits {
                for clock in &mut row.clocks {
                    if clock.limit.is_none() && clock.ended_at.is_none() {
                        clock.fix(limits, rules)?;
                    }
                }
            }
        }
        Reported => {
            row.priority = e.priority;
            if row.sla_class != 0 {
                row.limits = Some(rules.limits(row.sla_class, row.priority)?);
            }
            row.clocks.push(Clock::new(DISPATCH, 0, at));
            row.clocks.push(Clock::new(CLOSE, 0, at));
        }
        Suspended => {
            row.suspended_since = Some(at);
            for clock in row.clocks.iter_mut().filter(|c| c.ended_at.is_none()) {
                clock.paused_since.get_or_insert(at);
            }
        }
        Resumed => {
            row.suspended_since = None;
            for clock in row.clocks.iter_mut().filter(|c| c.ended_at.is_none()) {
                clock.resume(&at, rules.timeline())?;
            }
        }
        ExtensionGranted => {
            let mut extension = None; // the hours are read only if a clock takes them, as in Python
            for clock in row.clocks.iter_mut()
                .filter(|c| c.ended_at.is_none() && (c.stage == HANDLE || c.stage == CLOSE)) {
                let us = match extension {
                    Some(us) => us,
                    None => *extension.insert(rules.extension_us(
                        e.hours.ok_or("field \"hours\" is missing or not a number")?)?),
                };
                clock.extension_us += us;
                clock.reschedule(rules.timeline())?;
            }
        }
        _ => {}
    }
    for clock in &mut row.clocks {
        if clock.ended_at.is_none() && ends.contains(&clock.stage) {
            clock.resume(&at, rules.timeline())?;
            clock.ended_at = Some(at);
            clock.ended_by = Some(e.kind);
            if clock.limit.is_some() && clock.working && rules.timeline().day_end(&at).is_none()
                && at.utc_us > clock.started_at.utc_us {
                return Err(BEYOND.into());
            }
        }
    }
    if let Some(stage) = starts {
        let department = e.department.ok_or("no field \"department\"")?;
        let mut clock = Clock::new(stage, department, at);
        if let Some(limits) = row.limits {
            clock.fix(limits, rules)?;
        }
        if row.suspended_since.is_some() {
            clock.paused_since = Some(at);
        }
        row.clocks.push(clock);
    }
    Ok(())
}
