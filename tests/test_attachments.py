"""A report's own files: images, attachments and the 全真版, in content/reports/<unit>/<year>/.

Published beside the report's page, referenced from the narrative as every Markdown editor
previews them (`2023/图1.png`), listed in a 附件 block, the 全真版 offered above the text and
named in the open data; bad references are errors with their line; incremental builds copy
only what changed.
"""

from __future__ import annotations

import json
import os
import re
import struct
import zlib
from pathlib import Path
from urllib.parse import unquote

import jsonschema
import pytest

from helpers import HUAJIE, REPORT, SiteCopy, axe_violations, build, generate, served, snapshot

NARRATIVE = HUAJIE.replace(".yaml", ".md")
FOLDER = "content/reports/huajie/2023"
PUBLISHED = "nianbao/huajie/2023"
FIRST_PARAGRAPH = "2023年,花街镇人民政府认真贯彻执行"


def png(width: int, height: int) -> bytes:
    """A real PNG of one colour (Chromium decodes it: naturalWidth)."""
    raw = b"".join(b"\x00" + b"\xc0\x20\x20" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


PDF = b"%PDF-1.4\n% signed original\n" + b"0" * 1_250_000 + b"\n%%EOF\n"


def add_file(site: SiteCopy, name: str, data: bytes) -> Path:
    path = site.path(f"{FOLDER}/{name}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def add_to_narrative(site: SiteCopy, markdown: str) -> int:
    """`markdown` as a paragraph after the first one of 一、; returns its first line."""
    lines = site.read(NARRATIVE).split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith(FIRST_PARAGRAPH)) + 1
    lines[at:at] = ["", markdown]
    site.write(NARRATIVE, "\n".join(lines))
    return at + 2


def with_files(site: SiteCopy) -> None:
    """An image shown in the narrative, a spreadsheet and a scan, and the 全真版."""
    add_file(site, "图1.png", png(40, 30))
    add_file(site, "统计表.xlsx", b"PK\x03\x04" + b"x" * 6000)
    add_file(site, "原件.pdf", PDF)
    add_file(site, "会议纪要.docx", b"PK\x03\x04" + b"y" * 100)
    add_to_narrative(site, "![2023年依申请公开办理情况示意图](2023/图1.png)\n\n详见[统计表](2023/统计表.xlsx)。")
    site.replace(HUAJIE, "发布日期: 2024-01-19", "发布日期: 2024-01-19\n全真版: 2023/原件.pdf")


def target(page_path: str, href: str) -> str:
    """The output path an address on a page leads to."""
    return os.path.normpath(os.path.join(os.path.dirname(page_path), unquote(href.split("#")[0])))


# --- published and resolving ---------------------------------------------------------------------

def test_an_image_is_published_beside_the_page_with_its_size(site):
    with_files(site)
    build(site.root)
    html = site.page(REPORT)
    img = re.search(r"<img [^>]*>", html).group(0)
    assert 'alt="2023年依申请公开办理情况示意图"' in img
    assert 'width="40"' in img and 'height="30"' in img
    src = re.search(r'src="([^"]+)"', img).group(1)
    assert target(REPORT, src) == f"{PUBLISHED}/图1.png"
    assert (site.root / "build" / target(REPORT, src)).read_bytes() == png(40, 30)


def test_the_original_is_offered_and_downloadable(site):
    with_files(site)
    build(site.root)
    html = site.page(REPORT)
    link = re.search(r'<a href="([^"]+)">全真版（PDF）</a>', html)
    assert link, "the 全真版 link"
    assert html.index("全真版（PDF）") < html.index('class="report-body"')     # before the text, beside the toolbar
    assert (site.root / "build" / target(REPORT, link.group(1))).read_bytes() == PDF


def test_the_attachments_list_every_other_file_with_its_type_and_size(site):
    with_files(site)
    build(site.root)
    html = site.page(REPORT)
    start = html.index('id="attachments-heading"')
    block = html[start:html.index("</section>", start)]
    items = re.findall(r'<li><a href="([^"]+)" download>([^<]+)</a>（([^）]+)）</li>', block)
    assert [(name, about) for _, name, about in items] == [("会议纪要.docx", "DOCX，1 KB"), ("统计表.xlsx", "XLSX，6 KB")]
    for href, name, _ in items:      # real downloads, not just names
        assert (site.root / "build" / target(REPORT, href)).read_bytes() == site.path(f"{FOLDER}/{name}").read_bytes()
    assert "原件.pdf" not in block and "图1.png" not in block      # offered above, shown in the text
    assert "1.2 MB" in html                                           # the 全真版's size


def test_the_open_data_record_names_the_original(site):
    with_files(site)
    build(site.root)
    record = json.loads(site.page(f"{PUBLISHED}.json"))
    assert record["全真版"] == f"{PUBLISHED}/原件.pdf"
    assert (site.root / "build" / record["全真版"]).read_bytes() == PDF
    portal = json.loads(site.page("data/gongkai-all.json"))
    assert [r.get("全真版") for r in portal if r["单位"]["编号"] == "huajie"] == [f"{PUBLISHED}/原件.pdf"]
    others = [r for r in portal if r["单位"]["编号"] != "huajie"]
    assert others and all("全真版" not in r for r in others)      # a report without one is as before
    schema = json.loads(site.page("data/report.schema.json"))
    jsonschema.validate({"全真版": "2023/原件.pdf"}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"全真版": "../原件.pdf"}, schema)


