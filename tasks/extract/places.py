"""An article's places: its place mentions grouped by name, resolved to administrative units (with the article's other
places as context), the bare unit words that refer back to them, the organisations they own, and the `places` rows."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cache, lru_cache

from tasks.clean.textnorm import canonical_key, to_nfc
from tasks.extract.admin_units import current_unit_columns, load_unit_table
from tasks.extract.extractor import Extractor
from tasks.extract.gazetteer import LEVELS_FOR, Unit, candidates, gazetteer, is_unit_name, load_successor_tables, \
    referring_unit_words, successor, unit_name, unit_types
from tasks.extract.mentions import GenericUnitWord, article_mentions
from tasks.extract.names import Mention, canonical_name
from tasks.extract.organisations import canonical_org
from tasks.extract.tokenizer import Tokens
from tasks.lexicon import table
from tasks.model import Doc
from warehouse.tables import TABLES

Place = TABLES["places"].record  # one row of `places`


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


# (sentence index, char start, char end, type word, group key) of a bare unit word that refers to a place.
Referral = tuple[int, int, int, str, str]


@dataclass(slots=True)
class ArticlePlaces:
    """The places of one article, which the entities, places and roles families share."""

    groups: dict[str, PlaceGroup]  # group key -> group
    group_of: dict[int, str]  # id() of a LOC mention -> its group key
    place_keys: dict[str, str]  # group key -> the place_key column ("district:cẩm phả")
    referrals: list[Referral]
    padded_keys: dict[str, str]  # group key -> " <canonical key of the name> ", to find the name inside others


def article_places(doc: Doc) -> ArticlePlaces:
    """The article's places, worked out once per document whichever family asks first."""
    return doc.computed("entity_places", find_article_places)


def find_article_places(doc: Doc) -> ArticlePlaces:
    """The article's LOC mentions grouped, each group resolved and keyed, and the unit words that refer to one."""
    found = article_mentions(doc)
    groups, group_of = _place_groups(doc, found.mentions, found.tokens_by_sentence)
    resolve_groups(list(groups.values()))
    place_keys = {gk: f"{level_of(g)}:{place_name_key(g.name)}" for gk, g in groups.items()}
    padded_keys = {gk: f" {canonical_key(g.name)} " for gk, g in groups.items()}
    return ArticlePlaces(groups, group_of, place_keys, _referrals(found.generic, groups), padded_keys)


def _place_groups(doc: Doc, mentions: list[Mention], tokens_by_sentence: dict[int, Tokens]) \
        -> tuple[dict[str, PlaceGroup], dict[int, str]]:
    """Group LOC mentions by name: bare names join the typed group of the same name."""
    groups: dict[str, PlaceGroup] = {}
    group_of: dict[int, str] = {}
    locs = [m for m in mentions if m.type == "LOC"]
    # Typed mentions first so that "Cẩm Phả" joins "TP Cẩm Phả" rather than founding its own group.
    for m in sorted(locs, key=lambda m: (m.level_hint is None, m.char_start)):
        tokens = tokens_by_sentence[m.sentence_index]
        start = tokens.starts[m.name_first] if m.name_first is not None else m.char_start
        name = to_nfc(doc.text[start : m.char_end])
        name_key = canonical_key(name)
        level = m.level_hint
        if level is None and m.method == "lexicon" and not is_unit_name(name):
            level = "world"  # a country, region or foreign city from the name lists: not a Vietnamese unit
        gk = f"{name_key}|{level}" if level else None
        if level is None:
            same = [k for k in groups if k.split("|")[0] == name_key]
            gk = max(same, key=lambda k: groups[k].mentions) if same else f"{name_key}|"
        g = groups.get(gk)
        if g is None:
            groups[gk] = PlaceGroup(name, m.unit_type, level, 1, m.char_start, m.char_end)
        else:
            g.mentions += 1
            if m.char_start < g.first_char_start:
                g.first_char_start, g.first_char_end = m.char_start, m.char_end
        group_of[id(m)] = gk
    return groups, group_of


def resolve_groups(groups: list[PlaceGroup]) -> None:
    """Resolve each group: unique name → unit; several candidates → those inside the article's other places.

    A bare name that is no province or district may still be a commune, but only the article's other
    places can say which one, so it is never taken as "unique"."""
    admin = [g for g in groups if g.level_hint in (None, *LEVELS_FOR)]
    for g in groups:
        if g not in admin:
            g.resolution = "not_admin"
    pending: dict[int, tuple[PlaceGroup, list[Unit]]] = {}
    bare_communes: set[int] = set()
    for g in admin:
        cands = candidates(g.name, g.level_hint, g.type_word)
        if g.level_hint is None and not cands:
            cands = [u for u in gazetteer().get(canonical_key(unit_name(g.name)), ()) if u.level == "commune"]
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


