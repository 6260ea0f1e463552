"""References to legal and party documents."""

from dataclasses import asdict

from tasks.extract.batch import doc_from_text
from tasks.extract.legal_documents import LEGAL_DOCUMENTS


def documents(text: str) -> list[dict]:
    return [asdict(r) for r in LEGAL_DOCUMENTS.run(doc_from_text(text, article_id="t"))["documents"]]


def test_seed_resolution_with_issuer_and_title():
    text = ("TP Cẩm Phả tập trung thực hiện Nghị quyết số 19-NQ/TU của BCH Đảng bộ tỉnh về “Đổi mới phương thức, "
            "nâng cao năng lực lãnh đạo, sức chiến đấu của Đảng; thực hiện tinh giản bộ máy, biên chế”. Trong đó")
    [d] = documents(text)
    assert d["mention"] == "Nghị quyết số 19-NQ/TU"
    assert (d["doc_type"], d["number"], d["issuer_code"], d["issuer"]) == ("Nghị quyết", "19", "NQ/TU", "Tỉnh ủy")
    assert d["issuer_mention"] == "BCH Đảng bộ tỉnh"
    assert d["title"] == ("Đổi mới phương thức, nâng cao năng lực lãnh đạo, sức chiến đấu của Đảng; "
                          "thực hiện tinh giản bộ máy, biên chế")
    assert d["document_year"] is None


def test_government_decree_with_year():
    [d] = documents("Theo Nghị định 15/2020/NĐ-CP ngày 3/2/2020 của Chính phủ.")
    assert (d["doc_type"], d["number"], d["document_year"], d["issuer_code"], d["issuer"]) == ("Nghị định", "15", 2020, "NĐ-CP", "Chính phủ")


def test_code_without_type_word_gets_type_from_code():
    [d] = documents("Căn cứ 1234/QĐ-UBND ngày 1/1/2019 của UBND tỉnh.")
    assert (d["mention"], d["doc_type"], d["document_year"], d["issuer"], d["issuer_mention"]) == (
        "1234/QĐ-UBND", "Quyết định", 2019, "Ủy ban nhân dân", "UBND tỉnh")


def test_central_directive():
    [d] = documents("Thực hiện Chỉ thị 05-CT/TW.")
    assert (d["doc_type"], d["number"], d["issuer"]) == ("Chỉ thị", "05", "Trung ương")


def test_plan_duration_and_disease_names_are_not_documents():
    assert documents("Kế hoạch 5 năm phòng chống Covid-19 và lần thứ 3.") == []


def test_upper_case_type_words_pass_the_cheap_gate():
    [d] = documents("THEO NGHỊ ĐỊNH 15/2020/NĐ-CP CỦA CHÍNH PHỦ.")
    assert (d["doc_type"], d["number"], d["document_year"]) == ("Nghị định", "15", 2020)


def test_sentences_without_a_type_word_or_code_have_no_documents():
    assert documents("Có 15 người và 20 xe tham gia.") == []
