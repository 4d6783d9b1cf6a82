"""What government-website inspections check on every page: the <meta> tags, the footer's seven
items with the 我为政府网站找错 link, a visible 发布时间, and a warning for a missing item."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from helpers import HUAJIE, generate, served

REQUIRED = ("SiteName", "SiteDomain", "SiteIDCode", "ColumnName", "ColumnType", "ArticleTitle", "PubDate",
            "ContentSource")
BASE = "https://gongkai.example.org/"
JIUCUO = "https://zfwzgl.www.gov.cn/exposure/jiucuo.html"


class _Page(HTMLParser):
    """A page's <meta name> tags, its canonical address, its footer's links, images and text."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, list[str]] = {}
        self.canonical = None
        self.footer_links: dict[str, str] = {}     # link text -> href
        self.footer_images: list[dict] = []
        self.footer_text = ""
        self._in_footer, self._href, self._text = False, None, ""
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and "name" in attrs:
            self.meta.setdefault(attrs["name"], []).append(attrs.get("content") or "")
        elif tag == "link" and attrs.get("rel") == "canonical":
            self.canonical = attrs["href"]
        elif tag == "footer":
            self._in_footer = True
        elif self._in_footer and tag == "a":
            self._href, self._text = attrs.get("href"), ""
        elif self._in_footer and tag == "img":
            self.footer_images.append(attrs | {"link": self._href})

    def handle_endtag(self, tag):
        if tag == "footer":
            self._in_footer = False
        elif tag == "a" and self._href is not None:
            self.footer_links[self._text.strip()] = self._href
            self._href = None

    def handle_data(self, data):
        if self._in_footer:
            self.footer_text += data
            self._text += data


def pages_of(out) -> dict[str, _Page]:
    return {p.relative_to(out).as_posix(): _Page(p.read_text(encoding="utf-8")) for p in sorted(out.rglob("*.html"))
            if not p.relative_to(out).as_posix().startswith("pagefind/")}


def own_address(rel: str) -> str:
    return BASE + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)


# --- meta tags --------------------------------------------------------------------------------------

def test_every_page_has_the_inspection_meta_tags_once(built_example):
    pages = pages_of(built_example)
    assert len(pages) == 13                               # the example's pages, the column's years included
    for rel, page in pages.items():
        missing = [name for name in REQUIRED if not page.meta.get(name, [""])[0]]
        assert not missing, f"{rel} lacks {missing}"
        assert all(len(values) == 1 for values in page.meta.values()), rel
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", page.meta["PubDate"][0]), rel
        assert page.meta["SiteName"] == ["政府信息公开年报示例门户"] and page.meta["SiteIDCode"] == ["0000000000"]
        assert page.meta["SiteDomain"] == ["gongkai.example.org"]
        if rel != "404.html":                             # served at any address: it names none
            assert page.meta["Url"] == [own_address(rel)], rel


def test_a_reports_pages_carry_its_title_column_and_publication_time(built_example):
    pages = pages_of(built_example)
    for rel in ("nianbao/huajie/2023.html", "nianbao/huajie/2023-tujie.html"):
        meta = pages[rel].meta
        assert meta["PubDate"] == ["2024-01-19 09:00"]    # 发布日期 2024-01-19, no 发布时间: 09:00
        assert meta["ColumnName"] == ["政府信息公开年报"] and meta["ColumnType"] == ["信息公开年报"]
        assert meta["ContentSource"] == ["花街镇人民政府"]
    assert pages["nianbao/huajie/2023.html"].meta["ArticleTitle"] == ["花街镇人民政府2023年政府信息公开工作年度报告"]
    # a listing is as new as the newest report it lists
    assert pages["nianbao/2023.html"].meta["PubDate"] == ["2024-01-19 09:00"]
    newest = max(pages[r].meta["PubDate"][0] for r in ("nianbao/huajie/2023.html", "nianbao/huaian/2024.html"))
    assert pages["index.html"].meta["PubDate"] == [newest] and pages["index.html"].meta["ColumnName"] == ["首页"]


def test_a_written_time_is_the_pubdate_and_is_shown(site):
    site.replace(HUAJIE, "发布日期: 2024-01-19", "发布日期: 2024-01-19\n发布时间: 14:30")
    assert site.build().code == 0
    html = site.page("nianbao/huajie/2023.html")
    assert _Page(html).meta["PubDate"] == ["2024-01-19 14:30"]
    assert _Page(site.page("nianbao/2023.html")).meta["PubDate"] == ["2024-01-19 14:30"]
    shown = re.search(r'<p class="pubtime"[^>]*>(.*?)</p>', html).group(1)
    assert re.sub(r"<[^>]+>", "", shown).startswith("发布时间：2024-01-19 14:30")


def test_every_report_page_shows_its_publication_time(built_example):
    for rel in ("nianbao/huajie/2023.html", "nianbao/huaian/2024.html"):
        html = (built_example / rel).read_text(encoding="utf-8")
        pubtime = re.search(r'<p class="pubtime"[^>]*>发布时间：<time datetime="(\S+)">(.*?)</time>', html)
        assert pubtime and pubtime[2] == _Page(html).meta["PubDate"][0] and pubtime[1] == pubtime[2].replace(" ", "T")


