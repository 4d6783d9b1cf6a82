"""site.yaml (the portal) and content/units.yaml (who publishes reports)."""

from __future__ import annotations

import calendar
import dataclasses
import difflib
import re
from pathlib import Path
from urllib.parse import urlsplit

from generator.core.model import KINDS, REPETITION_LIMIT, STATUTORY_DEADLINES, SiteConfig, Unit
from generator.inputs import fields as f
from generator.inputs.document import Document
from generator.inputs.inspection import CONAC_KEY, mapping_value, read_conac, warn_footer_items
from generator.inputs.source import confined, load_yaml
from generator.problems import Problems

SITE_FILE = "site.yaml"
UNITS_FILE = "content/units.yaml"
UNIT_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
DEFAULT_ACCENT = "#0b4a8b"
def _base_url(value, raw) -> str | None:
    url = f.text(value, raw)
    if url is None:
        return None
    if not re.fullmatch(r"https?://[^\s/]+(/[^\s]*)?", url):
        raise f.FieldError(f"应为完整网址，如 https://www.example.gov.cn/ ，实为「{url}」")
    try:
        parts = urlsplit(url)
        parts.port                  # parsed on demand: https://a:x/ is refused here, not when a page links
    except ValueError:              # https://[x]/, https://a]/: not a host name
        raise f.FieldError(f"网址中的主机名（域名）不正确，应为如 https://www.example.gov.cn/ 的形式，实为「{url}」") from None
    if any(part in ("..", ".") for part in parts.path.split("/")) or "\\" in url or "?" in url or "#" in url:
        raise f.FieldError(f"网址的路径中不能有 ..、\\、? 或 #，实为「{url}」")
    return url if url.endswith("/") else url + "/"


_KIND_WORDS = {kind: kind for kind in KINDS} | {"乡镇": KINDS[2], "街道": KINDS[2], "部门": KINDS[1]}
_MONTH_DAY = re.compile(r"(\d{1,2})(?:[-/.]|月)(\d{1,2})日?")


