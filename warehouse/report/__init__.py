"""The analyst's report: warehouse (read through DuckDB views) in, one self-contained HTML file out.

`write_report(warehouse)` writes `<warehouse>/_report/index.html` (or the file it is given): charts
of articles per source and day, money and counts by province and period, office holders, events
(when an `events` table exists), the most mentioned names, a map of places, rejects and quality
flags, and an evidence section every figure links to. All aggregation happens in DuckDB and every
list is capped, so the page stays small (a few MB) and quick to write at 100k articles.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from tasks.extract.admin_units import commune_centres
from warehouse.files import write_atomic
from warehouse.query import connect
from warehouse.report import charts, data
from warehouse.report.page import Section, evidence_html, header_html, render
from warehouse.store import Warehouse

REPORT_PATH = ("_report", "index.html")  # under the warehouse, beside (not inside) the table folders
TITLE = "newsfacts report"
_FIGURE_TOOLTIPS = [("province or period", "@label"), ("total", "@total{0,0}"), ("figures", "@figures"),
                    ("articles", "@n_articles")]


@dataclass
class ReportResult:
    location: str
    size_bytes: int
    seconds: float


def write_report(warehouse: Warehouse, out: Path | None = None) -> ReportResult:
    """Build the report and write it to `out`, else to the warehouse's _report/index.html (local or s3)."""
    started = time.perf_counter()
    html = build_report(warehouse).encode("utf-8")
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(html)
        location = str(out)
    else:
        write_atomic(warehouse.fs, warehouse.path(*REPORT_PATH), html)
        location = warehouse.uri(*REPORT_PATH)
    return ReportResult(location, len(html), time.perf_counter() - started)


def build_report(warehouse: Warehouse) -> str:
    """The report's HTML for the warehouse as it is now."""
    con = connect(warehouse)
    present = data.views(con)
    if "articles" not in present:
        return render(TITLE, "<h1>newsfacts report</h1><p>The warehouse has no articles yet.</p>", [], "")
    sections, evidence = _sections(con, present)
    shown = pd.concat([e for e in evidence if len(e)], ignore_index=True) if any(len(e) for e in evidence) \
        else pd.DataFrame(columns=["key", "article_id", "sentence_index", "fact", "detail"])
    sentences = data.attach_sentences(con, shown)
    header = header_html(TITLE, data.totals(con), sections)
    con.close()
    return render(TITLE, header, sections, evidence_html(shown, sentences))


def _sections(con, present: set[str]) -> tuple[list[Section], list[pd.DataFrame]]:
    """Each section with its figure, and the evidence rows its figure links to."""
    builders = [_articles, _figures]
    if "entities" in present:
        builders.append(_names)
    if "places" in present:
        builders.append(_map)
    if "roles" in present:
        builders.append(_holders)
    builders += [_events, _quality]
    sections, evidence = [], []
    for build in builders:
        for section, rows in build(con, present):
            sections.append(section)
            evidence.append(rows)
    return sections, evidence


def _with_text(con, evidence: pd.DataFrame) -> pd.DataFrame:
    """Evidence rows with the sentence (or the article title) the evidence table shows."""
    if evidence.empty:
        return evidence.assign(sentence=pd.Series(dtype=str), title=pd.Series(dtype=str))
    evidence = evidence.assign(sentence_index=evidence["sentence_index"].astype("Int64"))
    text = data.attach_sentences(con, evidence)[["article_id", "sentence_index", "sentence", "title"]]
    text = text.assign(sentence_index=text["sentence_index"].astype("Int64"))
    return evidence.merge(text, on=["article_id", "sentence_index"], how="left")


def _articles(con, present):
    panel = data.articles_per_day(con)
    if panel.bars.empty:
        yield Section("articles", "Articles per source and day", "No article has a publication date."), panel.evidence
        return
    root = charts.time_panel(panel.bars, panel.note, _with_text(con, panel.evidence))
    yield Section("articles", f"Articles per source and {panel.note}", root=root), panel.evidence


