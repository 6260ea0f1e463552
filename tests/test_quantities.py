"""Quantity extraction: the seed article's gold, non-quantities, ranges, spans, and the dantri gold."""

import json
import unicodedata
from dataclasses import asdict
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from tasks.extract.batch import doc_from_text, extract_facts
from tasks.extract.legal_documents import LEGAL_DOCUMENTS
from tasks.extract.periods import PERIODS
from tasks.extract.quantities import QUANTITIES
from tasks.extract.registry import EXTRACTORS
from warehouse.schema_facts import FACT_TABLES
from warehouse.tables import TABLES
from conftest import CORPUS, needs_corpus

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_cff743e03863ce1d.txt"
GOLD = ROOT / "tests" / "gold" / "quantities_dantri.jsonl"
# hand-read without running the extractor (the second one after the extractor changes, as a hold-out)
BLIND_GOLD = ROOT / "tests" / "gold" / "quantities_dantri_blind.jsonl"
HOLDOUT_GOLD = ROOT / "tests" / "gold" / "quantities_dantri_holdout.jsonl"
GOLD_FILES = (GOLD, BLIND_GOLD, HOLDOUT_GOLD)
VN = timezone(timedelta(hours=7))


def seed_text() -> str:
    """The seed as the clean stage leaves it: NFC, no NBSP, no '.' lines, caption alt-text lines dropped."""
    text = unicodedata.normalize("NFC", SEED.read_text(encoding="utf-8")).replace("\xa0", " ")
    lines = [line for line in text.split("\n") if line.strip() != "."]
    kept = []
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if "Ảnh:" in line and nxt.strip() and "Ảnh:" in nxt:
            continue  # first line of a 2-line caption block is the alt text
        kept.append(line)
    return "\n".join(kept)


# The family (name, version) that writes each table.
FAMILY_OF = {t: (e.name, e.version) for e in EXTRACTORS for t in e.writes}


@pytest.fixture(scope="module")
def seed_records():
    doc = doc_from_text(seed_text(), published_at=datetime(2018, 10, 11, 17, 0, tzinfo=VN), article_id="seed")
    facts = extract_facts(doc)  # through the registry, which stamps each family's name and version
    return doc, {t.name: facts[t.name] for t in FACT_TABLES}


@pytest.fixture(scope="module")
def seed_facts(seed_records):
    doc, records = seed_records
    return doc, {table: [asdict(r) for r in rows] for table, rows in records.items()}


# value, normalised unit, counted object, comparator — the 21 quantities of the seed, in order
SEED_GOLD = [
    (1, "count", "trạm tiếp sóng", "="),
    (38, "count", "trường phổ thông", "="),
    (4, "count", "đơn vị sự nghiệp", "="),
    (7, "count", "phường, xã", "="),
    (5, "count", "phường, xã", "="),
    (178, "count", "thôn, khu", "="),
    (100, "percent", None, "="),
    (25, "count", "cuộc kiểm tra, giám sát, thanh tra", "="),
    (215, "count", "cuộc kiểm tra, giám sát", "="),
    (50, "percent", None, ">"),
    (86, "percent", None, ">"),
    (13.15, "percent", None, "="),
    (778e9, "VND", None, ">"),
    (74, "count", "dự án", "="),
    (5, "count", "điểm du lịch", "="),
    (2, "count", "chợ", "="),
    (4, "count", "hội nghị", "="),
    (248, "count", "doanh nghiệp", "="),
    (57, "percent", None, ">"),
    (8, "count", "công trình hạ tầng nông thôn", "="),
    (64e9, "VND", None, ">"),
]


def test_seed_quantities_exactly(seed_facts):
    _, facts = seed_facts
    got = [(q["normalized_value"], q["normalized_unit"], q["counted_object"], q["comparator"]) for q in facts["quantities"]]
    assert got == [(pytest.approx(v), u, o, c) for v, u, o, c in SEED_GOLD]


def test_seed_directions(seed_facts):
    _, facts = seed_facts
    changes = [(q["mention"], q["direction"]) for q in facts["quantities"] if q["direction"]]
    assert changes == [("4 đơn vị sự nghiệp", "decrease")]


def test_seed_money_as_written(seed_facts):
    _, facts = seed_facts
    money = [q for q in facts["quantities"] if q["normalized_unit"] == "VND"]
    assert [(q["value"], q["unit_written"]) for q in money] == [(778, "tỷ đồng"), (64, "tỷ đồng")]


