"""Entity mentions: the seed article's gold, paragraph kinds, canonical names, place keys and the dantri gold F1."""

from __future__ import annotations

import unicodedata
from dataclasses import fields
from pathlib import Path

import pytest

from conftest import needs_corpus
from tasks.extract.entities import ENTITIES as ENTITY_FAMILY
from tasks.extract.entities import extract_article_spans, extract_spans
from tasks.extract.places import PLACES as PLACE_FAMILY
from tasks.extract.roles import ROLES as ROLE_FAMILY
from tasks.evaluate.entities import evaluate, format_report, load_gold, spans_from_bio
from tasks.extract.batch import doc_from_text, extract_facts
from tasks.model import Doc, Paragraph, Sentence
from tasks.clean.sentences import split_sentences
from warehouse.schema_entities import ENTITIES, PLACES, ROLES

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "seeds" / "000_cff743e03863ce1d.txt"
GOLD = REPO / "tests" / "gold" / "entities_dantri.jsonl"


def seed_text() -> str:
    raw = unicodedata.normalize("NFC", SEED.read_text(encoding="utf-8")).replace("\u00a0", " ")
    return "\n".join(line for line in raw.split("\n") if line.strip() != ".").strip()


def doc_with_kinds(text: str, author: str | None) -> Doc:
    """The seed as the clean stage shapes it: title first, dateline dropped, captions, headings, byline last."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    paragraphs = []
    for k, line in enumerate(lines):
        if line.startswith("Thứ ") and "[GMT" in line:
            continue
        if k == 0:
            kind = "title"
        elif k == len(lines) - 1:
            kind = "byline"
        elif "Ảnh:" in line:
            kind = "caption"
        elif len(line) < 60 and not line.endswith((".", "…")):
            kind = "heading"
        else:
            kind = "body"
        paragraphs.append(Paragraph(len(paragraphs), kind, line))
    pos = 0
    for p in paragraphs:
        p.char_start, p.char_end = pos, pos + len(p.text)
        pos = p.char_end + 1
    joined = "\n".join(p.text for p in paragraphs)
    return Doc("seed-kinds", joined, split_sentences(paragraphs), paragraphs, title=paragraphs[0].text, author=author)


@pytest.fixture(scope="module")
def seed_facts() -> dict:
    return extract_facts(doc_from_text(seed_text(), article_id="seed"))  # through the registry: rows are stamped


@pytest.fixture(scope="module")
def seed_kind_facts() -> dict:
    return extract_facts(doc_with_kinds(seed_text(), "Nguyễn Huế"))


def mentions(facts: dict, kind: str) -> set[str]:
    return {r.mention for r in facts["entities"] if r.type == kind}


SEED_PER = {"Vũ Quyết Tiến", "Nguyễn Huế", "Bạch Dương", "Bảo Long"}
SEED_ORG = {
    "Đảng bộ TP Cẩm Phả", "Ban Thường vụ Thành ủy", "Phòng Văn hoá - Thông tin", "Trung tâm TT-VH", "Đài TTTH",
    "Cơ quan Ủy ban Kiểm tra", "Cơ quan Thanh tra", "Ban Tổ chức", "Phòng Nội vụ", "Ban Tuyên giáo", "Ban Dân vận",
    "Trung tâm Bồi dưỡng chính trị", "Tổng Công ty Đông Bắc", "Tập đoàn Vingroup",
}
SEED_LOC = {"Cẩm Phả", "Quảng Ninh", "xã Dương Huy", "phường Cẩm Bình", "vịnh Bái Tử Long", "Hạ Long", "Vân Đồn",
            "Cô Tô", "Cát Bà", "Hải Phòng"}


@pytest.mark.parametrize("facts_name", ["seed_facts", "seed_kind_facts"])
def test_seed_gold_entities(facts_name, request):
    facts = request.getfixturevalue(facts_name)
    assert SEED_PER <= mentions(facts, "PER")
    assert SEED_ORG <= mentions(facts, "ORG")
    assert SEED_LOC <= mentions(facts, "LOC")


@pytest.mark.parametrize("facts_name", ["seed_facts", "seed_kind_facts"])
def test_rows_have_exactly_the_declared_columns_and_true_spans(facts_name, request):
    facts = request.getfixturevalue(facts_name)
    text = seed_text() if facts_name == "seed_facts" else doc_with_kinds(seed_text(), "Nguyễn Huế").text
    for table, family in ((ENTITIES, ENTITY_FAMILY), (PLACES, PLACE_FAMILY), (ROLES, ROLE_FAMILY)):
        assert facts[table.name]
        for row in facts[table.name]:  # a typed record of the table: exactly its columns
            assert type(row) is table.record and [f.name for f in fields(row)] == table.column_names
            assert (row.extractor, row.extractor_version) == (family.name, family.version)
        table.to_arrow(facts[table.name])  # and the contract takes them
    for row in facts["entities"]:
        assert text[row.char_start : row.char_end] == row.mention
    keys = [(r.char_start, r.char_end, r.type) for r in facts["entities"]]
    assert len(keys) == len(set(keys))


def test_honorifics_and_credits_are_not_part_of_names(seed_facts):
    persons = mentions(seed_facts, "PER")
    assert not any(p.startswith(("Đồng chí", "ông", "bà", "Ảnh")) for p in persons)
    assert not any("CTV" in p for p in persons)


def test_type_word_is_kept_apart_in_canonical_names(seed_facts):
    rows = {r.mention: r for r in seed_facts["entities"]}
    assert (rows["xã Dương Huy"].canonical_name, rows["xã Dương Huy"].unit_type) == ("Dương Huy", "xã")
    assert (rows["phường Cẩm Bình"].canonical_name, rows["phường Cẩm Bình"].unit_type) == ("Cẩm Bình", "phường")
    assert rows["vịnh Bái Tử Long"].unit_type == "vịnh"
    assert rows["TP Cẩm Phả"].canonical_name == "Cẩm Phả" and rows["TP Cẩm Phả"].unit_type == "thành phố"


def test_abbreviations_are_expanded_in_organisation_names(seed_facts):
    rows = {r.mention: r for r in seed_facts["entities"]}
    assert rows["Đảng bộ TP Cẩm Phả"].canonical_name == "Đảng bộ thành phố Cẩm Phả"
    assert rows["Đảng bộ TP Cẩm Phả"].place_key == rows["TP Cẩm Phả"].place_key
    # An organisation bound to a unit level gets the article's place of that level.
    assert rows["Ban Thường vụ Thành ủy"].canonical_name == "Ban Thường vụ Thành ủy Cẩm Phả"
    assert rows["Ban Tổ chức"].canonical_name == "Ban Tổ chức" and rows["Ban Tổ chức"].place_key is None
    assert "Hội đồng nhân dân" in rows["HĐND TP Cẩm Phả"].canonical_name
    # Tone marks unified: "Văn hoá" (old style) and "Văn hóa" get one spelling.
    assert rows["Phòng Văn hoá - Thông tin"].canonical_name in ("Phòng Văn hóa - Thông tin", "Phòng Văn hoá - Thông tin")


def test_bare_name_typed_name_and_referring_unit_word_share_one_place(seed_facts):
    ents = seed_facts["entities"]
    keys = {r.place_key for r in ents if r.type == "LOC" and r.canonical_name == "Cẩm Phả"}
    assert len(keys) == 1
    mentions_of_key = {r.mention for r in ents if r.place_key in keys}
    assert {"Cẩm Phả", "TP Cẩm Phả", "thành phố"} <= mentions_of_key
    coref = [r for r in ents if r.method == "coref"]
    assert coref and all(r.mention.casefold() in ("thành phố", "tỉnh") for r in coref)
    assert {r.canonical_name for r in coref} == {"Cẩm Phả", "Quảng Ninh"}  # "của tỉnh" is Quảng Ninh


def test_facilities_and_projects(seed_facts):
    rows = {(r.type, r.mention) for r in seed_facts["entities"]}
    assert ("FACILITY", "Trung tâm thương mại Vincom") in rows
    assert ("FACILITY", "đền Cửa Ông") in rows
    assert ("PROJECT", "Dự án khai thác than lộ thiên Tây Lộ Trí") in rows
    # "các chợ: Cẩm Thịnh, Cẩm Phú, Bạch Đằng, Độc Lập": each listed market is a facility of type chợ.
    markets = {r.mention for r in seed_facts["entities"] if r.type == "FACILITY" and r.unit_type == "chợ"}
    assert {"Cẩm Thịnh", "Cẩm Phú", "Bạch Đằng", "Độc Lập", "Cẩm Hải", "Cộng Hòa"} <= markets


def test_nested_place_inside_an_organisation_is_flagged(seed_facts):
    nested = {r.mention for r in seed_facts["entities"] if r.nested}
    assert "TP Cẩm Phả" in nested
    flat = {(r.mention, r.type) for r in seed_facts["entities"] if not r.nested}
    assert ("Đảng bộ TP Cẩm Phả", "ORG") in flat


def test_byline_and_captions_with_paragraph_kinds(seed_kind_facts):
    persons = {r.mention: r for r in seed_kind_facts["entities"] if r.type == "PER"}
    assert "Nguyễn Huế" in persons
    assert "Thứ Năm" not in " ".join(r.mention for r in seed_kind_facts["entities"])


def test_synthetic_article_people_organisations_places():
    text = (
        "Huyện Tiên Yên đẩy mạnh chuyển đổi số\n"
        "Sáng 5/3, ông Trần Văn Bình, Bí thư Huyện ủy kiêm Chủ tịch UBND huyện Tiên Yên, cho biết huyện đã hoàn thành kế hoạch.\n"
        "Chủ tịch UBND tỉnh Quảng Ninh Nguyễn Văn Thắng đề nghị các sở, ngành hỗ trợ huyện Tiên Yên.\n"
        "Bộ trưởng Bộ Y tế Nguyễn Thanh Long đánh giá cao đoàn công tác của Tổng thống Joe Biden tại Hà Nội."
    )
    facts = extract_facts(doc_from_text(text, article_id="synthetic"))
    assert {"Trần Văn Bình", "Nguyễn Văn Thắng", "Nguyễn Thanh Long", "Joe Biden"} <= mentions(facts, "PER")
    assert {"Huyện ủy", "UBND huyện Tiên Yên", "UBND tỉnh Quảng Ninh", "Bộ Y tế"} <= mentions(facts, "ORG")
    assert {"Huyện Tiên Yên", "Hà Nội"} <= mentions(facts, "LOC")
    # The person after a place inside an organisation name is not swallowed by it.
    assert not any("Thắng" in m for m in mentions(facts, "ORG"))


def test_no_false_entities_in_plain_lowercase_text():
    assert extract_spans("thành phố đã hoàn thành xây dựng, rà soát quy chế làm việc của các xã, phường.") == []
    # Sentence-initial capitals and common words starting with a head are not names.
    assert extract_spans("Trường hợp này được gia đình đưa đi cấp cứu.") == []


@needs_corpus
def test_gold_file_is_large_and_well_formed():
    sentences = load_gold(GOLD)
    assert len(sentences) >= 150
    for words, tags in sentences:
        assert len(words) == len(tags)
        assert all(t == "O" or t[:2] in ("B-", "I-") for t in tags)
    assert sum(len(spans_from_bio(tags)) for _, tags in sentences) >= 200


def test_bio_spans_and_overlap_scoring():
    assert spans_from_bio(["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-ORG"]) == [(0, 2, "PER"), (3, 4, "LOC"), (4, 5, "LOC"), (5, 6, "ORG")]


@needs_corpus
def test_f1_targets_on_the_dantri_gold():
    result = evaluate(GOLD, baseline=False)
    scores = result["systems"]["newsfacts"]["scores"]["overlap"]
    for kind in ("PER", "ORG", "LOC"):
        assert scores[kind]["f1"] >= 0.80, format_report(result)
    assert "newsfacts" in format_report(result)


def test_cue_words_type_unknown_names():
    text = "Kha Dục Danh cho biết anh sẽ đến Reykjavik vào tuần sau."
    spans = {(text[a:b], kind) for a, b, kind in extract_spans(text)}
    assert ("Kha Dục Danh", "PER") in spans  # no known surname: the speech verb decides
    assert ("Reykjavik", "LOC") in spans  # "đến X"


def test_names_typed_once_are_recalled_later_in_the_article():
    later = "Sau đó, Huetter đã tìm kiếm người hiến tặng."
    first, second = extract_article_spans(["Bác sĩ Gero Huetter đã điều trị cho bệnh nhân.", later])
    assert [kind for *_, kind in first] == ["PER"]
    assert [(later[a:b], kind) for a, b, kind in second] == [("Huetter", "PER")]
    assert extract_spans(later) == []  # alone, the sentence gives no clue


def test_conll_gold_is_read_like_jsonl(tmp_path):
    conll = tmp_path / "gold.conll"
    conll.write_text("Ông O\nNguyễn B-PER\nAn I-PER\nđến O\nHuế B-LOC\n\nBộ B-ORG\nY I-ORG\ntế I-ORG\n", encoding="utf-8")
    sentences = load_gold(conll)
    assert [spans_from_bio(tags) for _, tags in sentences] == [[(1, 3, "PER"), (4, 5, "LOC")], [(0, 3, "ORG")]]
    result = evaluate(conll, baseline=False)
    assert result["sentences"] == 2
    assert result["systems"]["newsfacts"]["scores"]["overlap"]["ALL"]["recall"] > 0


def test_foreign_names_codes_and_formulas():
    def spans(text: str) -> set[tuple[str, str]]:
        return {(text[a:b], kind) for a, b, kind in extract_spans(text)}

    assert ("Timothy Ray Brown", "PER") in spans("Ông được biết đến khi Timothy Ray Brown khỏi bệnh.")
    assert spans("Máy xử lý khí Hydro Sunfua H2S và khí Amoniac NH3 trong bể.") == set()
    assert spans("Chuyến bay VJ963 hạ cánh lúc 12h.") == set()
    assert ("Washington Post", "ORG") in spans("Tờ Washington Post đưa tin hôm qua.")
    assert ("UBND", "ORG") in spans("Đại diện UBND cho biết.")


def test_a_capitalised_non_name_inside_a_project_name_does_not_hang_the_scan():
    # "USD" is capitalised but never part of a name: the project rule once looped on it forever.
    from tasks.extract.batch import extract_text

    rows = extract_text("Dự án khai thác USD được phê duyệt.")
    assert all(r["mention"] != "USD" for r in rows.get("entities", []))  # the Python face gives dicts


def test_the_three_families_share_one_analysis_per_document(monkeypatch):
    from tasks.extract import mentions, places

    calls = []
    for module, name in ((mentions, "find_article_mentions"), (places, "find_article_places")):
        real = getattr(module, name)
        monkeypatch.setattr(module, name, lambda doc, real=real, name=name: calls.append(name) or real(doc))
    doc = doc_from_text(seed_text(), article_id="shared")
    rows = {table: r for family in (ENTITY_FAMILY, PLACE_FAMILY, ROLE_FAMILY) for table, r in family.run(doc).items()}
    assert all(rows[table] for table in ("entities", "places", "roles"))
    assert sorted(calls) == ["find_article_mentions", "find_article_places"]  # each once, whichever family asked
