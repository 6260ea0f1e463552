"""Sentences into `Tokens` with their offsets: each distinct token and whitespace-free piece is made once, in bounded caches."""

from __future__ import annotations

import re
from itertools import accumulate, chain
from typing import Callable

from tasks.extract.entity_lexicon import entity_lexicon, syllables
from tasks.extract.tokens import INITIALS, TOKEN, Token, token_features
from tasks.model import Sentence

# A token with the whitespace before it (str.split and \s agree on what whitespace is).
_SPACED_TOKEN = re.compile(r"(\s*)(" + TOKEN.pattern + ")")
_WORD_CHAR = re.compile(r"\w")  # the only kind of character that, last in a piece, joins the token before it


class BoundedMemo(dict):
    """A dict that makes the value of a missing key with `make` and keeps at most `limit` values (past that,
    values are made anew on each lookup). Reads stay plain dict reads, which the scan does millions of times:
    no LRU bookkeeping on a hit, and `map(memo.__getitem__, keys)` runs at C speed."""

    def __init__(self, make: Callable, limit: int):
        super().__init__()
        self.make, self.limit = make, limit

    def __missing__(self, key):
        value = self.make(key)
        self.offer(key, value)
        return value

    def offer(self, key, value) -> None:
        """Keep `value` for `key` if there is room."""
        if len(self) < self.limit:
            self[key] = value


def make_token(text: str) -> Token:
    """The Token of a text with its features, those that the lexicons decide included."""
    key, cap, acronym, word, vietnamese = token_features(text)
    lex = entity_lexicon()
    trigger = key in lex.triggers
    interesting = word and (cap or acronym or trigger)
    name = cap and word and text not in lex.not_names
    probe = None
    if interesting and not cap and trigger and 1 not in lex.trigger_phrases.by_first[key]:
        probe = lex.trigger_phrases.followers(key)
    return Token(text, key, cap, acronym, word, vietnamese, interesting, name, bool(INITIALS.match(text)),
                 trigger, probe, key in lex.known.by_first, key in lex.titles.by_first)


def _split_piece(piece: str) -> tuple[tuple[Token, ...], tuple[int, ...]]:
    """Tokens of a whitespace-free piece of text, which tile it, and the steps from one token edge to the
    next (for the offsets): each token's length then 0 to its successor, and 1 (the whitespace) after the last."""
    known = TOKENS.get(piece)
    if known is not None:
        tokens = (known,)  # a known token (every syllable is, after warm_tokens)
        steps = [len(piece), 1]
    else:
        if piece[:-1] in TOKENS and not _WORD_CHAR.match(piece, len(piece) - 1):
            texts = [piece[:-1], piece[-1]]  # "Nội,": a mark after a token never joins it
        else:
            texts = TOKEN.findall(piece)
        tokens = tuple(map(TOKENS.__getitem__, texts))
        steps = [0] * (2 * len(texts))
        steps[0::2] = map(len, texts)
        steps[-1] = 1
    return tokens, _STEP_SHAPES[tuple(steps)]  # a few hundred shapes, shared by all pieces


def _piece_tokens(piece: str) -> tuple[Token, ...]:
    """Tokens of a piece; its steps go to _STEPS (kept apart: a piece's tokens are read for every sentence,
    its steps only when offsets are)."""
    tokens, steps = _split_piece(piece)
    _STEPS.offer(piece, steps)
    return tokens


# Each distinct token text -> its Token (~100 bytes each).
TOKENS: BoundedMemo = BoundedMemo(make_token, 500_000)
# Each distinct whitespace-free piece ("Nội,", "TP.HCM") -> its tokens, and the steps of its offsets (~40 MB at most).
_PIECES: BoundedMemo = BoundedMemo(_piece_tokens, 200_000)
_STEPS: BoundedMemo = BoundedMemo(lambda piece: _split_piece(piece)[1], 200_000)
_STEP_SHAPES: BoundedMemo = BoundedMemo(lambda steps: steps, 10_000)


def warm_tokens() -> None:
    """Make the Token of every Vietnamese syllable, lower and capitalised, so that the first articles do not."""
    for syllable in syllables():
        for form in (syllable, syllable.capitalize()):
            TOKENS[form]


class _Offsets:
    """`Tokens.starts` and `Tokens.ends`, worked out on first use (many sentences never need them) and then
    plain attributes of the instance, which hide this descriptor."""

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, tokens: Tokens | None, owner=None):
        if tokens is None:
            return self
        # The running sum of the steps of the pieces the tokens came from is each token's start, then its end.
        steps = chain.from_iterable(map(_STEPS.__getitem__, tokens._pieces))
        edges = list(accumulate(steps, initial=tokens._offset))
        tokens.starts, tokens.ends = edges[0:-1:2], edges[1::2]
        return tokens.__dict__[self.name]


class Tokens(list):
    """The tokens of one sentence with their offsets in the article text."""

    starts: list[int] = _Offsets()
    ends: list[int] = _Offsets()
    _pieces: list[str] = []  # the whitespace-free pieces of text the tokens came from, one whitespace apart
    _offset = 0  # where the first piece starts in the article


def tokenize(text: str, offset: int = 0) -> Tokens:
    """Tokens of `text` (offsets shifted by `offset`): words, acronyms and single punctuation marks."""
    # Tokens never span whitespace, so the tokens of a text are those of its whitespace-free pieces in turn,
    # and pieces repeat from article to article: a cache lookup per piece spares the regex.
    pieces = text.split()
    if len(text) != sum(map(len, pieces)) + len(pieces) - 1:
        return _tokenize_spaced(text, offset)  # whitespace at an edge or two characters in a row: rare
    tokens = Tokens(chain.from_iterable(map(_PIECES.__getitem__, pieces)))
    tokens._pieces, tokens._offset = pieces, offset  # for the offsets, on first use
    return tokens


def _tokenize_spaced(text: str, offset: int) -> Tokens:
    """tokenize() for any spacing: one regex pass yields (whitespace before, token) pairs that cover the text,
    so offsets are running sums."""
    spaced = _SPACED_TOKEN.findall(text)
    tokens = Tokens(map(TOKENS.__getitem__, [piece for _, piece in spaced]))
    starts, ends = tokens.starts, tokens.ends = [], []
    pos = offset
    for space, piece in spaced:
        pos += len(space)
        starts.append(pos)
        pos += len(piece)
        ends.append(pos)
    return tokens


def tokenize_sentences(text: str, sentences: list[Sentence]) -> list[tuple[Sentence, Tokens]]:
    """Each sentence with the tokens of its own text (a token never straddles two sentences: "năm 2018.Tiếp")."""
    return [(s, tokenize(text[s.start : s.end], s.start)) for s in sentences]
