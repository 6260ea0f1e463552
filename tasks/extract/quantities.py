"""The quantities fact family: numbers that measure something ("trên 778 tỷ đồng", "74 dự án", "13,15%") with unit, comparator, metric and period.

Money written with a multiplier but no currency ("tổng đầu tư trên 64 tỷ") is read as đồng when the
same sentence names a currency after it or talks about money (quantities/money_context.txt); otherwise the
number stays a plain count ("1,7 triệu ly sữa" is a count of "ly sữa"). Numbers inside dates, clock
times, time zones, document numbers, codes, versions, ordinals and identifiers are not quantities.
A bare number shares the unit of the next one when a range or list word joins them ("24 đến 48 giờ",
"2 và 3 tháng"); "khoảng 1/3" after a comparator is a ratio; a grouped number ("2.000 báo đen") counts
what follows it. Case-insensitive patterns run on a lower-cased view of the document, built once.

Where it is done: quantity_candidates (the numbers of a sentence), quantity_context (units,
comparators, direction, identifiers, counted object), quantity_metric (the measured noun phrase),
quantity_reader (a quantity from a candidate), number_scan (the pass over the document, shared with
periods and legal documents, which links each quantity to its period); here, the rows.
"""

from __future__ import annotations

from tasks.extract.extractor import Extractor
from tasks.extract.number_scan import number_scan, warm_up
from tasks.model import Doc
from warehouse.tables import TABLES

QuantityRow = TABLES["quantities"].record


def quantity_rows(doc: Doc) -> list:
    """Rows of the `quantities` table, each with the period its number refers to."""
    text, article_id = doc.text, doc.article_id
    return [
        QuantityRow(
            article_id=article_id, sentence_index=sentence_index, char_start=q.start, char_end=q.end,
            mention=text[q.start : q.end], value=q.value, unit_written=q.unit_written,
            normalized_value=q.normalized_value, normalized_unit=q.normalized_unit, comparator=q.comparator,
            direction=q.direction, counted_object=q.counted_object, metric=q.metric,
            period_start=period.start_date if period else None,
            period_end=period.end_date if period else None,
            period_mention=text[period.start : period.end] if period else None,
            approximate=q.approximate,
        )
        for sentence_index, q, period in number_scan(doc).quantities
    ]


QUANTITIES = Extractor("quantities", "2.0.0", ("quantities",), lambda doc: {"quantities": quantity_rows(doc)},
                       warm_up=warm_up)
