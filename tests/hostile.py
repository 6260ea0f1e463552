"""Generators of test inputs written at test time: synthetic good articles and a catalogue of hostile inputs."""

from __future__ import annotations

import gzip
import io
import json
import os
import unicodedata
import zipfile
import zlib
from collections.abc import Callable
from datetime import date
from pathlib import Path

# Fragments of synthetic news sentences in the style of the seed (provincial economy, Vietnamese).
PLACES = ("Quảng Ninh", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Bình Dương", "Nghệ An", "Lâm Đồng", "Thái Bình")
SECTORS = ("chế biến nông sản", "du lịch", "logistics", "công nghiệp hỗ trợ", "năng lượng tái tạo", "thủy sản")


def good_article(i: int, when: date | None = None, url: str | None = None) -> str:
    """A synthetic article in the corpus dump format (`# key = value` header, title, one sentence a line)."""
    when = when or date(2020, 1 + i % 3, 1 + i % 27)
    place, sector = PLACES[i % len(PLACES)], SECTORS[i % len(SECTORS)]
    lines = [
        f"# doc_id = synthetic_{i:03d}",
        f"# url = {url or f'https://tin.example.vn/kinh-te/bai-{i:03d}.htm'}",
        f"# date = {when:%Y%m%d}",
        f"{place} thu hút {100 + i} dự án {sector} trong năm {when.year}",
        f"Trong {3 + i % 9} tháng đầu năm {when.year}, tỉnh {place} đã cấp phép cho {100 + i} dự án với tổng vốn "
        f"đăng ký {1_200 + 37 * i} tỷ đồng, tăng {5 + i % 20}% so với cùng kỳ.",
        f"Ông Nguyễn Văn {chr(65 + i % 26)}n, Giám đốc Sở Kế hoạch và Đầu tư tỉnh {place}, cho biết "
        f"có {40 + i} doanh nghiệp mới thành lập trong lĩnh vực {sector}.",
        f"Theo Quyết định số {10 + i}/QĐ-UBND ngày {when.day}/{when.month}/{when.year}, tỉnh dành "
        f"{2 + i % 7},{i % 10} ha đất cho khu công nghiệp mới.",
        f"Kim ngạch xuất khẩu đạt {300 + i} triệu USD, chiếm {10 + i % 50}% tổng kim ngạch của tỉnh.",
    ]
    return "\n".join(lines) + "\n"


def write_good_corpus(folder: Path, count: int, start: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(start, start + count):
        path = folder / f"bai_{i:03d}.txt"
        path.write_text(good_article(i), encoding="utf-8")
        paths.append(path)
    return paths


def plain_article(title: str, body: str) -> str:
    """A seed-style plain-text article: title, blank line, body paragraphs."""
    return f"{title}\n\n{body}\n"


# ---------------------------------------------------------------- hostile inputs


def bytes_file(name: str, data: bytes) -> Callable[[Path], None]:
    return lambda folder: (folder / name).write_bytes(data)


def text_file(name: str, text: str, encoding: str = "utf-8") -> Callable[[Path], None]:
    return lambda folder: (folder / name).write_bytes(text.encode(encoding))


def png_bytes() -> bytes:
    raw = b"\x00\xff\x00\x00" * 4
    ihdr = b"IHDR" + (1).to_bytes(4, "big") * 2 + b"\x08\x02\x00\x00\x00"
    chunk = lambda body: len(body[4:]).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")  # noqa: E731
    return b"\x89PNG\r\n\x1a\n" + chunk(ihdr) + chunk(b"IDAT" + zlib.compress(raw)) + chunk(b"IEND")


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("bai.txt", good_article(900))
    return buffer.getvalue()


def big_text(folder: Path, name: str, megabytes: int) -> None:
    """A `megabytes` MB article-like text file, written in chunks (never held twice in memory)."""
    line = ("Tỉnh Quảng Ninh thu hút 120 dự án với tổng vốn 1.500 tỷ đồng trong năm 2020. " * 20 + "\n").encode()
    with open(folder / name, "wb") as f:
        f.write("Bài rất dài\n\n".encode())
        for _ in range(megabytes * 1024 * 1024 // len(line) + 1):
            f.write(line)


def one_long_line(folder: Path, name: str, megabytes: int) -> None:
    unit = "Vốn đăng ký tăng 12% so với cùng kỳ năm 2019 và đạt 3.400 tỷ đồng; ".encode()
    with open(folder / name, "wb") as f:
        f.write("Một dòng rất dài\n\n".encode())
        for _ in range(megabytes * 1024 * 1024 // len(unit) + 1):
            f.write(unit)


def deep_html(levels: int) -> str:
    return ("<html><head><title>Lồng sâu</title></head><body>" + "<div>" * levels
            + "<p>Đoạn văn nằm rất sâu với 5 doanh nghiệp.</p>" + "</div>" * levels + "</body></html>")


def many_paragraphs(count: int) -> str:
    body = "\n\n".join(f"Đoạn {i}: tỉnh cấp phép {i % 97 + 1} dự án mới, tổng vốn {i % 50 + 1} tỷ đồng." for i in range(count))
    return plain_article("Bài có mười nghìn đoạn", body)


def encode_legacy(text: str, encoding: str) -> bytes:
    """Text in TCVN3 ("tcvn3") or VNI ("vni") bytes, by inverting the decoding tables of tasks/lang/vi/."""
    from tasks.lexicon import table

    name = {"tcvn3": "encodings/tcvn3.tsv", "vni": "encodings/vni.tsv"}[encoding]
    inverse: dict[str, bytes] = {}
    for row in table(name):
        inverse.setdefault(row[1], bytes.fromhex(row[0]))
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        out += ch.encode("ascii") if ord(ch) < 128 else inverse[ch]
    return bytes(out)


def tcvn3_bytes() -> bytes:
    """TCVN3 has no upper-case toned letters, so the sample keeps capitals unaccented."""
    return encode_legacy(plain_article("Thành phố Hà Nội thu hút đầu tư nước ngoài",
                                       "Năm 2019, thành phố đã thu hút 120 dự án mới với tổng vốn 3.500 tỷ đồng."), "tcvn3")


def vni_bytes() -> bytes:
    return encode_legacy(plain_article("Đà Nẵng phát triển du lịch biển",
                                       "Đà Nẵng đón 8 triệu lượt khách trong năm 2019, tăng 15% so với năm trước."), "vni")


def to_cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows wrote it: base letters precomposed (â, ơ, đ…), tone marks combining."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for ch in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
        out.append(base + "".join(c for c in parts if c in tones))
    return "".join(out).encode("cp1258")


def cp1258_bytes() -> bytes:
    return to_cp1258(plain_article("Cần Thơ xây cầu mới", "Cần Thơ đầu tư 2.000 tỷ đồng xây cầu mới trong năm 2021."))


def mixed_encodings_bytes() -> bytes:
    head = plain_article("Bình Dương tăng thu ngân sách", "Thu ngân sách đạt 60.000 tỷ đồng trong năm 2020.").encode("utf-8")
    tail = to_cp1258("Dòng cuối cùng ghi bằng bảng mã cũ: tăng 15%.\n")
    return head + tail


def csv_text(rows: list[list[str]], delimiter: str = ",") -> str:
    import csv

    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def jsonl_with_broken_line() -> str:
    good = lambda i: json.dumps({"url": f"https://tin.example.vn/j/{i}", "title": f"Tin số {i}",  # noqa: E731
                                 "content": f"Tỉnh thu hút {i} dự án.", "date": "2020-05-0" + str(i)}, ensure_ascii=False)
    return "\n".join([good(1), '{"url": "https://tin.example.vn/j/x", "title": "hỏng', good(2)]) + "\n"


def symlink_loop(folder: Path) -> None:
    inner = folder / "vong"
    inner.mkdir()
    os.symlink(folder, inner / "quay-lai")
    os.symlink(inner / "tu-tro", inner / "tu-tro")


def gzip_bomb(folder: Path) -> None:
    with gzip.open(folder / "bom.txt.gz", "wb", compresslevel=9) as f:
        chunk = b"a" * (1024 * 1024)
        for _ in range(40):
            f.write(chunk)
