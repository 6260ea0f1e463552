"""Sentence splitting of cleaned Vietnamese text, with offsets into the article text."""

from __future__ import annotations

import re
from functools import cache

from tasks.lexicon import word_list
from tasks.model import Paragraph, Sentence
from tasks.settings import load_settings

# A sentence ends at . ! ? or … (possibly repeated, possibly followed by a closing quote or
# bracket), when whitespace and then an upper-case letter, digit or opening quote follow.
_BOUNDARY = re.compile(r"""([.!?…]+["'”’)\]]*)(\s+)(?=["“‘(\[]?[0-9A-ZÀ-Ỹ])""")
_TOKEN_BEFORE = re.compile(r"(\S+)$")


@cache
def _max_sentence_chars() -> int:
    return load_settings().max_sentence_chars


@cache
def _no_break_tokens() -> frozenset[str]:
    return frozenset(word_list("no_break_before_period.txt"))


def split_paragraph(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences of one paragraph, shifted by `offset`, stripped."""
    spans, start = [], 0
    keep_together = _no_break_tokens()
    for m in _BOUNDARY.finditer(text):
        before = _TOKEN_BEFORE.search(text, 0, m.start())
        token = before.group(1) if before else ""
        if m.group(1) == "." and (token in keep_together or len(token) == 1 and token.isupper()):
            continue
        spans.append((start, m.end(1)))
        start = m.end()
    spans.append((start, len(text)))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s + offset, e + offset))
    return out


def cap_length(spans: list[tuple[int, int]], text: str, offset: int, limit: int) -> list[tuple[int, int]]:
    """Cut spans longer than `limit` at the last space before it (or hard at the limit)."""
    out = []
    for s, e in spans:
        while e - s > limit:
            cut = text.rfind(" ", s - offset, s - offset + limit)
            cut = s - offset + limit if cut <= s - offset else cut + 1
            out.append((s, offset + cut))
            s = offset + cut
        out.append((s, e))
    return out


def split_sentences(paragraphs: list[Paragraph]) -> list[Sentence]:
    """Sentences of an assembled article, numbered across paragraphs."""
    sentences: list[Sentence] = []
    limit = _max_sentence_chars()
    for p in paragraphs:
        for s, e in cap_length(split_paragraph(p.text, p.char_start), p.text, p.char_start, limit):
            sentences.append(Sentence(len(sentences), p.index, s, e))
    return sentences
