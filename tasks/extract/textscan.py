"""Views of a document's text made once for every sentence scan: the lower-cased text, where vocabulary words start, the first digit."""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache
from typing import NamedTuple

from tasks.common import phrase_alternation

DIGIT = re.compile(r"\d")


def lower_view(text: str) -> str:
    """Lower-cased text with the same length, so offsets found in it hold in `text` (patterns run on it
    without re.IGNORECASE, which is several times slower); the rare character whose lower case is
    longer ("İ") is kept as is."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def first_digit(text: str, lo: int, hi: int) -> int:
    """Where the first digit of text[lo:hi] is, -1 when there is none."""
    m = DIGIT.search(text, lo, hi)
    return m.start() if m else -1


class WordStarts:
    """Where the words of a vocabulary start a word in a lower-cased document, found in one scan of it.

    A pattern that can only match from one of these words (relative periods from "năm", "hôm", …;
    runs of number words) is then tried at those positions of a sentence (match_at) instead of being
    scanned over it, and the words a sentence holds stand in for substring tests before patterns.
    """

    def __init__(self, low: str, vocabulary: frozenset[str]):
        pattern, covers = _word_start_pattern(vocabulary)
        found = list(pattern.finditer(low))
        self.positions = [m.start() for m in found]
        # at each position, the vocabulary word found there (the longest), and the shorter ones that
        # begin it when there are any (they start there too)
        self.words = [m.group() for m in found]
        self.covers = covers

    def within(self, lo: int, hi: int) -> Starts:
        """The vocabulary words starting a word in [lo, hi)."""
        i = bisect_left(self.positions, lo)
        j = bisect_left(self.positions, hi, i)
        if i == j:
            return NO_STARTS
        words = self.words[i:j]
        present = frozenset(words)
        covered = [self.covers[w] for w in words if w in self.covers] if self.covers else None
        if covered:
            present = present.union(*covered)
        return Starts(self.positions[i:j], words, present, self.covers)


class Starts(NamedTuple):
    """The vocabulary words starting a word in a sentence (WordStarts.within)."""

    positions: list[int]
    words: list[str]  # the (longest) word starting at each position
    present: frozenset[str]  # all the words starting there
    covers: dict[str, frozenset[str]]  # word → the shorter vocabulary words that begin it, if any

    def of(self, words: frozenset[str]) -> list[int]:
        """The positions where one of `words` starts (or more: the patterns tried there then fail)."""
        if len(self.positions) == 1 or self.covers:
            return self.positions
        return [p for p, w in zip(self.positions, self.words) if w in words]


NO_STARTS = Starts([], [], frozenset(), {})


@lru_cache(maxsize=8)  # one vocabulary per scan (the number scan's); a few for tests
def _word_start_pattern(vocabulary: frozenset[str]) -> tuple[re.Pattern, dict[str, frozenset[str]]]:
    """The vocabulary words where they start a word (the longest at each position), and for the words
    that shorter vocabulary words begin, those (they start there too)."""
    if any(w.split() != [w] for w in vocabulary):
        raise ValueError("word starts are found for single words")
    covers = {w: frozenset(v for v in vocabulary if w.startswith(v) and v != w) for w in vocabulary}
    return re.compile(phrase_alternation(vocabulary, r"\w")), {w: c for w, c in covers.items() if c}


def match_at(pattern: re.Pattern, text: str, positions: list[int], hi: int):
    """What pattern.finditer(text, lo, hi) finds when `positions` (sorted, in [lo, hi)) holds every
    position where it can match: the pattern is tried there only. For patterns that never match empty."""
    end = -1
    for pos in positions:
        if pos >= end:
            m = pattern.match(text, pos, hi)
            if m is not None:
                yield m
                end = m.end()
