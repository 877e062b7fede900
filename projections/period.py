"""Assessment periods: a day, an ISO week, a month, or any range, in the city's time."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

CITY_TZ = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Period:
    """[start, end): start inclusive, end exclusive."""
    start: datetime
    end: datetime
    label: str

    def __contains__(self, moment: datetime | None) -> bool:
        return moment is not None and self.start <= moment < self.end

    @classmethod
    def parse(cls, text: str, tz: ZoneInfo = CITY_TZ) -> "Period":
        """`2026-11-26` (day), `2026-W48` (ISO week), `2026-11` (month),
        `2026-11-01..2026-11-15` (days, both included)."""
        def midnight(day: date) -> datetime:
            return datetime.combine(day, time(0), tzinfo=tz)

        if ".." in text:
            first, last = (date.fromisoformat(part) for part in text.split("..", 1))
            if last < first:
                raise ValueError(f"period {text!r}: the end is before the start")
            return cls(midnight(first), midnight(last + timedelta(days=1)), text)
        if match := re.fullmatch(r"(\d{4})-W(\d{2})", text):
            monday = date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
            return cls(midnight(monday), midnight(monday + timedelta(days=7)), text)
        if match := re.fullmatch(r"(\d{4})-(\d{2})", text):
            first = date(int(match.group(1)), int(match.group(2)), 1)
            following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
            return cls(midnight(first), midnight(following), text)
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"period {text!r}: expected YYYY-MM-DD, YYYY-Www, YYYY-MM or "
                             "YYYY-MM-DD..YYYY-MM-DD") from None
        return cls(midnight(day), midnight(day + timedelta(days=1)), text)
