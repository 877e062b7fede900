//! The duplicate index's open incidents filed by place, and the route step's question to it:
//! the earliest of them a new report repeats (projections/place_index.py is the reference,
//! and the tests hold the two equal). The same keys as there: by address, by grid where the
//! category's rule says a grid is a place, by the cell of a reported point (cells at least
//! the radius wide, projections/geo_cells.py); a lookup reads the report's keys and the
//! neighbouring cells, then the exact test keeps those really at the same place.
//! In Python each lookup cost a few µs of dict and tuple work around 0.3 candidates.
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::intern;
use pyo3::types::{PyDateAccess, PyDateTime, PyDelta, PyDeltaAccess, PyDict, PyList,
                  PyTimeAccess, PyTzInfoAccess};
use rustc_hash::FxHashMap;

use crate::time::days_from_civil;

const EARTH_RADIUS_M: f64 = 6_371_000.0;
const M_PER_DEGREE: f64 = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;

const BY_ADDRESS: u8 = 0;
const BY_GRID: u8 = 1;
const BY_CELL: u8 = 2;

/// A place key: (kind, category, then the address or grid, or the cell's band, row, column).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Key(pub u8, pub u32, pub i64, pub i64, pub i64);

/// What a lookup knows of a place: its category and where it is (names as interned).
pub struct Place<'a> {
    pub category: &'a str,
    pub point: Option<(f64, f64)>,
    pub address: Option<&'a str>,   // None for none or empty, as Python's truth test
    pub grid: Option<&'a str>,
    pub by_grid: bool,              // the category's rule counts the same grid as the same place
}

struct Filed {
    id: Box<str>,
    category: u32,
    reported_us: i64,
    point: Option<(f64, f64)>,
    address: Option<u32>,
    grid: Option<u32>,
    keys: Vec<Key>,
}

pub struct Places {
    radius_m: f64,
    // Categories, addresses and grids, interned while a filed incident names them: a
    // worker's table lives as long as the worker, and every address ever seen would stay.
    names: FxHashMap<Box<str>, u32>,
    named: Vec<Box<str>>,              // the same, by number
    uses: Vec<u32>,                    // by number: how many filed incidents name it
    free_names: Vec<u32>,
    filed: Vec<Option<Filed>>,
    free: Vec<u32>,
    by_id: FxHashMap<Box<str>, u32>,
    buckets: FxHashMap<Key, Vec<u32>>,
}

