"""Saved HTML pages in three Vietnamese news-site styles, and pages that must be rejected."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tasks.clean.htmlbody import body_from_fragment
from tasks.clean.htmlpage import PageRejected, parse_html_page
from tasks.model import Article, Reject, SourceItem
from tasks.clean.readers import read_item

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "articles"
GMT7 = timezone(timedelta(hours=7))


def read_page(name: str, uri: str | None = None) -> Article | Reject:
    path = FIXTURES / name
    results = read_item(SourceItem(source="web", uri=uri or str(path), location=str(path)), path.read_bytes())
    assert len(results) == 1
    return results[0]


def kinds_and_texts(article: Article) -> list[tuple[str, str]]:
    return [(p.kind, p.text) for p in article.paragraphs]


def test_site_a_metadata() -> None:
    article = read_page("site_a_vnexpress_style.html")
    assert isinstance(article, Article) and article.input_format == "html"
    assert article.title == "Hạ Long khai trương tuyến buýt điện ven vịnh"
    assert article.published_at == datetime(2023, 5, 12, 8, 30, tzinfo=GMT7)
    assert article.published_at.utcoffset() == timedelta(hours=7)
    assert article.author == "Lê Tân"
    assert article.canonical_url == "https://tinnhanh.example.vn/ha-long-khai-truong-tuyen-buyt-dien-ven-vinh-4581234.html"
    assert article.categories == ["Thời sự"]
    assert article.tags == ["buýt điện", "Hạ Long", "giao thông xanh"]
    assert article.og_image == "https://tinnhanh.example.vn/images/2023/05/buyt-dien.jpg"
    assert article.description.startswith("Tuyến buýt điện đầu tiên")
    assert article.language == "vi"


def test_site_a_body_has_exactly_the_article() -> None:
    article = read_page("site_a_vnexpress_style.html")
    assert kinds_and_texts(article) == [
        ("title", "Hạ Long khai trương tuyến buýt điện ven vịnh"),
        ("lead", "Tuyến buýt điện đầu tiên của Hạ Long chạy dọc bờ vịnh từ Bãi Cháy đến Hòn Gai, giá vé 10.000 đồng."),
        ("body", "Sáng 12/5, UBND thành phố Hạ Long phối hợp với Công ty Vận tải Ven Vịnh đưa vào khai thác tuyến buýt điện số 01 dài 28 km, gồm 36 điểm dừng."),
        ("body", "Theo ông Trần Văn Minh, Phó chủ tịch UBND thành phố, tuyến buýt sử dụng 15 xe điện loại 40 chỗ, tần suất 15 phút mỗi chuyến, hoạt động từ 5h đến 21h hằng ngày."),
        ("caption", "Xe buýt điện chạy thử trên đường Hạ Long, ngày 10/5. Ảnh: Minh Cương"),
        ("body", "Giá vé lượt là 10.000 đồng, vé tháng 200.000 đồng. Học sinh, sinh viên và người cao tuổi được giảm 50% giá vé tháng."),
        ("body", "Thành phố đặt mục tiêu đến năm 2025 chuyển đổi toàn bộ 120 xe buýt chạy dầu sang xe điện, giảm khoảng 8.000 tấn khí thải mỗi năm."),
        ("byline", "Lê Tân"),
    ]
    (image,) = article.images
    assert image.caption == "Xe buýt điện chạy thử trên đường Hạ Long, ngày 10/5."
    assert (image.credit, image.credit_role) == ("Minh Cương", None)
    assert image.alt_text == "Xe buýt điện chạy trên đường Hạ Long ven vịnh"
    assert image.src == "https://tinnhanh.example.vn/images/2023/05/buyt-dien-1.jpg"
    assert article.paragraphs[image.paragraph_index].kind == "caption"


def test_site_b_json_ld_sapo_sections_and_related_box() -> None:
    article = read_page("site_b_dantri_style.html")
    assert article.published_at.isoformat() == "2021-08-17T09:30:12+07:00"
    assert article.author == "Hoàng Yến"
    assert article.tags == ["sen Tháp Mười", "nông nghiệp", "Đồng Tháp"]
    assert article.categories == ["Kinh doanh"]
    assert kinds_and_texts(article) == [
        ("title", "Nông dân Đồng Tháp trúng mùa sen"),
        ("lead", "Giá sen hạt tăng lên 45.000 đồng/kg, nông dân huyện Tháp Mười lãi gần 60 triệu đồng mỗi hecta."),
        ("body", "Những ngày này, trên các cánh đồng sen ở xã Mỹ Hòa, huyện Tháp Mười, tỉnh Đồng Tháp, nông dân tất bật thu hoạch gương sen để kịp bán cho thương lái."),
        ("caption", "Nông dân xã Mỹ Hòa thu hoạch gương sen (Ảnh: Hoàng Yến)."),
        ("body", "Ông Nguyễn Văn Tư, một nông dân trồng 3 ha sen, cho biết năm nay giá sen hạt tươi ở mức 45.000 đồng/kg, tăng 15.000 đồng so với cùng kỳ năm trước."),
        ("heading", "Mở rộng liên kết tiêu thụ"),
        ("body", "Theo Phòng Nông nghiệp huyện Tháp Mười, toàn huyện hiện có 1.250 ha sen, trong đó 300 ha được liên kết tiêu thụ với doanh nghiệp chế biến."),
        ("body", "Huyện đặt mục tiêu đến năm 2025 nâng diện tích sen liên kết lên 800 ha và xây dựng thương hiệu sen Tháp Mười."),
    ]
    assert [p.section for p in article.paragraphs[-2:]] == ["Mở rộng liên kết tiêu thụ"] * 2
    (image,) = article.images
    assert (image.caption, image.credit, image.alt_text) == ("Nông dân xã Mỹ Hòa thu hoạch gương sen", "Hoàng Yến", "Nông dân thu hoạch sen")
    for noise in ("Tin liên quan", "Giá lúa tăng mạnh", "Chia sẻ", "Bình luận", "Bài viết rất hay", "Cơ quan chủ quản", "Trang chủ"):
        assert noise not in article.text


def test_site_c_table_layout_dateline_in_markup() -> None:
    article = read_page("site_c_portal_style.html", uri="https://portal.example.vn/kinh-te/van-don-khoi-cong-cau.html")
    assert article.title == "Vân Đồn: Khởi công cầu Vân Tiên 2"
    # no machine-readable date: the Vietnamese dateline of the page is used, with its zone
    assert article.published_at == datetime(2018, 10, 14, 8, 15, tzinfo=GMT7)
    assert not any(f.startswith("published_at_guessed") for f in article.quality_flags)
    assert kinds_and_texts(article) == [
        ("title", "Vân Đồn: Khởi công cầu Vân Tiên 2"),
        ("lead", "Sáng 14/10, huyện Vân Đồn tổ chức lễ khởi công xây dựng cầu Vân Tiên 2 với tổng mức đầu tư 420 tỷ đồng."),
        ("body", "Cầu dài 1,2 km, rộng 16 m, nối xã Đông Xá với khu kinh tế Vân Đồn, dự kiến hoàn thành vào quý IV/2020."),
        ("caption", "Các đại biểu thực hiện nghi thức khởi công. Ảnh: Thu Hà (CTV)"),
        ("heading", "Đảm bảo tiến độ"),
        ("body", "Phát biểu tại buổi lễ, ông Lê Văn Ánh, Chủ tịch UBND huyện, yêu cầu nhà thầu bố trí đủ nhân lực, máy móc, thi công 3 ca liên tục để đảm bảo tiến độ."),
        ("body", "Huyện cũng giao Ban Quản lý dự án phối hợp với các xã hoàn thành giải phóng mặt bằng trước ngày 30/11."),
        ("byline", "Thu Hà"),
    ]
    (image,) = article.images
    assert (image.credit, image.credit_role) == ("Thu Hà", "CTV")
    # relative image paths are resolved against the page address
    assert image.src == "https://portal.example.vn/uploads/2018/10/cau-van-tien.jpg"
    assert article.canonical_url == "https://portal.example.vn/kinh-te/van-don-khoi-cong-cau.html"
    for noise in ("Kinh tế\n", "Tin khác", "Quảng Ninh đón", "Đọc nhiều", "Bản quyền", "Trang chủ"):
        assert noise not in article.text


PAGE = """<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{title}</title>{head}</head>
<body>{body}</body></html>"""
PARAGRAPHS = "".join(
    f"<p>Đoạn văn số {i} của bài viết kể về việc tỉnh đầu tư {i * 10} tỷ đồng xây dựng đường giao thông nông thôn.</p>"
    for i in range(1, 6)
)


def test_naive_page_date_is_vietnam_time_with_flag() -> None:
    html = PAGE.format(
        title="Đường mới", head='<meta property="article:published_time" content="2022-03-04T10:00:00">',
        body=f"<article><h1>Đường giao thông nông thôn</h1>{PARAGRAPHS}</article>",
    )
    page = parse_html_page(html)
    assert page.published_at.isoformat() == "2022-03-04T10:00:00+07:00"
    assert any(f.startswith("published_tz_assumed") for f in page.flags)


def test_page_without_any_date_is_flagged() -> None:
    page = parse_html_page(PAGE.format(title="Đường mới", head="", body=f"<article><h1>Đường mới</h1>{PARAGRAPHS}</article>"))
    assert page.published_at is None
    assert any(f.startswith("no_published_at") for f in page.flags)


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        (PAGE.format(title="x", head="", body=f"<article><h1>Tin</h1>{PARAGRAPHS}")[:-40], "truncated HTML"),
        (PAGE.format(title="App", head="", body="<div id='root'></div><script>" + "var a = 1;" * 200 + "</script>"), "only scripts"),
        (PAGE.format(title="Trang chủ", head="", body="<nav><a href='/'>Trang chủ</a></nav><p>Liên hệ</p>"), "no article"),
        (
            PAGE.format(title="Chuyên mục", head="", body="<ul>" + "".join(f"<li><a href='/{i}'>Tin {i}</a></li>" for i in range(30)) + "</ul>"),
            "no article",
        ),
    ],
)
def test_unusable_pages_are_rejected_with_a_reason(html: str, reason: str) -> None:
    with pytest.raises(PageRejected, match=reason):
        parse_html_page(html)
    results = read_item(SourceItem("web", "/in/page.html", "/in/page.html"), html.encode())
    assert len(results) == 1 and isinstance(results[0], Reject)
    assert reason in results[0].reason and results[0].stage == "clean"


def test_html_fragment_from_an_export() -> None:
    body = body_from_fragment(
        "<p>Mở đầu bài viết về mùa lúa.</p><h2>Giá lúa</h2><p>Giá lúa tăng 200 đồng/kg.</p>"
        "<figure><img src='/a.jpg' alt='Ruộng lúa'><figcaption>Ruộng lúa chín. Ảnh: Văn Tư</figcaption></figure>"
        "<p>Nông dân phấn khởi.</p>"
    )
    assert [(p.kind, p.text) for p in body.paragraphs] == [
        ("lead", "Mở đầu bài viết về mùa lúa."),
        ("heading", "Giá lúa"),
        ("body", "Giá lúa tăng 200 đồng/kg."),
        ("caption", "Ruộng lúa chín. Ảnh: Văn Tư"),
        ("body", "Nông dân phấn khởi."),
    ]
    assert (body.images[0].credit, body.images[0].src, body.images[0].alt_text) == ("Văn Tư", "/a.jpg", "Ruộng lúa")


def test_site_d_photo_box_credit_line_teasers_and_site_prefix() -> None:
    article = read_page("site_d_tuoitre_style.html")
    assert article.published_at.isoformat() == "2023-05-25T06:05:00+07:00"
    assert article.author == "Ngọc Hiển"  # article:author is a profile URL, the byline names the writer
    assert article.tags == ["đậu xe", "giao thông TP.HCM"]
    assert kinds_and_texts(article) == [
        ("title", "TP.HCM thí điểm thu phí đậu xe qua ứng dụng"),
        ("lead", "Từ 1/6, người dân đậu xe dưới lòng đường tại 5 tuyến trung tâm phải trả phí qua ứng dụng di động."),
        ("body", "Sở Giao thông vận tải TP.HCM cho biết sẽ thí điểm thu phí đậu xe qua ứng dụng trên các đường Lê Lợi, Nguyễn Huệ, Hàm Nghi, Pasteur và Nam Kỳ Khởi Nghĩa."),
        ("body", "Mức phí là 25.000 đồng/giờ với ô tô dưới 9 chỗ và 35.000 đồng/giờ với xe từ 9 chỗ trở lên."),
        ("caption", "Ô tô đậu dưới lòng đường Lê Lợi, quận 1 Ảnh: Ngọc Hiển"),
        ("body", "Theo ông Phạm Văn Bình, Phó giám đốc Sở, người dân có thể thanh toán bằng ví điện tử hoặc thẻ ngân hàng, hệ thống tự tính thời gian đậu xe."),
        ("byline", "Ngọc Hiển"),
    ]
    (image,) = article.images
    assert (image.caption, image.credit) == ("Ô tô đậu dưới lòng đường Lê Lợi, quận 1", "Ngọc Hiển")
    # the image comes from the photo box even when the extractor dropped the <img>
    assert (image.alt_text, image.src) == ("Ô tô đậu trên đường Lê Lợi", "https://tuoimoi.example.vn/2023/5/25/dau-xe-1.jpg")
    for noise in ("Xem thêm", "Hà Nội cấm đỗ xe", "TIN LIÊN QUAN", "Tao Đàn", "Bình luận", "Nên áp dụng sớm", "Cơ quan chủ quản"):
        assert noise not in article.text


def test_todays_date_in_the_site_header_is_not_the_publication_date() -> None:
    html = PAGE.format(
        title="Tin",
        head="",
        body=(
            '<div class="top-bar"><span class="date">Thứ Tư, 25/11/2026</span></div>'
            f'<div class="detail"><h1>Đường giao thông nông thôn</h1><div class="date">Chủ Nhật, 14/10/2018, 08:15 [GMT+7]</div>'
            f"{PARAGRAPHS}</div>"
        ),
    )
    assert parse_html_page(html).published_at == datetime(2018, 10, 14, 8, 15, tzinfo=GMT7)


def test_page_with_only_a_description_is_rejected() -> None:
    html = PAGE.format(
        title="Tin",
        head='<meta name="description" content="Mô tả dài của một bài báo về giao thông nông thôn, có đủ câu chữ để trông như một bài viết.">',
        body="<h1>Tin giao thông</h1><ul><li><a href='/a'>Tin A</a></li><li><a href='/b'>Tin B</a></li></ul>" + "<p>Liên hệ quảng cáo</p>" * 5,
    )
    with pytest.raises(PageRejected, match="no article text"):
        parse_html_page(html)
