"""read_item: format detection, gzip, corpus files, JSON Lines, CSV and every kind of bad input."""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

import tasks.clean.readers as readers
from conftest import CORPUS, needs_corpus
from tasks.clean.encodings import UndecodableError
from tasks.model import Article, Reject, SourceItem
from tasks.clean.readers import detect_format, read_item
from tasks.clean.records import resolve_columns, sniff_delimiter
from tasks.common import DecompressionBomb, decompress_bounded
from tasks.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_cff743e03863ce1d.txt"
FIXTURES = ROOT / "tests" / "fixtures" / "articles"
FETCHED = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def read(uri: str, data: bytes, **kwargs) -> list[Article | Reject]:
    hint = kwargs.pop("format_hint", None)
    item = SourceItem(source="src", uri=uri, location=f"/raw{uri}", fetched_at=FETCHED, format_hint=hint)
    return read_item(item, data, **kwargs)


def only_article(results: list) -> Article:
    assert len(results) == 1 and isinstance(results[0], Article), results
    return results[0]


def only_reject(results: list) -> Reject:
    assert len(results) == 1 and isinstance(results[0], Reject), results
    reject = results[0]
    assert reject.stage == "clean" and reject.source == "src" and reject.location.startswith("/raw")
    return reject


# ---------------------------------------------------------------- detection and common fields


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("Tiêu đề\n\nThứ Năm, 11/10/2018, 17:00\n\nNội dung.", "/a/b.txt", "plaintext"),
        ("# doc_id = x\n# url = https://a\n# date = 20200101\nTiêu đề\nCâu.", "/a/b.txt", "corpus"),
        ("<!DOCTYPE html><html><body><p>x</p></body></html>", "/a/page.txt", "html"),
        ("<!-- saved --><html><body></body></html>", "/a/page", "html"),
        ('{"title": "a"}\n{"title": "b"}\n', "/a/export.txt", "jsonl"),
        ("tiêu đề ở dòng đầu\n", "/a/export.jsonl", "jsonl"),
        ("title,content,date\na,b,c\n", "/a/export", "csv"),
        ("tên;nội dung\n", "/a/export.csv", "csv"),
    ],
)
def test_detect_format(text: str, name: str, expected: str) -> None:
    assert detect_format(text, name) == expected


def test_format_hint_overrides_detection() -> None:
    text = SEED.read_text(encoding="utf-8")
    assert detect_format(text, "/x.csv", hint="seed") == "plaintext"
    article = only_article(read("/in/odd-name.csv", SEED.read_bytes(), format_hint="plaintext"))
    assert article.input_format == "plaintext" and article.author == "Nguyễn Huế"


def test_unknown_format_hint_is_a_reject() -> None:
    reject = only_reject(read("/in/a.txt", b"Title\n\nBody.", format_hint="docx"))
    assert "unknown format hint 'docx'" in reject.reason


def test_common_fields_are_filled() -> None:
    article = only_article(read("/in/seed.txt", SEED.read_bytes()))
    assert (article.source, article.uri, article.fetched_at) == ("src", "/in/seed.txt", FETCHED)
    assert article.paragraphs[0].kind == "title" and article.text.startswith(article.title + "\n")
    assert article.article_id and article.content_hash


# ---------------------------------------------------------------- gzip


def test_gzip_is_sniffed_by_magic_and_read_recursively() -> None:
    plain = only_article(read("/in/seed.txt", SEED.read_bytes()))
    once = only_article(read("/in/seed.txt.gz", gzip.compress(SEED.read_bytes())))
    twice = only_article(read("/in/blob", gzip.compress(gzip.compress(SEED.read_bytes()))))
    assert once.text == plain.text == twice.text
    assert once.input_format == "plaintext"


def test_gzip_name_without_gz_picks_the_inner_reader() -> None:
    html = (FIXTURES / "site_a_vnexpress_style.html").read_bytes()
    assert only_article(read("/in/page.html.gz", gzip.compress(html))).input_format == "html"


def test_gzip_bomb_is_refused_without_inflating_it_all() -> None:
    bomb = gzip.compress(b"a" * 5_000_000)
    with pytest.raises(DecompressionBomb, match="decompresses to more than 1,000,000 bytes"):
        decompress_bounded(bomb, 1_000_000)
    reject = only_reject(read("/in/bomb.gz", bomb, settings=load_settings(max_input_bytes=1_000_000)))
    assert "decompresses to more than" in reject.reason


