"""`generate import` of portal pages as county CMSs publish them (tests/fixtures/import/html):
each page imports to exactly what its text version imports to, and 来源 says where it came from."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from helpers import SAMPLES, build, check_table3, import_, pingtan_page_text
from htmltables import parse, table_by_id
from samples import read_sample
from generator.importing.htmlpage import html_to_text, web_address
from generator.importing.published import read_published
from generator.inputs.source import read_text
from generator.problems import Problems

PAGES = Path(__file__).parent / "fixtures" / "import" / "html"
IMPORT_DATE = "2026-03-01"
TABLE_IDS = ["t2-item1", "t2-item5", "t2-item6", "t2-item8", "t3", "t4"]

# page, its sample, the metadata the page gives beyond its text version (its info line, 索引号 table, meta tags)
CASES = [
    ("trs-pingtan-2022.htm", "pingtan-2022.txt", {}),
    ("hanweb-huaian-2024.html", "huaian-city-2024.txt",
     {"title": "淮安市人民政府2024年政府信息公开工作年度报告", "published": "2025-01-20",
      "publisher": "淮安市人民政府办公室", "index_no": "014000319/2025-00012"}),
    ("word-huajie-2023.html", "huajie-2023.txt",
     {"title": "2023年花街镇政府信息公开工作年度报告", "published": "2024-01-19", "publisher": "花街镇人民政府"}),
    ("split-table3-huajie-2023.html", "huajie-2023.txt",
     {"title": "2023年花街镇政府信息公开工作年度报告", "published": "2024-01-19", "publisher": "花街镇人民政府"}),
    ("gb2312-huaian-2024.htm", "huaian-city-2024.txt", {"published": "2025-01-20", "publisher": "淮安市人民政府"}),
]


def sample_text(sample: str, tmp_path: Path) -> str:
    """The sample as its text copy gives it (平潭's: block A's page text with block B's tables)."""
    if sample.startswith("pingtan"):
        return pingtan_page_text(tmp_path)[0].read_text(encoding="utf-8")
    return (SAMPLES / sample).read_text(encoding="utf-8")


def page_text(name: str) -> str:
    """The page decoded as `generate import` decodes it."""
    text = read_text(PAGES / name, name, Problems(), from_site=False)
    assert text is not None
    return text


def numbers(out: Path, unit: str, year: int, table_id: str) -> list[str]:
    page = parse((out / "nianbao" / unit / f"{year}.html").read_text(encoding="utf-8"))
    return [cell.text for row in table_by_id(page, table_id).body for cell in row if cell.tag == "td"]


def data_file(root: Path, unit: str, year: int) -> dict:
    return yaml.safe_load((root / "content/reports" / unit / f"{year}.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name, sample, extra", CASES, ids=[case[0] for case in CASES])
def test_a_cms_page_reads_as_its_text_version_every_number_metadata_and_paragraph(name, sample, extra, tmp_path):
    from_page = read_published(html_to_text(page_text(name)))
    from_text = read_published(sample_text(sample, tmp_path))
    assert from_page.unplaced == [] and from_text.unplaced == []
    assert (from_page.title, from_page.year, from_page.unit_name, from_page.format) == \
           (from_text.title, from_text.year, from_text.unit_name, from_text.format)
    for number in ("二", "三", "四"):
        assert from_page.tables[number].values == from_text.tables[number].values, number
        assert from_page.tables[number].rows == from_text.tables[number].rows, number
    assert from_page.metadata == from_text.metadata | extra
    assert from_page.preamble == from_text.preamble
    assert from_page.headings == from_text.headings
    if sample.startswith("pingtan"):       # its text copy runs each section's paragraphs into one line
        assert {n: " ".join(lines) for n, lines in from_page.sections.items()} == \
               {n: " ".join(lines) for n, lines in from_text.sections.items()}
        assert len(from_page.sections["一"]) > len(from_text.sections["一"]) == 1
    else:
        assert from_page.sections == from_text.sections


def test_the_fixtures_are_what_they_claim_to_be():
    """The CMS marks each page is named for, so that the test above reads the real thing."""
    raw = {path.name: path.read_bytes() for path in PAGES.glob("*.htm*")}
    assert b'class="TRS_Editor"' in raw["trs-pingtan-2022.htm"] and raw["trs-pingtan-2022.htm"].count(b"<table") > 10
    assert b'<div id="zoom">' in raw["hanweb-huaian-2024.html"] and b"bt-article" in raw["hanweb-huaian-2024.html"]
    assert b"<br/>" in raw["hanweb-huaian-2024.html"] and "当前位置".encode() in raw["hanweb-huaian-2024.html"]
    word = raw["word-huajie-2023.html"].decode("utf-8")
    assert all(mark in word for mark in ("class=MsoNormal", "<o:p></o:p>", "mso-", "&nbsp;", "lang=EN-US", "\r\n彻"))
    split = raw["split-table3-huajie-2023.html"].decode("utf-8")
    table3 = split[split.index("<h3>三、"):split.index("<h3>四、")]
    assert table3.count("<table") == 3 and "<br>(区分处理的" in split and "><p>(本列数据" in split
    gb = raw["gb2312-huaian-2024.htm"]
    with pytest.raises(UnicodeDecodeError):
        gb.decode("utf-8")
    assert b"charset=gb2312" in gb and gb.decode("gb2312").count("<TD") > 200


def test_cms_pages_import_and_build_with_every_published_number(empty_site, monkeypatch):
    monkeypatch.setenv("GONGKAI_TODAY", IMPORT_DATE)
    run = import_(empty_site, *(PAGES / name for name in ("trs-pingtan-2022.htm", "hanweb-huaian-2024.html",
                                                         "word-huajie-2023.html")))
    assert "已导入" in run.out
    build(empty_site)
    out = empty_site / "build"
    for unit, year, sample in (("pingtan", 2022, None), ("huaian", 2024, "huaian-city-2024.txt"),
                               ("huajie", 2023, "huajie-2023.txt")):
        page = parse((out / "nianbao" / unit / f"{year}.html").read_text(encoding="utf-8"))
        if sample:
            assert check_table3(page, read_sample(SAMPLES / sample)) == 175
    assert numbers(out, "pingtan", 2022, "t2-item1") == ["0", "0", "0", "88", "55", "698"]
    assert numbers(out, "huaian", 2024, "t4")[:5] == ["72", "64", "178", "37", "351"]


def test_a_split_table_and_a_gb2312_page_import_and_build(empty_site):
    run = import_(empty_site, PAGES / "split-table3-huajie-2023.html", PAGES / "gb2312-huaian-2024.htm")
    assert "GBK" in run.out and "另存为" not in run.out     # read as GB18030, as the page declares: no advice to re-save it
    build(empty_site)
    out = empty_site / "build"
    for unit, year, sample in (("huajie", 2023, "huajie-2023.txt"), ("huaian", 2024, "huaian-city-2024.txt")):
        page = parse((out / "nianbao" / unit / f"{year}.html").read_text(encoding="utf-8"))
        assert check_table3(page, read_sample(SAMPLES / sample)) == 175
    narrative = (empty_site / "content/reports/huaian/2024.md").read_text(encoding="utf-8")
    assert "本报告由淮安市人民政府办公室根据" in narrative and "打印" not in narrative and "ICP" not in narrative


# --- 来源: the page's address when it gives one, else the file's name; and the import date --------

def test_source_is_the_pages_address_or_the_file_name_with_the_import_date(empty_site, monkeypatch):
    monkeypatch.setenv("GONGKAI_TODAY", IMPORT_DATE)
    import_(empty_site, PAGES / "trs-pingtan-2022.htm", PAGES / "split-table3-huajie-2023.html",
            SAMPLES / "huaian-city-2024.txt")
    pingtan = data_file(empty_site, "pingtan", 2022)
    assert pingtan["按原样发布"] is True
    assert pingtan["来源"] == ("https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/202302/t20230220_80629.htm"
                             f"（{IMPORT_DATE} 导入）")
    written = (empty_site / "content/reports/pingtan/2022.yaml").read_text(encoding="utf-8")
    assert "按原样发布: true   # 导入自 trs-pingtan-2022.htm" in written       # the file is still named
    # a relative canonical link is no address: the file's name
    assert data_file(empty_site, "huajie", 2023)["来源"] == f"split-table3-huajie-2023.html（{IMPORT_DATE} 导入）"
    assert data_file(empty_site, "huaian", 2024)["来源"] == f"huaian-city-2024.txt（{IMPORT_DATE} 导入）"


def test_a_gongkai_page_imported_again_gives_its_url_and_its_numbers(empty_site, built_example, monkeypatch):
    monkeypatch.setenv("GONGKAI_TODAY", IMPORT_DATE)
    import_(empty_site, built_example / "nianbao/huajie/2023.html")
    data = data_file(empty_site, "huajie", 2023)
    assert data["来源"] == f"https://gongkai.example.org/nianbao/huajie/2023.html（{IMPORT_DATE} 导入）"
    assert (data["索引号"], str(data["成文日期"]), str(data["发布日期"])) == ("00259913X/2024-00003", "2024-01-18",
                                                                         "2024-01-19")
    build(empty_site)
    for table_id in TABLE_IDS:
        assert numbers(empty_site / "build", "huajie", 2023, table_id) == \
               numbers(built_example, "huajie", 2023, table_id), table_id


def test_a_page_saved_by_a_browser_names_the_address_it_was_saved_from(empty_site, tmp_path, monkeypatch):
    """Internet Explorer and Chrome put `<!-- saved from url=(N)address -->` before the page; with a
    long <head> of scripts after it, the page is still read as a page."""
    monkeypatch.setenv("GONGKAI_TODAY", IMPORT_DATE)
    address = "https://www.example.gov.cn/art/2024/1/19/art_1229_3001.html"
    page = (PAGES / "split-table3-huajie-2023.html").read_text(encoding="utf-8")
    page = page.replace("<head>", "<head>\n<script>" + "var a = 1;\n" * 400 + "</script>", 1)
    source = tmp_path / "2023年报.htm"
    source.write_text(f"<!-- saved from url=({len(address):04d}){address} -->\r\n" + page, encoding="utf-8")
    import_(empty_site, source)
    data = data_file(empty_site, "huajie", 2023)
    assert data["来源"] == f"{address}（{IMPORT_DATE} 导入）"
    assert data["发布日期"].isoformat() == "2024-01-19"


@pytest.mark.parametrize("head", [
    '<link rel="canonical" href="javascript:alert(1)">',
    '<meta property="og:url" content="https://example.org/a\n按原样发布: false">',
    '<meta name="Url" content="//example.org/no-scheme.html">',
    '<meta name="ArticleUrl" content="https://">',
], ids=["javascript", "line-break", "no-scheme", "no-host"])
def test_an_address_that_is_not_a_web_address_is_not_the_source(empty_site, tmp_path, monkeypatch, head):
    monkeypatch.setenv("GONGKAI_TODAY", IMPORT_DATE)
    page = (PAGES / "split-table3-huajie-2023.html").read_text(encoding="utf-8")
    source = tmp_path / "page.html"
    source.write_text(page.replace("<head>", "<head>\n" + head, 1), encoding="utf-8")
    import_(empty_site, source)
    data = data_file(empty_site, "huajie", 2023)
    assert data["来源"] == f"page.html（{IMPORT_DATE} 导入）" and data["按原样发布"] is True


def test_web_address_takes_only_absolute_http_addresses():
    assert web_address(" https://www.huaian.gov.cn/art/2025/1/20/art_1.html ") == \
           "https://www.huaian.gov.cn/art/2025/1/20/art_1.html"
    for text in (None, "", "/art/1.html", "ftp://x.org/a", "https://x.org/a b", "https://x.org/\"", "https://[::1"):
        assert web_address(text) is None, text


def test_a_sidebar_catalogue_and_a_breadcrumb_naming_another_year_are_not_the_report(tmp_path):
    """政府信息公开 pages often list the 公开目录 (一、机构职能 …) beside the text, and the breadcrumb
    may end in the title of the year before: neither is part of the report or its title."""
    page = (PAGES / "split-table3-huajie-2023.html").read_text(encoding="utf-8")
    catalogue = '<div class="catalogue"><p>一、机构职能</p><p>二、政策文件</p><p>三、规划计划</p></div>'
    crumb = '<div class="crumb">当前位置：首页 &gt; 2022年花街镇政府信息公开工作年度报告</div>'
    page = page.replace('<div class="main">', catalogue + '<div class="main">', 1)
    page = page.replace('<div class="main-info">', crumb + '<div class="main-info">', 1)
    from_page = read_published(html_to_text(page))
    from_text = read_published(sample_text("huajie-2023.txt", tmp_path))
    assert (from_page.year, from_page.preamble, from_page.sections) == (2023, [], from_text.sections)
