"""Tokens of Vietnamese text: the token pattern, each token's matching key and shape features, the `Token` type."""

from __future__ import annotations

import re
from functools import lru_cache
from operator import attrgetter

from tasks.clean.textnorm import canonical_key

# Words, acronyms (TT-VH, GD&ĐT, TP.HCM), numbers, and single punctuation marks.
TOKEN = re.compile(r"\w+(?:[.&'’\-/]\w+)*|[^\w\s]")
INITIALS = re.compile(r"^(?:[A-ZĐ]\.){1,4}[A-ZĐ]$")
_VI_SYLLABLE = re.compile(
    r"^(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnpqrstvx])?"
    r"[aăâeêioôơuưyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]{1,3}(?:ch|ng|nh|[cmnpt])?$"
)


class Token:
    """A token's text and features; one per distinct text (offsets live in the sentence's `Tokens`).

    A class with slots rather than a named tuple: the scan reads these attributes a great many times,
    and slot reads are the fastest attribute reads there are."""

    # The flags read for every token of every sentence first, next to the object header (one cache line).
    __slots__ = ("interesting", "title", "key", "cap", "name", "trigger", "text", "word", "acronym", "vietnamese",
                 "initials", "probe", "known")

    text: str
    key: str  # token_key of the text
    cap: bool  # starts with an upper-case letter
    acronym: bool  # two or more upper-case letters (HĐND, TT-VH)
    word: bool  # a word or number, not punctuation
    vietnamese: bool  # shaped like a Vietnamese syllable
    interesting: bool  # capitalised, an acronym, or the first word of some lexicon phrase
    name: bool  # may be part of a name: a capitalised word that is not in entities/not_names.txt
    initials: bool  # dotted initials ("B.A.")
    trigger: bool  # the first word of a trigger phrase (title, honorific, unit type, head word)
    probe: frozenset[str] | None  # a lowercase trigger that only starts longer phrases: the keys that may follow
    known: bool  # the first word of a listed name (country, province, well-known organisation)
    title: bool  # the first word of a title

    def __init__(self, text, key, cap, acronym, word, vietnamese, interesting, name, initials, trigger, probe, known,
                 title):
        self.text, self.key, self.cap, self.acronym, self.word = text, key, cap, acronym, word
        self.vietnamese, self.interesting, self.name, self.initials = vietnamese, interesting, name, initials
        self.trigger, self.probe, self.known, self.title = trigger, probe, known, title

    def __eq__(self, other) -> bool:  # the features follow from the text
        return isinstance(other, Token) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    def __repr__(self) -> str:
        return f"Token({self.text!r})"


# Token features as C-level getters, for map() over runs of tokens (no generator per test).
KEY, TEXT, CAP, ACRONYM, VIETNAMESE, INTERESTING, TITLE = map(
    attrgetter, ("key", "text", "cap", "acronym", "vietnamese", "interesting", "title"))


@lru_cache(maxsize=131072)
def token_features(text: str) -> tuple[str, bool, bool, bool, bool]:
    """(key, capitalised, acronym, word, Vietnamese-shaped) of a token's text; the key is tone- and case-insensitive."""
    return (
        canonical_key(text),
        text[0].isupper(),
        is_acronym(text),
        text[0].isalnum(),
        bool(_VI_SYLLABLE.match(text.lower())),
    )


def token_key(text: str) -> str:
    """The key lexicons and texts are matched on: textnorm's canonical key of the token."""
    return token_features(text)[0]


def phrase_keys(phrase: str) -> tuple[str, ...]:
    """Keys of the tokens of a phrase, as a lexicon stores it."""
    return tuple(token_key(t.group()) for t in TOKEN.finditer(phrase))


def is_acronym(text: str) -> bool:
    """Mostly capitals ("HĐND", "TT-VH", "GD&ĐT", "TP.HCM"), not camel case ("PayPal", "O'Brien")."""
    if text.islower():
        return False  # no capital at all: most words
    letters = [c for c in text if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    return upper >= 2 and upper * 5 >= len(letters) * 3