def _figures(con, present):
    if "quantities" not in present:
        yield Section("money", "Money and counts", "No quantities in this warehouse."), pd.DataFrame()
        return
    has_places = {"places", "entities"} <= present
    for by, label in (("province", "province (post-2025)"), ("period", "period (year of the figure's period)")):
        panel = data.figures_by(con, by, has_places)
        note = (f"Sum of the figures stated, attributed to a place named in their sentence, else to the article's most "
                f"mentioned province. {panel.note} figure(s) have no {by}." if by == "province" else
                f"Figures by the year their period starts in. {panel.note} figure(s) have no period.")
        for kind, title, unit in (("money", "Money", "tỷ đồng (billion VND)"), ("count", "Counts", "things counted")):
            bars = panel.bars[panel.bars["kind"] == kind].head(data.TOP_NAMES).copy()
            if by == "period":
                bars = bars.sort_values("key", ascending=False)  # latest year on top
            bars["key"] = bars["key"] + "|" + kind
            bars["total"] = bars["total"] / (1e9 if kind == "money" else 1)
            rows = panel.evidence[panel.evidence["key"].isin(set(bars["key"]))]
            root = charts.hbar_panel(bars, "total", f"{title} by {label}", _with_text(con, rows),
                                     _FIGURE_TOOLTIPS, "figure as written", "normalised", unit)
            yield Section(f"{kind}-{by}", f"{title} by {label}", note, root if len(bars) else None), rows


def _names(con, present):
    for entity_type, title in (("PER", "People"), ("ORG", "Organisations"), ("LOC", "Places")):
        panel = data.top_names(con, entity_type)
        root = charts.hbar_panel(panel.bars, "mentions", f"Most mentioned {title.lower()}", _with_text(con, panel.evidence),
                                 [("name", "@label"), ("mentions", "@mentions"), ("articles", "@n_articles")],
                                 "as written", "found by") if len(panel.bars) else None
        yield Section(f"top-{entity_type.lower()}", f"Most mentioned {title.lower()}", root=root), panel.evidence


def _map(con, present):
    panel = data.place_points(con)
    if panel.bars.empty:
        yield Section("map", "Map of places", panel.note or "No place has coordinates."), panel.evidence
        return
    root = charts.map_panel(panel.bars, commune_centres(), _with_text(con, panel.evidence))
    yield Section("map", "Map of places", "Grey: the 3,321 post-2025 communes. Coloured: the units places resolved "
                  "to (commune, district or province centre).", root), panel.evidence


def _holders(con, present):
    panel = data.office_holders(con)
    root = charts.holders_panel(panel.bars) if len(panel.bars) else None
    yield Section("holders", "Office holders", "Who holds which office, as stated (bylines and photo credits left out); "
                  "the role links to the first sentence that states it.", root), panel.evidence


def _events(con, present):
    panel = data.events(con)
    if panel is None:
        return
    root = charts.hbar_panel(panel.bars, "events", "Events per type", _with_text(con, panel.evidence),
                             [("type", "@label"), ("events", "@events"), ("articles", "@n_articles")],
                             "trigger", "") if len(panel.bars) else None
    yield Section("events", "Events", panel.note, root), panel.evidence


def _quality(con, present):
    for name, build, value, title in (("rejects", data.rejects, "inputs", "Rejected inputs by stage and reason"),
                                      ("flags", data.quality_flags, "n_articles", "Quality flags of loaded articles")):
        panel = build(con)
        root = charts.hbar_panel(panel.bars, value, title, _with_text(con, panel.evidence),
                                 [("", "@label"), (value.replace("n_", ""), f"@{value}")],
                                 "input or article", "reason") if len(panel.bars) else None
        yield Section(name, title, panel.note if panel.bars.empty else "", root), panel.evidence