def _context_filter(cands: list[Unit], provinces: Counter, districts: Counter) -> list[Unit]:
    in_district = [u for u in cands if u.district_code and districts[u.district_code]]
    if in_district:
        return in_district
    return [u for u in cands if provinces[u.province_code]]


def level_of(group: PlaceGroup) -> str:
    """Level column: the resolved unit's level, else what the type word says, else "place"."""
    if group.unit:
        return group.unit.level
    return {
        "city": "district", "below": "below_commune", "street": "street", "feature": "feature",
        "world": "world", None: "place",
    }.get(group.level_hint, group.level_hint or "place")


@lru_cache(maxsize=65536)
def place_name_key(name: str) -> str:
    """Readable key of a place name: textnorm's canonical key (case folded, tone marks unified)."""
    return canonical_key(canonical_name(name))


def referent(groups: dict[str, PlaceGroup], type_word: str) -> str | None:
    """Group key of the place a bare unit word ("thành phố", "tỉnh") refers to: the most-mentioned of its kind."""
    best, best_score = None, 0
    for gk, g in groups.items():
        written = g.type_word or (g.unit.type_word if g.unit else None)
        level = g.unit.level if g.unit else g.level_hint
        if written != type_word or level not in referring_unit_words().get(type_word, ()):
            continue
        if g.mentions > best_score:
            best, best_score = gk, g.mentions
    return best


def _referrals(generic: list[GenericUnitWord], groups: dict[str, PlaceGroup]) -> list[Referral]:
    """The bare unit words that refer to one of the article's places, with that place's group key."""
    out = []
    for sentence_index, a, b, type_word in generic:
        gk = referent(groups, type_word)
        if gk is not None:
            out.append((sentence_index, a, b, type_word, gk))
    return out


@cache
def _level_bound_keys() -> dict[str, str]:
    """Organisations bound to a unit level ("Thành ủy" is a city's), keyed by canonical_key -> that level's unit word."""
    return {canonical_key(org): unit_word for org, unit_word in table("entities/level_bound_organisations.tsv")}


def resolve_organisation(org_written: str | None, places: ArticlePlaces) -> tuple[str | None, str | None]:
    """Organisation with its place made explicit ("Thành ủy" → "Thành ủy Cẩm Phả",
    "HĐND thành phố" → "Hội đồng nhân dân thành phố Cẩm Phả") and that place's key."""
    if not org_written:
        return None, None
    key = f" {canonical_key(org_written)} "
    for gk, padded in places.padded_keys.items():
        if padded in key:
            return canonical_org(org_written), places.place_keys[gk]  # the place is named: "HĐND TP Cẩm Phả"
    words = org_written.split()
    type_word = _level_bound_keys().get(canonical_key(" ".join(words[-2:])))
    if type_word is None:
        admin = unit_types()
        for n in (2, 1):
            tail = " ".join(words[-n:]).casefold()
            if len(words) > n and tail in admin and admin[tail][1] in ("province", "city", "district", "commune"):
                type_word = admin[tail][0]  # "UBND tỉnh", "HĐND thành phố"
                break
    gk = referent(places.groups, type_word) if type_word else None
    if gk is None:
        return canonical_org(org_written), None
    return canonical_org(f"{org_written} {places.groups[gk].name}"), places.place_keys[gk]


def place_rows(doc: Doc) -> list[Place]:
    """The `places` rows of an article: one per place, its mentions counting the unit words that refer to it."""
    places = article_places(doc)
    referred = Counter(r[4] for r in places.referrals)
    return [_place_row(doc.article_id, places.place_keys[gk], g, g.mentions + referred[gk])
            for gk, g in places.groups.items()]


def _place_row(article_id: str, place_key: str, group: PlaceGroup, mentions: int) -> Place:
    u = group.unit
    new_province, new_commune = successor(u) if u else (None, None)
    commune = u if u and u.level == "commune" else None
    return Place(
        article_id=article_id,
        place_key=place_key,
        name=group.name,
        unit_type=group.type_word or (u.type_word if u else None),
        level=level_of(group),
        province_code=u.province_code if u else None,
        province_name=u.province_name if u else None,
        district_code=u.district_code if u else None,
        district_name=u.district_name if u else None,
        commune_code=commune.code if commune else None,
        commune_name=commune.name if commune else None,
        new_province_name=new_province,
        new_commune_name=new_commune,
        **current_unit_columns(u, new_province, new_commune),
        resolution=group.resolution,
        candidates=group.candidate_count,
        mentions=mentions,
        first_char_start=group.first_char_start,
        first_char_end=group.first_char_end,
    )


def warm_up() -> None:
    """Load the successor table and the post-2025 unit table now, so that the first article does not pay for them."""
    load_successor_tables()
    load_unit_table()


PLACES = Extractor("places", "1.1.0", ("places",), lambda doc: {"places": place_rows(doc)}, warm_up=warm_up)