impl Places {
    pub fn new(radius_m: f64) -> Places {
        Places { radius_m, names: FxHashMap::default(), named: Vec::new(), uses: Vec::new(),
                 free_names: Vec::new(), filed: Vec::new(), free: Vec::new(),
                 by_id: FxHashMap::default(), buckets: FxHashMap::default() }
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn names_held(&self) -> usize {
        self.names.len()
    }

    /// The name's number, one use more.
    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&known) = self.names.get(name) {
            self.uses[known as usize] += 1;
            return known;
        }
        let next = match self.free_names.pop() {
            Some(free) => {
                self.named[free as usize] = name.into();
                self.uses[free as usize] = 1;
                free
            }
            None => {
                self.named.push(name.into());
                self.uses.push(1);
                (self.named.len() - 1) as u32
            }
        };
        self.names.insert(name.into(), next);
        next
    }

    /// One use of the name less; unused, it goes.
    fn release(&mut self, name: u32) {
        let uses = &mut self.uses[name as usize];
        *uses -= 1;
        if *uses == 0 {
            self.names.remove(&self.named[name as usize]);
            self.named[name as usize] = "".into();
            self.free_names.push(name);
        }
    }

    /// File the incident under the keys of its place as it stands now, and only them.
    pub fn file(&mut self, id: &str, place: &Place, reported_us: i64) {
        self.remove(id);
        let category = self.intern(place.category);
        let address = place.address.map(|a| self.intern(a));
        let grid = place.grid.map(|g| self.intern(g));   // compared whatever the rule (Python)
        let mut keys = Vec::with_capacity(3);
        named_keys(category, address, grid, place.by_grid, &mut keys);
        if let Some(point) = place.point {
            let (band, row, column) = cell_of(point, self.radius_m);
            keys.push(Key(BY_CELL, category, band, row, column));
        }
        let slot = self.free.pop().unwrap_or_else(|| {
            self.filed.push(None);
            (self.filed.len() - 1) as u32
        });
        for key in &keys {
            self.buckets.entry(*key).or_default().push(slot);
        }
        self.by_id.insert(id.into(), slot);
        self.filed[slot as usize] = Some(Filed { id: id.into(), category, reported_us,
                                                 point: place.point, address, grid, keys });
    }

    pub fn remove(&mut self, id: &str) {
        let Some(slot) = self.by_id.remove(id) else { return };
        let filed = self.filed[slot as usize].take().expect("a filed incident's slot");
        for key in &filed.keys {
            if let Some(bucket) = self.buckets.get_mut(key) {
                if let Some(at) = bucket.iter().position(|&s| s == slot) {
                    bucket.swap_remove(at);
                }
                if bucket.is_empty() {
                    self.buckets.remove(key);
                }
            }
        }
        self.free.push(slot);
        for name in [Some(filed.category), filed.address, filed.grid].into_iter().flatten() {
            self.release(name);
        }
    }

    /// (reported at, id) of the earliest incident filed at this place, of this category,
    /// reported within `window_us` before `reported_us` (both ends in), other than `id` and
    /// those `skipped` says to leave out.
    pub fn earliest(&self, id: &str, place: &Place, reported_us: i64, window_us: i64,
                    mut skipped: impl FnMut(&str) -> bool) -> Option<(i64, &str)> {
        let category = *self.names.get(place.category)?;
        let address = place.address.and_then(|a| self.names.get(a).copied());
        let grid = place.grid.and_then(|g| self.names.get(g).copied());
        let mut keys: Vec<Key> = Vec::with_capacity(20);
        named_keys(category, address, grid, place.by_grid, &mut keys);
        if let Some(point) = place.point {
            cells_near(point, self.radius_m, |band, row, column| {
                keys.push(Key(BY_CELL, category, band, row, column))
            });
        }
        let earliest_us = reported_us - window_us;
        let mut best: Option<(i64, &str)> = None;
        for key in &keys {
            for &slot in self.buckets.get(key).map_or(&[][..], |b| &b[..]) {
                let other = self.filed[slot as usize].as_ref().expect("a filed slot");
                if other.category != category || other.reported_us < earliest_us
                    || other.reported_us > reported_us || &*other.id == id {
                    continue;
                }
                let candidate = (other.reported_us, &*other.id);
                if best.is_some_and(|b| b <= candidate)
                    || !self.same_place(other, address, grid, place) || skipped(&other.id) {
                    continue;
                }
                best = Some(candidate);
            }
        }
        best
    }

    fn same_place(&self, other: &Filed, address: Option<u32>, grid: Option<u32>,
                  place: &Place) -> bool {
        if address.is_some() && other.address == address {
            return true;
        }
        if grid.is_some() && other.grid == grid && place.by_grid {
            return true;
        }
        match (place.point, other.point) {
            (Some(a), Some(b)) => metres_between(a, b) <= self.radius_m,
            _ => false,
        }
    }

    /// Every key and the incidents filed under it (for the tests' comparison with Python):
    /// (kind, category, name or band, row, column) with names given back as text.
    pub fn buckets(&self) -> Vec<(Key, Vec<&str>)> {
        self.buckets.iter().map(|(key, slots)| {
            (*key, slots.iter().map(|&s| &*self.filed[s as usize].as_ref().unwrap().id).collect())
        }).collect()
    }

    pub fn name(&self, interned: u32) -> &str {
        &self.named[interned as usize]
    }
}

/// The keys of a place's names: its address, and its grid where the rule says.
fn named_keys(category: u32, address: Option<u32>, grid: Option<u32>, by_grid: bool,
              keys: &mut Vec<Key>) {
    if let Some(a) = address {
        keys.push(Key(BY_ADDRESS, category, a as i64, 0, 0));
    }
    if let (Some(g), true) = (grid, by_grid) {
        keys.push(Key(BY_GRID, category, g as i64, 0, 0));
    }
}

fn floor(x: f64) -> i64 {
    x.floor() as i64
}

/// Degrees of longitude at least `radius_m` long anywhere in the band.
fn lon_width(band: i64, radius_m: f64) -> f64 {
    radius_m / (M_PER_DEGREE * ((band.abs() + 1).min(89) as f64).to_radians().cos())
}

pub fn cell_of((lat, lon): (f64, f64), radius_m: f64) -> (i64, i64, i64) {
    let band = floor(lat);
    (band, floor(lat * M_PER_DEGREE / radius_m), floor(lon / lon_width(band, radius_m)))
}

