"""The dispatcher keeps what a location means on a day: a kept answer is the one it would
work out afresh, whatever came before it, for any category."""
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dispatch.service_layer.dispatcher import Dispatcher, place_of
from policies.situation import situation_from
from tests.city import demo_view, dispatcher

VIEW = demo_view()
# G0040/G0041 lie where an enclave's overlay hands some categories to another district;
# G0203 changes hands on 2027-01-01.
GRIDS = sorted(VIEW.grids)[:3] + ["G0040", "G0041", "G0203", "G-NOWHERE"]
ADDRESSES = sorted(VIEW.addresses)[:4] + ["A-NOWHERE"]
PLATES = sorted(VIEW.qr_codes)[:3] + ["QR-NOWHERE"]

locations = st.one_of(
    st.builds(lambda g: {"grid_id": g}, st.sampled_from(GRIDS)),
    st.builds(lambda a: {"address_id": a}, st.sampled_from(ADDRESSES)),
    st.builds(lambda q, g: {"qr_code": q, "grid_id": g}, st.sampled_from(PLATES),
              st.sampled_from(GRIDS)),
    st.builds(lambda lat, lon: {"lat": lat, "lon": lon},
              st.floats(31.0, 31.5), st.floats(121.2, 121.7)),
    # a point beside a key that may or may not resolve: kept without the point only when
    # the key answered
    st.builds(lambda key, lat, lon: {**key, "lat": lat, "lon": lon},
              st.sampled_from([{"grid_id": g} for g in GRIDS]
                              + [{"qr_code": q} for q in PLATES] + [{}]),
              st.sampled_from([31.0, 31.23, 31.25, 31.5]),
              st.sampled_from([121.2, 121.45, 121.47, 121.7])),
    st.builds(lambda g, lat: {"grid_id": g, "lat": lat}, st.sampled_from(GRIDS),
              st.sampled_from([31.23, None])),
    st.just({"grid_id": GRIDS[0], "floor": [1, 2]}))   # a field of its own: not kept
moments = st.builds(
    lambda day, minutes, offset: datetime(2026, 11, 1, tzinfo=timezone(timedelta(hours=offset)))
    + timedelta(days=day, minutes=minutes),
    st.sampled_from([0, 1, 60, 61, 400]),   # 61: 2027-01-01, when G0203 changes hands
    st.sampled_from([0, 15 * 60, 23 * 60 + 59, 16 * 60 - 1, 16 * 60]),
    st.sampled_from([8, 0, -5]))
asks = st.tuples(locations, st.sampled_from(["city-appearance.litter", "x.y",
                                             "household-registration.move",
                                             "public-safety.key-person.visit"]),
                 st.sampled_from(["hotline", "app"]), st.sampled_from(["normal", "urgent"]),
                 moments)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sequence=st.lists(asks, min_size=1, max_size=12))
def test_a_kept_answer_is_the_one_worked_out_afresh(sequence):
    keeping = Dispatcher(VIEW, dispatcher().policy)
    for location, category, source, priority, at in sequence:
        kept = keeping.place(location, category, source, priority, at)
        fresh = Dispatcher(VIEW, dispatcher().policy).place(location, category, source,
                                                            priority, at)
        assert kept == fresh
        assert kept.located == place_of(fresh.resolution, fresh.grid_workers)
        assert kept.situation == situation_from(fresh.resolution, category, source, priority,
                                                at.astimezone(keeping.tz))


def test_the_same_grid_asked_again_is_answered_from_what_was_kept():
    keeping = Dispatcher(VIEW, dispatcher().policy)
    at = datetime(2026, 11, 26, 10, tzinfo=timezone.utc)
    first = keeping.place({"grid_id": GRIDS[0]}, "x.y", "app", "normal", at)
    again = keeping.place({"grid_id": GRIDS[0]}, "x.y", "hotline", "urgent",
                          at + timedelta(hours=1))
    assert again.resolution is first.resolution and again.located is first.located
    assert (again.situation.source, again.situation.priority) == ("hotline", "urgent")
    assert again.situation.at == (at + timedelta(hours=1)).astimezone(keeping.tz)


def test_a_kept_place_is_kept_by_category_too():
    """G0040 lies in an enclave whose overlay hands household registration to D02."""
    keeping = Dispatcher(VIEW, dispatcher().policy)
    at = datetime(2026, 11, 26, 10, tzinfo=timezone.utc)
    first = keeping.place({"grid_id": "G0040"}, "household-registration.move", "app", "normal", at)
    other = keeping.place({"grid_id": "G0040"}, "x.y", "app", "normal", at)
    assert (first.situation.district, other.situation.district) == ("D02", "D01")


def test_a_point_beside_a_key_that_answers_shares_the_keys_answer():
    keeping = Dispatcher(VIEW, dispatcher().policy)
    at = datetime(2026, 11, 26, 10, tzinfo=timezone.utc)
    first = keeping.place({"grid_id": GRIDS[0], "lat": 31.2, "lon": 121.4}, "x.y", "app",
                          "normal", at)
    again = keeping.place({"grid_id": GRIDS[0], "lat": 31.3, "lon": 121.5}, "x.y", "app",
                          "normal", at)
    assert first.resolution.how == "grid_id" and again.resolution is first.resolution
    # a key that does not resolve leaves it to the point, each time afresh
    one = keeping.place({"grid_id": "G-NOWHERE", "lat": 31.23, "lon": 121.45}, "x.y", "app",
                        "normal", at)
    other = keeping.place({"grid_id": "G-NOWHERE", "lat": 31.0, "lon": 121.2}, "x.y", "app",
                          "normal", at)
    assert one.resolution.how == "point" and one.resolution.grid is not None
    assert other.resolution != one.resolution
