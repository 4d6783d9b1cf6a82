"""R9: the numbers the narrative quotes against the tables (a warning).

A reviewer reads 「共收到政府信息公开申请17件」 and looks at table 三. This module does
the same for the phrases that tie a number to one cell: a keyword (收到, 予以公开,
行政复议, 现行有效规范性文件 …), a few words, then the number and its measure word.

Precision over recall: a number is compared only when nothing else could be meant:
the words between keyword and number stay inside one clause, hold no other number or
keyword, and say nothing of another year, a comparison or an approximation. Anything
else is left unsaid.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from generator.content.plainmarkdown import as_printed
from generator.core.form import TABLE2
from generator.core.model import Report, Table
from generator.problems import WARNING, Problem

# --- Numerals ----------------------------------------------------------------

_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，", "0123456789.,")
_ARABIC = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?([万亿]?)")


def parse_number(text: str) -> int | Decimal | None:
    """「两」 2, 「一百零五」 105, 「1,234」 1234, 「６」 6, 「1.5万」 15000, 「12.5」 Decimal;
    None for anything else."""
    text = text.translate(_FULL_WIDTH)
    arabic = _ARABIC.fullmatch(text)
    if arabic:
        whole, fraction, unit = arabic.groups()
        value = Decimal(whole.replace(",", "") + (fraction or "")) * _BIG_UNITS.get(unit, 1)
        return int(value) if value == value.to_integral_value() else value
    return _chinese(text) if text else None


def _chinese(text: str) -> int | None:
    total = section = digit = 0
    for char in text:
        if char in _DIGITS:
            digit = _DIGITS[char]
        elif char in _SMALL_UNITS:
            section += (digit or 1) * _SMALL_UNITS[char]     # 十二: the 一 of 一十 is left out
            digit = 0
        elif char in _BIG_UNITS:
            total = (total + section + digit) * _BIG_UNITS[char]
            section = digit = 0
        else:
            return None
    if len(text) > 1 and all(c in _DIGITS for c in text):
        return int("".join(str(_DIGITS[c]) for c in text))    # 二〇二三: digit by digit
    return total + section + digit


# --- What a keyword ties a number to ------------------------------------------

# what a keyword reads -> its pattern; then the measure words each takes after the number
_COUNT = "件"
_CASES = "件起宗"
_DECISIONS = "件起宗项份个"
KEYWORDS = {
    "received": r"收到|受理|接收",
    "new": r"新收到?",
    "carried_over": r"上一?年度?结转",
    "carried_forward": r"结转(?:至|到)?(?:下一?年度?|(?:19|20)\d\d年度?)|转入下一?年度?",
    "results": r"办结|答复",
    "disclosed_and_partly": r"(?:予以|全部)公开(?:及|和|与|或|、)部分公开",
    "disclosed": r"予以公开|全部公开",
    "partly": r"部分公开",
    "withheld": r"不予公开",
    "unavailable": r"无法提供",
    "not_handled": r"不予处理",
    "other": r"其他处理",
    "review": r"行政复议",
    "lawsuit": r"行政诉讼",
    "normative": r"(?:制发|废止|现行有效)的?(?:行政)?(?:规范性文件|规章)|(?:行政)?(?:规范性文件|规章)(?:制发|废止|现行有效)",
    "licensing": r"行政许可",
    "penalty": r"行政处罚",
    "coercion": r"行政强制",
    "fees": r"行政事业性收费",
}
MEASURES = {"review": _CASES, "lawsuit": _CASES, "licensing": _DECISIONS, "penalty": _DECISIONS,
            "coercion": _DECISIONS, "fees": ("万元", "亿元", "元")}     # the rest count 件
_PATTERNS = {kind: re.compile(pattern) for kind, pattern in KEYWORDS.items()}
# The words keywords start with, and the keywords each may start: a scan for plain words is ten
# times faster than one for all the patterns, which are then tried only where a word starts.
_STARTS = {"收到": ("received",), "受理": ("received",), "接收": ("received",), "新收": ("new",),
           "上年": ("carried_over",), "上一年": ("carried_over",), "结转": ("carried_forward",),
           "转入": ("carried_forward",), "办结": ("results",), "答复": ("results",),
           "予以公开": ("disclosed_and_partly", "disclosed"), "全部公开": ("disclosed_and_partly", "disclosed"),
           "部分公开": ("partly",), "不予公开": ("withheld",), "无法提供": ("unavailable",),
           "不予处理": ("not_handled",), "其他处理": ("other",),
           "行政": ("review", "lawsuit", "normative", "licensing", "penalty", "coercion", "fees"),
           **dict.fromkeys(("规范性文件", "规章", "制发", "废止", "现行有效"), ("normative",))}
_HEADS = re.compile("|".join(_STARTS))

_NUMERAL = r"[0-9０-９][0-9０-９,.．]*(?:[万亿](?!元))?|[〇零一二两三四五六七八九十百千万亿]+"
# The words between keyword and number: one clause, no digit or numeral except a year.
_FILL = r"(?:(?:19|20)\d\d年度?|[^0-9０-９〇零一二两三四五六七八九十百千万亿，,。；;！？、（）()\n])"
_TIED = re.compile(rf"(?P<fill>{_FILL}{{0,16}}?)(?P<number>{_NUMERAL})(?P<measure>万元|亿元|元|[件起宗项份个])")
_YEAR = re.compile(r"((?:19|20)\d\d)年")
_SENTENCE_ENDS = re.compile(r".*[。！？；;\n]", re.S)              # to the last one: greedy
_CLAUSE_ENDS = re.compile(r".*[，,。；;！？、：:（）()\n]", re.S)

# Words that make the number something else: a change, an estimate, another year, a subset.
_DOUBTFUL = re.compile(r"同比|较|比上|增加|增长|减少|下降|上升|去年|上年|上一年|前年|以来|累计|历年|平均|"
                       r"约|近|逾|超过|不足|第|建议|提案|咨询|留言|诉求|信访|来信|来电|热线|网民|"
                       r"自然人|企业|法人|机构|组织|网上|网络|信函|当面|邮件|传真|当场")
_APPROXIMATE_AFTER = re.compile(r"以上|左右|上下|之多|余|多")
# Before 收到/新收/办结 in the clause: a part of the applications (a channel, an applicant, a member unit).
_SUBSET_BEFORE = re.compile(r"其中|通过|网上|网络|信函|当面|自然人|企业|法人|组织|机构|本级|各|部门|乡镇|街道")
_ABOUT_APPLICATIONS = ("received", "new", "carried_over", "carried_forward", "results", "disclosed_and_partly",
                       "disclosed", "partly", "withheld", "unavailable", "not_handled", "other")


def check_text(report: Report) -> list[Problem]:
    """The warnings for numbers in the narrative that no honest reading of the tables gives."""
    narrative = report.narrative
    if narrative is None or "三" not in report.tables:
        return []
    found = []
    for section, source in narrative.sources.items():
        text = as_printed(source)          # the characters the reader sees: an import escapes < as &lt;
        for kind, keyword, passage, value, at in _quotes(report, text):
            failed = _compare(report, kind, keyword, value)
            if failed:
                line = narrative.starts.get(section, 1) + text.count("\n", 0, at)
                found.append(Problem(WARNING, narrative.file, line, f"正文说「{passage}」，{failed}", "R9"))
    return found


def _quotes(report: Report, text: str):
    """(what it reads, the keyword, the passage, the number, where) of each clear quote."""
    for kind, keyword in _keywords(text):
        quoted = _quoted(report, text, kind, keyword)
        if quoted is not None:
            yield kind, keyword.group(), *quoted, keyword.start()
    yield from _forward_after(report, text)


# 「另有1件结转至下年度办理」: the one reading with its number before the keyword (found first:
# a scan for numbers would try every character)
_FORWARD_AFTER = re.compile(r"件(?:申请)?((?:结转|转入|顺延)(?:至|到)?下一?年度?)")
_NUMBER_BEFORE = re.compile(rf"(?:{_NUMERAL})$")


def _forward_after(report: Report, text: str):
    for match in _FORWARD_AFTER.finditer(text):
        number = _NUMBER_BEFORE.search(text, max(0, match.start() - 20), match.start())
        if number is None or number.start() == match.start() - 20:
            continue         # no number, or perhaps only the end of one
        at = number.start()
        sentence = text[_start(text, at, _SENTENCE_ENDS):at]
        clause = text[_start(text, at, _CLAUSE_ENDS):at]
        if ("申请" not in sentence + match.group() or _DOUBTFUL.search(clause[-12:])
                or not _years_fit(report, "carried_forward", "", sentence, "")):
            continue
        value = parse_number(number.group())
        if value is not None:
            yield "carried_forward", match.group(1), (clause + text[at:match.end()]).strip(), value, at


def _keywords(text: str):
    """(what it reads, its match) of every keyword in the text, in order, none inside another."""
    end = 0
    for head in _HEADS.finditer(text):
        if head.start() >= end and (found := _keyword_at(text, head)):
            end = found[1].end()
            yield found


def _keyword_at(text: str, head: re.Match):
    for kind in _STARTS[head.group()]:
        match = _PATTERNS[kind].match(text, head.start())
        if match:
            return kind, match
    return None


def _has_keyword(text: str) -> bool:
    return any(_keyword_at(text, head) for head in _HEADS.finditer(text))


def _quoted(report: Report, text: str, kind: str, keyword: re.Match):
    """(the passage, the number) when the keyword clearly quotes one; else None.
    The cheap refusals first: most keywords quote nothing."""
    tied = _TIED.match(text, keyword.end())
    if tied is None or tied.group("measure") not in MEASURES.get(kind, _COUNT):
        return None
    fill, measure = tied.group("fill"), tied.group("measure")
    if _APPROXIMATE_AFTER.match(text, tied.end()) or _DOUBTFUL.search(fill) or _has_keyword(fill):
        return None
    if kind == "received" and not _APPLICATION.search(fill):
        return None
    if kind in _DECIDED and not _DECISION_FILL.fullmatch(fill):
        return None
    sentence = text[_start(text, keyword.start(), _SENTENCE_ENDS):keyword.start()]
    clause = text[_start(text, keyword.start(), _CLAUSE_ENDS):keyword.start()]
    since_number = sentence[_after_last_number(sentence):]
    if _DOUBTFUL.search(clause[-12:]) or _has_keyword(since_number):
        return None
    if not _years_fit(report, kind, keyword.group(), sentence, fill):
        return None
    context = sentence + text[keyword.start():tied.end()]
    if kind in _ABOUT_APPLICATIONS and "申请" not in context:
        return None
    if kind in ("received", "new", "results") and _SUBSET_BEFORE.search(clause):
        return None
    if kind in ("review", "lawsuit") and "信息公开" not in context:
        return None      # a 司法局 reports every review it decides; table 四 counts disclosure cases only
    value = parse_number(tied.group("number"))
    if value is None:
        return None
    if measure in ("元", "亿元"):
        value = Decimal(value) * (Decimal("0.0001") if measure == "元" else 10_000)
    return (clause + text[keyword.start():tied.end()]).strip(), value


_APPLICATION = re.compile("公开申请|申请公开|依申请")
_DECIDED = ("licensing", "penalty", "coercion", "fees")
_DECISION_FILL = re.compile(r"的?(?:处理)?(?:决定书?|案件|金额|收入|总额)?(?:数量)?(?:共计?|合计|总计)?(?:为|达)?")
_LAST_NUMBER = re.compile(r".*[0-9０-９]", re.S)


def _after_last_number(sentence: str) -> int:
    last = _LAST_NUMBER.match(sentence)
    return last.end() if last else 0


def _start(text: str, at: int, last_end: re.Pattern) -> int:
    """Where the sentence (or clause) that `at` is in starts: after the last end before it,
    within 80 characters."""
    lo = max(0, at - 80)
    last = last_end.match(text, lo, at)
    return last.end() if last else lo


def _years_fit(report: Report, kind: str, keyword: str, sentence: str, fill: str) -> bool:
    """A year said before the number must be the report's (the next one for 结转至2024年)."""
    said = _YEAR.findall(sentence)
    if said and int(said[-1]) != report.year:
        return False
    wanted = report.year + 1 if kind == "carried_forward" else report.year
    return all(int(year) == wanted for year in _YEAR.findall(fill + keyword))


