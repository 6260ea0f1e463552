"""An article's entity mentions: every sentence scanned, names typed once recalled elsewhere, credited people merged."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from tasks.extract.credits import Person, credit_and_byline_people
from tasks.extract.mention_scan import SentenceScan, scan_sentence
from tasks.extract.names import Mention
from tasks.extract.tokenizer import Tokens, tokenize_sentences
from tasks.extract.tokens import KEY, VIETNAMESE
from tasks.model import Doc, Sentence

# (sentence index, char start, char end, type word) of a bare unit word ("thành phố") that may refer back.
GenericUnitWord = tuple[int, int, int, str]


@dataclass(slots=True)
class ArticleMentions:
    """The mentions of one article, the analysis that the entities, places and roles families share."""

    mentions: list[Mention]  # with article offsets, by (char_start, -char_end); credited people included
    generic: list[GenericUnitWord]
    tokens_by_sentence: dict[int, Tokens]
    people: list[Person]  # photo credits and the author


def article_mentions(doc: Doc) -> ArticleMentions:
    """The article's mentions, found once per document whichever family asks first."""
    return doc.computed("entity_mentions", find_article_mentions)


def find_article_mentions(doc: Doc) -> ArticleMentions:
    """Every sentence scanned, then the people of captions and byline, whose spans outrank what the scan found."""
    found, generic, tokens_by_sentence = mentions_of_scans(tokenize_sentences(doc.text, doc.sentences))
    people = credit_and_byline_people(doc)
    mentions = _drop_overlapped(found, people)
    mentions.extend(p.mention for p in people if p.mention is not None)
    mentions.sort(key=lambda m: (m.char_start, -m.char_end))
    return ArticleMentions(mentions, generic, tokens_by_sentence, people)


def mentions_of_scans(scans: Iterable[tuple[Sentence, Tokens]]) \
        -> tuple[list[Mention], list[GenericUnitWord], dict[int, Tokens]]:
    """Mentions of consecutive sentences with article offsets, bare unit words, and the tokens of each sentence."""
    found: list[Mention] = []
    generic: list[GenericUnitWord] = []
    tokens_by_sentence: dict[int, Tokens] = {}
    results: list[tuple[Sentence, Tokens, SentenceScan]] = []
    for s, tokens in scans:
        tokens_by_sentence[s.index] = tokens
        results.append((s, tokens, scan_sentence(tokens)))
    memory = _name_memory((tokens, scan.mentions) for _, tokens, scan in results)
    for s, tokens, scan in results:
        mentions = scan.mentions + _recall_from_memory(tokens, scan.unknown, memory) if scan.unknown else scan.mentions
        for m in mentions:
            m.sentence_index = s.index
            m.char_start, m.char_end = tokens.starts[m.first], tokens.ends[m.last - 1]
            found.append(m)
        for a, b, type_word in scan.generic:
            generic.append((s.index, tokens.starts[a], tokens.ends[b - 1], type_word))
    found.sort(key=lambda m: (m.char_start, -m.char_end))
    return found, generic, tokens_by_sentence


def _name_memory(scans: Iterable[tuple[Tokens, list[Mention]]]) -> dict[tuple[str, ...], str]:
    """Names typed somewhere in the article (from each sentence's tokens and mentions), and the single words
    of foreign personal names ("Timothy Ray Brown" → "Brown"), so that later bare mentions get the same type."""
    memory: dict[tuple[str, ...], str] = {}
    for tokens, mentions in scans:
        for m in mentions:
            kind = m.type
            # Guesses from surrounding words ("tới X") are too weak to spread over the article.
            if kind not in ("PER", "ORG", "LOC") or m.nested or m.confidence < (0.5 if kind == "PER" else 0.7):
                continue
            toks = tokens[m.name_first if m.name_first is not None else m.first : m.last]
            memory.setdefault(tuple(map(KEY, toks)), kind)
            if kind == "PER" and len(toks) >= 2 and not all(map(VIETNAMESE, toks)):
                for t in (toks[0], toks[-1]):
                    if len(t.text) > 2:
                        memory.setdefault((t.key,), kind)
    return memory


def _recall_from_memory(tokens: Tokens, unknown: list[tuple[int, int]], memory: dict[tuple[str, ...], str]) \
        -> list[Mention]:
    """Mentions for the untyped capitalised runs of a sentence that name what the article typed elsewhere."""
    out = []
    for first, last in unknown:
        i = first
        while i < last:
            for j in range(last, i, -1):
                kind = memory.get(tuple(map(KEY, tokens[i:j])))
                if kind:
                    out.append(Mention(kind, i, j, "lexicon", 0.7, name_first=i))
                    i = j
                    break
            else:
                i += 1
    return out


def _drop_overlapped(mentions: list[Mention], people: list[Person]) -> list[Mention]:
    """Mentions that do not overlap a credit/byline person (those spans are authoritative)."""
    spans = [(p.mention.char_start, p.mention.char_end) for p in people if p.mention is not None]
    if not spans:
        return list(mentions)
    return [m for m in mentions if not any(m.char_start < b and a < m.char_end for a, b in spans)]