def test_a_free_text_report_shows_its_image_too(empty_site):
    imported = Path(__file__).parent / "fixtures" / "import" / "shili-2016.txt"
    assert generate("import", "--site", str(empty_site), str(imported)).code == 0
    narrative = empty_site / "content/reports/shili/2016.md"
    narrative.write_text(narrative.read_text(encoding="utf-8") + "\n\n![2016年公开情况](2016/图.png)\n",
                         encoding="utf-8")
    (empty_site / "content/reports/shili/2016").mkdir()
    (empty_site / "content/reports/shili/2016/图.png").write_bytes(png(8, 6))
    build(empty_site)
    html = (empty_site / "build/nianbao/shili/2016.html").read_text(encoding="utf-8")
    assert '<img alt="2016年公开情况" height="6" src="2016/%E5%9B%BE.png" width="8">' in html
    assert (empty_site / "build/nianbao/shili/2016/图.png").read_bytes() == png(8, 6)


@pytest.mark.browser
def test_the_image_loads_in_chromium(site, page):
    with_files(site)
    build(site.root)
    with served(site.root / "build") as url:
        page.goto(url + REPORT)
        image = page.get_by_role("img", name="2023年依申请公开办理情况示意图")
        image.scroll_into_view_if_needed()
        page.wait_for_function("document.querySelector('.report-body img').complete")
        assert image.evaluate("img => img.naturalWidth") == 40
        response = page.request.get(url + PUBLISHED + "/%E5%8E%9F%E4%BB%B6.pdf")
        assert response.ok and response.body() == PDF


@pytest.mark.browser
def test_a_page_with_files_passes_axe_and_nu(site, page, nu_messages):
    with_files(site)
    build(site.root)
    assert [m for m in nu_messages([site.root / "build" / REPORT]) if m["type"] == "error"] == []
    with served(site.root / "build") as url:
        page.goto(url + REPORT)
        assert axe_violations(page) == []
        page.set_viewport_size({"width": 320, "height": 640})
        assert page.evaluate("document.documentElement.scrollWidth") <= 320


# --- bad references: each an error on its line ------------------------------------------------------

@pytest.mark.parametrize("markdown, rule, says", [
    ("![示意图](2023/图2.png)", "file-ref", "「2023/图2.png」不存在"),
    ("![](2023/图1.png)", "image-alt", "没有替代文字"),
    ("![示意图](../../../site.yaml)", "file-ref", "指向报告文件夹之外"),
    ("![示意图](/static/site.css)", "file-ref", "指向报告文件夹之外"),
    ("[下载](2023/setup.exe)", "file-type", "允许的类型为 图片 PNG"),
    ("![示意图](2023/统计表.xlsx)", "file-ref", "指向的不是图片"),
    ("[统计表](2023/统计表.XLSX)", "file-ref", "是否想写「2023/统计表.xlsx」"),
])
def test_a_bad_reference_is_an_error_on_its_line(site, markdown, rule, says):
    add_file(site, "图1.png", png(4, 3))
    add_file(site, "统计表.xlsx", b"PK")
    build(site.root)
    before = snapshot(site.root / "build")
    line = add_to_narrative(site, markdown)
    run = site.build()
    assert run.code == 1
    errors = [e for e in run.lines if f"({rule})" in e]
    assert len(errors) == 1 and errors[0].startswith(f"{NARRATIVE}:{line}: "), run.err
    assert says in errors[0]
    assert snapshot(site.root / "build") == before        # the published site is untouched