def _deadlines(value, raw) -> dict[str, tuple[int, int]] | None:
    """发布期限: {乡镇（街道）: 02-20, ...}: by which day of the next year each kind of unit
    publishes. A local rule may be stricter than 条例 第四十九条, never later."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise f.FieldError("应按单位类型写出次年的月和日：在「发布期限:」下面另起一行，缩进写「乡镇（街道）: 02-20」")
    deadlines = {}
    for word, day in value.items():
        kind = f.choice(_KIND_WORDS)(word, None)
        match = _MONTH_DAY.fullmatch(day.strip()) if isinstance(day, str) else None
        month_day = (int(match[1]), int(match[2])) if match else None
        if month_day is None or not _real_day(*month_day):
            raise f.FieldError(f"{kind}：只写次年的月和日，如 02-20 或 2月20日，实为「{day}」")
        statutory = STATUTORY_DEADLINES.get(kind)
        if statutory is not None and month_day > statutory:
            raise f.FieldError(f"{kind}：条例第四十九条规定在次年{statutory[0]}月{statutory[1]}日前公布，"
                               f"本站的期限只能更早，不能是{month_day[0]}月{month_day[1]}日")
        deadlines[kind] = month_day
    return deadlines


def _percentage(value, raw) -> int | None:
    """重复率上限: a whole per cent, 1 to 100 (100: R10 never warns); 「50%」 is read as 50."""
    written = value.strip().rstrip("%％") if isinstance(value, str) else None
    share = f.integer(int(written) if written is not None and written.isdigit() else value, raw)
    if share is not None and not 1 <= share <= 100:
        raise f.FieldError(f"应为 1 到 100 之间的整数（百分比），实为「{raw if raw is not None else share}」")
    return share


def _real_day(month: int, day: int) -> bool:
    """A day every year has (2月29日 is not one)."""
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(2001, month)[1]


SITE_FIELDS = (
    f.Field("name", "网站名称", f.text, required=True, hint="如：某某县人民政府门户网站"),
    f.Field("base_url", "网站地址", _base_url, hint="如：https://www.example.gov.cn/"),
    f.Field("description", "网站简介", f.text),
    f.Field("host", "主办单位", f.text),
    f.Field("contact", "联系方式", f.text),
    f.Field("site_code", "网站标识码", f.text),
    f.Field("icp", "ICP备案号", f.text),
    f.Field("police_record", "公安备案号", f.text),
    f.Field("conac", CONAC_KEY, mapping_value),
    f.Field("demo", "演示站点", f.boolean, default=False),
    f.Field("accent", "主题色", f.accent_colour, default=DEFAULT_ACCENT),
    f.Field("search", "站内搜索", f.boolean, default=True),
    f.Field("deadlines", "发布期限", _deadlines),
    f.Field("index_format", "索引号格式", f.text, hint="如：组织机构代码/年份-流水号"),
    f.Field("repetition_limit", "重复率上限", _percentage, default=REPETITION_LIMIT),
)

UNIT_FIELDS = (
    f.Field("name", "名称", f.text, required=True, hint="如：花街镇人民政府"),
    f.Field("kind", "类型", f.choice(_KIND_WORDS), required=True, hint="本级政府、政府部门 或 乡镇（街道）"),
    f.Field("code", "组织机构代码", f.text),
    f.Field("parent", "上级单位", f.text),
    f.Field("order", "排序", f.integer, default=1000),
    f.Field("accent", "主题色", f.accent_colour),
    f.Field("former_ids", "曾用编号", lambda value, raw: value),     # read with their lines: _former_ids
    f.Field("former_names", "曾用名", lambda value, raw: value),     # _former_names
)
UNIT_FIELDS_BY_ID = {field.id: field for field in UNIT_FIELDS}
FORMER_NAME_FIELDS = (
    f.Field("name", "名称", f.text, required=True, hint="如：青山区财政局"),
    f.Field("until", "至", f.date, required=True, hint="这个名称使用到哪一天，如 2024-06-30"),
)


def load_site_config(root: Path, problems: Problems) -> SiteConfig | None:
    path = root / SITE_FILE
    if not confined(root, SITE_FILE, problems):
        return None
    if not path.is_file():
        problems.error(SITE_FILE, None, "找不到网站配置文件 site.yaml：请在网站文件夹中运行，"
                                        "或用 --site 指定网站文件夹；新建网站可用 generate init")
        return None
    doc = load_yaml(path, SITE_FILE, problems)
    if doc is None:
        return None
    mapping = _mapping(doc, problems, "网站配置")
    if mapping is None:
        return None
    values = f.read_fields(doc, mapping, (), SITE_FIELDS, problems, "网站配置")
    values["accent"] = values["accent"] or DEFAULT_ACCENT
    values["deadlines"] = values["deadlines"] or {}
    values["repetition_limit"] = values["repetition_limit"] or REPETITION_LIMIT
    values["conac"] = read_conac(doc, values["conac"], problems)
    config = SiteConfig(**values)
    warn_footer_items(doc, config, problems)
    return config


BASE_URL_OPTION = "--base-url"


def with_base_url(config: SiteConfig | None, url: str | None, problems: Problems) -> SiteConfig | None:
    """The config with 网站地址 replaced for one build (`--base-url`: staging vs production),
    checked like site.yaml's; an unusable address is an error naming the option."""
    if config is None or url is None:
        return config
    try:
        checked = _base_url(url, url)
    except f.FieldError as exc:
        problems.error(BASE_URL_OPTION, None, f"代替 site.yaml「网站地址」的网址：{exc}", "base_url")
        return config
    return dataclasses.replace(config, base_url=checked)


