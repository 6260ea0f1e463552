"""The words quantities are read with (tasks/lang/vi/quantities), as one typed lexicon read once."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from tasks.extract.numbers import not_alone_rules, number_words, parse_number_words
from tasks.lexicon import table, word_list

# Units whose numbers stay quantities even after an identifier word ("ở mức 50%", "số 5 tỷ đồng").
MEASURED = frozenset({"percent", "percentage_point", "VND", "USD", "EUR", "GBP", "JPY", "CNY", "KRW", "THB", "SGD", "AUD"})
COUNT_UNITS = frozenset({"count", "person"})
CURRENCIES = MEASURED - {"percent", "percentage_point"}
# Durations and ratios: a bare clause before them is rarely the thing measured ("thấp nhất 10 năm").
TIME_UNITS = frozenset({"year", "month", "week", "day", "hour", "minute", "second", "decade", "times", "year_of_age"})
DURATION_UNITS = TIME_UNITS - {"times", "year_of_age"}


@dataclass(frozen=True, slots=True)
class Unit:
    written: str
    normalized: str
    factor: float


def phrase_key(text: str) -> str:
    """Lower case with single spaces: the form lexicon phrases are compared in (a word from split() or a
    regex word match, or two joined by a space, is already in it once lower-cased)."""
    return " ".join(text.lower().split())


@dataclass(frozen=True, slots=True)
class QuantityLexicon:
    """Every word list of the quantity reader, keyed by phrase_key where a phrase is looked up."""

    units: dict[str, Unit]  # as written ("tỷ đồng" is a multiplier and a unit; "đồng" → VND)
    count_nouns: dict[str, bool]  # count noun → takes a modifying phrase into the counted object
    comparators: dict[str, tuple[str, str]]  # phrase → (symbol, where: before | after | age)
    prefix_units: dict[str, str]  # a unit written before the number ("tuổi" of "ở tuổi 69")
    range_links: dict[str, str]  # "đến" → range, "và" → list: the bare number shares the next one's unit
    directions: dict[str, str]  # "tăng" → increase, "còn" → level
    # Number word → when it still counts alone: "+" before a unit or count noun ("ba nhóm"), "time"
    # before a time unit after a duration word ("cách đây một năm"), "" never.
    not_alone: dict[str, str]
    # Number words never read as a quantity on their own: no value alone ("tư", "hàng"), or not counted
    # alone ("năm" is mostly the year). Skipping them early is what the checks conclude anyway, and
    # they are most of the number words found.
    never_alone: frozenset[str]
    time_alone: frozenset[str]  # counted alone only before a time unit after a duration word
    counting_words: frozenset[str]  # every number word, lower case
    id_markers: frozenset[str]  # identifier words before a number ("Điều 5", "số 2")
    id_exceptions: frozenset[str]  # phrases ending in one that are not ("tổng số")
    # Last words of the identifier markers, for a test on the lower-cased text: None when one holds a
    # character whose lower case depends on its neighbours or has two characters (sigma, dotted I).
    id_last_words: tuple[str, ...] | None
    stops: frozenset[str]  # words a counted object or a following phrase stops before
    stop_pair_firsts: frozenset[str]  # first words of two-word stops ("so" of "so với"): only then is the next word read
    comp_after_firsts: tuple[str, ...]  # first words of the comparators written after the number ("trở" of "trở lên")
    boundaries: frozenset[str]  # a metric starts after the last of these ("về", "cho biết")
    openers: frozenset[str]  # clause openers stripped from the front of a metric
    trailing: frozenset[str]  # words stripped from the end of a metric
    # Whether the words of lower_view(text) can stand for each word's .lower() when compared with the
    # metric phrases: they differ only by sigma (by its place in the text) and dotted I (kept), which
    # these phrases do not hold.
    lower_view_safe: bool
    fraction_cues: tuple[str, ...]  # "khoảng", "chiếm": before "1/3" it is a ratio
    duration_cues: tuple[str, ...]  # "cách đây" before "một năm"
    metric_links: tuple[str, ...]  # linking verbs between a metric and its number ("đạt", "là")
    fixed_expressions: tuple[str, ...]  # "một số", "một trong những": number words that count nothing
    money_context: tuple[str, ...]  # words of money talk: "64 tỷ" is then đồng


@cache
def quantity_lexicon() -> QuantityLexicon:
    comparators = {phrase_key(row[0]): (row[1], row[2]) for row in table("quantities/comparators.tsv")}
    stops = _keys("quantities/object_stops.txt")
    id_markers = _keys("quantities/id_markers.txt")
    boundaries, openers, trailing = (_keys(f"quantities/{name}.txt") for name in
                                     ("metric_boundaries", "clause_openers", "metric_trailing"))
    return QuantityLexicon(
        units={row[0]: Unit(row[0], row[1], float(row[2])) for row in table("quantities/units.tsv")},
        count_nouns={row[0]: len(row) > 1 and row[1] == "+" for row in table("quantities/count_nouns.txt")},
        comparators=comparators,
        prefix_units={phrase_key(row[0]): row[1] for row in table("quantities/prefix_units.tsv")},
        range_links={phrase_key(row[0]): row[1] for row in table("quantities/range_links.tsv")},
        directions={phrase_key(row[0]): row[1] for row in table("quantities/directions.tsv")},
        not_alone=not_alone_rules(),
        never_alone=_never_alone(),
        time_alone=_time_alone(),
        counting_words=frozenset(w.lower() for w in number_words()),
        id_markers=id_markers,
        id_exceptions=_keys("quantities/id_marker_exceptions.txt"),
        id_last_words=_last_words(id_markers),
        stops=stops,
        stop_pair_firsts=frozenset(p.split(" ")[0] for p in stops if p.count(" ") == 1),
        comp_after_firsts=tuple(sorted({p.split(" ")[0] for p, (_, pos) in comparators.items() if pos == "after"})),
        boundaries=boundaries,
        openers=openers,
        trailing=trailing,
        lower_view_safe=not any(c in p for p in boundaries | openers | trailing for c in "σςİ\u0307"),
        fraction_cues=word_list("quantities/fraction_cues.txt"),
        duration_cues=word_list("quantities/duration_cues.txt"),
        metric_links=word_list("quantities/metric_links.txt"),
        fixed_expressions=word_list("quantities/fixed_expressions.txt"),
        money_context=word_list("quantities/money_context.txt"),
    )


def _keys(name: str) -> frozenset[str]:
    return frozenset(phrase_key(w) for w in word_list(name))


def _never_alone() -> frozenset[str]:
    nw, not_alone = number_words(), not_alone_rules()
    return frozenset(
        w for w, item in nw.items()
        if w.split() == [w] and (parse_number_words([w]) is None
                                 or (item.kind != "mult" and w in not_alone and not_alone[w] not in ("+", "time")))
    )


def _time_alone() -> frozenset[str]:
    nw = number_words()
    return frozenset(w for w, rule in not_alone_rules().items()
                     if rule == "time" and w in nw and nw[w].kind != "mult" and w.split() == [w])


def _last_words(markers: frozenset[str]) -> tuple[str, ...] | None:
    last = {m.split()[-1] for m in markers}
    if any(c in w for w in last for c in "σς\u0307") or any(not w for w in last):
        return None
    return tuple(sorted(last))
