"""Which location key decides, when an ingress `location` carries several.

Most trustworthy first. A QR plate is bound to one registered address when it is put up;
an address id comes from the standard-address register (一标三实); a grid id is what the
grid worker's app says the worker is patrolling; GPS fixes err by tens of metres in dense
streets, enough to cross a grid edge, so the point comes last. A key that is given but
does not resolve (an unregistered plate, say) falls through to the next one, and the
`Resolution` notes it, so one bad key does not lose an incident the others can place.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

from dispatch.territory.resolution import Resolution, unresolved

if TYPE_CHECKING:
    from dispatch.territory.view import TerritoryView

PRECEDENCE = ("qr_code", "address_id", "grid_id", "point")


def resolve_location(view: "TerritoryView", location: Mapping[str, Any], day: date) -> Resolution:
    failed: list[str] = []
    for how in PRECEDENCE:
        if how == "point":
            if location.get("lat") is None or location.get("lon") is None:
                continue
            result = view.by_point(location["lon"], location["lat"], day)
        elif location.get(how):
            lookup = {"qr_code": view.by_qr_code, "address_id": view.by_address,
                      "grid_id": view.by_grid}[how]
            result = lookup(location[how], day)
        else:
            continue
        if result.resolved:
            return replace(result, notes=tuple(failed)) if failed else result
        failed.append(f"{how}: {result.reason}")
    if not failed:
        return unresolved(None, day, "no qr_code, address_id, grid_id or lat+lon given")
    return unresolved(failed[0].split(":", 1)[0], day, "; ".join(failed))