def test_links_to_pages_and_sites_are_left_alone(site):
    add_to_narrative(site, "[淮安市报告](../huaian/2024.html) [国务院](https://www.gov.cn/) [二、](#section-2)")
    build(site.root)
    assert ('<a href="../huaian/2024.html">淮安市报告</a> <a href="https://www.gov.cn/">国务院</a> '
            '<a href="#section-2">二、</a>') in site.page(REPORT)


def test_a_file_of_a_type_not_published_is_refused_with_the_list(site):
    add_file(site, "setup.exe", b"MZ")
    add_file(site, "图.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>")
    run = site.build()
    assert run.code == 1
    refused = [e for e in run.lines if "(file-type)" in e]
    assert [e.split(":")[0] for e in refused] == [f"{FOLDER}/setup.exe", f"{FOLDER}/图.svg"]
    assert all("允许的类型为 图片 PNG、JPEG、GIF、WebP；附件 PDF、OFD、DOC、DOCX、WPS、XLS、XLSX、ET、ZIP" in e for e in refused)


def test_two_names_that_differ_only_in_case_are_refused(site):
    add_file(site, "表.PDF", b"%PDF")
    add_file(site, "表.pdf", b"%PDF")
    run = site.build()
    assert run.code == 1
    assert f"{FOLDER}/表.pdf: 与「表.PDF」只差大小写，在 Windows 服务器上是同一个文件" in run.err


def test_an_oversized_image_and_a_broken_one_say_why(site):
    with open(add_file(site, "大图.png", b""), "wb") as f:
        f.truncate(5 * 1024 * 1024 + 1)                 # sparse: never read
    add_file(site, "坏图.png", b"not a png at all")
    run = site.build()
    assert run.code == 1
    assert f"{FOLDER}/大图.png: 图片有 5.0 MB，超过上限 5.0 MB：网页上的图片请压缩或缩小" in run.err
    assert any(e.startswith(f"{FOLDER}/坏图.png: 无法读出这张图片的宽和高") for e in run.lines)


def test_a_missing_or_wrong_original_is_an_error_on_its_line(site):
    add_file(site, "图1.png", png(4, 3))
    site.replace(HUAJIE, "发布日期: 2024-01-19", "发布日期: 2024-01-19\n全真版: 2023/原件.pdf")
    line = site.line_of(HUAJIE, "全真版")
    run = site.build()
    assert f"{HUAJIE}:{line}: 引用的文件「2023/原件.pdf」不存在" in run.err and run.code == 1
    site.replace(HUAJIE, "全真版: 2023/原件.pdf", "全真版: 2023/图1.png")
    run = site.build()
    assert f"{HUAJIE}:{line}: 全真版应为加盖公章的 PDF 或 OFD 文件" in run.err and run.code == 1


def test_a_link_out_of_the_folder_is_refused(site, tmp_path):
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(b"%PDF secret")
    add_file(site, "图1.png", png(4, 3))
    site.path(f"{FOLDER}/原件.pdf").symlink_to(secret)
    site.path(f"{FOLDER}/年报.pdf").symlink_to(site.path("site.yaml"))      # inside the site, not the folder
    run = site.build()
    assert run.code == 1
    assert f"{FOLDER}/原件.pdf: " in run.err and f"{FOLDER}/年报.pdf: 这是一个指向报告文件夹之外的链接" in run.err


def test_the_folder_is_expected_and_stray_files_still_warned(site):
    add_file(site, "图1.png", png(4, 3))
    site.write("content/reports/huajie/2019/x.png", "")
    site.write("content/reports/huajie/图2.png", "")
    run = generate("check", "--site", str(site.root))
    warnings = [line for line in run.lines if "已忽略" in line]
    assert [w.split(":")[0] for w in warnings] == ["content/reports/huajie/2019", "content/reports/huajie/图2.png"]
    assert "报告的图片和附件请放进与报告同名的文件夹，如 2023/图1.png" in warnings[1]    # where it goes instead
    assert FOLDER not in run.err


def test_the_review_sheet_puts_a_refused_file_under_its_report(site):
    add_file(site, "setup.exe", b"MZ")
    run = generate("check", "--site", str(site.root), "--report", "-")
    sheet = json.loads(run.out)
    row = next(r for r in sheet["reports"] if r["unit_id"] == "huajie" and r["year"] == 2023)
    assert [f["rule"] for f in row["findings"]] == ["file-type"]
    assert sheet["site_findings"] == []


