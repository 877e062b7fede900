"""The territory: districts, streets, communities, grids, addresses (QR codes), grid
workers, departments and jurisdiction overlays, event-sourced, with a pure read model
that resolves a location to a grid and its responsible units on any day."""
from dispatch.territory.errors import (DateOutOfOrder, DuplicateCode, GridAlreadyRetired,
                                       GridLifecycleError, GridNotActive, GridNotApproved,
                                       GridNotFiled, GridNotProposed, GridOverlap,
                                       GridStillHasAddresses, InvalidTerritoryValue,
                                       TerritoryError, UnknownUnit)
from dispatch.territory.resolution import Resolution, responsible_district
from dispatch.territory.service import TerritoryService
from dispatch.territory.values import DepartmentLevel, Employment, GridKind, GridStatus
from dispatch.territory.view import TerritoryView

__all__ = [
    "DateOutOfOrder", "DepartmentLevel", "DuplicateCode", "Employment", "GridAlreadyRetired",
    "GridKind", "GridLifecycleError", "GridNotActive", "GridNotApproved", "GridNotFiled",
    "GridNotProposed", "GridOverlap", "GridStatus", "GridStillHasAddresses",
    "InvalidTerritoryValue", "Resolution", "TerritoryError", "TerritoryService",
    "TerritoryView", "UnknownUnit", "responsible_district",
]