def test_truncated_gzip_is_a_reject() -> None:
    data = gzip.compress(SEED.read_bytes())
    assert "truncated gzip" in only_reject(read("/in/seed.txt.gz", data[: len(data) // 2])).reason


# ---------------------------------------------------------------- bad inputs


def test_empty_and_blank_files() -> None:
    assert "empty input" in only_reject(read("/in/empty.txt", b"")).reason
    assert "empty input" in only_reject(read("/in/blank.txt", b"  \n\n \t\n")).reason


def test_the_charset_fetch_determined_is_the_one_the_decoder_is_told(monkeypatch: pytest.MonkeyPatch) -> None:
    told: list[str | None] = []
    decode = readers.decode_bytes

    def spy(data: bytes, declared: str | None = None):
        told.append(declared)
        return decode(data, declared)

    monkeypatch.setattr(readers, "decode_bytes", spy)
    page = (FIXTURES / "site_a_vnexpress_style.html").read_bytes().replace(b"<head>", b'<head><meta charset="windows-1258">', 1)
    url = "https://bao.example.vn/a.html"
    fetched = SourceItem("web", url, "archive:x", content_type="text/html; charset=iso-8859-1", charset="utf-8")
    only_article(read_item(fetched, page))  # fetch's decision, not the header's or the markup's
    only_article(read_item(SourceItem("src", "/in/a.html", "/in/a.html"), page))  # a local file: its markup
    only_article(read_item(SourceItem("web", url, "archive:y", content_type="text/html; charset=iso-8859-1"), page))
    gzipped = SourceItem("web", url + ".gz", "archive:z", charset="ascii")  # fetch saw the gzip bytes only
    only_article(read_item(gzipped, gzip.compress(page)))
    assert told == ["utf-8", "windows-1258", "iso-8859-1", "windows-1258"]


def test_binary_files() -> None:
    assert "PNG image" in only_reject(read("/in/photo.txt", b"\x89PNG\r\n\x1a\n" + bytes(200))).reason
    assert "PDF document" in only_reject(read("/in/doc.txt", b"%PDF-1.7\n" + bytes(range(256)))).reason
    reject = only_reject(read("/in/blob.bin", bytes(range(256)) * 40))
    assert reject.reason.startswith("undecodable text:")


def test_too_large_input() -> None:
    reject = only_reject(read("/in/big.txt", b"x" * 2048, settings=load_settings(max_input_bytes=1024)))
    assert "input too large: 2,048 bytes" in reject.reason and "1,024" in reject.reason


def test_undecodable_reason_is_passed_on(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(data: bytes, declared: str | None = None):
        raise UndecodableError("no encoding fits (tried utf-8, cp1258, tcvn3, vni)")

    monkeypatch.setattr(readers, "decode_bytes", refuse)
    reject = only_reject(read("/in/old.txt", b"Ti\xeau \xf0\xea\xd2"))
    assert reject.reason == "undecodable text: no encoding fits (tried utf-8, cp1258, tcvn3, vni)"


def test_no_title_and_no_body() -> None:
    assert only_reject(read("/in/dots.txt", b".\n.\n\n.\n")).reason == "article has no title and no text"
    assert "no title and no text" in only_reject(read("/in/a.jsonl", b'{"title": "", "content": ""}\n')).reason


def test_a_reader_crash_becomes_a_reject(monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(item, text, columns=None):
        raise KeyError("boom")

    monkeypatch.setitem(readers.READERS, "plaintext", crash)
    reject = only_reject(read("/in/seed.txt", SEED.read_bytes()))
    assert "unexpected error" in reject.reason and "KeyError" in reject.reason and "boom" in reject.detail


# ---------------------------------------------------------------- corpus files


def test_synthetic_corpus_file() -> None:
    article = only_article(read("/in/corpus_synthetic.txt", (FIXTURES / "corpus_synthetic.txt").read_bytes()))
    assert article.input_format == "corpus"
    assert article.doc_id == "synth_world_001"
    assert article.canonical_url == "https://tintuc.example.vn/the-gioi/hoi-nghi-khi-hau-20211102.htm"
    assert article.published_at.isoformat() == "2021-11-02T00:00:00+07:00"
    assert "published_date_only" in article.quality_flags
    assert article.title == "Hội nghị khí hậu kết thúc với cam kết giảm phát thải"
    assert [p.kind for p in article.paragraphs] == ["title", "lead", "body", "caption", "body"]
    assert article.lead == "Hơn 100 quốc gia cam kết giảm 30% lượng khí methane vào năm 2030."
    assert (article.images[0].caption, article.images[0].credit) == ("Đại diện các nước tại phiên bế mạc", "Reuters")
    # the article id comes from the canonical URL, not the file path
    assert article.article_id == only_article(read("/elsewhere/copy.txt", (FIXTURES / "corpus_synthetic.txt").read_bytes())).article_id


@needs_corpus
def test_every_shared_corpus_file_loads() -> None:
    files = sorted(CORPUS.glob("*.txt"))
    assert files
    for path in files:
        results = read(str(path), path.read_bytes())
        article = only_article(results)
        assert article.input_format == "corpus", path.name
        assert article.title and article.canonical_url.startswith("https://dantri.com.vn/"), path.name
        assert article.published_at is not None and article.published_at.utcoffset().total_seconds() == 7 * 3600, path.name
        assert article.doc_id == path.stem, path.name
        assert article.paragraphs[1].kind == "lead", path.name
        assert not any(p.kind in ("heading", "byline") for p in article.paragraphs), path.name


# ---------------------------------------------------------------- JSON Lines


JSONL_RECORDS = [
    {"link": "https://tin.example.vn/a.html", "headline": "Giá xăng giảm", "body": "Giá xăng RON95 giảm 500 đồng/lít.\n\nMức giảm áp dụng từ 15h.",
     "pubDate": "Tue, 10 Oct 2023 15:00:00 +0700", "byline": "Minh Khôi", "doc_id": "a1", "tags": ["xăng dầu", "giá cả"]},
    {"url": "https://tin.example.vn/c.html", "title": "Mưa lớn ở miền Trung", "content": "<p>Mưa lớn kéo dài.</p><p>Nhiều nơi ngập sâu.</p>",
     "date": "2023-10-11", "description": "Miền Trung mưa lớn trong 3 ngày liền."},
]


def jsonl_bytes(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_jsonl_with_a_broken_line_in_the_middle() -> None:
    lines = [json.dumps(JSONL_RECORDS[0], ensure_ascii=False), '{"title": "Hỏng", "content": ', json.dumps(JSONL_RECORDS[1], ensure_ascii=False)]
    first, broken, third = read("/in/export.jsonl", jsonl_bytes(lines))
    assert isinstance(first, Article) and isinstance(third, Article)
    assert isinstance(broken, Reject) and broken.reason.startswith("JSON Lines line 2 is not valid JSON")
    assert broken.uri == "/in/export.jsonl#L2"
    assert (first.uri, third.uri) == ("/in/export.jsonl#L1", "/in/export.jsonl#L3")
    assert first.article_id != third.article_id


def test_jsonl_default_column_names() -> None:
    first, second = read("/in/export.jsonl", jsonl_bytes([json.dumps(r, ensure_ascii=False) for r in JSONL_RECORDS]))
    assert (first.title, first.canonical_url, first.author, first.doc_id) == ("Giá xăng giảm", "https://tin.example.vn/a.html", "Minh Khôi", "a1")
    assert first.published_at.isoformat() == "2023-10-10T15:00:00+07:00"
    assert [(p.kind, p.text) for p in first.paragraphs[1:]] == [("lead", "Giá xăng RON95 giảm 500 đồng/lít."), ("body", "Mức giảm áp dụng từ 15h.")]
    assert first.tags == ["xăng dầu", "giá cả"] and first.input_format == "jsonl"
    # HTML content and a description that becomes the lead
    assert [(p.kind, p.text) for p in second.paragraphs[1:]] == [
        ("lead", "Miền Trung mưa lớn trong 3 ngày liền."), ("body", "Mưa lớn kéo dài."), ("body", "Nhiều nơi ngập sâu."),
    ]
    assert second.published_at.isoformat() == "2023-10-11T00:00:00+07:00" and "published_date_only" in second.quality_flags


def test_jsonl_custom_columns_and_nested_fields() -> None:
    record = {"meta": {"headline": "Khai mạc hội chợ", "when": "2023-10-12T09:00:00+07:00"}, "noi_dung": "Hội chợ có 300 gian hàng."}
    columns = {"title": "meta.headline", "published_at": "meta.when", "content": "noi_dung"}
    article = only_article(read("/in/x.jsonl", jsonl_bytes([json.dumps(record, ensure_ascii=False)]), columns=columns))
    assert article.title == "Khai mạc hội chợ" and article.published_at.hour == 9
    assert article.paragraphs[1].text == "Hội chợ có 300 gian hàng."


def test_json_array_file_and_non_object_lines() -> None:
    array = json.dumps([{"title": "Một", "content": "Nội dung một."}, {"title": "Hai", "content": "Nội dung hai."}], ensure_ascii=False)
    assert [a.title for a in read("/in/all.json", array.encode())] == ["Một", "Hai"]
    results = read("/in/x.jsonl", b'{"title": "A", "content": "B."}\n[1, 2]\n')
    assert isinstance(results[0], Article) and isinstance(results[1], Reject)
    assert results[1].reason == "JSON Lines line 2 is a list, not an object"


def test_record_without_title_or_content_fields() -> None:
    results = read("/in/x.jsonl", b'{"foo": 1, "bar": 2}\n')
    assert "neither a title nor a content field" in only_reject(results).reason


def test_resolve_columns_is_case_insensitive_and_overridable() -> None:
    mapping = resolve_columns(["Headline", "BODY", "PubDate", "Link"], None)
    assert mapping["title"] == "Headline" and mapping["content"] == "BODY"
    assert mapping["published_at"] == "PubDate" and mapping["url"] == "Link"
    assert resolve_columns(["x", "y"], {"title": "x", "content": ["z", "y"]}) == {"title": "x", "content": "y"}


# ---------------------------------------------------------------- CSV


def test_csv_with_embedded_newlines_in_quoted_fields() -> None:
    data = (
        'title,content,date,url\n'
        '"Giá vàng tăng","Giá vàng SJC tăng 200.000 đồng.\nGiá vàng nhẫn đi ngang.",2023-10-10T09:00:00+07:00,https://x.vn/1\n'
        'Tỷ giá ổn định,"Tỷ giá trung tâm không đổi.",2023-10-10T10:00:00+07:00,https://x.vn/2\n'
    ).encode()
    first, second = read("/in/news.csv", data)
    assert [p.text for p in first.paragraphs] == ["Giá vàng tăng", "Giá vàng SJC tăng 200.000 đồng.", "Giá vàng nhẫn đi ngang."]
    assert (first.uri, second.uri) == ("/in/news.csv#L2", "/in/news.csv#L4")
    assert second.canonical_url == "https://x.vn/2" and first.input_format == "csv"


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_csv_delimiter_is_sniffed(delimiter: str) -> None:
    rows = [["headline", "text", "time"], ["Tin một", "Nội dung, có dấu phẩy.", "2023-10-10 08:00"], ["Tin hai", "Nội dung hai.", ""]]
    data = "\n".join(delimiter.join(r) for r in rows).encode()
    assert sniff_delimiter(data.decode()) == delimiter
    first, second = read("/in/wrong-extension.csv", data)
    assert first.title == "Tin một" and first.paragraphs[1].text == "Nội dung, có dấu phẩy."
    assert first.published_at.isoformat() == "2023-10-10T08:00:00+07:00"
    assert second.published_at is None and any(f.startswith("no_published_at") for f in second.quality_flags)


def test_csv_without_content_column() -> None:
    reject = only_reject(read("/in/links.csv", b"title,url\nTin,https://x.vn/1\n"))
    assert reject.reason.startswith("CSV has no content column") and "columns: title, url" in reject.reason


def test_csv_custom_columns_and_bad_row() -> None:
    data = "tieu_de,noi_dung\nBài một,Nội dung một.\nBài hai,Nội dung hai.,thừa\n".encode()
    good, bad = read("/in/vn.csv", data, columns={"title": "tieu_de", "content": "noi_dung"})
    assert isinstance(good, Article) and good.title == "Bài một"
    assert isinstance(bad, Reject) and bad.reason == "CSV row at line 3 has 3 fields, the header has 2"
    assert bad.uri == "/in/vn.csv#L3"


# ---------------------------------------------------------------- never raises


from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

LINES = st.sampled_from(
    ["", ".", "Thứ Năm, 11/10/2018, 17:00 [GMT+7]", "Nâng cao chất lượng", "Ảnh: Bảo Long (CTV)", "Nguyễn Huế",
     "ãnh đạo tỉnh thăm hỏi", "Lãnh đạo tỉnh thăm hỏi. Ảnh: Hà", "Câu văn bình thường có dấu chấm.", "# url = x",
     "<p>đoạn</p>", '{"title": "x"}', "title,content", "\u00a0\u200b", "(Ảnh minh họa)"]
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(LINES, max_size=25), name=st.sampled_from(["/in/a.txt", "/in/a.csv", "/in/a.jsonl", "/in/a.html", "/in/a"]))
def test_read_item_never_raises_and_offsets_hold(lines: list[str], name: str) -> None:
    for result in read(name, "\n".join(lines).encode()):
        assert isinstance(result, (Article, Reject))
        assert not (isinstance(result, Reject) and result.reason.startswith("unexpected error")), result
        if isinstance(result, Article):
            assert result.paragraphs[0].kind == "title"
            for p in result.paragraphs:
                assert result.text[p.char_start : p.char_end] == p.text
            for image in result.images:
                assert image.paragraph_index is None or result.paragraphs[image.paragraph_index].kind == "caption"


@settings(max_examples=40, deadline=None)
@given(data=st.binary(max_size=400))
def test_read_item_never_raises_on_random_bytes(data: bytes) -> None:
    for result in read("/in/random.bin", data):
        assert isinstance(result, (Article, Reject))
        assert not (isinstance(result, Reject) and result.reason.startswith("unexpected error")), result
