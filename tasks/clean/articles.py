"""The Article or Reject a reader makes of one input, with the fields every format fills the same way."""

from __future__ import annotations

from tasks.clean.body import Body, title_paragraph
from tasks.model import Article, Reject, SourceItem


class InputRejected(ValueError):
    """The whole input cannot be read; the message is the human reason."""


def input_reject(item: SourceItem, reason: str, uri: str | None = None, detail: str | None = None) -> Reject:
    """A clean-stage reject of `item` (or of one record of it, at `uri`)."""
    return Reject(stage="clean", reason=reason, source=item.source, uri=uri or item.uri, location=item.location,
                  detail=detail)


def new_article(item: SourceItem, uri: str, title: str, body: Body, **fields) -> Article:
    """An Article of `body` under `title`; the body's author and flags complete those the reader found."""
    flags = list(fields.pop("quality_flags", []))
    return Article(
        source=item.source,
        uri=uri,
        title=title,
        paragraphs=[title_paragraph(title), *body.paragraphs],
        images=list(body.images),
        lead=body.lead,
        author=fields.pop("author", None) or body.author,
        quality_flags=flags + [f for f in body.flags if f not in flags],
        **fields,
    )