# --- The cells ---------------------------------------------------------------

_T3 = {"new": "一、本年新收政府信息公开申请数量", "carried_over": "二、上年结转政府信息公开申请数量",
       "results": "（七）总计", "carried_forward": "四、结转下年度继续办理",
       "disclosed": "（一）予以公开", "partly": "（二）部分公开", "withheld": "（三）不予公开",
       "unavailable": "（四）无法提供", "not_handled": "（五）不予处理", "other": "（六）其他处理"}


def _compare(report: Report, kind: str, keyword: str, value) -> str | None:
    """None when the value is an honest reading of its cell; else what the tables say."""
    t3, t4, t2 = report.tables["三"], report.tables.get("四"), report.tables.get("二")
    if kind in ("received", "new"):
        new, both = _group(t3, "new"), _group(t3, "new") + _group(t3, "carried_over")
        if value == new or (kind == "received" and value == both):
            return None
        also = f"（也不等于新收加上年结转 {both}）" if kind == "received" else ""
        return f"表三「{_T3['new']}」总计为 {new}{also}"
    if kind in _T3:
        actual = _group(t3, "results_total" if kind == "results" else kind)
        return None if value == actual else f"表三「{_T3[kind]}」总计为 {actual}"
    if kind == "disclosed_and_partly":
        disclosed, partly = _group(t3, "disclosed"), _group(t3, "partly")
        if value == disclosed + partly:
            return None
        return f"表三「（一）予以公开」{disclosed} 加「（二）部分公开」{partly} 为 {disclosed + partly}"
    if kind == "review" and t4 is not None:
        actual = t4.number("review", "total")
        return None if value == actual else f"表四「行政复议」总计为 {actual}"
    if kind == "lawsuit" and t4 is not None:
        direct, after = t4.number("direct", "total"), t4.number("after_review", "total")
        if value == direct + after:
            return None
        return f"表四「行政诉讼」总计为 {direct + after}（未经复议直接起诉 {direct} 加复议后起诉 {after}）"
    if t2 is None or t2.form is not TABLE2:
        return None                  # the trial format's table 2 counts other things
    return _compare_table2(t2, kind, keyword, value)