def test_seed_metrics(seed_facts):
    _, facts = seed_facts
    by_value = {q["normalized_value"]: q for q in facts["quantities"]}
    assert by_value[13.15]["metric"] == "tốc độ tăng trưởng kinh tế bình quân hằng năm"
    assert by_value[778e9]["metric"] == "tổng vốn đầu tư công năm 2018"
    assert by_value[57]["metric"] == "kế hoạch tỉnh giao"
    assert by_value[64e9]["metric"] == "tổng đầu tư"
    # the measured noun phrase spans "trong sạch, vững mạnh", not just the part after the comma
    assert by_value[50]["metric"] == "tổ chức đảng trong sạch, vững mạnh của thành phố"


def test_seed_periods_of_quantities(seed_facts):
    _, facts = seed_facts
    by_value = {(q["normalized_value"], q["counted_object"]): q for q in facts["quantities"]}
    inspections = by_value[(25, "cuộc kiểm tra, giám sát, thanh tra")]
    assert (inspections["period_start"], inspections["period_end"]) == (date(2018, 1, 1), date(2018, 10, 11))
    assert inspections["period_mention"] == "Từ đầu năm 2018 đến nay"
    conferences = by_value[(4, "hội nghị")]
    assert (conferences["period_start"], conferences["period_end"]) == (date(2018, 1, 1), date(2018, 9, 30))


def test_seed_non_quantities(seed_facts):
    doc, facts = seed_facts
    mentions = " | ".join(q["mention"] for q in facts["quantities"])
    for text in ("19", "11/10/2018", "17:00", "GMT+7"):
        start = doc.text.index(text)
        assert all(not (q["char_start"] < start + len(text) and start < q["char_end"]) for q in facts["quantities"]), (text, mentions)


def test_seed_rows_have_provenance_and_declared_columns(seed_records):
    doc, facts = seed_records
    columns = {t.name: t.column_names for t in FACT_TABLES}
    for table, rows in facts.items():
        for record in rows:
            assert type(record) is TABLES[table].record  # a typed row of its table, not a dict
            row = asdict(record)
            assert list(row) == columns[table]
            assert doc.text[row["char_start"] : row["char_end"]] == row["mention"]
            sentence = doc.sentences[row["sentence_index"]]
            assert sentence.start <= row["char_start"] < row["char_end"] <= sentence.end
            assert row["article_id"] == "seed"
            assert (row["extractor"], row["extractor_version"]) == FAMILY_OF[table]


def quantities(text: str, published=datetime(2020, 10, 1, tzinfo=VN)) -> list[dict]:
    return [asdict(r) for r in QUANTITIES.run(doc_from_text(text, published_at=published, article_id="t"))["quantities"]]


def test_usd_millions():
    [q] = quantities("Công ty nhận khoản đầu tư 2,5 triệu USD.")
    assert (q["value"], q["normalized_value"], q["normalized_unit"], q["unit_written"]) == (2.5, 2.5e6, "USD", "triệu USD")


def test_implied_dong_needs_money_context():
    [money] = quantities("Tổng đầu tư trên 64 tỷ cho dự án.")
    assert (money["normalized_value"], money["normalized_unit"]) == (64e9, "VND")
    [views] = quantities("Video đạt 7,038 tỷ lượt xem.")
    assert (views["normalized_value"], views["normalized_unit"], views["counted_object"]) == (pytest.approx(7.038e9), "count", "lượt xem")


def test_number_words_and_approximations():
    rows = quantities("Hàng trăm người dự lễ, mười lăm đội tham gia và hai dự án được duyệt.")
    assert [(q["normalized_value"], q["normalized_unit"], q["comparator"], q["approximate"]) for q in rows] == [
        (100, "person", "≈", True), (15, "count", "=", False), (2, "count", "=", False)]


def test_fixed_expressions_are_not_quantities():
    assert quantities("Một số doanh nghiệp và một trong những dự án lớn.") == []


def test_identifiers_ordinals_and_codes_are_not_quantities():
    text = ("Đại hội lần thứ 3 khóa XII theo Điều 5, lúc 17:00 (GMT+7) ngày 11/10/2018, "
            "gọi 0912 345 678, phiên bản 1.2.3.4 và 10^9 phép tính, Quận 1 có mã U23, Covid-19.")
    assert quantities(text) == []


def test_comparators():
    rows = quantities("Có khoảng 30 người, ít nhất 5 xe, tối đa 10 tấn, dưới 2% và từ 18 tuổi trở lên.")
    assert [(q["normalized_value"], q["comparator"]) for q in rows] == [(30, "≈"), (5, "≥"), (10, "≤"), (2, "<"), (18, "≥")]


def test_direction_change_versus_level():
    rows = quantities("Doanh thu tăng 10%, lợi nhuận giảm 3% và tỷ lệ nợ giảm còn 2%.")
    assert [(q["normalized_value"], q["direction"]) for q in rows] == [(10, "increase"), (3, "decrease"), (2, None)]
    assert rows[0]["metric"] == "Doanh thu"


