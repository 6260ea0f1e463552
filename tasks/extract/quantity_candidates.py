"""Candidate numbers of a sentence: written in digits, as a fraction after a cue, after a unit and a dash, or in words."""

from __future__ import annotations

import re
from typing import NamedTuple

from tasks.extract.numbers import number_words, parse_number, parse_number_words
from tasks.extract.quantity_context import overlaps
from tasks.extract.quantity_lexicon import DURATION_UNITS, quantity_lexicon
from tasks.extract.quantity_patterns import quantity_patterns
from tasks.extract.textscan import match_at


class Candidate(NamedTuple):  # a tuple: built for every number read, and cheaper than a dataclass
    start: int
    end: int
    values: list[float]
    approx_words: bool
    b_start: int | None  # second number of a dash range
    kind: str  # digits | words | mult_words (needs a currency: "nghìn tỷ đồng") | fraction


def number_candidates(text: str, lo: int, hi: int, claimed: list[tuple[int, int]] = ()) -> list[Candidate]:
    """Numbers written in digits in text[lo:hi]; none overlapping `claimed` (dates, …: never read)."""
    out = []
    for m in quantity_patterns()["number"].finditer(text, lo, hi):
        start, end = m.span()
        if claimed and overlaps(claimed, start, end):
            continue
        a, b = m.group("a", "b")
        if len(a) > 1 and a[0] == "0" and a[1].isdigit():
            continue  # phone numbers and zero-padded codes
        va = parse_number(a)
        if va is None:
            continue
        values = [va]
        if b:
            vb = parse_number(b)
            if vb is None or vb <= va:
                continue
            values.append(vb)
        out.append(Candidate(start, end, values, False, m.start("b") if b else None, "digits"))
    return out


def fraction_candidates(text: str, low: str, lo: int, hi: int, first_digit: int,
                        claimed: list[tuple[int, int]] = ()) -> list[Candidate]:
    """ "khoảng 1/3 dân số", "chiếm hơn 1/3 doanh thu": a/b after a fraction cue (comparators included);
    none overlapping `claimed` (a date "12/3")."""
    pats = quantity_patterns()
    out = []
    if text.find("/", first_digit, hi) < 0:
        return out
    for m in pats["fraction"].finditer(text, first_digit, hi):
        if claimed and overlaps(claimed, m.start(), m.end()):
            continue
        a, b = int(m.group("a")), int(m.group("b"))
        if not 0 < a < b:
            continue
        if pats["fraction_cue"].search_before(low, lo, m.start())[0] or pats["comp_before"].search_before(low, lo, m.start())[0]:
            out.append(Candidate(m.start(), m.end(), [a / b], False, None, "fraction"))
    return out


def dashed_unit_candidates(text: str, lo: int, hi: int, first_digit: int) -> list[Candidate]:
    """ "kỳ hạn 1 tháng-2 tháng": a number after "<unit>-" counts when the same unit follows it."""
    pats = quantity_patterns()
    out = []
    dash = max(lo, first_digit - 1)  # where a dash right before a digit can be
    if text.find("-", dash, hi) < 0 and text.find("–", dash, hi) < 0:
        return out
    for m in pats["after_word_dash"].finditer(text, dash, hi):
        um = pats["unit"].match(text, m.end(), hi)
        value = parse_number(m.group("n"))
        if not um or value is None:
            continue
        written = um.group("u")
        if text[max(lo, m.start() - len(written)) : m.start()] == written:
            out.append(Candidate(m.start("n"), m.end(), [value], False, None, "digits"))
    return out


def word_candidates(text: str, low: str, lo: int, hi: int, word_starts: list[int] | None = None) -> list[Candidate]:
    """Numbers written in words; `word_starts`, when known, holds every position of text[lo:hi] where a
    number word starts a word (WordStarts over the number scan's words), so the pattern is tried only there."""
    pats, lex = quantity_patterns(), quantity_lexicon()
    out = []
    never_alone, time_alone = lex.never_alone, lex.time_alone
    if word_starts is None:
        runs = pats["words"].finditer(low, lo, hi)
    else:
        runs = match_at(pats["words"], low, word_starts, hi)
    for m in runs:  # runs of number words ("hàng trăm", "mười lăm")
        # what _word_candidate concludes, found cheaply for the words found most: "năm" is mostly the
        # year, "một" counts alone only before a time unit
        if m.group(0) in never_alone:
            continue
        if m.group(0) in time_alone and not _before_duration_unit(text, m.end(), hi):
            continue
        candidate = _word_candidate(text, low, lo, hi, m)
        if candidate is not None:
            out.append(candidate)
    return out


def _word_candidate(text: str, low: str, lo: int, hi: int, m: re.Match) -> Candidate | None:
    """The number a run of number words (matched in the lower-cased text) reads as, if any."""
    pats, lex = quantity_patterns(), quantity_lexicon()
    written = text[m.start() : m.end()].split()
    if written[0][0].isupper() and m.start() != lo or any(w[0].isupper() for w in written[1:]):
        return None  # "Năm", "Ba Lan": capitalised number words are names unless they open the sentence
    words = m.group(0).split()
    while len(words) > 1 and parse_number_words(words) is None and words[-1] in lex.units:
        words.pop()  # "hai năm", "cách đây một năm": the last word is the unit ("năm" = year)
    if words != m.group(0).split():
        m = pats["words"].match(low, m.start(), m.start() + len(" ".join(words)))
    if m is None:
        return None
    first = number_words()[words[0]]
    kind = "words"
    if first.kind == "mult":
        if pats["digit_before"].search(low, max(lo, m.start() - 3), m.start()):
            return None  # the multiplier of a digit number ("5.000 tỷ") that was not a quantity
        kind = "mult_words"  # "nhà máy nghìn tỷ đồng": kept only before a currency
        half = pats["half_before"].search(low, max(lo, m.start() - 5), m.start())
        if half:  # "giá nửa triệu đồng" = 500.000 đồng
            parsed = parse_number_words(words)
            return None if parsed is None else Candidate(half.start(), m.end(), [parsed[0] / 2], False, None, kind)
    elif first.kind in ("tail", "tens", "filler"):
        return None
    if len(words) == 1 and words[0] in lex.not_alone and not _counts_alone(text, low, lo, hi, m, lex.not_alone[words[0]]):
        return None
    if pats["fixed"].match(low, m.start(), hi):
        return None
    parsed = parse_number_words(words)
    if parsed is None:
        return None
    return Candidate(m.start(), m.end(), [parsed[0]], parsed[1], None, kind)


def _counts_alone(text: str, low: str, lo: int, hi: int, m: re.Match, rule: str) -> bool:
    """Whether a number word that counts alone only by `rule` (QuantityLexicon.not_alone) counts at `m`."""
    pats = quantity_patterns()
    if rule == "+":  # "ba" counts in "ba nhóm tuổi", not in "ba mẹ"
        return bool(pats["unit"].match(text, m.end(), hi) or pats["count"].match(text, m.end(), hi))
    if rule == "time":  # "một" is the article, except in "cách đây một năm"
        return _before_duration_unit(text, m.end(), hi) and bool(pats["duration_cue"].search_before(low, lo, m.start())[0])
    return False


def _before_duration_unit(text: str, pos: int, hi: int) -> bool:
    """Whether a unit of duration ("năm", "tháng") follows `pos`."""
    unit = quantity_patterns()["unit"].match(text, pos, hi)
    return unit is not None and quantity_lexicon().units[unit.group("u")].normalized in DURATION_UNITS
