//! ISO 8601 instants as Python's `datetime.isoformat` writes them, kept as an integer.
//!
//! Only the forms the store holds are taken: `YYYY-MM-DDTHH:MM:SS`, then `.fff` or
//! `.ffffff` or nothing, then `+HH:MM`, `-HH:MM`, `Z` or nothing (naive). Anything else
//! is refused, and the replay falls back to Python, whose `fromisoformat` is the reference.

/// An instant with the offset it was written with (None: naive, as written).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Time {
    /// Microseconds since 1970-01-01T00:00 UTC (for a naive time: of its wall clock).
    pub utc_us: i64,
    pub offset_s: Option<i32>,
}

pub struct Civil {
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub microsecond: u32,
}

const DAY_US: i64 = 86_400_000_000;

impl Time {
    pub fn parse(text: &str) -> Option<Time> {
        let b = text.as_bytes();
        let digits = |at: usize, n: usize| -> Option<i64> {
            let mut value = 0i64;
            for k in at..at + n {
                let d = b.get(k)?.wrapping_sub(b'0');
                if d > 9 {
                    return None;
                }
                value = value * 10 + i64::from(d);
            }
            Some(value)
        };
        let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
        if separators.iter().any(|&(at, c)| b.get(at) != Some(&c)) {
            return None;
        }
        let (year, month, day) = (digits(0, 4)?, digits(5, 2)?, digits(8, 2)?);
        let (hour, minute, second) = (digits(11, 2)?, digits(14, 2)?, digits(17, 2)?);
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month)
            || hour > 23 || minute > 59 || second > 59 || year < 1 {
            return None;
        }
        let mut at = 19;
        let mut micro = 0i64;
        if b.get(at) == Some(&b'.') {
            let start = at + 1;
            at = start;
            while b.get(at).is_some_and(u8::is_ascii_digit) {
                at += 1;
            }
            micro = match at - start {
                6 => digits(start, 6)?,
                3 => digits(start, 3)? * 1000,
                _ => return None,
            };
        }
        let offset_s = match b.get(at) {
            None => None,
            Some(b'Z') if at + 1 == b.len() => Some(0),
            Some(&sign @ (b'+' | b'-')) if at + 6 == b.len() && b[at + 3] == b':' => {
                let (h, m) = (digits(at + 1, 2)?, digits(at + 4, 2)?);
                if h > 23 || m > 59 {
                    return None;
                }
                let s = (h * 3600 + m * 60) as i32;
                Some(if sign == b'-' { -s } else { s })
            }
            _ => return None,
        };
        let wall = (days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
            * 1_000_000 + micro;
        Some(Time { utc_us: wall - i64::from(offset_s.unwrap_or(0)) * 1_000_000, offset_s })
    }

    /// The wall clock it was written with.
    pub fn civil(&self) -> Civil {
        let wall = self.utc_us + i64::from(self.offset_s.unwrap_or(0)) * 1_000_000;
        let (days, in_day) = (wall.div_euclid(DAY_US), wall.rem_euclid(DAY_US));
        let (year, month, day) = civil_from_days(days);
        let seconds = in_day / 1_000_000;
        Civil {
            year: year as i32,
            month: month as u8,
            day: day as u8,
            hour: (seconds / 3600) as u8,
            minute: (seconds / 60 % 60) as u8,
            second: (seconds % 60) as u8,
            microsecond: (in_day % 1_000_000) as u32,
        }
    }
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_the_wall_clock_and_offset() {
        let t = Time::parse("2026-11-22T22:43:52.666889+08:00").unwrap();
        let c = t.civil();
        assert_eq!((c.year, c.month, c.day, c.hour, c.minute, c.second, c.microsecond),
                   (2026, 11, 22, 22, 43, 52, 666_889));
        assert_eq!(t.offset_s, Some(8 * 3600));
        assert_eq!(Time::parse("2026-11-22T14:43:52.666889Z").unwrap().utc_us, t.utc_us);
    }

    #[test]
    fn refuses_what_it_does_not_take() {
        for text in ["2026-11-22", "2026-02-30T00:00:00", "2026-11-22T22:43:52.6668+08:00",
                     "2026-11-22T22:43:52+08:00:30", "2026-11-22 22:43:52"] {
            assert_eq!(Time::parse(text), None, "{text}");
        }
    }
}
