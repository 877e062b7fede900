//! The business calendar's working-time coordinates (policies/calendar_timeline.py), for a
//! zone with one UTC offset over the covered years; the Python timeline hands its tables
//! over. Every lookup that the Python one answers with CalendarRangeError is None here.
use crate::time::Time;

const DAY_US: i64 = 86_400_000_000;

pub struct Timeline {
    first_day: i64, // days since 1970-01-01 of the first covered day
    workday: Vec<bool>,
    cum_start: Vec<i64>,
    cum_end: Vec<i64>,
    periods: Vec<(i64, i64)>,
    pub total: i64,
    zone_us: i64,
}

impl Timeline {
    pub fn new(first_day: i64, workday: Vec<bool>, cum_start: Vec<i64>, cum_end: Vec<i64>,
               periods: Vec<(i64, i64)>, total: i64, zone_s: i64) -> Timeline {
        Timeline { first_day, workday, cum_start, cum_end, periods, total, zone_us: zone_s * 1_000_000 }
    }

    fn local(&self, t: &Time) -> (i64, i64) {
        let local = t.utc_us + self.zone_us;
        (local.div_euclid(DAY_US) - self.first_day, local.rem_euclid(DAY_US))
    }

    pub fn position(&self, t: &Time) -> Option<i64> {
        let (day, s) = self.local(t);
        let days = self.workday.len() as i64;
        if !(0..days).contains(&day) {
            return (day == days && s == 0).then_some(self.total);
        }
        let day = day as usize;
        let mut position = self.cum_start[day];
        if self.workday[day] {
            for &(a, b) in &self.periods {
                if s <= a {
                    break;
                }
                position += s.min(b) - a;
            }
        }
        Some(position)
    }

    pub fn day_end(&self, t: &Time) -> Option<i64> {
        let (day, _) = self.local(t);
        if (0..self.workday.len() as i64).contains(&day) {
            return Some(self.cum_end[day as usize]);
        }
        self.position(t)
    }

    /// Whether `instant(position(start) + span)` is within the calendar (check_reach).
    pub fn reaches(&self, start: &Time, span_us: i64) -> Option<()> {
        if self.day_end(start)? + span_us > self.total && self.position(start)? + span_us > self.total {
            return None;
        }
        Some(())
    }
}
