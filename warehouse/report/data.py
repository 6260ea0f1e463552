"""What the report shows, aggregated in DuckDB over the warehouse views: small frames, evidence rows capped per bar."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pandas as pd

# Caps that keep the page small whatever the warehouse's size (the HTML stays well under 5 MB at 100k articles).
EVIDENCE_PER_BAR = 5
EVIDENCE_PER_FIGURE = 250
TOP_NAMES = 15
MAP_POINTS = 800
TABLE_ROWS = 60
MONEY_UNIT = "VND"
COUNT_UNITS = ("count", "person")
# Bylines and photo credits are rows of `roles` too; the office holders are the rest.
NOT_OFFICES = ("tác giả", "CTV", "phóng viên")


@dataclass
class Panel:
    """One figure's data: `bars` (one row per bar, point or row, with a `key`) and the evidence behind each key."""

    bars: pd.DataFrame
    evidence: pd.DataFrame = field(default_factory=pd.DataFrame)
    note: str = ""


def frame(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pd.DataFrame:
    return con.execute(sql, params or []).df()


def row(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple:
    """The first row of a query (the whole result fetched, so the connection is free for the next one)."""
    return con.execute(sql, params or []).fetchall()[0]


def views(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


def columns(con: duckdb.DuckDBPyConnection, view: str) -> set[str]:
    return {row[0] for row in con.execute(f"DESCRIBE {view}").fetchall()}


def _top_per_key(select: str, order: str, keys_first: str = "key") -> str:
    """SQL keeping the first EVIDENCE_PER_BAR rows of each key of `select` (which has a `key` column) by `order`,
    and at most EVIDENCE_PER_FIGURE rows in all, of the keys first in `keys_first` order."""
    return (f"SELECT * EXCLUDE (rank_in_key) FROM (SELECT *, row_number() OVER (PARTITION BY key ORDER BY {order}) "
            f"AS rank_in_key FROM ({select})) WHERE rank_in_key <= {EVIDENCE_PER_BAR} "
            f"ORDER BY {keys_first}, rank_in_key LIMIT {EVIDENCE_PER_FIGURE}")


def totals(con: duckdb.DuckDBPyConnection) -> dict:
    """Head-line numbers: articles, sources, date range, rows per table."""
    head = row(con, "SELECT count(*), count(DISTINCT source), min(published_at)::DATE, max(published_at)::DATE, "
                    "count(*) FILTER (WHERE published_at IS NULL) FROM articles")
    rows = {name: row(con, f"SELECT count(*) FROM {name}")[0] for name in sorted(views(con))}
    return {"articles": head[0], "sources": head[1], "first": head[2], "last": head[3], "undated": head[4], "rows": rows}


def articles_per_day(con: duckdb.DuckDBPyConnection) -> Panel:
    """Articles per source and day (per week or month when the span is long), newest titles as evidence."""
    span = row(con, "SELECT date_diff('day', min(published_at)::DATE, max(published_at)::DATE) FROM articles")[0]
    unit = "day" if (span or 0) <= 400 else "week" if span <= 3650 else "month"
    bars = frame(con, f"SELECT date_trunc('{unit}', published_at::DATE)::DATE AS day, source, count(*) AS articles "
                      "FROM articles WHERE published_at IS NOT NULL GROUP BY ALL ORDER BY day, source")
    bars["key"] = bars["day"].astype(str)
    evidence = frame(con, _top_per_key(
        f"SELECT date_trunc('{unit}', published_at::DATE)::DATE::VARCHAR AS key, article_id, NULL::INTEGER AS sentence_index, "
        "coalesce(title, uri) AS fact, source AS detail, published_at FROM articles WHERE published_at IS NOT NULL",
        "published_at DESC, article_id", keys_first="key DESC"))
    return Panel(bars, evidence.drop(columns="published_at"), note=unit)


_UNIT_PLACES = """
    unit_places AS (SELECT article_id, place_key, new_province_code AS code, mentions FROM places
                    WHERE new_province_code IS NOT NULL),
    sentence_province AS (SELECT e.article_id, e.sentence_index, first(p.code ORDER BY p.mentions DESC, p.code) AS code
                          FROM entities e JOIN unit_places p USING (article_id, place_key)
                          WHERE e.sentence_index IS NOT NULL GROUP BY ALL),
    article_province AS (SELECT article_id, first(code ORDER BY total DESC, code) AS code
                         FROM (SELECT article_id, code, sum(mentions) AS total FROM unit_places GROUP BY ALL)
                         GROUP BY article_id),
    province_names AS (SELECT new_province_code AS code, coalesce(max(new_province_name), max(province_name)) AS province
                       FROM places WHERE new_province_code IS NOT NULL GROUP BY 1),
"""


def _figures_sql(has_places: bool) -> str:
    """Money (VND) and counts with the province they are about: a place named in their sentence, else the
    article's most mentioned one (post-2025 provinces)."""
    kind = (f"CASE WHEN q.normalized_unit = '{MONEY_UNIT}' THEN 'money' ELSE 'count' END")
    units = ", ".join(f"'{u}'" for u in (MONEY_UNIT, *COUNT_UNITS))
    if not has_places:
        return (f"WITH figures AS (SELECT q.*, {kind} AS kind, NULL::VARCHAR AS province FROM quantities q "
                f"WHERE q.normalized_unit IN ({units}))")
    return (f"WITH {_UNIT_PLACES} figures AS (SELECT q.*, {kind} AS kind, n.province FROM quantities q "
            "LEFT JOIN sentence_province sp USING (article_id, sentence_index) "
            "LEFT JOIN article_province ap USING (article_id) "
            "LEFT JOIN province_names n ON n.code = coalesce(sp.code, ap.code) "
            f"WHERE q.normalized_unit IN ({units}))")


def figures_by(con: duckdb.DuckDBPyConnection, by: str, has_places: bool) -> Panel:
    """Sum and number of money and count figures per province (`by`='province') or per period year ('period')."""
    group = "province" if by == "province" else "year(period_start)::VARCHAR"
    base = _figures_sql(has_places)
    bars = frame(con, f"{base} SELECT {group} AS key, kind, sum(normalized_value) AS total, count(*) AS figures, "
                      f"count(DISTINCT article_id) AS n_articles FROM figures WHERE {group} IS NOT NULL "
                      "GROUP BY ALL ORDER BY total DESC")
    evidence = frame(con, base + " " + _top_per_key(
        f"SELECT {group} || '|' || kind AS key, article_id, sentence_index, mention AS fact, "
        "printf('%,.0f %s', normalized_value, normalized_unit) AS detail, normalized_value, "
        f"sum(normalized_value) OVER (PARTITION BY {group}, kind) AS key_total FROM figures WHERE {group} IS NOT NULL",
        "normalized_value DESC, article_id", keys_first="key_total DESC, key"))
    unplaced = row(con, f"{base} SELECT count(*) FROM figures WHERE {group} IS NULL")[0]
    return Panel(bars, evidence.drop(columns=["normalized_value", "key_total"]), note=str(unplaced))


def top_names(con: duckdb.DuckDBPyConnection, entity_type: str) -> Panel:
    """The most mentioned names of one entity type (PER, ORG, LOC), with the sentences that mention them."""
    bars = frame(con, "SELECT canonical_name AS key, count(*) AS mentions, count(DISTINCT article_id) AS n_articles "
                      "FROM entities WHERE type = ? GROUP BY 1 ORDER BY mentions DESC, key LIMIT ?",
                 [entity_type, TOP_NAMES])
    evidence = frame(con, _top_per_key(
        "SELECT canonical_name AS key, article_id, sentence_index, mention AS fact, method AS detail, char_start, "
        "count(*) OVER (PARTITION BY canonical_name) AS key_mentions FROM entities WHERE type = ? AND canonical_name IN "
        "(SELECT canonical_name FROM entities WHERE type = ? GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT ?)",
        "article_id, char_start", keys_first="key_mentions DESC, key"),
        [entity_type, entity_type, TOP_NAMES])
    return Panel(bars, evidence.drop(columns=["char_start", "key_mentions"]))


def place_points(con: duckdb.DuckDBPyConnection) -> Panel:
    """Places with coordinates, one point per unit, sized by mentions; evidence: the first mention per article."""
    if not {"latitude", "longitude"} <= columns(con, "places"):
        return Panel(pd.DataFrame(), note="no coordinates: the places files predate schema version 2 "
                                          "(run `newsfacts reprocess`)")
    unit = "coalesce(commune_code, district_code, province_code) || ':' || level"
    bars = frame(con, f"SELECT {unit} AS key, first(name ORDER BY mentions DESC) AS name, level, "
                      "first(coalesce(new_province_name, province_name)) AS province, "
                      "first(new_province_code) AS new_province_code, first(new_commune_code) AS new_commune_code, "
                      "avg(latitude) AS latitude, avg(longitude) AS longitude, sum(mentions) AS mentions, "
                      "count(DISTINCT article_id) AS n_articles FROM places WHERE latitude IS NOT NULL "
                      "GROUP BY key, level ORDER BY mentions DESC LIMIT ?", [MAP_POINTS])
    evidence = frame(con, _top_per_key(
        f"SELECT {unit} AS key, p.article_id, s.sentence_index, p.name AS fact, p.level AS detail, p.first_char_start, "
        "sum(p.mentions) OVER (PARTITION BY key) AS key_mentions FROM places p LEFT JOIN sentences s "
        "ON s.article_id = p.article_id AND p.first_char_start >= s.char_start AND p.first_char_start < s.char_end "
        "WHERE p.latitude IS NOT NULL", "article_id, first_char_start", keys_first="key_mentions DESC, key"))
    return Panel(bars, evidence.drop(columns=["first_char_start", "key_mentions"]))


def office_holders(con: duckdb.DuckDBPyConnection) -> Panel:
    """(person, role, organisation) stated most often, with the first sentence that states each."""
    marks = ", ".join(f"'{r}'" for r in NOT_OFFICES)
    bars = frame(con, "SELECT person || ' — ' || role || coalesce(' — ' || organisation, '') AS key, person, role, "
                      "organisation, count(DISTINCT article_id) AS n_articles, sum(evidence_count) AS statements, "
                      "first(article_id ORDER BY char_start) AS article_id, "
                      "first(sentence_index ORDER BY char_start) AS sentence_index "
                      f"FROM roles WHERE role NOT IN ({marks}) GROUP BY person, role, organisation "
                      "ORDER BY n_articles DESC, statements DESC, key LIMIT ?", [TABLE_ROWS])
    evidence = bars[["key", "article_id", "sentence_index"]].assign(fact=bars["role"], detail=bars["organisation"])
    return Panel(bars, evidence)


def events(con: duckdb.DuckDBPyConnection) -> Panel | None:
    """Events per type when an `events` table exists (its type column: event_type or type); None otherwise."""
    if "events" not in views(con):
        return None
    have = columns(con, "events")
    kind = next((c for c in ("event_type", "type") if c in have), None)
    if kind is None or not {"article_id", "mention"} <= have:
        return Panel(pd.DataFrame(), note="the events table has no event_type/type and mention columns")
    sentence = "sentence_index" if "sentence_index" in have else "NULL::INTEGER"
    bars = frame(con, f"SELECT {kind}::VARCHAR AS key, count(*) AS events, count(DISTINCT article_id) AS n_articles "
                      "FROM events GROUP BY 1 ORDER BY events DESC")
    evidence = frame(con, _top_per_key(f"SELECT {kind}::VARCHAR AS key, article_id, {sentence} AS sentence_index, "
                                       "mention AS fact, NULL AS detail FROM events", "article_id"))
    return Panel(bars, evidence)


def rejects(con: duckdb.DuckDBPyConnection) -> Panel:
    """Rejected inputs per stage and reason; evidence: the inputs (and their article when one was parsed)."""
    if "rejects" not in views(con):
        return Panel(pd.DataFrame(), note="no input was rejected")
    bars = frame(con, "SELECT stage || ': ' || split_part(reason, ':', 1) AS key, count(*) AS inputs FROM rejects "
                      "GROUP BY 1 ORDER BY inputs DESC LIMIT ?", [TOP_NAMES])
    evidence = frame(con, _top_per_key(
        "SELECT stage || ': ' || split_part(reason, ':', 1) AS key, article_id, NULL::INTEGER AS sentence_index, "
        "uri AS fact, reason AS detail, rejected_at FROM rejects", "rejected_at DESC"))
    return Panel(bars, evidence.drop(columns="rejected_at"))


def quality_flags(con: duckdb.DuckDBPyConnection) -> Panel:
    """Articles per quality flag (the flag's name, before its ':' detail), with the flagged articles."""
    flagged = ("SELECT split_part(flag, ':', 1) AS key, article_id, coalesce(title, uri) AS fact, flag AS detail "
               "FROM (SELECT article_id, title, uri, unnest(quality_flags) AS flag FROM articles)")
    bars = frame(con, f"SELECT key, count(DISTINCT article_id) AS n_articles FROM ({flagged}) GROUP BY 1 "
                      "ORDER BY n_articles DESC LIMIT ?", [TOP_NAMES])
    evidence = frame(con, _top_per_key(f"SELECT *, NULL::INTEGER AS sentence_index FROM ({flagged})", "article_id"))
    return Panel(bars, evidence)


def attach_sentences(con: duckdb.DuckDBPyConnection, evidence: pd.DataFrame) -> pd.DataFrame:
    """Each evidence row with its article's title, source, date and the sentence text (one join in DuckDB)."""
    pairs = evidence[["article_id", "sentence_index"]].drop_duplicates()
    pairs = pairs[pairs["article_id"].notna()]
    con.register("evidence_pairs", pairs)
    has_sentences = "sentences" in views(con)
    sentence = "s.text AS sentence, s.char_start, s.char_end" if has_sentences else \
        "NULL AS sentence, NULL AS char_start, NULL AS char_end"
    join = ("LEFT JOIN sentences s ON s.article_id = e.article_id AND s.sentence_index = e.sentence_index"
            if has_sentences else "")
    out = frame(con, f"SELECT e.article_id, e.sentence_index, a.title, a.source, a.published_at::VARCHAR AS published, "
                     f"a.uri, {sentence} FROM evidence_pairs e JOIN articles a USING (article_id) {join}")
    con.unregister("evidence_pairs")
    return out
