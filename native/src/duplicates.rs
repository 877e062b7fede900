//! The duplicate index's kept incidents, folded as projections/duplicate_feed.py and
//! projections/duplicate_window.py fold them: a report adds its incident, kept for the
//! longest window after it was recorded; locating or reclassifying it files it under its
//! place (the Python index works the places out when handed over); a closing takes it out.
use crate::time::Time;
use crate::views::Kind;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

pub struct Candidate {
    pub version: i64,
    pub category: u32,
    pub reported_at: Time,
    pub point: Option<(f64, f64)>,
    pub address: u32,
    pub grid: u32,
    pub is_open: bool,
    pub recorded_at: Time,
    pub filed: bool, // filed under its place (located or reclassified while open)
}

pub fn moves_the_index(kind: Kind) -> bool {
    use Kind::*;
    matches!(kind, Reported | Located | Reclassified | Closed | Voided | MergedAsDuplicate)
}

/// Who is kept, and who leaves next (by recording time; the store's clock, not the reports').
pub struct Window {
    longest_us: i64,
    heap: BinaryHeap<Reverse<(i64, usize)>>,
    pub newest: Option<Time>,
}

impl Window {
    pub fn new(longest_us: i64) -> Window {
        Window { longest_us, heap: BinaryHeap::new(), newest: None }
    }

    /// A candidate added for incident `index` (`kept`: by incident); those it lets go of are cleared.
    pub fn add(&mut self, index: usize, candidate: Candidate, kept: &mut [Option<Candidate>]) {
        let recorded = candidate.recorded_at;
        self.heap.push(Reverse((recorded.utc_us, index)));
        kept[index] = Some(candidate);
        if self.newest.map_or(true, |newest| recorded.utc_us > newest.utc_us) {
            self.newest = Some(recorded);
        }
        let oldest = self.newest.map_or(i64::MIN, |n| n.utc_us) - self.longest_us;
        while let Some(&Reverse((at, index))) = self.heap.peek() {
            if at >= oldest {
                break;
            }
            self.heap.pop();
            let entry = &mut kept[index];
            if entry.as_ref().is_some_and(|c| c.recorded_at.utc_us < oldest) {
                *entry = None; // added again since: a later heap entry stands for it
            }
        }
    }
}

/// The event's fields the index reads, decoded by the caller.
pub struct IndexEvent {
    pub kind: Kind,
    pub version: i64,
    pub category: Option<u32>,
    pub address: u32,
    pub grid: u32,
}

/// Apply an event to a kept candidate (the caller adds reports through `Window::add`).
pub fn apply(known: &mut Candidate, e: &IndexEvent) -> Result<(), String> {
    known.version = e.version;
    match e.kind {
        Kind::Located => {
            known.address = e.address;
            known.grid = e.grid;
            known.filed |= known.is_open;
        }
        Kind::Reclassified => {
            known.category = e.category.ok_or("no field \"category\"")?;
            known.filed |= known.is_open;
        }
        _ => {
            known.is_open = false;
            known.filed = false;
        }
    }
    Ok(())
}
