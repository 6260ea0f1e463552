"""Sentence splitting of cleaned Vietnamese text, with offsets into the article text."""

from __future__ import annotations

import re
from functools import cache

from tasks.lexicon import word_list
from tasks.model import Paragraph, Sentence
from tasks.settings import load_settings

# A sentence ends at . ! ? or … (possibly repeated, possibly followed by a closing quote or
# bracket), when whitespace and then an upper-case letter, digit or opening quote follow.
# ("[.!?…][.!?…]*" rather than "[.!?…]+": a pattern that starts with a character class lets the
# regex engine skip to those characters instead of trying a match at every position.)
_BOUNDARY = re.compile(r"""([.!?…][.!?…]*["'”’)\]]*)(\s+)(?=["“‘(\[]?[0-9A-ZÀ-Ỹ])""")


@cache
def _max_sentence_chars() -> int:
    return load_settings().max_sentence_chars


@cache
def _no_break_tokens() -> frozenset[str]:
    return frozenset(word_list("sentences/no_break_before_period.txt"))


def _token_before(text: str, end: int) -> str:
    """The run of non-space characters that ends at `end` ("" if none), as `(\\S+)$` finds it in text[:end].

    Walks back from `end`: a regex search would scan the paragraph from its start for every boundary.
    """
    if end and text[end - 1] == "\n":
        end -= 1  # "$" also matches just before a final newline
    start = end
    while start and not text[start - 1].isspace():
        start -= 1
    return text[start:end]


def split_paragraph(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences of one paragraph, shifted by `offset`, stripped."""
    spans, start = [], 0
    keep_together = _no_break_tokens()
    for m in _BOUNDARY.finditer(text):
        if m.group(1) == ".":
            token = _token_before(text, m.start())
            if token in keep_together or len(token) == 1 and token.isupper():
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
        spans = split_paragraph(p.text, p.char_start)
        if len(p.text) > limit:  # no sentence is longer than its paragraph: most need no cutting
            spans = cap_length(spans, p.text, p.char_start, limit)
        for s, e in spans:
            sentences.append(Sentence(len(sentences), p.index, s, e))
    return sentences