/// The cells a point within the radius may lie in: its own and the neighbours, in its band
/// and, near a band's edge, the next band's.
pub fn cells_near((lat, lon): (f64, f64), radius_m: f64, mut each: impl FnMut(i64, i64, i64)) {
    let reach = radius_m / M_PER_DEGREE;
    let row = floor(lat * M_PER_DEGREE / radius_m);
    let mut bands = [floor(lat - reach), floor(lat), floor(lat + reach)];
    bands.sort_unstable();
    for (n, &band) in bands.iter().enumerate() {
        if n > 0 && bands[n - 1] == band {
            continue;
        }
        let column = floor(lon / lon_width(band, radius_m));
        for r in row - 1..=row + 1 {
            for c in column - 1..=column + 1 {
                each(band, r, c);
            }
        }
    }
}

pub fn metres_between(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lon1, lat2, lon2) = (a.0.to_radians(), a.1.to_radians(), b.0.to_radians(),
                                    b.1.to_radians());
    let s1 = ((lat2 - lat1) / 2.0).sin();
    let s2 = ((lon2 - lon1) / 2.0).sin();
    let h = s1 * s1 + lat1.cos() * lat2.cos() * (s2 * s2);   // as Python's, rounding and all
    2.0 * EARTH_RADIUS_M * h.sqrt().asin()
}

/// The instant of a datetime in microseconds since 1970 UTC; a naive one counts as UTC.
/// (In Python, `(at - epoch) // microsecond` took 0.47 µs, more than a lookup here.)
pub fn utc_us(at: &Bound<'_, PyAny>) -> PyResult<i64> {
    let at = at.downcast::<PyDateTime>()?;
    let days = days_from_civil(at.get_year() as i64, at.get_month() as i64, at.get_day() as i64);
    let seconds = days * 86_400 + at.get_hour() as i64 * 3_600 + at.get_minute() as i64 * 60
        + at.get_second() as i64;
    let mut us = seconds * 1_000_000 + at.get_microsecond() as i64;
    if let Some(zone) = at.get_tzinfo() {
        let offset = zone.call_method1(intern!(at.py(), "utcoffset"), (at,))?;
        if !offset.is_none() {
            us -= delta_us(offset.downcast::<PyDelta>()?);
        }
    }
    Ok(us)
}

/// `utc_us`, for the tests.
#[pyfunction]
pub fn utc_us_of(at: &Bound<'_, PyAny>) -> PyResult<i64> {
    utc_us(at)
}

fn delta_us(delta: &Bound<'_, PyDelta>) -> i64 {
    (delta.get_days() as i64 * 86_400 + delta.get_seconds() as i64) * 1_000_000
        + delta.get_microseconds() as i64
}

/// The Python face of `Places` (projections/native_places.py): report times as datetimes,
/// windows as timedeltas, empty names as none (Python's truth test), `skip` any collection
/// of ids.
#[pyclass(module = "grid_dispatch_native")]
pub struct PlaceTable {
    places: Places,
}

fn named(text: Option<&str>) -> Option<&str> {
    text.filter(|t| !t.is_empty())
}

