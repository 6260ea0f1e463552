"""The periods fact family: dates and periods ("9 tháng năm 2018", "quý III/2018", "từ đầu năm đến nay") resolved to calendar dates.

Where it is done: period_patterns (the time lexicon and regexes), period_rules (each kind of
mention as pattern, gate and build), period_finder (a sentence's periods, overlaps resolved and
ranges joined), period_dates (the Period type and calendar arithmetic), number_scan (the pass over
the document, shared with quantities and legal documents); here, the rows.
"""

from __future__ import annotations

from tasks.extract.extractor import Extractor
from tasks.extract.number_scan import number_scan, warm_up
from tasks.model import Doc
from warehouse.tables import TABLES

PeriodRow = TABLES["periods"].record


def period_rows(doc: Doc) -> list:
    """Rows of the `periods` table."""
    text, article_id = doc.text, doc.article_id
    return [
        PeriodRow(
            article_id=article_id, sentence_index=sentence_index, char_start=p.start, char_end=p.end,
            mention=text[p.start : p.end], start_date=p.start_date, end_date=p.end_date,
            granularity=p.granularity, recurrence=p.recurrence,
        )
        for sentence_index, p in number_scan(doc).periods
    ]


PERIODS = Extractor("periods", "1.0.0", ("periods",), lambda doc: {"periods": period_rows(doc)}, warm_up=warm_up)
