"""A small synthetic corpus for the report's tests: articles of three sources over two months of 2018 (the seed's),
several provinces,
money, counts, office holders, an undated article and two inputs that are rejected (no real article text)."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import SEED

# (province as written, commune phrase, official name, role) — units whose post-2025 codes the tests check.
PLACES = [
    ("tỉnh Quảng Ninh", "phường Cẩm Trung, TP Cẩm Phả", "Nguyễn Văn An", "Chủ tịch UBND tỉnh Quảng Ninh"),
    ("tỉnh Nghệ An", "xã Nghi Phong, huyện Nghi Lộc", "Trần Thị Bình", "Giám đốc Sở Kế hoạch và Đầu tư tỉnh Nghệ An"),
    ("tỉnh Lâm Đồng", "phường 1, TP Đà Lạt", "Lê Văn Cường", "Phó Chủ tịch UBND tỉnh Lâm Đồng"),
    ("tỉnh Đồng Nai", "phường Tân Phong, TP Biên Hòa", "Phạm Thị Dung", "Bí thư Tỉnh ủy Đồng Nai"),
]
SOURCES = ("bao-a", "bao-b", "bao-c")


def article(number: int, province: str, commune: str, person: str, role: str, day: int, month: int) -> str:
    projects, capital, firms = 10 + 7 * number, 120 + 35 * number, 20 + 3 * number
    return (f"# doc_id = synth_report_{number:03d}\n"
            f"# url = https://tintuc.example.vn/kinh-te/bai-{number:03d}.htm\n"
            f"# date = 2018{month:02d}{day:02d}\n"
            f"{province.split(' ', 1)[1]} thu hút {projects} dự án mới trong năm 2017\n"
            f"Năm 2017, {province} thu hút {projects} dự án với tổng vốn {capital} tỷ đồng.\n"
            f"Trong 9 tháng đầu năm 2018, UBND {commune} đã cấp phép cho {firms} doanh nghiệp.\n"
            f"Ông {person}, {role}, cho biết tỉnh sẽ tiếp tục cải thiện môi trường đầu tư.\n"
            f"Ông {person} đề nghị các sở, ngành hỗ trợ doanh nghiệp tại {province}.\n")


def write_report_corpus(root: Path) -> list[Path]:
    """One folder per source, twelve articles in all, plus the seed, an undated article and two bad inputs."""
    folders = []
    for s, source in enumerate(SOURCES):
        folder = root / source
        folder.mkdir(parents=True)
        folders.append(folder)
        for i in range(4):
            number = 4 * s + i
            province, commune, person, role = PLACES[number % len(PLACES)]
            text = article(number, province, commune, person, role, day=1 + 2 * number, month=9 + number % 2)
            (folder / f"bai-{number:03d}.txt").write_text(text, encoding="utf-8")
    shutil.copy(SEED, folders[0] / SEED.name)
    undated = article(99, *PLACES[0], day=1, month=1).replace("# date = 20180101\n", "")
    (folders[1] / "khong-ngay.txt").write_text(undated, encoding="utf-8")
    (folders[2] / "empty.txt").write_bytes(b"")
    (folders[2] / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    return folders