def test_range_gives_both_ends():
    rows = quantities("Lãi suất ở mức 3,7-4,1%/năm.")
    assert [(q["mention"], q["normalized_value"], q["normalized_unit"], q["comparator"]) for q in rows] == [
        ("3,7", 3.7, "percent/year", "≥"), ("4,1%/năm", 4.1, "percent/year", "≤")]


def test_glued_units():
    rows = quantities("Đường chạy 42km, đường dây 22KV và màn hình 6,2-inch.")
    assert [(q["normalized_value"], q["normalized_unit"]) for q in rows] == [(42, "km"), (22, "kV"), (6.2, "inch")]


def test_paragraph_frame_period():
    text = "9 tháng năm 2018, thành phố đạt nhiều kết quả. Đồng thời, công bố 5 điểm du lịch.\nKhác 3 dự án."
    rows = quantities(text, published=datetime(2018, 10, 11, tzinfo=VN))
    assert [(q["normalized_value"], q["period_start"], q["period_end"]) for q in rows] == [
        (5, date(2018, 1, 1), date(2018, 9, 30)), (3, None, None)]


_VI_WORDS = ["tăng", "giảm", "trên", "khoảng", "tỷ", "triệu", "đồng", "USD", "%", "người", "dự án", "năm", "tháng",
             "ngày", "quý", "III", "từ", "đến", "nay", "Nghị quyết", "số", "-NQ/TU", "/", ",", ".", "-", "\n", "hai",
             "mười", "lăm", "hàng", "trăm", "“", "”", ":", "hằng năm", "đầu", "qua", "lần thứ"]
_TOKENS = st.one_of(st.sampled_from(_VI_WORDS), st.integers(0, 100000).map(str), st.text(max_size=4))


@settings(max_examples=200, deadline=None)
@given(st.lists(_TOKENS, max_size=40).map(" ".join))
def test_every_span_is_exact_and_inside_its_sentence(text):
    doc = doc_from_text(text, published_at=datetime(2020, 10, 1, tzinfo=VN), article_id="p")
    for family in (QUANTITIES, PERIODS, LEGAL_DOCUMENTS):
        for row in family.run(doc)[family.writes[0]]:
            assert doc.text[row.char_start : row.char_end] == row.mention
            sentence = doc.sentences[row.sentence_index]
            assert sentence.start <= row.char_start < row.char_end <= sentence.end


@needs_corpus
def test_dantri_gold_precision_and_recall():
    """Pooled over the drafted-then-reviewed gold and the two blind golds (25 articles)."""
    from tasks.evaluate.quantities import evaluate

    results = [evaluate(path, CORPUS) for path in GOLD_FILES]
    articles = sum(len(r["articles"]) for r in results)
    matched = sum(r["true_positives"] for r in results)
    precision = matched / sum(r["predicted"] for r in results)
    recall = matched / sum(r["gold"] for r in results)
    assert articles >= 25
    assert precision >= 0.9, precision
    assert recall >= 0.9, recall


@needs_corpus
def test_blind_gold_precision_and_recall():
    from tasks.evaluate.quantities import evaluate

    result = evaluate(BLIND_GOLD, CORPUS)
    assert len(result["articles"]) == 10
    assert result["precision"] >= 0.9, result["precision"]
    assert result["recall"] >= 0.9, result["recall"]


@needs_corpus
@pytest.mark.parametrize("gold", GOLD_FILES, ids=lambda p: p.name)
def test_gold_offsets_are_consistent(gold):
    from tasks.evaluate.quantities import corpus_doc

    for line in gold.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        entry = json.loads(line)
        doc = corpus_doc(CORPUS / entry["file"])
        for q in entry["quantities"]:
            assert doc.text[q["char_start"] : q["char_end"]] == q["mention"]


def test_blind_gold_files_say_how_they_were_written():
    for gold in (BLIND_GOLD, HOLDOUT_GOLD):
        first = gold.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("#") and "BLIND" in first


def values(text: str) -> list[tuple]:
    return [(q["mention"], pytest.approx(q["normalized_value"]), q["normalized_unit"], q["comparator"]) for q in quantities(text)]


def test_fraction_after_a_cue_is_a_ratio_but_a_bare_day_month_is_not():
    assert values("Nhà máy cấp nước cho khoảng 1/3 dân số, chiếm hơn 2/3 sản lượng.") == [
        ("khoảng 1/3", 1 / 3, "ratio", "≈"), ("hơn 2/3", 2 / 3, "ratio", ">")]
    assert values("Các trường sẽ công bố điểm để 5/10 nhập học.") == []


