"""Reading the simple keyed fields of site.yaml, units.yaml and report metadata.

Each field has a Chinese key (what editors write) and an English id (accepted
too, and named in error messages). Unknown keys get a did-you-mean.
"""

from __future__ import annotations

import calendar
import datetime
import difflib
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable

from generator.inputs.document import Document
from generator.problems import INVISIBLE, INVISIBLE_NAMES, Problems


PLACEHOLDER = "【待填写】"   # what `generate new` leaves for the editor to replace (a report with one is a draft)


class FieldError(ValueError):
    """A value that does not fit its field; the message is Chinese."""


@dataclass(frozen=True)
class Field:
    id: str
    key: str
    parse: Callable[[Any, str | None], Any]
    required: bool = False
    default: Any = None
    hint: str = ""           # what to write, added to a "missing" error


def read_fields(doc: Document, mapping: dict, path: tuple, fields: tuple[Field, ...],
                problems: Problems, what: str) -> dict[str, Any]:
    """Parse `mapping` (found at `path` in `doc`) against `fields`, by id.

    An invisible character in a key or a text value is an error (see invisible_character);
    the field is still read without it, so nothing else is reported on its account.
    """
    by_name = {}
    for f in fields:
        by_name[f.key] = f
        by_name[f.id] = f
    values: dict[str, Any] = {}
    suggested: set[str] = set()   # a misspelt key is reported once, not also as missing
    for key, value in mapping.items():
        line = doc.line(path + (key,))
        shown = refuse_invisible(doc, path, key, problems, "项目名", "invisible") if doc.invisible else key
        f = by_name.get(shown)
        if f is None and _CHINESE_COLON in shown:
            _colon_in_key(doc, line, shown, by_name, suggested, problems)
            continue
        if f is None:
            suggestion = _closest(shown, fields)
            suggested.add(suggestion)
            fix = f"，是否想写「{suggestion}」？" if suggestion else "，可用的项目有：" + "、".join(f.key for f in fields)
            problems.error(doc.rel, line, f"{what}中没有「{shown}」这一项{fix}", shown)
            continue
        if f.id in values:
            problems.error(doc.rel, line, f"「{f.key}」写了两次（中文名和英文名 {f.id} 是同一项）", f.id)
            continue
        try:
            values[f.id] = f.parse(value, doc.text(path + (key,)))
            invisible = doc.invisible and isinstance(values[f.id], str) and invisible_character(values[f.id])
            if invisible:
                problems.error(doc.rel, line, f"「{f.key}」的{invisible}", f.id)
                values[f.id] = visible(values[f.id])
            if f.required and values[f.id] is None and PLACEHOLDER not in str(value):
                hint = f"，{f.hint}" if f.hint else ""
                problems.error(doc.rel, line, f"「{f.key}」不能为空{hint}", f.id)
        except FieldError as exc:
            separator = "：" if str(exc).startswith("「") else ""   # 「数值」：「五十三」请用…
            problems.error(doc.rel, line, f"「{f.key}」{separator}{exc}", f.id)
            values[f.id] = f.default
    for f in fields:
        if f.id in values:
            continue
        if f.required and f.key not in suggested and f.id not in suggested:
            hint = f"，{f.hint}" if f.hint else ""
            problems.error(doc.rel, doc.line(path), f"{what}缺少「{f.key}」{hint}", f.id)
        values[f.id] = f.default
    return values


_CHINESE_COLON = "："


def _colon_in_key(doc: Document, line: int | None, key: str, by_name: dict, suggested: set, problems: Problems) -> None:
    """`名称：花街镇人民政府` read as one key (in braces, or a flow mapping): the Chinese colon is
    the mistake, and the field it names is not also reported missing."""
    name, _, value = key.partition(_CHINESE_COLON)
    f = by_name.get(name.strip())
    if f is not None:
        suggested.add(f.key)
    problems.error(doc.rel, line, f"「{key}」用了中文冒号「：」：请改为英文冒号「:」，后面再加一个空格，"
                                  f"写成「{name.strip()}: {value.strip()}」", "yaml")


def _closest(key: str, fields: tuple[Field, ...]) -> str | None:
    names = [f.key for f in fields] + [f.id for f in fields]
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.5)
    return close[0] if close else None


def invisible_character(text: str) -> str | None:
    """「第 5 个字符是不可见的从右到左覆盖控制符 U+202E，请删除」 for the first one in `text`
    (and how many there are), or None."""
    found = INVISIBLE.search(text)
    if found is None:
        return None
    char = found.group()
    count = len(INVISIBLE.findall(text))
    more = f"（共 {count} 个不可见字符）" if count > 1 else ""
    return f"第 {found.start() + 1} 个字符是不可见的{INVISIBLE_NAMES[char]} U+{ord(char):04X}{more}，请删除"