def load_units(root: Path, problems: Problems) -> dict[str, Unit]:
    path = root / UNITS_FILE
    if not confined(root, UNITS_FILE, problems):
        return {}
    if not path.is_file():
        problems.error(UNITS_FILE, None, "找不到单位名录 content/units.yaml：每个发布年报的单位都要在其中登记")
        return {}
    doc = load_yaml(path, UNITS_FILE, problems)
    if doc is None:
        return {}
    mapping = _mapping(doc, problems, "单位名录")
    if mapping is None:
        return {}
    units: dict[str, Unit] = {}
    for unit_id, entry in mapping.items():
        line = doc.line((unit_id,))
        if not UNIT_ID.fullmatch(unit_id):
            problems.error(UNITS_FILE, line, f"单位编号「{unit_id}」只能用小写英文字母、数字和连字符（-），"
                                             "如 huajie；它也是报告所在的文件夹名", "unit id")
            continue
        if not isinstance(entry, dict):
            problems.error(UNITS_FILE, line, f"单位「{unit_id}」下应列出 名称、类型 等项目", "unit")
            continue
        values = f.read_fields(doc, entry, (unit_id,), UNIT_FIELDS, problems, f"单位「{unit_id}」")
        values["former_ids"] = _former_ids(doc, unit_id, entry, problems)
        values["former_names"] = _former_names(doc, unit_id, entry, problems)
        if values["name"] is None or values["kind"] is None:
            continue
        units[unit_id] = Unit(id=unit_id, file=UNITS_FILE, line=line, **values)
    _refuse_reused_ids(doc, units, mapping, problems)
    for unit in units.values():
        line = doc.line((unit.id, "上级单位")) or unit.line
        if unit.parent is not None and unit.parent not in mapping:   # one with errors of its own is still there
            problems.error(UNITS_FILE, line, f"单位「{unit.id}」的上级单位「{unit.parent}」不在单位名录中"
                                             f"{_parent_hint(unit.parent, units)}", "parent")
        elif _in_a_cycle(unit, units):
            problems.error(UNITS_FILE, line, f"单位「{unit.id}」的上级单位关系绕成了一个圈：请检查「上级单位」", "parent")
    _warn_same_names(doc, units, problems)
    return units


def _parent_hint(parent: str, units: dict[str, Unit]) -> str:
    """What the editor probably meant by an unknown 上级单位: a unit's 名称 (the id is wanted),
    or an id close to it."""
    named = [unit.id for unit in units.values() if unit.name == parent]
    if named:
        return f"：「{parent}」是单位「{named[0]}」的名称，这里要写单位编号，请写成「上级单位: {named[0]}」"
    close = difflib.get_close_matches(parent, list(units), n=1, cutoff=0.6)
    return f"，是否想写「{close[0]}」？" if close else "：请写上级单位的单位编号（如 huaian），它也应在单位名录中登记"


def _warn_same_names(doc: Document, units: dict[str, Unit], problems: Problems) -> None:
    """Two units with one 名称 publish reports of the same title, which readers cannot tell apart."""
    first: dict[str, Unit] = {}
    for unit in units.values():
        other = first.setdefault(unit.name, unit)
        if other is not unit:
            line = doc.line((unit.id, "名称")) or unit.line
            problems.warning(UNITS_FILE, line, f"单位「{unit.id}」与单位「{other.id}」（第 {doc.line((other.id, '名称')) or other.line} 行）"
                                               f"的名称都是「{unit.name}」：两者的报告标题会完全相同，读者无法区分；"
                                               "请改正其中一个的名称，或删去重复登记的单位", "name")


def _written_list(entry: dict, field: f.Field) -> tuple[str | None, list]:
    """The key as written (Chinese or English) and its items: one value alone is a list of one."""
    key = next((k for k in (field.key, field.id) if k in entry), None)
    value = entry.get(key)
    return key, [] if value is None else value if isinstance(value, list) else [value]


