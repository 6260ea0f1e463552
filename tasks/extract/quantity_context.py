"""The words around a number: its multiplier, unit or counted object after it, comparators, direction and identifier words before it."""

from __future__ import annotations

import re

from tasks.extract.numbers import multiplier_value, number_words
from tasks.extract.quantity_lexicon import CURRENCIES, Unit, phrase_key, quantity_lexicon
from tasks.extract.quantity_patterns import NUM, quantity_patterns

_LETTERS_END = re.compile(r"[^\W\d_]+\Z")  # the letters ending a word ("(số" → "số")


def overlaps(spans: list[tuple[int, int]], s: int, e: int) -> bool:
    """Whether [s, e) overlaps one of `spans` (dates, documents and clock times claimed, quantities taken)."""
    for a, b in spans:
        if s < b and e > a:
            return True
    return False


def stripped_end(text: str, lo: int, pos: int) -> int:
    """Where text[lo:pos] ends once the spaces at its end are left out: the checks of the words right
    before a number all start there, so the reader finds it once for them."""
    while pos > lo and text[pos - 1].isspace():
        pos -= 1
    return pos


def read_tail(text: str, lo: int, hi: int, num_end: int) -> tuple[float, str | None, Unit | None, str | None, int, str | None, int]:
    """After a number: (multiplier, multiplier text, unit, rate denominator, unit end, counted object, end)."""
    pats = quantity_patterns()
    mult, mult_text, pos = 1.0, None, num_end
    mm = pats["mult"].match(text, pos, hi)
    if mm and mm.start("m") - pos <= 1:
        mult_text = mm.group("m")
        mult = float(multiplier_value(mult_text.split()))
        pos = mm.end()
    um = pats["unit"].match(text, pos, hi)
    if um:
        units = quantity_lexicon().units
        u, per = um.group("u", "per")
        return mult, mult_text, units[u], units[per].normalized if per else None, um.end(), None, um.end()
    obj, end = counted_object(text, pos, hi)
    return mult, mult_text, None, None, pos, obj, end


def counted_object(text: str, pos: int, hi: int) -> tuple[str | None, int]:
    """The counted noun phrase at `pos` ("trạm tiếp sóng", "phường, xã") and where it ends."""
    pats, lex = quantity_patterns(), quantity_lexicon()
    m = pats["count"].match(text, pos, hi)
    if not m:
        return None, pos
    stops, pair_firsts = lex.stops, lex.stop_pair_firsts
    head = m.group("c")
    start, end = m.start("c"), m.end()
    if lex.count_nouns.get(head, False):
        for _ in range(6):
            w = pats["word"].match(text, end, hi)
            if not w or w.group(1).lower() in stops or not w.group(1).islower():
                break
            # stop before a two-word stop phrase ("so với", "trở lên")
            if w.group(1).lower() in pair_firsts:
                w2 = pats["word"].match(text, w.end(), hi)
                if w2 and f"{w.group(1)} {w2.group(1)}".lower() in stops:
                    break
            end = w.end()
    end = _coordinated_end(text, end, hi)
    return text[start:end], end


def _coordinated_end(text: str, end: int, hi: int) -> int:
    """Where the counted phrase ending at `end` ends with the short coordinated nouns after its commas
    ("7 phường, xã", "25 cuộc kiểm tra, giám sát, thanh tra")."""
    pats, stops = quantity_patterns(), quantity_lexicon().stops
    while text.startswith(",", end):
        n, pos2 = 0, end + 1
        while n < 2:
            w = pats["word"].match(text, pos2, hi)
            if not w or w.group(1).lower() in stops or not w.group(1).islower() or w.group(1) in number_words():
                break  # "ba sản phẩm, một là …": a number word starts a new item
            pos2, n = w.end(), n + 1
        after = text[pos2:hi].lstrip()
        closes = after == "" or after[0] in ",;.)(…" or (
            (w2 := pats["word"].match(text, pos2, hi)) is not None and w2.group(1).lower() in stops
        )
        if n == 0 or not closes:
            break
        end = pos2
    return end


def implied_currency(text: str, low: str, lo: int, hi: int, pos: int) -> str | None:
    """Currency for "64 tỷ" without one: a currency written later in the sentence, else VND in money talk."""
    pats = quantity_patterns()
    units = quantity_lexicon().units
    for m in re.finditer(rf"{NUM}", text[pos:hi]):
        um = pats["unit"].match(text, pos + m.end(), hi)
        if um and units[um.group("u")].normalized in CURRENCIES:
            return units[um.group("u")].normalized
    if pats["money"].search(low, lo, hi):
        return "VND"
    return None


