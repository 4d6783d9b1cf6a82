"""The official report formats as data.

Everything that knows an official label lives here: the six section headings,
the rows and columns of tables 2, 3 and 4, and the tolerant matching of the
labels editors type (full- or half-width brackets, 1. or 1、, a short prefix).
The loader, the checks and the templates all read this one description.

Three generations of reports (see ../shared/FORMAT.md):
- 2021: 国办公开办函〔2021〕30号, reports for 2021 onwards;
- 2019试行: the trial format of 国办公开办函〔2019〕60号 (2019 and 2020): another
  table 2, and （六）其他处理 as one row of table 3;
- 自由格式: reports before 2019, free text with no tables.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Iterator, Union

FORMAT_2021 = "2021"
FORMAT_2019 = "2019试行"
FORMAT_FREE = "自由格式"
SUPPORTED_FORMATS = (FORMAT_2021, FORMAT_2019, FORMAT_FREE)

SECTIONS = (
    ("一", "一、总体情况"),
    ("二", "二、主动公开政府信息情况"),
    ("三", "三、收到和处理政府信息公开申请情况"),
    ("四", "四、政府信息公开行政复议、行政诉讼情况"),
    ("五", "五、存在的主要问题及改进情况"),
    ("六", "六、其他需要报告的事项"),
)
SECTION_HEADINGS = dict(SECTIONS)
NARRATIVE_SECTIONS = ("一", "五", "六")   # written by the editor
TABLE_SECTIONS = ("二", "三", "四")       # generated from the data file


@dataclass(frozen=True)
class Column:
    id: str
    label: str
    amount: bool = False     # a decimal amount in 万元 rather than a count
    total: bool = False      # may be left out of the data and is then computed
    signed: bool = False     # may be negative (本年增/减 of the 2019 trial format)


@dataclass(frozen=True)
class Row:
    id: str
    label: str
    columns: tuple[Column, ...]
    optional: bool = False   # may be absent from a published report (规章)
    total: bool = False      # the （七）总计 row: may be left out, then computed

    @functools.cached_property
    def keys(self) -> tuple[tuple[str, str], ...]:
        """(row id, column id) of each of its cells, in column order."""
        return tuple((self.id, column.id) for column in self.columns)


@dataclass(frozen=True)
class Group:
    id: str
    label: str
    children: tuple["Node", ...]

    @functools.cached_property
    def labels(self) -> tuple[str, ...]:
        """The children's labels, in order (asked for on every report read)."""
        return tuple(child.label for child in self.children)


Node = Union[Row, Group]


@dataclass(frozen=True)
class TableForm:
    number: str              # 二 / 三 / 四
    root: Group

    def __post_init__(self):
        # The form never changes, and its rows are asked for thousands of times a build.
        object.__setattr__(self, "_rows", tuple(_rows(self.root, ())))
        object.__setattr__(self, "_by_id", {row.id: (row, parents) for row, parents in self._rows})

    @property
    def heading(self) -> str:
        return SECTION_HEADINGS[self.number]

    def rows(self) -> tuple[tuple[Row, tuple[Group, ...]], ...]:
        """Every row in official order, with the groups it sits in."""
        return self._rows

    def find(self, row_id: str) -> tuple[Row, tuple[Group, ...]]:
        """One row by id, with the groups it sits in (a check of R3 asks for a row five times a report)."""
        return self._by_id[row_id]


def _rows(group: Group, parents: tuple[Group, ...]) -> Iterator[tuple[Row, tuple[Group, ...]]]:
    for child in group.children:
        if isinstance(child, Row):
            yield child, parents
        else:
            yield from _rows(child, parents + (child,))


# --- Table 2: 主动公开政府信息情况 -------------------------------------------

_ISSUED = (Column("issued", "本年制发件数"), Column("repealed", "本年废止件数"),
           Column("in_force", "现行有效件数"))
_DECISIONS = (Column("decisions", "本年处理决定数量"),)
_FEES = (Column("amount", "本年收费金额（单位：万元）", amount=True),)