def refuse_invisible(doc: Document, path: tuple, key: str, problems: Problems, what: str, rule: str) -> str:
    """An error for an invisible character in `key` (a key under `path`, called `what` in the
    message); the key without it, which is still read (so not also unknown or missing)."""
    invisible = invisible_character(key)
    if invisible is None:
        return key
    problems.error(doc.rel, doc.line(path + (key,)), f"{what}「{visible(key)}」的{invisible}", rule)
    return visible(key)


def visible(text: str) -> str:
    """`text` without its invisible characters: what a message may quote (a bidi control
    would reorder the message itself)."""
    return INVISIBLE.sub("", text)


# --- value parsers: (value, source text) -> value, or FieldError ---------------

def text(value: Any, raw: str | None) -> str | None:
    """A string; a number keeps the digits exactly as written (leading zeros)."""
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        raise FieldError("应为一行文字")
    result = raw if raw is not None else str(value)
    return result.strip() or None


def boolean(value: Any, raw: str | None) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("是", "否"):
        return value == "是"
    raise FieldError(f"应为 true 或 false（是 / 否），实为「{raw if raw is not None else value}」")


_DATE_FORMS = (
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"(\d{4})\.(\d{1,2})\.(\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"),
)


def date(value: Any, raw: str | None) -> datetime.date | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    written = str(value).strip()
    if written == PLACEHOLDER:
        return None                   # `generate new` leaves the dates to be filled: the report is a draft
    for form in _DATE_FORMS:
        match = form.fullmatch(written)
        if match:
            try:
                return datetime.date(*map(int, match.groups()))
            except ValueError:
                _refuse_missing_day(written, *map(int, match.groups()))
                break
    raise FieldError(f"不是有效日期：「{written}」，请写成 2024-01-19 的形式")


def _refuse_missing_day(written: str, year: int, month: int, day: int) -> None:
    """A date in the right form for a day that does not exist (2025-02-30): say so, not the form."""
    if 1 <= month <= 12 and day >= 1 and year >= 1:
        days = calendar.monthrange(year, month)[1]
        raise FieldError(f"「{written}」这一天不存在：{year} 年 {month} 月只有 {days} 天，请核对日期")