def _compare_table2(t2: Table, kind: str, keyword: str, value) -> str | None:
    if kind == "normative":
        row, label = ("rules", "规章") if "规章" in keyword else ("normative", "行政规范性文件")
        column, column_label = next((c, l) for word, c, l in (("制发", "issued", "本年制发件数"),
                                                              ("废止", "repealed", "本年废止件数"),
                                                              ("现行有效", "in_force", "现行有效件数"))
                                    if word in keyword)
    elif kind == "fees":
        row, label, column, column_label = "fees", "行政事业性收费", "amount", "本年收费金额（单位：万元）"
    else:
        row, label, column, column_label = kind, KEYWORDS[kind], "decisions", "本年处理决定数量"  # 行政许可 …
    if not t2.has_row(row) or t2.value(row, column) is None:
        return None
    actual = t2.number(row, column)
    if kind == "fees" and _rounds_to(actual, value):
        return None
    if value == actual:
        return None
    return f"表二「{label}」行「{column_label}」为 {actual}"


def _rounds_to(actual, said) -> bool:
    """An amount written with fewer decimals (9116万元 for 9116.36) is the honest rounding."""
    try:
        said = Decimal(said)
        step = Decimal(1).scaleb(said.as_tuple().exponent)
        return abs(Decimal(actual) - said) <= step / 2
    except InvalidOperation:
        return False


def _group(table: Table, group_id: str):
    """The 总计 column of a row, or the sum of a group's rows (（三）不予公开: its 1-8)."""
    key = (id(table.form), group_id)       # by id: hashing a frozen form hashes all its rows
    if key not in _ROWS_OF:
        _ROWS_OF[key] = tuple(row.id for row, parents in table.form.rows()
                              if row.id == group_id or any(parent.id == group_id for parent in parents))
    return sum(table.number(row_id, "total") for row_id in _ROWS_OF[key] if table.has_row(row_id))


_ROWS_OF: dict[tuple[int, str], tuple[str, ...]] = {}    # the forms are module constants: ids stay theirs
