"""What government-website inspections read on every page (INSPECTION.md §3): the <meta>
tags of the site, the column and the article, and the footer's 我为政府网站找错 link."""

from __future__ import annotations

import functools
from urllib.parse import quote, urlsplit

from generator.core.model import SiteConfig

JIUCUO = "https://zfwzgl.www.gov.cn/exposure/jiucuo.html"
ICP_LOOKUP = "https://beian.miit.gov.cn/"
# Addresses every page's footer has, built by gongkai (the 找错 one differs by page): not the
# editors' external links, which the link check counts.
FOOTER_ADDRESSES = (JIUCUO, ICP_LOOKUP)
COLUMN_TYPE = "信息公开年报"          # the 年报 column in the inspections' vocabulary of column types
COLUMN_DESCRIPTION = "各单位按《中华人民共和国政府信息公开条例》发布的政府信息公开工作年度报告"
COLUMN_KEYWORDS = "政府信息公开,年度报告,政务公开"
# The pages that are not the 年报 column: (ColumnName, ColumnType) by template.
OTHER_COLUMNS = {"home.html": ("首页", "首页"), "data.html": ("开放数据", "数据发布"),
                 "search.html": ("站内搜索", "站内搜索"), "404.html": ("页面未找到", "其他")}


def meta_tags(config: SiteConfig, template: str, column_title: str, title: str, pub_date: str | None,
              source: str | None, url: str, keywords: str | None = None) -> list[tuple[str, str]]:
    """(name, content) of every <meta> the inspections look for; one left out only when its
    value is unknown (SiteDomain and Url without 网站地址, PubDate on a site with no report)."""
    column, column_type = OTHER_COLUMNS.get(template, (column_title, COLUMN_TYPE))
    in_column = column_type == COLUMN_TYPE
    origin = source or config.host or config.name
    tags = [("SiteName", config.name),
            ("SiteDomain", urlsplit(config.base_url).netloc if config.base_url else None),
            ("SiteIDCode", config.site_code),
            ("ColumnName", column),
            ("ColumnDescription", COLUMN_DESCRIPTION if in_column else config.description),
            ("ColumnKeywords", COLUMN_KEYWORDS if in_column else None),
            ("ColumnType", column_type),
            ("ArticleTitle", title),
            ("PubDate", pub_date),
            ("ContentSource", origin),
            ("Keywords", keywords or (COLUMN_KEYWORDS if in_column else None)),
            ("Author", origin),
            ("Description", config.description if template == "home.html" else title),
            ("Url", url or None)]
    return [(name, content) for name, content in tags if content]


def jiucuo_link(config: SiteConfig, url: str) -> str | None:
    """The 我为政府网站找错 address for a page: its 网站标识码 and the page's own address,
    encoded. Without the page's address (no 网站地址, or 404.html, served at any address)
    it ends in `url=` and site.js adds the address the reader sees."""
    if not config.site_code:
        return None
    base = config.base_url if config.base_url and url.startswith(config.base_url) else ""
    return _jiucuo_start(config.site_code, base) + _quoted(url[len(base):])     # the start quoted once a build


@functools.cache
def _jiucuo_start(site_code: str, base_url: str) -> str:
    """The 找错 address up to the page's own path: the same for every page of a site."""
    return f"{JIUCUO}?site_code={quote(site_code, safe='')}&url={quote(base_url, safe='')}"


def _quoted(path: str) -> str:
    """quote(path, safe=''): quote returns a text of only unreserved characters and its safe
    ones at once, but goes byte by byte through any other (2.4 µs an address, each page's
    「/」 and 「:」); a 「/」 it leaves is the only one in its result, since it writes %XX."""
    return quote(path, safe="/").replace("/", "%2F")
