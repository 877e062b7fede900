"""The administrative tree (district → street → community) and the departments.

These change rarely; each is registered once, with its parent, and keeps its code forever.
"""
from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from dispatch.territory.values import DepartmentLevel, territory_id


class District(Aggregate):
    @staticmethod
    def create_id(code: str) -> UUID:
        return territory_id("district", code)

    @event("Registered")
    def __init__(self, code: str, name: str):
        self.code = code
        self.name = name


class Street(Aggregate):
    @staticmethod
    def create_id(code: str) -> UUID:
        return territory_id("street", code)

    @event("Registered")
    def __init__(self, code: str, name: str, district: str):
        self.code = code
        self.name = name
        self.district = district


class Community(Aggregate):
    @staticmethod
    def create_id(code: str) -> UUID:
        return territory_id("community", code)

    @event("Registered")
    def __init__(self, code: str, name: str, street: str):
        self.code = code
        self.name = name
        self.street = street


class Department(Aggregate):
    """A line department (条线) at city, district or street level.

    `unit` is the district or street it serves below city level, so a district's police
    branch can be told from the city bureau it reports to (`parent`).
    """

    @staticmethod
    def create_id(code: str) -> UUID:
        return territory_id("department", code)

    @event("Registered")
    def __init__(self, code: str, name: str, level: str, parent: str | None,
                 unit: str | None):
        self.code = code
        self.name = name
        self.level = DepartmentLevel(level)
        self.parent = parent
        self.unit = unit
