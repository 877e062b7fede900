"""The demo city's departments, addresses (with QR codes) and grid workers."""
from __future__ import annotations

from dispatch.territory import demo_layout as plan

# The routing table (policies/data/category_departments.toml) names the first eleven.
CITY_DEPARTMENTS = [
    ("urban-management", "Urban Management Bureau"),
    ("housing", "Housing and Urban-Rural Development Bureau"),
    ("environment", "Ecology and Environment Bureau"),
    ("public-security", "Public Security Bureau"),
    ("comprehensive-governance", "Comprehensive Governance Office"),
    ("civil-affairs", "Civil Affairs Bureau"),
    ("human-resources", "Human Resources and Social Security Bureau"),
    ("market-supervision", "Market Supervision Bureau"),
    ("transport", "Transport Bureau"),
    ("water-utility", "Water Supply Company"),
    ("emergency", "Emergency Management Bureau"),
    ("city-command-centre", "City Grid Governance Command Centre"),
    ("health", "Health Commission"),
    ("education", "Education Bureau"),
    ("fire-rescue", "Fire and Rescue Detachment")]
DISTRICT_BRANCHES = [("command-centre", "Command Centre", "city-command-centre"),
                     ("public-security", "Public Security Branch", "public-security"),
                     ("urban-management", "Urban Management Brigade", "urban-management"),
                     ("civil-affairs", "Civil Affairs Office", "civil-affairs")]
MANAGING_UNITS = [
    ("dongtan-industrial-park-committee", "Dongtan Industrial Park Management Committee", "D03"),
    ("nanqiao-university-campus-office", "Nanqiao University Campus Management Office", "D02"),
    ("huaxin-hospital-logistics-office", "Huaxin People's Hospital Logistics Office", "D01"),
    ("huaxin-market-management-office", "Huaxin Central Market Management Office", "D01"),
    ("meilong-research-park-committee", "Meilong Research Park Management Committee", "D02")]
ROADS = ["Jinqiao", "Zhangheng", "Longyang", "Yanggao", "Pudian", "Lancun", "Dongfang",
         "Chunxiao", "Hongfeng", "Guanglan", "Lianxi", "Yunshan"]
SURNAMES = ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu",
            "Xu", "Sun", "Hu", "Zhu", "Gao", "Lin", "He", "Guo", "Ma", "Luo"]
GIVEN = ["Wei", "Fang", "Min", "Jing", "Lei", "Qiang", "Yan", "Jun", "Hui", "Ping", "Gang",
         "Xia", "Tao", "Ming", "Hong", "Li", "Yong", "Na", "Jie", "Bo", "Lan", "Chao", "Ying"]
SPOTS = [(0.3, 0.35), (0.55, 0.62), (0.74, 0.28)]   # where in a grid's cell its plates are
SINCE, HANDOVER = "2024-06-01", "2025-09-01"


def departments(districts: list[str], streets: list[str]) -> list[dict]:
    records = [{"code": c, "name": n, "level": "city", "parent": None, "unit": None}
               for c, n in CITY_DEPARTMENTS]
    for d in districts:
        records += [{"code": f"{d}-{c}", "name": f"{d} {n}", "level": "district",
                     "parent": parent, "unit": d} for c, n, parent in DISTRICT_BRANCHES]
    for n, s in enumerate(streets):
        district = districts[n // len(plan.STREET_ROWS)]
        records.append({"code": f"{s}-office", "name": f"{s} Street Office", "level": "street",
                        "parent": f"{district}-command-centre", "unit": s})
    records += [{"code": c, "name": n, "level": "district", "parent": f"{d}-command-centre",
                 "unit": d} for c, n, d in MANAGING_UNITS]
    return records


def addresses(grids: list[dict], cells: dict[str, tuple[int, int]],
              gap: tuple[int, int]) -> list[dict]:
    records = []
    for grid in grids:
        number = int(grid["id"][1:])
        for k, (u, v) in enumerate(SPOTS, 1):
            road = ROADS[(number + k) % len(ROADS)]
            records.append({
                "id": f"A-{grid['id']}-{k:03d}", "qr_code": f"QR-{number:04d}-{k:03d}",
                "text": f"No. {(number * 7 + k * 13) % 400 + 1} {road} Road, {grid['name']}",
                "point": plan.point_in_cell(*cells[grid["id"]], u, v),
                "assignments": [{"grid": grid["id"], "effective_from": SINCE}]})
    # On the cell nobody owns yet: registered, but no grid will take it.
    records.append({"id": "A-GAP-001", "qr_code": "QR-GAP-001",
                    "text": "No. 1 Unclaimed Lane (no agreed owner)",
                    "point": plan.point_in_cell(*gap, 0.5, 0.5), "assignments": []})
    return records


def workers(grids: list[dict]) -> list[dict]:
    ids = [g["id"] for g in grids if g["kind"] == "comprehensive"
           and g["name"] != "Meilong Research Park"]
    street = {g["id"]: g["street"] for g in grids}
    short = {"ST09", "ST10", "ST11", "ST12"}      # the district with too few workers
    by = lambda tag: (lambda g: plan.score(tag, g))  # noqa: E731
    vacant = (sorted((g for g in ids if street[g] in short), key=by("vacant"))[:9]
              + sorted((g for g in ids if street[g] not in short), key=by("vacant"))[:3])
    doubled: dict[str, str] = {}           # grid held by its neighbour's worker → that grid
    for g in sorted(ids, key=by("double")):
        before = f"G{int(g[1:]) - 1:04d}"
        taken = set(vacant) | set(doubled) | set(doubled.values())
        if before in ids and street[before] == street[g] and not ({g, before} & taken):
            doubled[g] = before
        if len(doubled) == 8:
            break
    handed = sorted((g for g in ids if g not in set(vacant) | set(doubled)
                     | set(doubled.values())), key=by("handover"))[:4]
    records: list[dict] = []
    for grid in grids:
        g = grid["id"]
        if g in vacant or g in doubled:
            continue
        held = [{"grid": g, "since": SINCE, "until": HANDOVER if g in handed else None}]
        held += [{"grid": other, "since": SINCE, "until": None}
                 for other, holder in doubled.items() if holder == g]
        records.append(_worker(len(records), "full_time", held))
    for g in handed:
        records.append(_worker(len(records), "full_time",
                               [{"grid": g, "since": HANDOVER, "until": None}]))
    part_time = vacant[:5] + sorted((g for g in ids if g not in vacant), key=by("part"))[:35]
    for g in part_time:
        records.append(_worker(len(records), "part_time",
                               [{"grid": g, "since": SINCE, "until": None}]))
    return records


def _worker(n: int, employment: str, assignments: list[dict]) -> dict:
    name = f"{SURNAMES[n % 20]} {GIVEN[n * 7 % 23]}{GIVEN[n * 11 % 23].lower()}"
    return {"id": f"W{n + 1:04d}", "name": name, "employment": employment,
            "assignments": assignments}