def test_number_range_with_words_shares_the_unit_of_the_second_number():
    assert values("Trong 24 đến 48 giờ tới, bão đi được 10-15km.") == [
        ("24", 24, "hour", "≥"), ("48 giờ", 48, "hour", "≤"), ("10", 10, "km", "≥"), ("15km", 15, "km", "≤")]
    assert values("Giá dao động từ 1,2 đến 5 triệu đồng.") == [
        ("1,2", 1.2e6, "VND", "≥"), ("5 triệu đồng", 5e6, "VND", "≤")]


def test_shared_unit_lists():
    rows = quantities("Kỳ hạn 2 và 3 tháng giữ nguyên, máy có 3 hoặc 4 camera.")
    assert [(q["mention"], q["normalized_value"], q["normalized_unit"], q["counted_object"]) for q in rows] == [
        ("2", 2, "month", None), ("3 tháng", 3, "month", None), ("3", 3, "count", "camera"), ("4 camera", 4, "count", "camera")]


def test_first_number_of_a_money_range_keeps_or_recovers_its_size():
    assert values("Mức phạt từ 500.000 đến 50 triệu đồng.") == [
        ("500.000", 500000, "VND", "≥"), ("50 triệu đồng", 5e7, "VND", "≤")]
    assert values("Giá thuê từ 400 đến 600.000 đồng.") == [("400", 400000, "VND", "≥"), ("600.000 đồng", 600000, "VND", "≤")]


def test_unit_repeated_after_a_dash():
    assert values("Lãi suất kỳ hạn 1 tháng-2 tháng giảm.") == [("1 tháng", 1, "month", "="), ("2 tháng", 2, "month", "=")]


def test_age_written_before_the_number():
    assert values("Bà nghỉ hưu ở tuổi 60, còn ông ở tuổi ngoài 50 vẫn chạy bộ.") == [
        ("tuổi 60", 60, "year_of_age", "="), ("tuổi ngoài 50", 50, "year_of_age", ">")]
    assert values("Nhóm tuổi 20-39 được khám.") == [("tuổi 20", 20, "year_of_age", "≥"), ("39", 39, "year_of_age", "≤")]


def test_one_is_a_count_only_in_durations():
    assert values("Anh rời quê cách đây một năm và mở một cửa hàng.") == [("một năm", 1, "year", "=")]
    assert values("Họ làm việc hai năm ở một công ty.") == [("hai năm", 2, "year", "=")]


def test_three_counts_before_a_count_noun_only():
    assert values("Chia thành ba nhóm tuổi, ba mẹ đi cùng, mang ba lô.") == [("ba nhóm tuổi", 3, "count", "=")]


def test_multiplier_words_alone_before_a_currency():
    assert values("Những nhà máy nghìn tỷ đồng, quả hồng giá nửa triệu đồng.") == [
        ("nghìn tỷ đồng", 1e12, "VND", "="), ("nửa triệu đồng", 5e5, "VND", "=")]
    assert values("Hàng nghìn người và triệu lượt xem.") == [("Hàng nghìn người", 1000, "person", "≈")]


def test_grouped_numbers_are_amounts():
    rows = quantities("Tổng số thí sinh là 642.945, có tổng số 275.530 thí sinh đổi nguyện vọng và khoảng 2.000 báo đen.")
    assert [(q["mention"], q["normalized_value"], q["counted_object"]) for q in rows] == [
        ("642.945", 642945, None), ("275.530 thí sinh", 275530, "thí sinh"), ("khoảng 2.000 báo đen", 2000, "báo đen")]
    assert rows[0]["metric"] == "Tổng số thí sinh"
    [votes] = quantities("Ông thắng với 10.704 phiếu chênh lệch hồi năm 2016.")
    assert (votes["mention"], votes["counted_object"]) == ("10.704 phiếu chênh lệch", "phiếu chênh lệch")


def test_identifier_words_still_block_but_not_in_durations():
    assert values("Nhà máy số 2 và trong vòng 10 năm qua.") == [("10 năm", 10, "year", "=")]


def test_speed_in_km_per_hour_word():
    assert values("Gió mạnh 200-220km/giờ.") == [("200", 200, "km/h", "≥"), ("220km/giờ", 220, "km/h", "≤")]


def test_metric_is_the_measured_noun_phrase():
    rows = quantities("Giới chức cảnh báo về nguy cơ sóng lớn cao tới 3 mét. Chúng tôi cắt giảm 40% nhân sự, "
                      "sau đó là 80% nhân sự. Bão với sức gió tối đa lên tới 225 km/h.")
    assert [q["metric"] for q in rows] == ["nguy cơ sóng lớn", "nhân sự", "nhân sự", "sức gió tối đa"]


def test_coordinated_metric_spans_a_comma_only_for_a_short_modifier():
    [q] = quantities("Năm nay, doanh thu của công ty đạt 10 tỷ đồng.")
    assert q["metric"] == "doanh thu của công ty"