def prefix_unit(low: str, lo: int, start: int, stripped: int | None = None) -> tuple[Unit, int, str] | None:
    """A unit written before the number ("ở tuổi 69", "tuổi ngoài 50"): (unit, where it starts, comparator)."""
    m, win_start = quantity_patterns()["prefix_unit"].search_before(low, lo, start, stripped=stripped)
    if not m:
        return None
    lex = quantity_lexicon()
    unit = Unit(m.group("u"), lex.prefix_units[phrase_key(m.group("u"))], 1.0)
    comparator = lex.comparators[phrase_key(m.group("c"))][0] if m.group("c") else "="
    return unit, win_start + m.start("u"), comparator


def comparators_before(low: str, lo: int, pos: int, stripped: int | None = None) -> tuple[int, str, bool]:
    """(new start, comparator, approximate) from comparator words stacked right before `pos`
    (`stripped`: stripped_end(low, lo, pos), when known)."""
    comps, pattern = quantity_lexicon().comparators, quantity_patterns()["comp_before"]
    symbol, approx, start = "=", False, pos
    for _ in range(3):
        m, win_start = pattern.search_before(low, lo, start, stripped=stripped if start == pos else None)
        if not m:
            break
        sym = comps[phrase_key(m.group("c"))][0]
        if sym == "≈":
            approx = True
            if symbol == "=":
                symbol = sym
        elif symbol in ("=", "≈"):
            symbol = sym
        start = win_start + m.start()
    return start, symbol, approx


def direction_before(low: str, lo: int, pos: int, stripped: int | None = None) -> tuple[str | None, int]:
    """The change a verb before `pos` says ("tăng 10%": increase) and where it starts; None for a level ("còn")."""
    m, win_start = quantity_patterns()["direction"].search_before(low, lo, pos, stripped=stripped)
    if not m:
        return None, pos
    d = quantity_lexicon().directions[phrase_key(m.group("d"))]
    return (None if d == "level" else d), win_start + m.start()


def _previous_words(text: str, lo: int, pos: int) -> list[str]:
    r"""[last two words, last word] (lower case) right before `pos`, each starting the window or after a
    space or "(", followed by spaces only: what "(?:^|[\s(])(\w+(?:\s+\w+)?)\s+$" finds, letters only,
    read from the end of the window instead of trying that pattern at every position."""
    win = text[max(lo, pos - 30) : pos]
    if not win[-1:].isspace():
        return []  # the words are followed by a space
    tokens = win.rsplit(None, 2)
    last = _LETTERS_END.search(tokens[-1]) if tokens else None
    if last is None:
        return []
    word = last.group().lower()
    if last.start() == 0 and len(tokens) > 1:
        first = _LETTERS_END.search(tokens[-2])
        if first is not None and (first.start() == 0 or tokens[-2][first.start() - 1] == "("):
            return [f"{first.group().lower()} {word}", word]
    if last.start() == 0 or tokens[-1][last.start() - 1] == "(":
        return [word, word]
    return []


def is_identifier_context(text: str, low: str, lo: int, pos: int, stripped: int | None = None) -> bool:
    """An identifier word right before the number ("Điều 5", "số 2"), unless a phrase like "tổng số" ends there
    (`stripped`: stripped_end(low, lo, pos), when known)."""
    lex = quantity_lexicon()
    if lex.id_last_words is not None:
        # cheap test first: the lower-cased window must end (before its spaces) with a marker's last word
        start = max(lo, pos - 30)
        end = max(stripped if stripped is not None else stripped_end(low, lo, pos), start)
        if not low.endswith(lex.id_last_words, start, end):
            return False
    prev = _previous_words(text, lo, pos)
    if not prev or prev[0] in lex.id_exceptions:
        return False
    return prev[0] in lex.id_markers or prev[1] in lex.id_markers


def following_phrase(text: str, pos: int, hi: int) -> str | None:
    """Noun phrase right after a number ("57% kế hoạch tỉnh giao", "2.000 báo đen")."""
    return following_phrase_span(text, pos, hi)[0]


def following_phrase_span(text: str, pos: int, hi: int) -> tuple[str | None, int]:
    """The lower-case noun phrase right after `pos` and where it ends (`pos` when there is none)."""
    pats, lex = quantity_patterns(), quantity_lexicon()
    stops, pair_firsts, words, end = lex.stops, lex.stop_pair_firsts, [], pos
    for _ in range(6):
        w = pats["word"].match(text, end, hi)
        if not w or not w.group(1).islower() or w.group(1).lower() in stops:
            break
        if w.group(1).lower() in pair_firsts:
            w2 = pats["word"].match(text, w.end(), hi)
            if w2 and f"{w.group(1)} {w2.group(1)}".lower() in stops:
                break
        words.append(w.group(1))
        end = w.end()
    return " ".join(words) or None, end