def test_yaml_base_60_time_is_read_as_written(site):
    site.replace(HUAJIE, "发布日期: 2024-01-19", "发布日期: 2024-01-19\n发布时间: 9:05")   # YAML 1.1: 545
    assert site.build().code == 0
    assert _Page(site.page("nianbao/huajie/2023.html")).meta["PubDate"] == ["2024-01-19 09:05"]


def test_a_wrong_time_is_an_error_with_its_line(site):
    site.replace(HUAJIE, "发布日期: 2024-01-19", "发布日期: 2024-01-19\n发布时间: 25:00")
    line = site.line_of(HUAJIE, "发布时间")
    run = site.build()
    assert run.code == 1
    assert f"{HUAJIE}:{line}: 「发布时间」应为 24 小时制的时和分，如 09:30 或 14:00，实为「25:00」 (published_time)" in run.lines


# --- footer ----------------------------------------------------------------------------------------

def test_the_footer_has_the_seven_items_and_the_pages_own_address(site):
    site.replace("site.yaml", "演示站点: true", "演示站点: true\n党政机关网站标识:\n  链接: https://bszs.conac.cn/sitename?"
                 "method=show&id=0A1B2C3D\n  图片: static/conac.png")
    site.write("templates/static/conac.png", "")
    assert site.build().code == 0
    out = site.root / "build"
    for rel, page in pages_of(out).items():
        jiucuo = page.footer_links["我为政府网站找错"]
        query = parse_qs(urlsplit(jiucuo).query)
        assert jiucuo.startswith(JIUCUO + "?") and query["site_code"] == ["0000000000"], rel
        if rel != "404.html":
            assert query["url"] == [own_address(rel)], rel
            assert f"url={quote(own_address(rel), safe='')}" in jiucuo, rel          # encoded, / and : too
        for item in ("主办单位：gongkai 项目（演示）", "联系方式：本站为演示站点", "网站标识码：0000000000",
                     "演示ICP备00000000号", "演示公网安备 00000000000000号"):
            assert item in page.footer_text, (rel, item)
        [image] = page.footer_images
        assert image["alt"] == "党政机关网站标识" and image["link"].startswith("https://bszs.conac.cn/sitename?")
        if rel != "404.html":
            assert (out / rel).parent.joinpath(image["src"]).resolve() == (out / "static/conac.png").resolve()


@pytest.mark.browser
def test_without_the_sites_address_the_footer_link_is_completed_by_the_page(site, page):
    site.replace("site.yaml", "网站地址: https://gongkai.example.org/\n", "")
    assert site.build().code == 0
    rel = "nianbao/huajie/2023.html"
    assert _Page(site.page(rel)).footer_links["我为政府网站找错"].endswith("&url=")    # as built: no address
    with served(site.root / "build") as url:
        page.goto(url + rel)
        href = page.get_by_role("link", name="我为政府网站找错").get_attribute("href")
    assert parse_qs(urlsplit(href).query) == {"site_code": ["0000000000"], "url": [url + rel]}
    assert href.endswith(quote(url + rel, safe=""))


# --- missing items --------------------------------------------------------------------------------

def test_missing_footer_items_warn_unless_a_demonstration_site(site):
    site.replace("site.yaml", "演示站点: true", "演示站点: false")
    site.replace("site.yaml", "ICP备案号: 演示ICP备00000000号\n", "")
    site.replace("site.yaml", "网站标识码: \"0000000000\"", "网站标识码: 12345")
    run = generate("check", "--site", str(site.root))
    assert run.code == 0                                  # warnings: they fail only --strict
    assert generate("check", "--site", str(site.root), "--strict").code == 1
    inspection = [line for line in run.lines if line.endswith("(inspection)")]
    assert inspection == [
        "site.yaml: 警告：未设置「ICP备案号」，页面底部缺少这一项：政府网站检查要求全站页面底部列明此项。"
        "演示或测试用的网站可写「演示站点: true」 (inspection)",
        "site.yaml: 警告：未设置「党政机关网站标识」，页面底部缺少这一项：政府网站检查要求全站页面底部列明此项。"
        "演示或测试用的网站可写「演示站点: true」 (inspection)",
        f"site.yaml:{site.line_of('site.yaml', '网站标识码')}: 警告：「网站标识码」应为 10 位数字（地方网站）或 bm 加 8 位数字"
        "（部委网站），实为「12345」；网站标识码有 0 开头的，请加引号，如 \"0000000000\" (inspection)",
    ]
    site.replace("site.yaml", "演示站点: false", "演示站点: true")
    assert not [line for line in site.build().lines if "(inspection)" in line]


def test_a_conac_image_outside_the_static_files_is_refused_with_its_line(site):
    site.replace("site.yaml", "演示站点: true", "演示站点: true\n党政机关网站标识:\n  链接: https://bszs.conac.cn/x\n"
                 "  图片: static/../../secret.png")
    run = site.build()
    assert run.code == 1
    line = site.line_of("site.yaml", "图片:")
    assert any(entry.startswith(f"site.yaml:{line}: 「图片」应为网站 templates/static/ 中的图片") for entry in run.lines), run.err