def test_a_draft_publishes_none_of_its_files(site):
    with_files(site)
    site.replace(HUAJIE, "发布日期: 2024-01-19", "发布日期: 2024-01-19\n草稿: true")
    build(site.root)
    assert not (site.root / "build" / PUBLISHED).exists()
    build(site.root, None, "--drafts")
    assert (site.root / "build" / PUBLISHED / "原件.pdf").read_bytes() == PDF


# --- incremental builds ---------------------------------------------------------------------------

def files(folder: Path) -> dict[str, bytes]:
    """The output's bytes but the search index (Pagefind's hashes differ from build to build)."""
    return {rel: data for rel, (data, _) in snapshot(folder).items() if not rel.startswith("pagefind/")}


def cold(site: SiteCopy, tmp_path: Path, name: str) -> dict[str, bytes]:
    out = tmp_path / name
    build(site.root, out)
    return files(out)


def test_an_edited_file_is_the_only_one_copied(site, tmp_path):
    with_files(site)
    build(site.root)
    before = snapshot(site.root / "build")
    add_file(site, "统计表.xlsx", b"PK\x03\x04" + b"z" * 6000)           # same size, other bytes
    build(site.root)
    after = snapshot(site.root / "build")
    changed = sorted(rel for rel in after if after[rel] != before[rel] and not rel.startswith("pagefind/"))
    assert changed == [f"{PUBLISHED}/统计表.xlsx"]
    assert files(site.root / "build") == cold(site, tmp_path, "cold")


def test_a_removed_file_is_removed_from_the_site(site, tmp_path):
    with_files(site)
    build(site.root)
    site.path(f"{FOLDER}/会议纪要.docx").unlink()
    build(site.root)
    assert not (site.root / "build" / PUBLISHED / "会议纪要.docx").exists()
    assert "会议纪要" not in site.page(REPORT)
    assert files(site.root / "build") == cold(site, tmp_path, "cold")
    for name in os.listdir(site.path(FOLDER)):
        site.path(f"{FOLDER}/{name}").unlink()
    site.path(FOLDER).rmdir()
    site.write(NARRATIVE, site.read(NARRATIVE).replace("![2023年依申请公开办理情况示意图](2023/图1.png)", "")
               .replace("[统计表](2023/统计表.xlsx)", "统计表"))
    site.replace(HUAJIE, "\n全真版: 2023/原件.pdf", "")
    build(site.root)
    assert not (site.root / "build" / PUBLISHED).exists()        # no empty folder left either
    assert files(site.root / "build") == cold(site, tmp_path, "cold2")


def test_a_file_added_to_a_settled_folder_is_published(site):
    """The unit folders' listings are kept between builds while their mtimes stay: a file added
    inside the report's folder changes that folder's mtime only, not the unit folder's."""
    with_files(site)
    old = 1_600_000_000_000_000_000
    for folder in (site.path("content/reports/huajie"), site.path(FOLDER)):
        os.utime(folder, ns=(old, old))
    build(site.root)
    build(site.root)                                         # the listings, settled, are kept
    add_file(site, "补充说明.pdf", b"%PDF-1.4 more")
    build(site.root)
    assert (site.root / "build" / PUBLISHED / "补充说明.pdf").read_bytes() == b"%PDF-1.4 more"
    assert "补充说明.pdf</a>（PDF，1 KB）" in site.page(REPORT)


# --- image headers --------------------------------------------------------------------------------

def jpeg(width: int, height: int) -> bytes:
    app1 = b"\xff\xe1" + struct.pack(">H", 2 + 20) + b"Exif\x00\x00" + b"\x00" * 14     # a segment before the frame
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app1 + sof0 + b"\xff\xd9"


@pytest.mark.parametrize("data, size", [
    (png(640, 480), (640, 480)),
    (b"GIF89a" + struct.pack("<HH", 320, 200) + b"\x00" * 10, (320, 200)),
    (jpeg(1600, 900), (1600, 900)),
    (b"RIFF\x00\x00\x00\x00WEBPVP8X" + b"\x00" * 8 + (799).to_bytes(3, "little") + (599).to_bytes(3, "little"),
     (800, 600)),
    (b"RIFF\x00\x00\x00\x00WEBPVP8L" + b"\x00" * 5 + ((99) | (49 << 14)).to_bytes(4, "little"), (100, 50)),
    (b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 10 + struct.pack("<HH", 300, 150), (300, 150)),
    (b"%PDF-1.4", None),
    (b"\xff\xd8\xff", None),
    (b"\x89PNG\r\n\x1a\n", None),
])
def test_image_size_from_the_header(data, size):
    from generator.content.reportfiles import image_size
    assert image_size(data) == size
