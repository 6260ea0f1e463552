"""The report page: one HTML file with Bokeh's JavaScript inline, the sections, and the evidence every figure links to."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import pandas as pd
from bokeh.document import Document
from bokeh.embed import file_html
from bokeh.resources import INLINE

from warehouse.report.charts import anchor


@dataclass
class Section:
    anchor: str
    title: str
    note: str = ""
    root: object | None = None  # a Bokeh layout, or None for a section of text only


CSS = """
body { font-family: "Liberation Sans", Arial, sans-serif; margin: 0 auto; max-width: 1000px; padding: 0 16px 48px;
       color: #222; }
h1 { margin: 20px 0 4px; } h2 { margin: 32px 0 4px; border-bottom: 1px solid #ddd; }
.note { color: #555; margin: 4px 0 10px; } .meta { color: #666; font-size: 90%; margin: 2px 0 6px; }
nav a { margin-right: 12px; } table.totals td { padding: 1px 12px 1px 0; }
#evidence article { border-top: 1px solid #eee; padding: 6px 0; }
#evidence li { margin: 3px 0; } #evidence li:target, #evidence article:target { background: #fff3bf; }
.facts { color: #1f77b4; font-size: 90%; }
"""

TEMPLATE = """
{% from macros import embed %}
{% block postamble %}<style>{{ page_css }}</style>{% endblock %}
{% block contents %}
{{ header }}
{% for section in sections %}
<section id="{{ section.anchor }}"><h2>{{ section.title | e }}</h2>
{% if section.note %}<p class="note">{{ section.note | e }}</p>{% endif %}
{% if section.root %}{{ embed(roots[section.anchor]) }}{% endif %}
</section>
{% endfor %}
{{ evidence }}
{% endblock %}
"""


def header_html(title: str, totals: dict, sections: list[Section]) -> str:
    dates = f"{totals['first']} – {totals['last']}" if totals["first"] else "no dated article"
    rows = "".join(f"<tr><td>{escape(name)}</td><td align=right>{n:,}</td></tr>" for name, n in totals["rows"].items())
    nav = "".join(f'<a href="#{s.anchor}">{escape(s.title)}</a>' for s in sections) + '<a href="#evidence">Evidence</a>'
    return (f"<h1>{escape(title)}</h1><p class='meta'>{totals['articles']:,} articles from {totals['sources']} "
            f"source(s), published {dates} ({totals['undated']} undated). Tap a bar or point to list the sentences "
            f"behind it; each fact links to its article and sentence below.</p><nav>{nav}</nav>"
            f"<details><summary>Rows per table</summary><table class='totals'>{rows}</table></details>")


def evidence_html(evidence: pd.DataFrame, sentences: pd.DataFrame) -> str:
    """Every article and sentence a figure links to: title, source, date, ids, offsets and the sentence's facts."""
    facts: dict[tuple, dict[str, None]] = {}
    for article_id, sentence_index, fact in zip(evidence["article_id"], evidence["sentence_index"], evidence["fact"]):
        if isinstance(article_id, str) and isinstance(fact, str):
            facts.setdefault(anchor(article_id, sentence_index), {})[fact] = None
    parts = ["<section id='evidence'><h2>Evidence</h2><p class='note'>The articles and sentences the figures "
             "above link to (article id, sentence index and character offsets into articles.text).</p>"]
    ordered = sentences.assign(order=sentences["sentence_index"].fillna(-1)).sort_values(
        ["published", "article_id", "order"], na_position="first")
    current = None
    for row in ordered.to_dict("records"):
        if row["article_id"] != current:
            if current is not None:
                parts.append("</ol></article>")
            current = row["article_id"]
            parts.append(_article_head(row))
        if row["order"] >= 0:
            parts.append(_sentence_item(row, facts.get(anchor(current, row["sentence_index"]), {})))
    if current is not None:
        parts.append("</ol></article>")
    parts.append("</section>")
    return "".join(parts)


def _article_head(row: dict) -> str:
    article_id = escape(row["article_id"])
    return (f"<article id='a-{article_id}'><h3>{escape(str(row['title'] or row['uri']))}</h3>"
            f"<p class='meta'>{escape(str(row['source']))} · {escape(str(row['published'] or 'undated'))}"
            f" · article_id {article_id} · {escape(str(row['uri']))}</p><ol>")


def _sentence_item(row: dict, facts: dict[str, None]) -> str:
    index = int(row["sentence_index"])
    listed = f" <span class='facts'>{escape('; '.join(facts))}</span>" if facts else ""
    return (f"<li id='{anchor(row['article_id'], index)}' value='{index}'>{escape(str(row['sentence'] or ''))} "
            f"<span class='meta'>[sentence {index}, chars {_offset(row['char_start'])}–{_offset(row['char_end'])}]"
            f"</span>{listed}</li>")


def _offset(value) -> str:
    return "?" if value is None or pd.isna(value) else str(int(value))


def render(title: str, header: str, sections: list[Section], evidence: str) -> str:
    """The whole page; Bokeh includes only the JavaScript bundles the figures use (no CDN, no server)."""
    if not any(section.root is not None for section in sections):  # nothing to draw: no Bokeh at all
        return (f"<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'><title>{escape(title)}</title>"
                f"<style>{CSS}</style></head><body>{header}{evidence}</body></html>")
    doc = Document()
    for section in sections:
        if section.root is not None:
            section.root.name = section.anchor
            doc.add_root(section.root)
    return file_html(doc, INLINE, title, template=TEMPLATE,
                     template_variables={"page_css": CSS, "header": header, "sections": sections, "evidence": evidence})