TABLE2 = TableForm("二", Group("table2", SECTION_HEADINGS["二"], (
    Group("item1", "第二十条第（一）项", (
        Row("rules", "规章", _ISSUED, optional=True),
        Row("normative", "行政规范性文件", _ISSUED),
    )),
    Group("item5", "第二十条第（五）项", (
        Row("licensing", "行政许可", _DECISIONS),
    )),
    Group("item6", "第二十条第（六）项", (
        Row("penalty", "行政处罚", _DECISIONS),
        Row("coercion", "行政强制", _DECISIONS),
    )),
    Group("item8", "第二十条第（八）项", (
        Row("fees", "行政事业性收费", _FEES),
    )),
)))
TABLE2_CONTENT_LABEL = "信息内容"

# --- Table 3: 收到和处理政府信息公开申请情况 ---------------------------------

APPLICANT_COLUMNS = (
    Column("natural", "自然人"),
    Column("business", "商业企业"),
    Column("research", "科研机构"),
    Column("welfare", "社会公益组织"),
    Column("legal", "法律服务机构"),
    Column("other", "其他"),
    Column("total", "总计", total=True),
)
APPLICANTS = "申请人情况"
LEGAL_PERSONS = "法人或其他组织"
TABLE3_CORNER = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


def _r3(id_: str, label: str, **kw) -> Row:
    return Row(id_, label, APPLICANT_COLUMNS, **kw)


