"""Plain values of the territory: kinds, statuses, ids, days and category prefixes."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from enum import Enum
from uuid import NAMESPACE_URL, UUID, uuid5

# Fixed forever: aggregate ids derive from it, so a code always finds its aggregate.
TERRITORY_NAMESPACE = uuid5(NAMESPACE_URL, "urn:grid-dispatch:territory")
# Effective dates are the city's calendar days; China has one offset and no DST.
CITY_UTC_OFFSET = timezone(timedelta(hours=8))


class GridKind(str, Enum):
    COMPREHENSIVE = "comprehensive"
    EXCLUSIVE = "exclusive"


class GridStatus(str, Enum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    FILED = "filed"
    RETIRED = "retired"


class Employment(str, Enum):
    FULL_TIME = "full_time"
    PART_TIME = "part_time"


class DepartmentLevel(str, Enum):
    CITY = "city"
    DISTRICT = "district"
    STREET = "street"


def territory_id(kind: str, code: str) -> UUID:
    return uuid5(TERRITORY_NAMESPACE, f"{kind}\x1f{code}")


def local_day(at: date | datetime, offset: timezone = CITY_UTC_OFFSET) -> date:
    """The city's calendar day at `at`; a naive datetime is taken as city time already."""
    if isinstance(at, datetime):
        return (at.astimezone(offset) if at.tzinfo else at).date()
    return at


def category_matches(prefix: str, category: str) -> bool:
    """Segment-wise: `public-safety.key-person` covers `public-safety.key-person.visit`
    but not `public-safety.key-personnel`."""
    return category == prefix or category.startswith(prefix + ".")


def to_day(value: date | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(value)
