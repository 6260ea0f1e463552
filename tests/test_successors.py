"""The 2025 successor table: underthesea.address's answers for every gazetteer unit, cached on disk."""

from __future__ import annotations

import random

import pytest

from tasks.clean.textnorm import canonical_key
from tasks.extract import gazetteer


@pytest.fixture
def fresh_table():
    gazetteer.successor_table.cache_clear()
    yield
    gazetteer.successor_table.cache_clear()


def test_the_cached_table_gives_underthesea_answers_and_is_built_once(tmp_path, monkeypatch, fresh_table):
    from underthesea.address import convert_address

    monkeypatch.setenv("NEWSFACTS_CACHE_DIR", str(tmp_path / "cache"))
    units = [u for group in gazetteer.gazetteer().values() for u in group]
    for unit in random.Random(7).sample(units, 300):
        new = convert_address(unit.path_with_type).new
        want = (new.province or None, new.ward or None if unit.level == "commune" else None)
        assert gazetteer.successor(unit) == want, unit
    [cached] = (tmp_path / "cache").glob("successors-underthesea-*.json")
    cached.write_text('[["province", "Tỉnh Thử", "Tỉnh Mới", null]]', encoding="utf-8")
    gazetteer.successor_table.cache_clear()
    assert gazetteer.successor_table() == {("province", "Tỉnh Thử"): ("Tỉnh Mới", None)}  # read, not rebuilt


def test_without_a_writable_cache_the_table_is_computed_in_process(tmp_path, monkeypatch, fresh_table):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("NEWSFACTS_CACHE_DIR", str(blocker / "cache"))
    hanoi = next(u for u in gazetteer.gazetteer()[canonical_key("Hà Nội")] if u.level == "province")
    assert gazetteer.successor(hanoi) == ("Thành phố Hà Nội", None)
