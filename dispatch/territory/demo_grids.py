"""The demo city's communities and grids, cut from the lattice of `demo_layout`."""
from __future__ import annotations

from dispatch.territory import demo_layout as plan

PROPOSED, APPROVED, FILED = "2024-03-01", "2024-04-15", "2024-06-01"
TRANSFER_ON = "2027-01-01"
DISTRICTS = [("D01", "Huaxin District"), ("D02", "Nanqiao District"),
             ("D03", "Dongtan District")]
STREETS = ["Huaxin Road", "Xinmin", "Beiqiao", "Jinhe", "Nanqiao", "Meilong", "Qixin",
           "Hongmei", "Dongtan", "Zhuqiao", "Huinan", "Chenqiao"]
PLACE = ["Lianhua", "Jinhui", "Xingfu", "Heping", "Minsheng", "Yongan", "Changle",
         "Tianshan", "Zhenhua", "Fuxing", "Wanli", "Jingan", "Xiangyang", "Baoshan",
         "Ruijin", "Yuqiao"]
ESTATE = ["Garden", "New Village", "Court", "Estate"]
ENCLAVE = ["Hongxing", "Dongfeng", "Weixing", "Qianjin"]
# first cell (col, row) → block size, name and managing unit (a department code)
EXCLUSIVE = {(22, 1): (2, 2, "Dongtan Industrial Park", "dongtan-industrial-park-committee"),
             (11, 9): (2, 1, "Nanqiao University Campus", "nanqiao-university-campus-office"),
             (4, 10): (1, 1, "Huaxin People's Hospital", "huaxin-hospital-logistics-office"),
             (7, 13): (1, 1, "Huaxin Central Market", "huaxin-market-management-office")}
GAP_CELL = (17, 2)
RESEARCH_PARK = (14, 7)
RESEARCH_PARK_UNIT = "meilong-research-park-committee"
ENCLAVE_COLS, ENCLAVE_ROWS = (3, 5), (4, 8)      # the whole of ST02's second community


def street_code(n: int) -> str:
    return f"ST{n + 1:02d}"


def in_enclave(col: int, row: int) -> bool:
    return ENCLAVE_COLS[0] <= col < ENCLAVE_COLS[1] and ENCLAVE_ROWS[0] <= row < ENCLAVE_ROWS[1]


def communities() -> tuple[list[dict], dict[tuple, str]]:
    """The communities, and which community each (street, chunk) or enclave part is."""
    records, index = [], {}
    for street in range(len(STREETS)):
        for chunk in range(len(plan.COMMUNITY_COLS)):
            if street == 1 and chunk == 1:
                continue        # replaced by the four enclave communities below
            code = f"C{len(records) + 1:03d}"
            n = len(records)
            records.append({"code": code, "name": f"{PLACE[n % 16]} {ESTATE[n // 16 % 4]}"
                            " Community", "street": street_code(street)})
            index[(street, chunk)] = code
    for part, name in enumerate(ENCLAVE):
        code = f"C{len(records) + 1:03d}"
        records.append({"code": code, "name": f"{name} Factory Residential Community",
                        "street": street_code(1)})
        index[("enclave", part)] = code
    return records, index


def community_of(col: int, row: int, index: dict[tuple, str]) -> str:
    if in_enclave(col, row):
        return index[("enclave", (col - ENCLAVE_COLS[0]) * 2 + (row - ENCLAVE_ROWS[0]) // 2)]
    return index[(plan.street_of(col, row), plan.community_chunk(col))]


def grids(index: dict[tuple, str], names: dict[str, str]) -> list[dict]:
    covered = {(c + dc, r + dr) for (c, r), (w, h, *_) in EXCLUSIVE.items()
               for dc in range(w) for dr in range(h)} - set(EXCLUSIVE)
    records, per_community = [], {}
    for street in range(len(STREETS)):
        district, band = divmod(street, len(plan.STREET_ROWS))
        for row in range(*plan.STREET_ROWS[band]):
            for col in range(district * plan.DISTRICT_COLS, (district + 1) * plan.DISTRICT_COLS):
                if (col, row) in covered or (col, row) == GAP_CELL:
                    continue
                records.append(_grid(f"G{len(records) + 1:04d}", col, row, street, index,
                                     names, per_community))
    return records


def _grid(code: str, col: int, row: int, street: int, index: dict, names: dict,
          per_community: dict) -> dict:
    width, height, name, unit = EXCLUSIVE.get((col, row), (1, 1, None, None))
    community = None if unit else community_of(col, row, index)
    if community:
        per_community[community] = per_community.get(community, 0) + 1
        name = f"{names[community].removesuffix(' Community')} Grid {per_community[community]:02d}"
    grid = {"id": code, "name": "Meilong Research Park" if (col, row) == RESEARCH_PARK else name,
            "kind": "exclusive" if unit else "comprehensive", "street": street_code(street),
            "community": community, "managing_unit": unit,
            "boundary": {"type": "Polygon",
                         "coordinates": [plan.block_ring(col, row, width, height)]},
            "proposed_on": PROPOSED, "approved_on": APPROVED, "filed_on": FILED,
            "cell": [col, row]}
    if (col, row) == RESEARCH_PARK:
        grid["changes"] = [{"type": "transfer", "effective_from": TRANSFER_ON,
                            "to_street": street_code(street + 1), "to_community": None,
                            "kind": "exclusive", "managing_unit": RESEARCH_PARK_UNIT}]
    return grid
