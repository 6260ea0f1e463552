"""Fact tables of extract stage I: quantities, periods and legal-document references, each with provenance spans."""

from __future__ import annotations

import pyarrow as pa

from warehouse.contract import Table, article_key_columns, col, extractor_columns, span_columns

_SPAN_KEY = ("article_id", "char_start", "char_end")

QUANTITIES = Table(
    name="quantities",
    doc="Numbers that measure something (money, percentages, counts, areas…), normalised, with comparator, metric and period.",
    key=_SPAN_KEY,
    columns=(
        *article_key_columns(),
        *span_columns(),
        col("value", pa.float64(), "The number as written, before multipliers and unit factors (778 for '778 tỷ đồng').", False),
        col("unit_written", pa.string(), "Multiplier and unit as written after the number ('tỷ đồng', '%', 'đồng/lít'); null for plain counts."),
        col("normalized_value", pa.float64(), "Value in the normalised unit (7.78e11 for '778 tỷ đồng').", False),
        col("normalized_unit", pa.string(), "VND, USD, EUR, percent, count, person, ha, km, m2, tonne, kg, year, … ; rates as 'percent/year'.", False),
        col("comparator", pa.string(), "= > ≥ < ≤ ≈ from 'trên', 'hơn', 'dưới', 'khoảng', 'gần', 'ít nhất', 'tối đa', 'trở lên'…; range ends are ≥ and ≤.", False),
        col("direction", pa.string(), "'increase' or 'decrease' when the number is a change (tăng/giảm 10%), null for a level."),
        col("counted_object", pa.string(), "What is counted ('dự án' in '74 dự án'); null for units."),
        col("metric", pa.string(), "Noun phrase the number measures ('tốc độ tăng trưởng kinh tế bình quân hằng năm'), when found."),
        col("period_start", pa.date32(), "Start of the period the number refers to (same sentence, else the paragraph's framing period)."),
        col("period_end", pa.date32(), "End of that period (inclusive)."),
        col("period_mention", pa.string(), "The period text the dates come from ('9 tháng năm 2018')."),
        col("approximate", pa.bool_(), "True for approximations: 'khoảng', 'gần', 'hàng trăm', 'vài chục'…", False),
        *extractor_columns(),
    ),
)

PERIODS = Table(
    name="periods",
    doc="Dates and periods mentioned in the text, resolved to calendar dates against the publication date.",
    key=_SPAN_KEY,
    columns=(
        *article_key_columns(),
        *span_columns(),
        col("start_date", pa.date32(), "First day of the period; null when it cannot be resolved (relative period, article without date)."),
        col("end_date", pa.date32(), "Last day of the period (inclusive); 'đến nay' ends on the publication date."),
        col("granularity", pa.string(), "day, month, quarter, half, year or range.", False),
        col("recurrence", pa.string(), "yearly, quarterly, monthly, weekly or daily for 'hằng năm', 'mỗi tháng'…; null otherwise."),
        *extractor_columns(),
    ),
)

DOCUMENTS = Table(
    name="documents",
    doc="References to legal, administrative and party documents (Nghị quyết số 19-NQ/TU, Nghị định 15/2020/NĐ-CP…).",
    key=_SPAN_KEY,
    columns=(
        *article_key_columns(),
        *span_columns(),
        col("doc_type", pa.string(), "Kind of document: Nghị quyết, Quyết định, Chỉ thị, Nghị định, Thông tư, Luật, Kết luận…"),
        col("number", pa.string(), "Document number as written, leading zeros kept ('05' in '05-CT/TW').", False),
        col("document_year", pa.int32(), "Year in the number ('15/2020/NĐ-CP') or from the issue date that follows; null if absent."),
        col("issuer_code", pa.string(), "Code after the number: type and issuer ('NQ/TU', 'QĐ-UBND', 'NĐ-CP', 'CT/TW')."),
        col("issuer", pa.string(), "Issuer expanded from the code (TU → Tỉnh ủy, CP → Chính phủ, UBND → Ủy ban nhân dân)."),
        col("issuer_mention", pa.string(), "Issuer as named in the sentence after 'của'/'do' ('BCH Đảng bộ tỉnh')."),
        col("title", pa.string(), "Quoted title that follows the reference (“…” or \"…\")."),
        *extractor_columns(),
    ),
)

FACT_TABLES = (QUANTITIES, PERIODS, DOCUMENTS)