def integer(value: Any, raw: str | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldError(f"应为整数，实为「{_shown(raw if raw is not None else str(value))}」")
    return value


def choice(options: dict[str, str]) -> Callable[[Any, str | None], str]:
    """One of the given words (keys), returned as its value; the message names the values."""
    def parse(value: Any, raw: str | None) -> str:
        from generator.core.form import normalize_label
        wanted = normalize_label(value)
        for word, result in options.items():
            if normalize_label(word) == wanted:
                return result
        official = [word for word, result in options.items() if word == result]   # not the aliases
        shown = "、".join(official or options)
        raise FieldError(f"应为 {shown} 之一，实为「{value}」")
    return parse


# A count of one unit's year never nears a billion (a province's applications are in the
# tens of thousands); an amount is in 万元, and 10^12 万元 is some 80 times China's GDP.
# Beyond these a number is a typing slip, and refusing it keeps every later step bounded.
MAX_COUNT = 10 ** 9
MAX_AMOUNT = 10 ** 12


NEGATIVE = "不能为负数"     # an archived report lists this among its discrepancies (content.reports)


def number(value: Any, *, amount: bool, signed: bool = False) -> int | Decimal | None:
    """A table cell: a non-negative count, or a non-negative amount (万元); `signed`
    allows a negative one (本年增/减 of the 2019 trial format).

    None is a blank cell, distinct from 0. Raises FieldError with the fix.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise FieldError(f"应填数字，实为 {'true' if value else 'false'}")
    if isinstance(value, str):
        value = _number_from_text(value.strip(), amount)
        if value is None:
            return None
    if isinstance(value, int):
        if value < 0 and not signed:
            raise FieldError(f"{NEGATIVE}，实为 {_shown(str(value))}")
        _refuse_too_large(value, amount)
        return value
    if isinstance(value, Decimal):
        if value < 0 and not signed:
            raise FieldError(f"{NEGATIVE}，实为 {_shown(str(value))}")
        _refuse_too_large(value, amount)
        if not amount:
            if value == value.to_integral_value():
                raise FieldError(f"件数应为整数，请写 {int(value)}，不要写 {value}")
            raise FieldError(f"件数应为整数，实为 {value}")
        return value
    raise FieldError("应为一个数字，不能是列表或多项内容")


def _refuse_too_large(value: int | Decimal, amount: bool) -> None:
    limit = MAX_AMOUNT if amount else MAX_COUNT
    if abs(value) > limit:
        what = "金额（万元）" if amount else "件数"
        raise FieldError(f"数字 {_shown(str(value))} 过大：{what}不能超过 {limit}，请检查是否多输入了数字")


def _shown(written: str) -> str:
    """A value as quoted in a message: a run of 5,000 digits is shown by its length."""
    return written if len(written) <= 30 else f"{written[:12]}…（共 {len(written)} 个字符）"


def _number_from_text(written: str, amount: bool) -> int | Decimal | None:
    if written == "":
        return None
    if re.fullmatch(r"[0-9]+", written):
        if len(written.lstrip("0")) > len(str(MAX_AMOUNT)):    # before int(): Python converts at most 4,300 digits
            _refuse_too_large(Decimal(written), amount)
        return int(written.lstrip("0") or "0")
    if amount and re.fullmatch(r"[0-9]+\.[0-9]+", written):
        return Decimal(written)
    if re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?", written):
        raise FieldError(f"「{written}」不要用千位分隔符（逗号），请写作 {written.replace(',', '')}")
    match = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)\s*(件|个|条|次|万元|元)", written)
    if match:
        raise FieldError(f"「{written}」只填数字，不要带单位，请写作 {match.group(1)}")
    if re.search(r"[零〇一二三四五六七八九十百千万两]", written):
        raise FieldError(f"「{written}」请用阿拉伯数字填写，如 6")
    if written.startswith("-"):
        raise FieldError(f"不能为负数，实为 {_shown(written)}")
    if _FULL_WIDTH_DIGIT.search(written) and re.fullmatch(r"[0-9.]+", half_width(written)):
        raise FieldError(f"「{_shown(written)}」是全角数字：请改用半角（英文）数字，写作 {half_width(written)}")
    raise FieldError(f"「{_shown(written)}」不是数字：只填阿拉伯数字，空白单元格写 null")


_FULL_WIDTH_DIGIT = re.compile("[０-９]")
_FULL_WIDTH_BRACKETS = ("［", "【", "〔")
_CHINESE_SEPARATORS = {"，": "中文逗号「，」", "、": "顿号「、」", "；": "分号「；」"}   # typed between numbers


def half_width(text: str) -> str:
    """Full-width digits, letters and punctuation as the half-width ones an editor should type."""
    return unicodedata.normalize("NFKC", text)


def row_punctuation(value: Any) -> str | None:
    """What is wrong with a row of numbers written with Chinese punctuation (full-width brackets,
    ，or 、 between the numbers) and how to write it, or None. The row as it should be is given
    when it is plain numbers."""
    items = value if isinstance(value, list) else [value]
    written = ", ".join("null" if item is None else str(item) for item in items)
    wrong, fixes = [], []
    if written.lstrip().startswith(_FULL_WIDTH_BRACKETS):
        wrong.append("方括号是全角（中文）的「［ ］」")
        fixes.append("英文方括号「[ ]」")
    separators = [name for mark, name in _CHINESE_SEPARATORS.items() if mark in written]
    if separators:
        wrong.append(f"数字之间用了{'、'.join(separators)}")
        fixes.append("英文逗号「,」")
    if not wrong:
        return None
    if _FULL_WIDTH_DIGIT.search(written):
        wrong.append("数字是全角的")
        fixes.append("半角数字")
    message = f"{'，'.join(wrong)}：请改用{'和'.join(fixes)}"
    separated = half_width(written.strip().strip("［］【】〔〕")).replace("、", ",").replace("；", ",")
    numbers = [item.strip() for item in separated.split(",")]
    if all(re.fullmatch(r"[0-9]+(\.[0-9]+)?|null", item) for item in numbers):
        message += f"，写作 [{', '.join(numbers)}]"
    return message


def contrast_ratio(colour_a: str, colour_b: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours."""
    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    lighter, darker = sorted((luminance(colour_a), luminance(colour_b)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def accent_colour(value: Any, raw: str | None) -> str | None:
    """A theme colour for headings in white text: #rrggbb, dark enough for 4.5:1."""
    written = text(value, raw)
    if written is None:
        return None
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", written):
        raise FieldError(f"应为 #RRGGBB 形式的颜色，如 #0b4a8b，实为「{written}」")
    ratio = contrast_ratio(written.lower(), "#ffffff")
    if ratio < 4.5:
        raise FieldError(f"「{written}」太浅：白色文字在其上的对比度只有 {ratio:.1f}:1，至少需要 4.5:1，请选更深的颜色")
    return written.lower()