TABLE3 = TableForm("三", Group("table3", SECTION_HEADINGS["三"], (
    _r3("new", "一、本年新收政府信息公开申请数量"),
    _r3("carried_over", "二、上年结转政府信息公开申请数量"),
    Group("results", "三、本年度办理结果", (
        _r3("disclosed", "（一）予以公开"),
        _r3("partly", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
        Group("withheld", "（三）不予公开", (
            _r3("withheld_1", "1.属于国家秘密"),
            _r3("withheld_2", "2.其他法律行政法规禁止公开"),
            _r3("withheld_3", "3.危及“三安全一稳定”"),
            _r3("withheld_4", "4.保护第三方合法权益"),
            _r3("withheld_5", "5.属于三类内部事务信息"),
            _r3("withheld_6", "6.属于四类过程性信息"),
            _r3("withheld_7", "7.属于行政执法案卷"),
            _r3("withheld_8", "8.属于行政查询事项"),
        )),
        Group("unavailable", "（四）无法提供", (
            _r3("unavailable_1", "1.本机关不掌握相关政府信息"),
            _r3("unavailable_2", "2.没有现成信息需要另行制作"),
            _r3("unavailable_3", "3.补正后申请内容仍不明确"),
        )),
        Group("not_handled", "（五）不予处理", (
            _r3("not_handled_1", "1.信访举报投诉类申请"),
            _r3("not_handled_2", "2.重复申请"),
            _r3("not_handled_3", "3.要求提供公开出版物"),
            _r3("not_handled_4", "4.无正当理由大量反复申请"),
            _r3("not_handled_5", "5.要求行政机关确认或重新出具已获取信息"),
        )),
        Group("other", "（六）其他处理", (
            _r3("other_1", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
            _r3("other_2", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
            _r3("other_3", "3.其他"),
        )),
        _r3("results_total", "（七）总计", total=True),
    )),
    _r3("carried_forward", "四、结转下年度继续办理"),
)))

# --- Table 4: 政府信息公开行政复议、行政诉讼情况 -----------------------------

OUTCOME_COLUMNS = (
    Column("upheld", "结果维持"),
    Column("corrected", "结果纠正"),
    Column("other", "其他结果"),
    Column("pending", "尚未审结"),
    Column("total", "总计", total=True),
)

TABLE4 = TableForm("四", Group("table4", SECTION_HEADINGS["四"], (
    Row("review", "行政复议", OUTCOME_COLUMNS),
    Group("lawsuit", "行政诉讼", (
        Row("direct", "未经复议直接起诉", OUTCOME_COLUMNS),
        Row("after_review", "复议后起诉", OUTCOME_COLUMNS),
    )),
)))

# --- The 2019 trial format (国办公开办函〔2019〕60号) ---------------------------

_MADE = (Column("made", "本年新制作数量"), Column("published", "本年新公开数量"),
         Column("public_total", "对外公开总数量"))
_ITEMS = (Column("previous", "上一年项目数量"), Column("change", "本年增/减", signed=True),
          Column("decisions", "处理决定数量"))
_FEE_ITEMS = (Column("previous", "上一年项目数量"), Column("change", "本年增/减", signed=True))
_PROCUREMENT = (Column("projects", "采购项目数量"), Column("amount", "采购总金额", amount=True))

TABLE2_2019 = TableForm("二", Group("table2", SECTION_HEADINGS["二"], (
    Group("item1", "第二十条第（一）项", (
        Row("rules", "规章", _MADE, optional=True),
        Row("normative", "规范性文件", _MADE),
    )),
    Group("item5", "第二十条第（五）项", (
        Row("licensing", "行政许可", _ITEMS),
        Row("other_services", "其他对外管理服务事项", _ITEMS, optional=True),
    )),
    Group("item6", "第二十条第（六）项", (
        Row("penalty", "行政处罚", _ITEMS),
        Row("coercion", "行政强制", _ITEMS),
    )),
    Group("item8", "第二十条第（八）项", (
        Row("fees", "行政事业性收费", _FEE_ITEMS),
    )),
    Group("item9", "第二十条第（九）项", (
        Row("procurement", "政府集中采购", _PROCUREMENT),
    )),
)))


def _single_other(group: Group) -> Group:
    """Table 3 with （六）其他处理 as one row: the trial format, and some 2021-format reports."""
    children = tuple(_r3("other", "（六）其他处理") if isinstance(child, Group) and child.id == "other"
                     else _single_other(child) if isinstance(child, Group) else child
                     for child in group.children)
    return Group(group.id, group.label, children)


TABLE3_SINGLE_OTHER = TableForm("三", _single_other(TABLE3.root))

TABLES = (TABLE2, TABLE3, TABLE4)
TABLE_BY_NUMBER = {t.number: t for t in TABLES}
FORMS = {
    FORMAT_2021: TABLES,
    FORMAT_2019: (TABLE2_2019, TABLE3_SINGLE_OTHER, TABLE4),
    FORMAT_FREE: (),
}
FORMAT_NAMES = {FORMAT_2021: "国办公开办函〔2021〕30号", FORMAT_2019: "国办公开办函〔2019〕60号（试行）",
                FORMAT_FREE: "2019年以前的自由格式（无统计表）"}


# --- Tolerant label matching -------------------------------------------------

_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "、": ".", "：": ":"})
_NUMBER_PREFIX = re.compile(r"^(?:\([一二三四五六七八九十]+\)|[一二三四五六七八九十]+\.|[0-9]+\.)")


@functools.lru_cache(maxsize=4096)
def _normalize(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return re.sub(r"\s+", "", folded).rstrip(":")


def normalize_label(text: object) -> str:
    """Fold the differences that do not matter: width, spaces, 、 vs ., quotes."""
    return _normalize(str(text))


@functools.lru_cache(maxsize=1024)
def _label_forms(label: str) -> tuple[str, str]:
    full = normalize_label(label)
    return full, _NUMBER_PREFIX.sub("", full)


def match_label(key: object, labels: tuple[str, ...]) -> str | None:
    """The one official label that `key` names, or None.

    A key names a label when it equals it, equals it without its number
    (「予以公开」), or is a prefix of either that no other label shares
    (「一、本年新收」, 「（二）部分公开」, 「1」).
    """
    return _match_label(str(key), tuple(labels))


@functools.lru_cache(maxsize=4096)   # every report writes the same few hundred keys
def _match_label(key: str, labels: tuple[str, ...]) -> str | None:
    wanted = normalize_label(key)
    if not wanted:
        return None
    forms = {label: _label_forms(label) for label in labels}
    exact = [label for label, (full, text) in forms.items() if wanted in (full, text)]
    if len(exact) == 1:
        return exact[0]
    prefixed = [label for label, (full, text) in forms.items()
                if full.startswith(wanted) or text.startswith(wanted)]
    return prefixed[0] if len(prefixed) == 1 else None


def suggest_label(key: object, labels: list[str]) -> str | None:
    """A did-you-mean for a misspelt label."""
    by_form = {}
    for label in labels:
        for form in _label_forms(label):
            by_form.setdefault(form, label)
    close = difflib.get_close_matches(normalize_label(key), list(by_form), n=1, cutoff=0.4)
    return by_form[close[0]] if close else None