def _former_ids(doc: Document, unit_id: str, entry: dict, problems: Problems) -> tuple[str, ...]:
    """曾用编号: [old-id, ...], each a valid unit id other than its own."""
    key, items = _written_list(entry, UNIT_FIELDS_BY_ID["former_ids"])
    found = []
    for index, old in enumerate(items):
        line = doc.line((unit_id, key, index))
        if not isinstance(old, str) or not UNIT_ID.fullmatch(old):
            problems.error(UNITS_FILE, line, f"单位「{unit_id}」的曾用编号应是原来的单位编号（小写英文字母、数字和连字符），"
                                             f"实为「{old}」", "former_ids")
        elif old == unit_id:
            problems.error(UNITS_FILE, line, f"单位「{unit_id}」的曾用编号「{old}」就是它现在的编号：请删去", "former_ids")
        else:
            found.append(old)
    return tuple(found)


def _former_names(doc: Document, unit_id: str, entry: dict, problems: Problems) -> tuple[tuple[str, int], ...]:
    """曾用名: [{名称, 至}, ...] from the oldest: each name was in force until its 至."""
    key, items = _written_list(entry, UNIT_FIELDS_BY_ID["former_names"])
    found: list[tuple[str, int]] = []
    for index, item in enumerate(items):
        path, what = (unit_id, key, index), f"单位「{unit_id}」的第 {index + 1} 个曾用名"
        if not isinstance(item, dict):
            problems.error(UNITS_FILE, doc.line(path), f"{what}应写出名称和使用到哪一天，"
                                                       "如「- {名称: 青山区财政局, 至: 2024-06-30}」", "former_names")
            continue
        values = f.read_fields(doc, item, path, FORMER_NAME_FIELDS, problems, what)
        if values["name"] is None or values["until"] is None:
            continue
        until = values["until"].toordinal()
        if found and until <= found[-1][1]:
            problems.error(UNITS_FILE, doc.line(path), f"{what}「{values['name']}」的「至」"
                           f"（{values['until'].isoformat()}）应晚于上一个曾用名的：请按时间先后排列", "former_names")
            continue
        found.append((values["name"], until))
    return tuple(found)


def _refuse_reused_ids(doc: Document, units: dict[str, Unit], mapping: dict, problems: Problems) -> None:
    """An old id is an address that redirects: it cannot also be a unit's, or another's old id."""
    claimed: dict[str, tuple[str, int | None]] = {}
    for unit in units.values():
        key, items = _written_list(mapping[unit.id], UNIT_FIELDS_BY_ID["former_ids"])
        for index, old in enumerate(items):
            line = doc.line((unit.id, key, index))
            if old not in unit.former_ids:
                continue                # refused already
            if old in mapping:
                problems.error(UNITS_FILE, line, f"单位「{unit.id}」的曾用编号「{old}」是现有单位「{old}」的编号"
                                                 f"（第 {doc.line((old,))} 行）：一个地址不能既是单位又转到别的单位", "former_ids")
            elif old in claimed:
                first, first_line = claimed[old]
                whom = f"单位「{first}」（第 {first_line} 行）和单位「{unit.id}」" if first != unit.id else \
                    f"单位「{unit.id}」下（第 {first_line} 行和这一行）"
                problems.error(UNITS_FILE, line, f"曾用编号「{old}」写了两次：{whom}；旧地址只能转到一个单位", "former_ids")
            else:
                claimed[old] = (unit.id, line)


def _in_a_cycle(unit: Unit, units: dict[str, Unit]) -> bool:
    seen = {unit.id}
    parent = units.get(unit.parent) if unit.parent else None
    while parent is not None:
        if parent.id in seen:
            return True
        seen.add(parent.id)
        parent = units.get(parent.parent) if parent.parent else None
    return False


def _mapping(doc: Document, problems: Problems, what: str) -> dict | None:
    if doc.data is None:
        problems.error(doc.rel, None, f"{what}文件是空的")
        return None
    if not isinstance(doc.data, dict):
        problems.error(doc.rel, doc.line(()), f"{what}文件应由「项目: 内容」组成，而不是列表或单独的文字")
        return None
    return doc.data
