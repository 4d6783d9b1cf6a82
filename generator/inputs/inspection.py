"""What government-website inspections need from the inputs (INSPECTION.md §3): the footer's
items in site.yaml, with a warning for each one missing, and a report's 发布时间 (PubDate)."""

from __future__ import annotations

import re
from typing import Any

from generator.core.model import Conac, SiteConfig
from generator.inputs import fields as f
from generator.inputs.document import Document
from generator.problems import Problems

_CLOCK = re.compile(r"([01]?\d|2[0-3])[:：]([0-5]\d)")


def clock_time(value: Any, raw: str | None) -> str | None:
    """A time of day as "HH:MM" (24-hour). Read from the text as written: YAML reads an
    unquoted 10:30 as the number 630 (base 60)."""
    if value is None:
        return None
    written = (raw if raw is not None else str(value)).strip()
    match = _CLOCK.fullmatch(written)
    if match is None:
        raise f.FieldError(f"应为 24 小时制的时和分，如 09:30 或 14:00，实为「{written}」")
    return f"{int(match[1]):02d}:{match[2]}"


def mapping_value(value, raw) -> dict | None:
    """党政机关网站标识 as written: a mapping, read by read_conac once the site's fields are."""
    if value is not None and not isinstance(value, dict):
        raise f.FieldError("应在下面另起几行，缩进写「链接:」和「图片:」")
    return value


def _web_address(value, raw) -> str | None:
    url = f.text(value, raw)
    if url is not None and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", url):
        raise f.FieldError(f"应为完整网址，如 https://bszs.conac.cn/sitename?method=show&id=… ，实为「{url}」")
    return url


_STATIC_IMAGE = re.compile(r"static/(?:[A-Za-z0-9_-][A-Za-z0-9._-]*/)*[A-Za-z0-9_-][A-Za-z0-9._-]*")


def _image(value, raw) -> str | None:
    """An https:// image, or one of the site's own files in templates/static/: no other
    place (a path from site.yaml never leaves the site's static files)."""
    image = f.text(value, raw)
    if image is not None and not (image.startswith("https://") and _web_address(image, image)
                                  or _STATIC_IMAGE.fullmatch(image)):
        raise f.FieldError(f"应为网站 templates/static/ 中的图片，如 static/conac.png，或 https:// 开头的网址，实为「{image}」")
    return image


CONAC_FIELDS = (
    f.Field("link", "链接", _web_address, required=True, hint="如：https://bszs.conac.cn/sitename?method=show&id=…"),
    f.Field("image", "图片", _image, required=True, hint="如：static/conac.png（放在网站的 templates/static/ 中）"),
)
CONAC_KEY = "党政机关网站标识"


def read_conac(doc: Document, mapping: dict | None, problems: Problems) -> Conac | None:
    """site.yaml's 党政机关网站标识 (read as a mapping by mapping_value), its fields checked with their lines."""
    if not mapping:
        return None
    key = CONAC_KEY if CONAC_KEY in doc.data else "conac"
    values = f.read_fields(doc, mapping, (key,), CONAC_FIELDS, problems, f"「{CONAC_KEY}」")
    if values["link"] is None or values["image"] is None:
        return None
    return Conac(values["link"], values["image"], doc.line((key, "图片")) or doc.line((key,)))


# What every page's footer must show (INSPECTION.md §3): 「未在全站页面底部功能区清晰列明」 is the finding.
FOOTER_ITEMS = (("host", "主办单位"), ("contact", "联系方式"), ("site_code", "网站标识码"), ("icp", "ICP备案号"),
                ("police_record", "公安备案号"), ("conac", CONAC_KEY))
SITE_CODE = re.compile(r"\d{10}|bm\d{8}")


def warn_footer_items(doc: Document, config: SiteConfig, problems: Problems) -> None:
    """An item the inspections look for in every page's footer, missing or malformed: a warning
    (a demonstration site, 演示站点: true, is not inspected)."""
    if config.demo:
        return
    for field_id, key in FOOTER_ITEMS:
        if getattr(config, field_id) is None:
            why = "「我为政府网站找错」链接也要用它" if field_id == "site_code" else "政府网站检查要求全站页面底部列明此项"
            problems.warning(doc.rel, None, f"未设置「{key}」，页面底部缺少这一项：{why}。"
                                            "演示或测试用的网站可写「演示站点: true」", "inspection")
    if config.site_code is not None and not SITE_CODE.fullmatch(config.site_code):
        problems.warning(doc.rel, doc.line(("网站标识码",)) or doc.line(("site_code",)),
                         f"「网站标识码」应为 10 位数字（地方网站）或 bm 加 8 位数字（部委网站），实为「{config.site_code}」"
                         "；网站标识码有 0 开头的，请加引号，如 \"0000000000\"", "inspection")
