"""People, organisations, places, facilities and projects in Vietnamese news: the `entities` rows, with canonical
names and place keys, and flat PER/ORG/LOC spans for evaluation."""

from __future__ import annotations

import gc

from tasks.extract.entity_lexicon import compound_words, entity_lexicon
from tasks.extract.extractor import Extractor
from tasks.extract.gazetteer import is_unit_name
from tasks.extract.mention_scan import trigger_rules
from tasks.extract.mentions import article_mentions, mentions_of_scans
from tasks.extract.names import Mention, canonical_name
from tasks.extract.organisations import canonical_org
from tasks.extract.places import article_places, place_name_key, resolve_organisation
from tasks.extract.tokenizer import Tokens, tokenize, warm_tokens
from tasks.model import Doc, Sentence
from warehouse.tables import TABLES

Entity = TABLES["entities"].record  # one row of `entities`


def entity_rows(doc: Doc) -> list[Entity]:
    """The `entities` rows of an article: one per (span, type), and one per unit word that refers to a place."""
    found, places = article_mentions(doc), article_places(doc)
    rows: dict[tuple[int, int, str], Entity] = {}
    for m in found.mentions:
        written = doc.text[m.char_start : m.char_end]
        if m.type == "ORG":
            # "Ban Thường vụ Thành ủy" in an article about Cẩm Phả is Cẩm Phả's: name and key say so.
            name, place_key = resolve_organisation(written, places)
        else:
            tokens = found.tokens_by_sentence.get(m.sentence_index)
            name = _canonical_name(m, doc.text, tokens) if tokens else canonical_name(written)
            place_key = places.place_keys.get(places.group_of.get(id(m)))
        rows.setdefault((m.char_start, m.char_end, m.type), _entity_row(doc, m, name, place_key))
    for sentence_index, a, b, type_word, gk in places.referrals:
        m = Mention("LOC", 0, 0, "coref", 0.6, unit_type=type_word, sentence_index=sentence_index, char_start=a,
                    char_end=b)
        rows.setdefault((a, b, "LOC"), _entity_row(doc, m, canonical_name(places.groups[gk].name),
                                                   places.place_keys[gk]))
    return sorted(rows.values(), key=lambda r: (r.char_start, -r.char_end))


def _canonical_name(m: Mention, doc_text: str, tokens: Tokens) -> str:
    """The name of a mention without its type word ("Dương Huy" for "xã Dương Huy"), as the tables write it."""
    if m.type == "ORG" or m.type == "PROJECT":
        return canonical_org(doc_text[m.char_start : m.char_end])
    start = tokens.starts[m.name_first] if m.name_first is not None else m.char_start
    return canonical_name(doc_text[start : m.char_end])


def _entity_row(doc: Doc, m: Mention, name: str, place_key: str | None) -> Entity:
    return Entity(article_id=doc.article_id, sentence_index=m.sentence_index, char_start=m.char_start,
                  char_end=m.char_end, mention=doc.text[m.char_start : m.char_end], type=m.type, canonical_name=name,
                  unit_type=m.unit_type, place_key=place_key, method=m.method, confidence=m.confidence,
                  nested=m.nested)


def extract_spans(text: str) -> list[tuple[int, int, str]]:
    """Flat PER/ORG/LOC spans of one sentence of plain text (for evaluation)."""
    return extract_article_spans([text])[0]


def extract_article_spans(sentences: list[str]) -> list[list[tuple[int, int, str]]]:
    """Flat PER/ORG/LOC spans per sentence for consecutive sentences of one article (offsets per sentence)."""
    scans = [(Sentence(k, k, 0, len(text)), tokenize(text)) for k, text in enumerate(sentences)]
    mentions, _, _ = mentions_of_scans(scans)
    out: list[list[tuple[int, int, str]]] = [[] for _ in sentences]
    for m in mentions:
        if not m.nested and m.type in ("PER", "ORG", "LOC", "FACILITY"):
            out[m.sentence_index].append((m.char_start, m.char_end, "LOC" if m.type == "FACILITY" else m.type))
    return out


def warm_up() -> None:
    """Load every lexicon and the unit lists, and make the tokens of every Vietnamese syllable (lower and
    capitalised), so that the first articles do not pay for it."""
    entity_lexicon()
    trigger_rules()
    compound_words()
    warm_tokens()
    # The first names made canonical would load the tone-mark tables, the settings and the place aliases.
    canonical_org("UBND TP Hoà Bình")
    place_name_key("Hoà Bình")
    is_unit_name("Hoà Bình")
    # Everything above lives as long as the process: collect now, or the collector's next full pass,
    # which walks all of it (~0.1 s), falls on one of the first articles.
    gc.collect()


ENTITIES = Extractor("entities", "2.0.0", ("entities",), lambda doc: {"entities": entity_rows(doc)}, warm_up=warm_up)
