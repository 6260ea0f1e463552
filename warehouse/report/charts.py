"""The report's Bokeh figures: each bar, point or row linked to a table of the sentences behind it."""

from __future__ import annotations

import math

import pandas as pd
from bokeh.layouts import column
from bokeh.models import (CDSView, ColumnDataSource, CustomJS, DataTable, HoverTool, HTMLTemplateFormatter, IndexFilter,
                          NumeralTickFormatter, TableColumn, TapTool)
from bokeh.palettes import Category10_10
from bokeh.plotting import figure as bokeh_figure

WIDTH = 960
EVIDENCE_HEIGHT = 190


def _link() -> HTMLTemplateFormatter:
    """A cell linking to its row's evidence entry (a new model each time: a model belongs to one document)."""
    return HTMLTemplateFormatter(template='<a href="#<%= anchor %>"><%= value %></a>')


# Tapping a bar (or point) shows only its evidence rows; tapping empty space shows them all again.
_FILTER_JS = """
const picked = new Set(bars.selected.indices.map((i) => bars.data.key[i]));
const keys = evidence.data.key;
const shown = [];
for (let i = 0; i < keys.length; i++) { if (picked.size === 0 || picked.has(keys[i])) shown.push(i); }
view.filter.indices = shown;
evidence.change.emit();
"""


def figure(**options):
    """A Bokeh figure without the toolbar's logo (its colours would read as marks to the browser test)."""
    fig = bokeh_figure(**options)
    fig.toolbar.logo = None
    return fig


def data_source(frame: pd.DataFrame) -> ColumnDataSource:
    """A ColumnDataSource of a frame's columns (given as arrays: Bokeh's own DataFrame path resets the index in place)."""
    return ColumnDataSource({name: frame[name].to_numpy() for name in frame.columns})


def anchor(article_id: str, sentence_index) -> str:
    """Id of the evidence entry of a sentence (or of the article when the fact has no sentence)."""
    if not isinstance(article_id, str):  # a rejected input that never became an article
        return "rejects"
    if sentence_index is None or sentence_index is pd.NA or (isinstance(sentence_index, float) and math.isnan(sentence_index)):
        return f"a-{article_id}"
    return f"s-{article_id}-{int(sentence_index)}"


def evidence_table(bars: ColumnDataSource, evidence: pd.DataFrame, fact_title: str, detail_title: str,
                   labels: dict[str, str] | None = None) -> DataTable:
    """The rows behind the figure: fact, detail and sentence, each linking to its evidence entry."""
    shown = evidence.assign(anchor=[anchor(a, s) for a, s in zip(evidence["article_id"], evidence["sentence_index"])])
    shown["label"] = shown["key"].map(labels) if labels else shown["key"]
    shown["snippet"] = shown["sentence"].fillna(shown.get("title", "")).fillna("").str.slice(0, 110)
    source = data_source(shown[["key", "label", "fact", "detail", "snippet", "anchor"]].fillna("").astype(str))
    view = CDSView(filter=IndexFilter(list(range(len(shown)))))
    bars.selected.js_on_change("indices", CustomJS(args={"bars": bars, "evidence": source, "view": view}, code=_FILTER_JS))
    columns = [TableColumn(field="label", title="bar", width=140),
               TableColumn(field="fact", title=fact_title, formatter=_link(), width=220),
               TableColumn(field="detail", title=detail_title, width=140),
               TableColumn(field="snippet", title="sentence (click a fact for the article and offsets)", formatter=_link(),
                           width=460)]
    return DataTable(source=source, view=view, columns=columns, width=WIDTH, height=EVIDENCE_HEIGHT,
                     index_position=None, reorderable=False, name="evidence")


