"""The regexes quantities are read with: numbers, units and comparators, and the words around them.

Patterns noted "low" run on lower_view(text) and have lower-case literals. Phrases that must open a
word or the window ("(?:^|[\\s(])phrase") check that with a look-behind after their first word, so
the engine does not try the whole pattern at every position.
"""

from __future__ import annotations

import re
from functools import cache

from tasks.common import phrase_alternation
from tasks.extract.numbers import multipliers, number_words
from tasks.extract.quantity_lexicon import QuantityLexicon, quantity_lexicon

NUM = r"(?:\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?)"
# The same number, written to start with a plain digit so the regex engine can skip ahead to digits
# (a pattern opening with a look-behind is tried at every position); the look-behind after the
# first digit checks the character before the number.
_NUM_FROM_DIGIT = r"\d(?<![\w.,/:+\-^]\d)(?:\d{0,2}(?:\.\d{3})+(?:,\d+)?|\d*(?:[.,]\d+)?)"
_WORD = r"[^\W\d_]+"
_WORD_OPEN = r"[^\s(]"  # what may not come right before a phrase that opens a word or the window
_NOT_SPACE = r"\S"


class EndPattern:
    """A pattern for a phrase that ends the text it searches ("… khoảng ", "… đạt"), optionally before
    spaces. The regex tries every position of the text, so the phrase's last word is first checked
    with str.endswith: most windows before a number end in another word."""

    def __init__(self, pattern: str, phrases, space: bool, words: int | None = None):
        self.pattern = re.compile(pattern)
        self.space = space  # whether the pattern needs spaces after the phrase
        last = {p.lower().split(" ")[-1] for p in phrases}
        # a phrase with odd spacing has no plain last word: always run the regex
        self.last_words = None if any(not w or any(c.isspace() for c in w) for w in last) else tuple(sorted(last))
        # how many words a match spans at most (the phrases' most, unless given)
        self.words = None if self.last_words is None else words or max(len(p.split(" ")) for p in phrases)

    def search(self, text: str) -> re.Match | None:
        return self._search(text) if self.may_match(text, 0, len(text)) else None

    def _search(self, text: str) -> re.Match | None:
        """The pattern's search, from the first of the last `words` words of the text: a match ends the
        text, so it starts no earlier."""
        tokens = text.rsplit(None, self.words) if self.words else ()
        if len(tokens) <= (self.words or 0):
            return self.pattern.search(text)
        return self.pattern.search(text, text.find(tokens[1], len(tokens[0])))

    def search_before(self, text: str, lo: int, pos: int, width: int = 40,
                      stripped: int | None = None) -> tuple[re.Match | None, int]:
        """search() in the `width` characters of text[lo:pos] before `pos`, and where that window starts;
        `stripped` as for may_match."""
        start = max(lo, pos - width)
        if not self.may_match(text, start, pos, stripped):
            return None, start  # most windows: without slicing one
        return self._search(text[start:pos]), start

    def may_match(self, text: str, start: int, end: int, stripped: int | None = None) -> bool:
        """False when search(text[s:end]) finds nothing for any s >= start: the phrase's last word does
        not end text[start:end] (before its spaces). `stripped`: stripped_end(text, lo, end) for some
        lo <= start, when the caller has it."""
        if self.last_words is None:
            return True
        if stripped is not None:
            e = max(stripped, start)
        else:
            e = end
            while e > start and text[e - 1].isspace():
                e -= 1
        if self.space and e == end:
            return False
        return text.endswith(self.last_words, start, e)


def _alternation(phrases, lower: bool = False, left: str | None = None) -> str:
    """Regex alternation preferring the longest phrase; `lower` for patterns that run on the lower-cased
    view, `left` a character class that may not come right before the phrase (see phrase_alternation)."""
    return phrase_alternation({p.lower() for p in phrases} if lower else set(phrases), left)


def _ending(phrases, group: str = "", left: str = _WORD_OPEN) -> EndPattern:
    """An EndPattern for `phrases` ending the text before spaces, as group `group` when named ("low")."""
    alternation = _alternation(phrases, lower=True, left=left)
    return EndPattern(rf"(?P<{group}>{alternation})\s+$" if group else rf"(?:{alternation})\s+$", phrases, space=True)


@cache
def quantity_patterns() -> dict[str, re.Pattern | EndPattern]:
    """Every regex of the quantity reader, by name."""
    lex = quantity_lexicon()
    return {**_number_patterns(lex), **_unit_patterns(lex), **_clause_patterns(lex)}


