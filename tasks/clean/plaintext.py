"""The plain-text article format (the seed's): title line, optional dateline, paragraphs, captions, byline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime



from tasks.clean.body import Body, build_body, is_punctuation_only
from tasks.clean.datelines import parse_dateline

# How many lines after the title may hold the dateline.
DATELINE_WINDOW = 4


# ---------------------------------------------------------------- the plain-text article format


@dataclass
class PlainArticle:
    title: str
    body: Body
    published_at: datetime | None
    flags: list[str]


def split_blocks(lines: list[str]) -> list[list[str]]:
    """Runs of consecutive non-empty lines; punctuation-only lines (lone ".") separate like blank lines."""
    blocks: list[list[str]] = [[]]
    for line in lines:
        if not line.strip() or is_punctuation_only(line):
            if blocks[-1]:
                blocks.append([])
        else:
            blocks[-1].append(line.strip())
    return [b for b in blocks if b]


def parse_plaintext(text: str) -> PlainArticle:
    """Parse cleaned text in the plain-text article format: title line, optional dateline, paragraphs."""
    blocks = split_blocks(text.split("\n"))
    if not blocks:
        return PlainArticle("", Body(), None, [])
    first = blocks[0]
    title, blocks = first[0], ([first[1:]] if first[1:] else []) + blocks[1:]
    flags: list[str] = []
    published_at = None
    dateline_found = False
    for b_index, block in enumerate(blocks[:DATELINE_WINDOW]):
        for l_index, line in enumerate(block):
            parsed = parse_dateline(line)
            if parsed:
                published_at, dateline_found = parsed.published_at, True
                flags.extend(parsed.flags)
                del block[l_index]
                break
        if dateline_found:
            if not block:
                del blocks[b_index]
            break
    if not dateline_found:
        flags.append("no_published_at: dateline missing")
    body = build_body(blocks)
    flags.extend(body.flags)
    return PlainArticle(title, body, published_at, flags)