#[pymethods]
impl PlaceTable {
    #[new]
    fn new(radius_m: f64) -> PyResult<PlaceTable> {
        if !(radius_m > 0.0 && radius_m.is_finite()) {
            return Err(PyValueError::new_err(format!("radius_m: expected a positive number of metres, got {radius_m}")));
        }
        Ok(PlaceTable { places: Places::new(radius_m) })
    }

    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (id, category, reported_at, point, address, grid, by_grid))]
    fn file(&mut self, id: &str, category: &str, reported_at: &Bound<'_, PyAny>,
            point: Option<(f64, f64)>, address: Option<&str>, grid: Option<&str>,
            by_grid: bool) -> PyResult<()> {
        let place = Place { category, point, address: named(address), grid: named(grid), by_grid };
        self.places.file(id, &place, utc_us(reported_at)?);
        Ok(())
    }

    fn remove(&mut self, id: &str) {
        self.places.remove(id);
    }

    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (id, category, reported_at, window, point, address, grid, by_grid, skip=None))]
    fn earliest(&self, id: &str, category: &str, reported_at: &Bound<'_, PyAny>,
                window: &Bound<'_, PyDelta>, point: Option<(f64, f64)>, address: Option<&str>,
                grid: Option<&str>, by_grid: bool, skip: Option<&Bound<'_, PyAny>>)
                -> PyResult<Option<String>> {
        let place = Place { category, point, address: named(address), grid: named(grid), by_grid };
        let (reported_us, window_us) = (utc_us(reported_at)?, delta_us(window));
        let mut failed = None;
        let found = self.places.earliest(id, &place, reported_us, window_us, |other| {
            match skip {
                Some(skip) => skip.contains(other).unwrap_or_else(|e| { failed = Some(e); true }),
                None => false,
            }
        });
        match failed {
            Some(error) => Err(error),
            None => Ok(found.map(|(_, id)| id.to_owned())),
        }
    }

    fn __len__(&self) -> usize {
        self.places.len()
    }

    /// {key: [incident id, ...]} with the keys as projections/place_index.py writes them.
    fn buckets<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let buckets = PyDict::new(py);
        for (Key(kind, category, a, b, c), ids) in self.places.buckets() {
            let category = self.places.name(category);
            let key = match kind {
                BY_ADDRESS => ("address", category, self.places.name(a as u32)).into_pyobject(py)?,
                BY_GRID => ("grid", category, self.places.name(a as u32)).into_pyobject(py)?,
                _ => (category, "point", a, b, c).into_pyobject(py)?,
            };
            buckets.set_item(key, PyList::new(py, ids)?)?;
        }
        Ok(buckets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(category: &'static str, point: Option<(f64, f64)>, address: Option<&'static str>)
          -> Place<'static> {
        Place { category, point, address, grid: None, by_grid: false }
    }

    #[test]
    fn the_earliest_within_the_window_at_the_same_place_wins() {
        let mut places = Places::new(250.0);
        places.file("b", &at("roads", None, Some("A1")), 2_000);
        places.file("a", &at("roads", None, Some("A1")), 1_000);
        places.file("c", &at("roads", None, Some("A2")), 500);
        let asked = at("roads", None, Some("A1"));
        assert_eq!(places.earliest("x", &asked, 3_000, 10_000, |_| false), Some((1_000, "a")));
        assert_eq!(places.earliest("x", &asked, 3_000, 1_500, |_| false), Some((2_000, "b")));
        assert_eq!(places.earliest("x", &asked, 3_000, 10_000, |id| id == "a"), Some((2_000, "b")));
        places.remove("a");
        places.remove("b");
        assert_eq!(places.earliest("x", &asked, 3_000, 10_000, |_| false), None);
        assert_eq!(places.len(), 1);
    }

    #[test]
    fn points_within_the_radius_across_a_cell_edge_are_found() {
        let mut places = Places::new(250.0);
        let (lat, lon) = (31.2, 121.4);
        places.file("a", &at("roads", Some((lat, lon)), None), 0);
        let near = (lat + 200.0 / M_PER_DEGREE, lon);
        let far = (lat + 300.0 / M_PER_DEGREE, lon);
        assert_eq!(places.earliest("x", &at("roads", Some(near), None), 10, 100, |_| false),
                   Some((0, "a")));
        assert_eq!(places.earliest("x", &at("roads", Some(far), None), 10, 100, |_| false), None);
        assert_eq!(places.earliest("x", &at("parks", Some(near), None), 10, 100, |_| false), None);
    }

    #[test]
    fn names_go_with_the_last_incident_that_names_them() {
        let mut places = Places::new(250.0);
        for n in 0..1_000 {
            let (address, grid) = (format!("A{n}"), format!("G{n}"));
            let place = Place { category: "roads", point: None, address: Some(&address),
                                grid: Some(&grid), by_grid: n % 2 == 0 };
            places.file("a", &place, n);
            places.file("b", &place, n);
            places.remove("b");
        }
        assert_eq!(places.names_held(), 3);   // "roads", A999, G999 for "a"
        assert_eq!(places.earliest("x", &Place { category: "roads", point: None,
            address: Some("A999"), grid: None, by_grid: false }, 999, 10, |_| false),
            Some((999, "a")));
        places.remove("a");
        assert_eq!(places.names_held(), 0);
    }

    #[test]
    fn filing_again_moves_the_incident() {
        let mut places = Places::new(250.0);
        places.file("a", &at("roads", None, Some("A1")), 0);
        places.file("a", &at("roads", None, Some("A2")), 0);
        assert_eq!(places.earliest("x", &at("roads", None, Some("A1")), 1, 10, |_| false), None);
        assert_eq!(places.buckets().len(), 1);
    }
}
