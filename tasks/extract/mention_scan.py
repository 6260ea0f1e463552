"""Entity mentions of one sentence: the rules tried at each token that may start a name, left to right."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from itertools import compress
from typing import Callable

from tasks.extract.entity_lexicon import EntityLexicon, compound_words, entity_lexicon
from tasks.extract.gazetteer import referring_unit_words
from tasks.extract.names import Mention, cap_run, named_after_head, person_run, run_type
from tasks.extract.organisations import lower_head_ok, nested_places, org_extent
from tasks.extract.tokenizer import Tokens
from tasks.extract.tokens import CAP, INTERESTING, TEXT, VIETNAMESE

# Tokens after which a capitalised word starts a clause, as at the start of a sentence.
_OPENERS = frozenset({"“", '"', "(", ":", "-", "–", "‘", "[", "…"})


@dataclass(slots=True)
class SentenceScan:
    """What the rules found in one sentence (token indices local to the sentence)."""

    mentions: list[Mention]
    generic: list[tuple[int, int, str]]  # bare unit words ("thành phố") that may refer back
    unknown: list[tuple[int, int]]  # capitalised runs left untyped (typed later from the article)


# A rule tried at token i: how many tokens it consumed (its mentions added to the scan), or None when it does not fire.
Rule = Callable[[Tokens, int, bool, EntityLexicon, SentenceScan], "int | None"]


def scan_sentence(tokens: Tokens) -> SentenceScan:
    """Mentions in one sentence, left to right; the first rule that fires at a token wins."""
    lex = entity_lexicon()
    trigger_phrases = lex.trigger_phrases
    out = SentenceScan([], [], [])
    resume = 0
    for i in compress(range(len(tokens)), map(INTERESTING, tokens)):  # the interesting tokens' indices
        if i < resume:
            continue
        probe = tokens[i].probe
        if probe is not None and (i + 1 == len(tokens) or tokens[i + 1].key not in probe
                                  or not trigger_phrases.longest(tokens, i)):
            continue  # a lowercase word ("công", "bị") whose phrases are not here: no rule can fire
        at_start = i == 0 or tokens[i - 1].text in _OPENERS
        consumed = _rules_at(tokens, i, at_start, lex, out)
        resume = i + consumed if consumed > 1 else i + 1
    return out


def _rules_at(tokens: Tokens, i: int, at_start: bool, lex: EntityLexicon, out: SentenceScan) -> int:
    """Apply the rules at token i in order; returns how many tokens the first rule that fired consumed."""
    tok = tokens[i]
    if tok.cap and tok.initials:
        out.mentions.append(Mention("PER", i, i + 1, "pattern", 0.6))  # "bé B.A."
        return 1
    if tok.trigger:
        for rule in trigger_rules()[tok.key]:
            consumed = rule(tokens, i, at_start, lex, out)
            if consumed is not None:
                return consumed
        if not tok.cap:
            return 1
    if (not tok.cap and not tok.acronym) or tok.text in lex.not_names:
        return 1
    if tok.known:
        consumed = _known_name_rule(tokens, i, at_start, lex, out)
        if consumed is not None:
            return consumed
    return _capitalised_run_rule(tokens, i, at_start, lex, out)


@cache
def trigger_rules() -> dict[str, tuple[Rule, ...]]:
    """Trigger key -> the trigger rules, in order, whose lexicons have a phrase starting with it (a rule
    whose lexicons have none returns None at once, so it is not tried)."""
    lex = entity_lexicon()
    rule_lexicons = (
        (_title_rule, (lex.titles,)),
        (_honorific_rule, (lex.honorifics,)),
        (_head_rule, (lex.project, lex.facility, lex.geo, lex.admin, lex.org_heads)),
    )
    return {key: tuple(rule for rule, lexicons in rule_lexicons if any(key in lexicon.by_first for lexicon in lexicons))
            for key in lex.triggers}


def _title_rule(tokens: Tokens, i: int, at_start: bool, lex: EntityLexicon, out: SentenceScan) -> int | None:
    """A title is no entity, but a name right after it is a person ("Tổng thống Joe Biden")."""
    n = lex.titles.longest(tokens, i)
    if not n:
        return None
    if n > 1 and tokens[i + n - 1].cap and lex.org_heads.longest(tokens, i + n - 1) \
            and i + n < len(tokens) and tokens[i + n].name:
        n -= 1  # "Trưởng Ban Tổ chức": the capitalised head belongs to the organisation
    after = i + n
    run = person_run(tokens, after, lex)
    if run and run <= 4 and not lex.org_heads.longest(tokens, after) and not tokens[after].acronym \
            and not lex.known.longest(tokens, after):
        out.mentions.append(Mention("PER", after, after + run, "pattern", 0.8))
        return n + run
    return n


def _honorific_rule(tokens: Tokens, i: int, at_start: bool, lex: EntityLexicon, out: SentenceScan) -> int | None:
    """ "ông Nguyễn Văn A", "Đồng chí Vũ Quyết Tiến", "HLV Park Hang-seo": the name after it is a person."""
    n = lex.honorifics.longest(tokens, i)
    if not n:
        return None
    tok = tokens[i]
    # A capitalised "Anh" mid-sentence is the country; an honorific is lowercase unless it starts the sentence.
    allowed = not tok.cap or at_start or n > 1 or lex.honorifics.value(tokens, i, n)[:1].isupper() or tok.acronym
    after = i + n
    run = person_run(tokens, after, lex) if allowed else 0
    if run and not lex.org_heads.longest(tokens, after) and not lex.titles.longest(tokens, after) \
            and lex.known.longest(tokens, after) != run:
        out.mentions.append(Mention("PER", after, after + run, "pattern", 0.85))
        return n + run
    if not tok.cap or n > 1 or at_start or tok.acronym:
        return n
    return None


def _head_rule(tokens: Tokens, i: int, at_start: bool, lex: EntityLexicon, out: SentenceScan) -> int | None:
    """Names after a type word: places (xã Dương Huy), features (vịnh …), facilities (chợ …),
    projects (Dự án …) and organisations (Sở Y tế …); the longest head wins."""
    tok = tokens[i]
    key = tok.key
    lowered = not tok.cap
    project, facility, geo = lex.project, lex.facility, lex.geo
    admin, org_heads = lex.admin, lex.org_heads
    if key in project.by_first and project.longest(tokens, i):
        m = _project(tokens, i, lex)
        if m:
            out.mentions.append(m)
            return m.last - i
        return 2
    # Most heads start phrases of one or two of these lists: a dictionary check spares the other probes.
    n_fac = facility.longest(tokens, i) if key in facility.by_first else 0
    n_geo = geo.longest(tokens, i) if key in geo.by_first else 0
    n_adm = admin.longest(tokens, i) if key in admin.by_first else 0
    n_org = org_heads.longest(tokens, i) if key in org_heads.by_first else 0
    best = max(n_fac, n_geo, n_adm)
    if best and best > (n_org if tok.cap else 0) and (not lowered or lower_head_ok(tokens, i, best)):
        consumed = _place_or_facility(tokens, i, lex, out, best, n_adm, n_fac)
        if consumed is not None:
            return consumed
    if n_org and tok.cap:
        standalone = lex.org_heads.value(tokens, i, n_org)
        end = org_extent(tokens, i + n_org, lex)
        # "Đảng" at the start of a sentence followed by a word may just be a capitalised common word.
        lone_first_word = at_start and n_org == 1 and tok.vietnamese and end == i + 1 \
            and i + 1 < len(tokens) and tokens[i + 1].word
        if end > i + n_org or (standalone and not lone_first_word):
            out.mentions.append(Mention("ORG", i, end, "pattern", 0.9 if end > i + n_org else 0.75))
            out.mentions.extend(nested_places(tokens, i + n_org, end, lex))
            return end - i
    if n_org and lowered and lower_head_ok(tokens, i, 1) and tok.text not in lex.lowercase_heads_not_orgs:
        end = org_extent(tokens, i + n_org, lex)
        if any(map(CAP, tokens[i + n_org : end])) and not lex.known.longest(tokens, i + n_org):
            out.mentions.append(Mention("ORG", i, end, "pattern", 0.65))  # "trường mầm non Trumkids"
            return end - i
    return None


def _place_or_facility(tokens: Tokens, i: int, lex: EntityLexicon, out: SentenceScan, best: int, n_adm: int,
                       n_fac: int) -> int | None:
    lowered = not tokens[i].cap
    if best == n_adm:
        type_word, level = lex.admin.value(tokens, i, n_adm)
        m = named_after_head(tokens, i, lex, n_adm, type_word, level, "LOC")
        if m is None and type_word in referring_unit_words() and lowered:
            out.generic.append((i, i + n_adm, type_word))
        kind = "LOC"
    else:
        head = " ".join(map(str.lower, map(TEXT, tokens[i : i + best])))
        type_word, level = head, "feature"
        kind = "FACILITY" if best == n_fac else "LOC"
        m = named_after_head(tokens, i, lex, best, head, "feature", kind)
    if m:
        out.mentions.append(m)
        return m.last - i
    listed = _list_after_head(tokens, i + best, lex)
    for a, b in listed:
        out.mentions.append(Mention(kind, a, b, "pattern", 0.75, name_first=a, unit_type=type_word, level_hint=level))
    if listed:
        return listed[-1][1] - i
    if lowered or best > 1:
        return best
    return None


def _known_name_rule(tokens: Tokens, i: int, at_start: bool, lex: EntityLexicon, out: SentenceScan) -> int | None:
    """Names from the lists (countries, provinces, districts, well-known organisations)."""
    n_known = lex.known.longest(tokens, i)
    if not n_known:
        return None
    tok = tokens[i]
    run = cap_run(tokens, i, lex)
    if run > n_known and tokens[i + run - 1].text in lex.org_suffixes:
        out.mentions.append(Mention("ORG", i, i + run, "pattern", 0.6))  # "Washington Post"
        return run
    nxt = tokens[i + 1] if i + 1 < len(tokens) else None
    if n_known == 1 and tok.vietnamese and nxt is not None and nxt.name and nxt.vietnamese \
            and not (nxt.known and lex.known.longest(tokens, i + 1)) and not nxt.trigger:
        return None  # "Mỹ Linh", "Nga Thị": a one-syllable country name starting a longer name
    single_vi = n_known == 1 and tok.vietnamese and not tok.acronym
    pronoun = at_start and tok.key in lex.honorifics.by_first
    compound = nxt is not None and (tok.key, nxt.key) in compound_words()
    if at_start and single_vi and (pronoun or compound):
        return None  # "Anh kém …" (he), "Ý kiến …" (opinion)
    out.mentions.append(Mention(lex.known.value(tokens, i, n_known), i, i + n_known, "lexicon", 0.85, name_first=i))
    return n_known


def _capitalised_run_rule(tokens: Tokens, i: int, at_start: bool, lex: EntityLexicon, out: SentenceScan) -> int:
    """A run of capitalised words: a person by surname, a type from its shape and context, or unknown."""
    tok = tokens[i]
    run = cap_run(tokens, i, lex)
    if not run:
        return 1
    person = min(run, 4)
    if tok.key in lex.surnames and person >= 2 and all(map(VIETNAMESE, tokens[i : i + person])):
        out.mentions.append(Mention("PER", i, i + person, "lexicon", 0.85))
        return person
    if at_start and tok.vietnamese and not tok.acronym:
        if 2 <= run <= 4 and i + run < len(tokens) and lex.speaker_cues.longest(tokens, i + run):
            out.mentions.append(Mention("PER", i, i + run, "pattern", 0.6))  # "Kha Dục Danh cho biết"
            return run
        return 1  # the first word of a sentence is capitalised anyway: judge the rest on its own
    kind, confidence = run_type(tokens, i, run, lex)
    if kind:
        out.mentions.append(Mention(kind, i, i + run, "pattern", confidence, name_first=i))
    else:
        out.unknown.append((i, i + run))
    return run


def _list_after_head(tokens: Tokens, j: int, lex: EntityLexicon) -> list[tuple[int, int]]:
    """Names listed after a plural head: "các chợ: Cẩm Thịnh, Cẩm Phú và Bạch Đằng"."""
    if j >= len(tokens) or tokens[j].text not in (":", "là"):
        return []
    spans, j = [], j + 1
    while j < len(tokens):
        run = cap_run(tokens, j, lex)
        if not run:
            break
        spans.append((j, j + run))
        j += run
        if j < len(tokens) and tokens[j].text in (",", "và"):
            j += 1
            continue
        break
    return spans


def _project(tokens: Tokens, i: int, lex: EntityLexicon) -> Mention | None:
    """ "Dự án khai thác than lộ thiên Tây Lộ Trí": a project runs to its last capitalised name before a break."""
    j, end = i + 2, None
    while j < len(tokens) and j - i < 16 and tokens[j].word:
        if (tokens[j].key,) in lex.stop and tokens[j].text != "và":
            break
        if tokens[j].cap:
            if lex.org_heads.longest(tokens, j) and j > i + 2:
                break
            run = cap_run(tokens, j, lex)
            if run:  # a capitalised token that is not a name ("2A", "ĐT") does not end the run: step over it
                end = j + run
                j = end
                continue
        j += 1
    return Mention("PROJECT", i, end, "pattern", 0.7) if end else None

