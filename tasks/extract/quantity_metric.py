"""The metric of a quantity: the noun phrase the number measures, read from the clause before it ("doanh thu của công ty đạt 10 tỷ đồng")."""

from __future__ import annotations

from tasks.extract.quantity_context import overlaps
from tasks.extract.quantity_lexicon import quantity_lexicon
from tasks.extract.quantity_patterns import quantity_patterns


def metric(text: str, low: str, lo: int, anchor: int, has_link_or_direction: bool, counted: bool,
           claimed: list[tuple[int, int]]) -> str | None:
    """The noun phrase measured by the number: clause text before the linking verb."""
    pats, lex = quantity_patterns(), quantity_lexicon()
    if counted and not pats["link"].may_match(low, lo, anchor):
        return None  # no linking verb possible, so no metric (below): spare finding the clause
    prefix_start, previous_clause = _clause_start(text, lo, anchor)
    link = pats["link"].search(low[prefix_start:anchor])  # a slice: the clause start is a word start
    end = prefix_start + link.start("l") if link else anchor
    if not link and counted:
        return None  # "thành lập 248 doanh nghiệp": the clause is an action, not a measured noun
    words = text[prefix_start:end].split()
    # the same words lower-cased, in one go (as each word's .lower() would give, for these phrases)
    lowered = low[prefix_start:end].split() if lex.lower_view_safe else [w.lower() for w in words]
    first = _after_last_boundary(lowered)
    first, last = _strip_span(lowered, first, len(lowered), lex.openers, front=True)
    first, last = _strip_span(lowered, first, last, lex.trailing, front=False)
    words = words[first:last]
    if words and previous_clause is not None and link and "của" in words and words.index("của") <= 2:
        # "tổ chức đảng trong sạch, vững mạnh của thành phố đạt …": the last part is a short coordinated
        # modifier of the noun before the comma, so the measured phrase spans the comma.
        earlier = text[previous_clause : prefix_start - 1].split()
        start, stop = _strip_span([w.lower() for w in earlier], 0, len(earlier), lex.openers, front=True)
        earlier = earlier[start:stop]
        if 0 < len(earlier) <= 6 and earlier[0].islower() and not overlaps(claimed, previous_clause, prefix_start):
            words = earlier[:-1] + [earlier[-1] + ","] + words
    if not words or words[0][:1].isdigit():
        return None
    if not link and not has_link_or_direction:
        # no verb: only a short noun phrase right before the number counts ("tổng đầu tư trên 64 tỷ")
        if len(words) > 5 or any(w[:1].isupper() for w in words):
            return None
    if len(words) > 14:
        return None
    return " ".join(words)


def _clause_start(text: str, lo: int, anchor: int) -> tuple[int, int | None]:
    """Start of the clause ending at `anchor`, and where the clause before it starts when a comma separates them."""
    pats = quantity_patterns()
    dashed = text.find("-", lo, anchor) >= 0 or text.find("–", lo, anchor) >= 0
    before = last = None
    for m in pats["clause_break" if dashed else "clause_punct"].finditer(text, lo, anchor):
        before, last = last, m
    if last is None:
        return lo, None
    if last.group(0) == ",":
        return last.end(), before.end() if before else lo
    return last.end(), None


def _strip_span(lowered: list[str], first: int, last: int, phrases: frozenset[str], front: bool) -> tuple[int, int]:
    """The span of lowered[first:last] (words in lower case) left once the one- and two-word phrases of
    `phrases` are dropped from its front or its back."""
    while first < last:
        if front:
            if last - first > 1 and f"{lowered[first]} {lowered[first + 1]}" in phrases:
                first += 2
            elif lowered[first] in phrases:
                first += 1
            else:
                break
        elif last - first > 1 and f"{lowered[last - 2]} {lowered[last - 1]}" in phrases:
            last -= 2
        elif lowered[last - 1] in phrases:
            last -= 1
        else:
            break
    return first, last


def _after_last_boundary(lowered: list[str]) -> int:
    """Where the words after the last boundary word or two-word phrase ("về", "cho biết") start (0 when
    there is none), in words given in lower case."""
    bounds = quantity_lexicon().boundaries
    for i in range(len(lowered) - 1, -1, -1):
        if lowered[i] in bounds or (i > 0 and f"{lowered[i - 1]} {lowered[i]}" in bounds):
            return i + 1
    return 0
