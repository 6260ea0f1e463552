"""Vietnamese number reading: digit groups ("1.234,5"), multipliers ("778 tỷ"), number words and when they count alone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from tasks.lexicon import table

# Vietnamese writes "." between thousands and "," before decimals: 1.234,5 = 1234.5.
# A dotted number whose groups are not all three digits ("1.2.3.4") is a version/code, not a number.
GROUPED = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?")
_PLAIN = re.compile(r"\d+(?:,\d+)?")
# English-style decimal seen in some articles ("2.5 triệu"): one dot followed by 1-2 digits.
_DOT_DECIMAL = re.compile(r"\d+\.\d{1,2}")


@lru_cache(maxsize=4096)  # the same few numbers ("1", "2018", "10") come back in every article
def parse_number(written: str) -> float | None:
    """The value of a digit-written Vietnamese number, or None when it is not one."""
    written = written.strip()
    if GROUPED.fullmatch(written):
        return float(written.replace(".", "").replace(",", "."))
    if _PLAIN.fullmatch(written):
        return float(written.replace(",", "."))
    if _DOT_DECIMAL.fullmatch(written):
        return float(written)
    return None


@dataclass(frozen=True, slots=True)
class NumberWord:
    word: str
    value: int
    kind: str  # digit | tail | ten | tens | filler | mult | approx


@cache
def number_words() -> dict[str, NumberWord]:
    """Lexicon of number words (quantities/number_words.tsv), keyed by lower-case word."""
    return {row[0]: NumberWord(row[0], int(row[1]), row[2]) for row in table("quantities/number_words.tsv")}


@cache
def multipliers() -> dict[str, int]:
    """Multiplier words ("nghìn" → 1000, "tỷ" → 1e9)."""
    return {w: nw.value for w, nw in number_words().items() if nw.kind == "mult"}


@cache
def not_alone_rules() -> dict[str, str]:
    """When a number word counts on its own (quantities/number_words_not_alone.txt, the one reader of it):
    "+" before a unit or count noun ("ba nhóm"), "time" before a time unit after a duration word
    ("cách đây một năm"), "" never."""
    return {row[0]: row[1] if len(row) > 1 else "" for row in table("quantities/number_words_not_alone.txt")}


def multiplier_value(words: list[str]) -> int | None:
    """Product of a multiplier sequence ("nghìn tỷ" → 1e12), None if a word is not a multiplier."""
    mults = multipliers()
    total = 1
    for w in words:
        if w.lower() not in mults:
            return None
        total *= mults[w.lower()]
    return total


def parse_number_words(words: list[str]) -> tuple[float, bool] | None:
    """(value, approximate) of a spelt-out number ("mười lăm" → 15, "hàng trăm" → (100, True))."""
    lex = number_words()
    items = [lex.get(w.lower()) for w in words]
    if not items or any(i is None for i in items):
        return None
    if items[0].kind == "approx":
        rest = items[1:]
        if not rest or any(i.kind != "mult" for i in rest):
            return None
        value = 1
        for i in rest:
            value *= i.value
        return float(value), True
    total, section, pending, prev = 0, 0, None, None
    for item in items:
        if item.kind == "digit":
            if pending is not None:
                return None
            pending = item.value
        elif item.kind == "tail":
            if prev is None or prev.kind not in ("tens", "ten"):
                return None
            pending = item.value
        elif item.kind == "ten":
            if pending is not None:
                return None
            section += 10
        elif item.kind == "tens":
            if pending is None:
                return None
            section += pending * 10
            pending = None
        elif item.kind == "filler":
            if prev is None or prev.kind != "mult":
                return None
        elif item.kind == "mult":
            section += pending or 0
            pending = None
            if section == 0:
                section = 1
            if item.value == 10:  # "chục": ba chục = 30
                section *= 10
            elif item.value == 100:
                section *= 100
            elif section == 1 and pending is None and prev is not None and prev.kind == "mult":
                total *= item.value  # "nghìn tỷ": a multiplier of the multiplier
                section = 0
            else:
                total += section * item.value
                section = 0
        else:
            return None
        prev = item
    section += pending or 0
    return float(total + section), False