def hbar_panel(bars: pd.DataFrame, value: str, title: str, evidence: pd.DataFrame, tooltips: list[tuple[str, str]],
               fact_title: str = "fact", detail_title: str = "detail", axis_label: str | None = None):
    """Horizontal bars (first row on top) with the linked evidence table below."""
    bars = bars.iloc[::-1].reset_index(drop=True)
    bars["label"] = bars["key"].str.split("|").str[0]
    source = data_source(bars)
    height = 90 + 22 * max(len(bars), 1)
    fig = figure(y_range=list(dict.fromkeys(bars["label"])) or [""], height=height, width=WIDTH, title=title,
                 toolbar_location="right", tools="tap,reset,save", x_axis_label=axis_label or value.replace("n_", ""))
    fig.hbar(y="label", right=value, height=0.7, source=source, color=Category10_10[0],
             nonselection_fill_alpha=0.35, selection_fill_color=Category10_10[1])
    fig.add_tools(HoverTool(tooltips=tooltips))
    fig.xaxis.formatter = NumeralTickFormatter(format="0,0")
    fig.ygrid.grid_line_color = None
    labels = dict(zip(bars["key"], bars["label"]))
    return column(fig, evidence_table(source, evidence, fact_title, detail_title, labels))


def time_panel(bars: pd.DataFrame, unit: str, evidence: pd.DataFrame):
    """Articles per source and day (week, month): stacked bars over time."""
    wide = bars.pivot_table(index="day", columns="source", values="articles", aggfunc="sum", fill_value=0)
    sources = [str(s) for s in wide.columns]
    wide.columns = sources
    wide = wide.reset_index()
    wide["key"] = wide["day"].astype(str)
    wide["day"] = pd.to_datetime(wide["day"])
    wide["total"] = wide[sources].sum(axis=1)
    source = data_source(wide)
    fig = figure(x_axis_type="datetime", height=320, width=WIDTH, tools="tap,xpan,xwheel_zoom,reset,save",
                 title=f"Articles per source and {unit} (tap a bar for its articles)", y_axis_label="articles")
    days = {"day": 1, "week": 7, "month": 30}[unit]
    colors = [Category10_10[i % 10] for i in range(len(sources))]
    renderers = fig.vbar_stack(sources, x="day", width=days * 86_400_000 * 0.8, color=colors, source=source,
                               legend_label=sources)
    fig.add_tools(HoverTool(renderers=renderers[-1:], tooltips=[("date", "@key"), ("articles", "@total")]))
    fig.legend.location = "top_left"
    fig.legend.click_policy = "hide"
    return column(fig, evidence_table(source, evidence, "article", "source"))


def map_panel(points: pd.DataFrame, outline: list[tuple[float, float]], evidence: pd.DataFrame):
    """Places at their units' coordinates, sized by mentions, over the post-2025 communes as a faint outline."""
    fig = figure(height=760, width=620, match_aspect=True, tools="tap,pan,wheel_zoom,reset,save",
                 title="Places mentioned, at their units' centres (size: mentions; tap a point for its sentences)",
                 x_axis_label="longitude", y_axis_label="latitude")
    if outline:
        lat, lon = zip(*outline)
        fig.scatter(x=list(lon), y=list(lat), size=2, color="#bbbbbb", alpha=0.6)
    points = points.assign(size=4 + 2 * points["mentions"].pow(0.5).clip(upper=12))
    source = data_source(points)
    dots = fig.scatter(x="longitude", y="latitude", size="size", source=source, color=Category10_10[3], alpha=0.7,
                       line_color="white", nonselection_alpha=0.25)
    fig.select_one(TapTool).renderers = [dots]
    fig.add_tools(HoverTool(renderers=[dots], tooltips=[
        ("place", "@name (@level)"), ("province", "@province"), ("new province code", "@new_province_code"),
        ("new commune code", "@new_commune_code"), ("mentions", "@mentions"), ("articles", "@n_articles")]))
    labels = dict(zip(points["key"], points["name"]))
    return column(fig, evidence_table(source, evidence, "place as written", "level", labels))


def holders_panel(holders: pd.DataFrame):
    """Office holders stated most often, as a table whose role links to the first sentence stating it."""
    shown = holders.assign(anchor=[anchor(a, s) for a, s in zip(holders["article_id"], holders["sentence_index"])])
    source = data_source(shown.drop(columns=["article_id", "sentence_index"]).fillna(""))
    columns = [TableColumn(field="person", title="person", width=180),
               TableColumn(field="role", title="role (links to the sentence)", formatter=_link(), width=180),
               TableColumn(field="organisation", title="organisation", width=380),
               TableColumn(field="n_articles", title="articles", width=70),
               TableColumn(field="statements", title="statements", width=80)]
    return DataTable(source=source, columns=columns, width=WIDTH, height=min(420, 30 + 26 * len(shown)),
                     index_position=None, reorderable=False, name="holders")