def _number_patterns(lex: QuantityLexicon) -> dict[str, re.Pattern | EndPattern]:
    nw = number_words()
    word_alt = _alternation(nw, lower=True)
    word_start = _alternation(nw, lower=True, left=r"\w")
    mult_alt = _alternation(multipliers())
    return {
        # a digit number, or a dash range of two ("20-30%"); not inside codes, dates, versions, 10^9
        "number": re.compile(rf"(?P<a>{_NUM_FROM_DIGIT})(?:\s*[-–]\s*(?P<b>{NUM}))?(?![\d^]|[.,/:\-]\d|\.\w)"),
        # "1/3", "2/3": read as a ratio only after a fraction cue (dates are claimed before)
        "fraction": re.compile(r"(?P<a>\d(?<![\w.,/:+\-^]\d)\d?)/(?P<b>\d{1,3})(?![\w/]|[.,:\-]\d)"),
        "fraction_cue": _ending(lex.fraction_cues),  # low
        # a run of number words that starts a word (not "hai" in "khai"); the look-behind is after the first word
        "words": re.compile(rf"(?:{word_start})(?:\s+(?:{word_alt}))*(?![\w])"),  # low
        "mult": re.compile(rf"\s*(?P<m>(?:{mult_alt})(?:\s+(?:{mult_alt}))*)(?![\w])"),
        "digit_before": re.compile(r"\d\s*$"),
        "half_before": re.compile(r"nửa(?<![\w]nửa)\s+$"),  # low
        "duration_cue": _ending(lex.duration_cues),  # low
        # "1 tháng-2 tháng": a number right after a dash that follows a word
        "after_word_dash": re.compile(r"[-–](?<=[^\W\d_][-–])(?P<n>\d+(?:,\d+)?)(?![\d.,/:\-^]|\.\w)"),
    }


def _unit_patterns(lex: QuantityLexicon) -> dict[str, re.Pattern | EndPattern]:
    unit_alt = _alternation(lex.units)
    comps_before = [p for p, (_, pos) in lex.comparators.items() if pos == "before"]
    comps_after = [p for p, (_, pos) in lex.comparators.items() if pos == "after"]
    comps_age = [p for p, (_, pos) in lex.comparators.items() if pos in ("age", "before")]
    prefix_words = max(len(p.split(" ")) for p in lex.prefix_units) + max((len(p.split(" ")) for p in comps_age), default=0)
    return {
        "prefix_unit": EndPattern(
            rf"(?P<u>{_alternation(lex.prefix_units, lower=True, left=_WORD_OPEN)})\s+"
            rf"(?:(?P<c>{_alternation(comps_age, lower=True)})\s+)?$",
            [*lex.prefix_units, *comps_age], space=True, words=prefix_words,
        ),  # low
        "range_link": re.compile(rf"\s*(?P<l>{_alternation(lex.range_links, lower=True)})\s*(?=\d)"),  # low
        "unit": re.compile(rf"(?:\s*|-)(?P<u>{unit_alt})(?:/(?P<per>{unit_alt}))?(?:(?<=[^\w])|(?![\w]))"),
        "count": re.compile(rf"\s+(?P<c>{_alternation(lex.count_nouns)})(?![\w])"),
        "word": re.compile(rf"\s+({_WORD})"),
        "comp_before": _ending(comps_before, "c"),  # low
        "comp_after": re.compile(rf"\s+(?P<c>{_alternation(comps_after, lower=True)})(?![\w])"),  # low
        "direction": _ending(lex.directions, "d"),  # low
    }


def _clause_patterns(lex: QuantityLexicon) -> dict[str, re.Pattern | EndPattern]:
    return {
        "link": EndPattern(rf"(?P<l>{_alternation(lex.metric_links, lower=True, left=_NOT_SPACE)})\s*$",
                           lex.metric_links, space=False),  # low
        "fixed": re.compile(rf"(?:{_alternation(lex.fixed_expressions, lower=True)})(?![\w])"),  # low
        "money": re.compile(rf"(?<![\w])(?:{_alternation(lex.money_context, lower=True)})(?![\w])"),  # low
        "colon_label": re.compile(r"(?P<label>[^:;\n]{2,}):\s+$"),
        "list_end": re.compile(r"\s*(?:[.;]?\s*$|,\s+trong\s+đó)"),
        # ",(?!\d)|[;:()“”\"\n]|\s[-–]\s", written to open with one character class so the engine skips to it
        "clause_break": re.compile(r"[,;:()“”\"\n\s](?:(?<=,)(?!\d)|(?<=[;:()“”\"\n])|(?<=\s)[-–]\s)"),
        # the same without " - ", for clauses without a dash: no longer tried at every space
        "clause_punct": re.compile(r"[,;:()“”\"\n](?:(?<=,)(?!\d)|(?<=[;:()“”\"\n]))"),
    }
