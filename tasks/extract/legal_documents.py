"""The legal_documents fact family: references to legal and party documents ("Nghị quyết số 19-NQ/TU", "Nghị định 15/2020/NĐ-CP"), rows of the `documents` table.

Where it is done: document_refs (a sentence's references, with type, number, issuer and title),
number_scan (the pass over the document, shared with quantities and periods); here, the rows.
"""

from __future__ import annotations

from tasks.extract.extractor import Extractor
from tasks.extract.number_scan import number_scan, warm_up
from tasks.model import Doc
from warehouse.tables import TABLES

DocumentRow = TABLES["documents"].record


def document_rows(doc: Doc) -> list:
    """Rows of the `documents` table."""
    text, article_id = doc.text, doc.article_id
    return [
        DocumentRow(
            article_id=article_id, sentence_index=sentence_index, char_start=d.start, char_end=d.end,
            mention=text[d.start : d.end], doc_type=d.doc_type, number=d.number, document_year=d.year,
            issuer_code=d.issuer_code, issuer=d.issuer, issuer_mention=d.issuer_mention, title=d.title,
        )
        for sentence_index, d in number_scan(doc).documents
    ]


LEGAL_DOCUMENTS = Extractor("legal_documents", "1.0.0", ("documents",), lambda doc: {"documents": document_rows(doc)},
                            warm_up=warm_up)
