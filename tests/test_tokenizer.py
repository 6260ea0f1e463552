"""Tokens: offsets into the text, the piece-by-piece tokenizer against one regex pass, lexicon probes, bounded caches."""

from __future__ import annotations

import dataclasses
import random
import re

import pytest

from tasks.extract import names, organisations, tokenizer, tokens as token_module
from tasks.extract.entity_lexicon import EntityLexicon, Lexicon, entity_lexicon
from tasks.extract.tokenizer import BoundedMemo, Tokens, tokenize, tokenize_sentences
from tasks.extract.tokens import token_key
from tasks.model import Sentence


def test_tokenizer_offsets_point_into_the_text():
    text = "Ông A (Ảnh: Bạch Dương/CTV) ở TP.HCM, Trung tâm TT-VH."
    tokens = tokenize(text, 10)
    for tok, s, e in zip(tokens, tokens.starts, tokens.ends):
        assert text[s - 10 : e - 10] == tok.text
    assert "TP.HCM" in [t.text for t in tokens] and "TT-VH" in [t.text for t in tokens]


def test_sentence_tokens_cut_from_the_whole_text_equal_tokenizing_each_sentence():
    text = "Ông Lê Văn Hùng đến TP.HCM ngày 2/9.  Sở GD&ĐT báo cáo năm 2018.Tiếp theo là xã Dương Huy."
    cut = text.index("Tiếp")
    # The last two sentences split "2018.Tiếp", a single token of the whole text: that one is tokenized alone.
    sentences = [Sentence(0, 0, 0, text.index("  ")), Sentence(1, 0, text.index("Sở"), cut), Sentence(2, 0, cut, len(text))]
    got = tokenize_sentences(text, sentences)
    assert [s for s, _ in got] == sentences
    for s, tokens in got:
        alone = tokenize(text[s.start : s.end], s.start)
        assert [t.text for t in tokens] == [t.text for t in alone]
        assert (tokens.starts, tokens.ends, [t.key for t in tokens]) == (alone.starts, alone.ends, [t.key for t in alone])
    assert [t.text for t in got[1][1]][-2:] == ["2018", "."] and got[2][1][0].text == "Tiếp"


def _regex_tokens(text: str, offset: int) -> list[tuple[str, int, int]]:
    """The tokenizer's definition, one regex pass over the text: (token, start, end)."""
    return [(m.group(), m.start() + offset, m.end() + offset)
            for m in re.finditer(r"\w+(?:[.&'’\-/]\w+)*|[^\w\s]", text)]


def test_tokenize_by_pieces_equals_one_regex_pass_for_any_spacing():
    # Whitespace-free pieces are tokenized once and cached; the result must not depend on that, nor on
    # the spacing (tabs, no-break spaces, several spaces, whitespace at the edges take another path).
    rng = random.Random(5)
    alphabet = list("aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằếộữỳAĐÊÔƯHNTP0123456789_.&'’-/,:;()“”\"%…") + [" "] * 12 \
        + ["\t", "\n", "\u00a0", "  "]
    texts = ["", " ", "Nội,", " Hà Nội ", "TP.HCM, GD&ĐT và TT-VH.", "năm 2018.Tiếp", "a\u00a0b  c\td", "-abc- (x)"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60))) for _ in range(400)]
    for text in texts * 2:  # twice: the second time every piece comes from the cache
        tokens = tokenize(text, 7)
        assert list(zip([t.text for t in tokens], tokens.starts, tokens.ends)) == _regex_tokens(text, 7), repr(text)
        assert [t.key for t in tokens] == [token_key(t.text) for t in tokens]


def test_lexicon_probe_finds_the_longest_entry():
    lex = Lexicon({("chủ", "tịch"): 1, ("phó", "chủ", "tịch"): 2, ("phó",): 3, ("a", "b", "c", "d"): 4})
    words = ["chủ", "tịch", "phó", "a", "b", "c", "d", "x"]
    rng = random.Random(3)
    for _ in range(300):
        tokens = tokenize(" ".join(rng.choice(words) for _ in range(rng.randint(1, 8))))
        keys = [t.key for t in tokens]
        for i in range(len(tokens) + 1):
            want = max((len(k) for k in lex.entries if tuple(keys[i : i + len(k)]) == k), default=0)
            assert lex.longest(tokens, i) == want, (keys, i)


def test_token_lists_made_directly_have_no_offsets_to_compute():
    assert (Tokens().starts, Tokens().ends) == ([], [])


def test_a_bounded_memo_keeps_at_most_its_limit_and_still_answers_past_it():
    made = []
    memo = BoundedMemo(lambda key: made.append(key) or key * 2, 3)
    assert [memo[k] for k in (1, 2, 3, 4, 5, 1, 4)] == [2, 4, 6, 8, 10, 2, 8]
    assert dict(memo) == {1: 2, 2: 4, 3: 6}  # the first three are kept; 4 and 5 are made again when asked
    assert made == [1, 2, 3, 4, 5, 4]
    memo.offer(9, 18)
    assert 9 not in memo and len(memo) == 3


def test_every_tokenizer_cache_is_bounded():
    for memo in (tokenizer.TOKENS, tokenizer._PIECES, tokenizer._STEPS, tokenizer._STEP_SHAPES):
        assert isinstance(memo, BoundedMemo) and 0 < memo.limit <= 500_000
    for cached in (token_module.token_features, names.canonical_name, organisations.canonical_org):
        assert 0 < cached.cache_parameters()["maxsize"] <= 131072


def test_the_entity_lexicon_is_typed_and_frozen():
    lex = entity_lexicon()
    assert isinstance(lex, EntityLexicon) and isinstance(lex.titles, Lexicon)
    assert lex.titles.longest(tokenize("Chủ tịch UBND"), 0) == 2
    assert ("chủ", "tịch") in lex.trigger_phrases.entries and "chủ" in lex.triggers
    with pytest.raises(dataclasses.FrozenInstanceError):
        lex.titles = Lexicon({})


def test_token_keys_ignore_case_and_tone_mark_placement():
    assert [t.key for t in tokenize("Hoà HOÀ hòa Thuỵ thụy")] == ["hòa"] * 3 + ["thụy"] * 2
