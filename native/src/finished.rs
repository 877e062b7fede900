//! Which finished incidents the views let go of, by the store's clock, as
//! projections/finished_incidents.py tells them (views that let finished incidents go:
//! a worker's). Each ending is noted once while queued; one is due `keep` after it ended,
//! measured against the latest recording time seen.
use crate::time::Time;
use rustc_hash::FxHashSet;
use std::collections::VecDeque;

pub struct Finished {
    keep_us: i64,
    pub ended: VecDeque<(Time, Box<str>)>, // in the order they ended
    queued: FxHashSet<Box<str>>,
    pub newest: Option<Time>,
}

impl Finished {
    pub fn new(keep_us: i64) -> Finished {
        Finished { keep_us, ended: VecDeque::new(), queued: FxHashSet::default(), newest: None }
    }

    /// A closing event (Closed, Voided, MergedAsDuplicate) recorded at `at`.
    pub fn note_ending(&mut self, incident_id: &str, at: Time) {
        if !self.queued.contains(incident_id) {
            self.queued.insert(incident_id.into());
            self.saw(at);
            self.ended.push_back((at, incident_id.into()));
        }
    }

    /// The store's clock moved (the last event of a batch).
    pub fn saw(&mut self, at: Time) {
        if self.newest.map_or(true, |newest| at.utc_us > newest.utc_us) {
            self.newest = Some(at);
        }
    }

    /// The incidents that ended more than `keep` before the latest event, once each.
    pub fn due(&mut self) -> Vec<Box<str>> {
        let Some(newest) = self.newest else { return Vec::new() };
        let horizon = newest.utc_us - self.keep_us;
        let mut due = Vec::new();
        while self.ended.front().is_some_and(|(at, _)| at.utc_us <= horizon) {
            let (_, incident_id) = self.ended.pop_front().expect("looked at");
            self.queued.remove(&incident_id);
            due.push(incident_id);
        }
        due
    }
}
