"""Unit tests for the low-level readers: bytes -> text -> YAML -> field values.

- generator.inputs.source: read_text (encodings, size limit), parse_yaml (line numbers,
  exact numbers, refusals, syntax-error hints) and Document.
- generator.inputs.fields: number(), date(), boolean(), choice() and read_fields().
- generator.core.form: normalize_label, match_label and suggest_label.

Both PyYAML parsers (C and pure Python) are exercised: they word errors differently.
"""

from __future__ import annotations

import datetime
import time
from decimal import Decimal

import pytest
import yaml

from generator.core import form
from generator.inputs import fields, source, yamlfull
from generator.inputs.document import Document, Refused
from generator.inputs.fields import FieldError
from generator.inputs.source import parse_yaml, read_text
from generator.problems import ERROR, WARNING, Problems

REL = "content/reports/x/2023.yaml"


# --- helpers -----------------------------------------------------------------

def read_bytes(tmp_path, data: bytes) -> tuple[str | None, Problems]:
    path = tmp_path / "data.yaml"
    path.write_bytes(data)
    problems = Problems()
    return read_text(path, REL, problems), problems


def parse(text: str) -> tuple[Document | None, Problems]:
    problems = Problems()
    return parse_yaml(text, REL, problems), problems


def only_error(problems: Problems):
    """The single problem, which must be an error for REL."""
    assert len(problems.items) == 1, problems.items
    problem = problems.items[0]
    assert problem.level == ERROR and problem.file == REL
    return problem


def number_error(value, **kw) -> str:
    with pytest.raises(FieldError) as caught:
        fields.number(value, **kw)
    return str(caught.value)


def child(group: form.Group, id_: str) -> form.Group:
    return next(c for c in group.children if c.id == id_)


RESULTS = child(form.TABLE3.root, "results")
RESULT_LABELS = [c.label for c in RESULTS.children]                       # （一）…（七）
WITHHELD_LABELS = [c.label for c in child(RESULTS, "withheld").children]  # 1.…8.


# --- read_text ---------------------------------------------------------------

def test_utf8_bom_and_crlf_are_read_silently(tmp_path):
    text, problems = read_bytes(tmp_path, "\ufeff名称: 花街镇\r\n年度: 2023\r\n旧行尾\r".encode("utf-8"))
    assert text == "名称: 花街镇\n年度: 2023\n旧行尾\n"
    assert "\r" not in text and "\ufeff" not in text
    assert problems.items == []


def test_gbk_file_is_decoded_with_one_encoding_warning(tmp_path):
    original = "名称: 花街镇人民政府\n收费金额: 7730.28\n"
    text, problems = read_bytes(tmp_path, original.encode("gbk"))
    assert text == original
    assert len(problems.items) == 1
    warning = problems.items[0]
    assert (warning.level, warning.file, warning.line, warning.rule) == (WARNING, REL, None, "encoding")
    assert "GBK" in warning.message and "UTF-8" in warning.message


def test_undecodable_bytes_give_one_encoding_error_on_their_line(tmp_path):
    bad = b"\x80\xff\xfe\x81\x30"
    for codec in ("utf-8", "gb18030"):
        with pytest.raises(UnicodeDecodeError):
            bad.decode(codec)
    text, problems = read_bytes(tmp_path, b"a: 1\r\nb: 2\nc: " + bad + b"\n")
    assert text is None
    error = only_error(problems)
    assert error.rule == "encoding"
    assert error.line == 3
    assert "编码无法识别" in error.message and "UTF-8" in error.message


def test_file_over_size_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(source, "MAX_FILE_BYTES", 2048)
    text, problems = read_bytes(tmp_path, b"a: 1\n" * 1000)   # 5000 bytes
    assert text is None
    error = only_error(problems)
    assert error.line is None
    assert "文件过大" in error.message and "4 KB" in error.message and "上限 2 KB" in error.message


def test_file_exactly_at_size_limit_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(source, "MAX_FILE_BYTES", 10)
    text, problems = read_bytes(tmp_path, b"a: 123456\n")
    assert text == "a: 123456\n"
    assert problems.items == []


def test_missing_file_gives_read_error(tmp_path):
    problems = Problems()
    assert read_text(tmp_path / "nope.yaml", REL, problems) is None
    error = only_error(problems)
    assert error.line is None and "无法读取文件" in error.message


# --- parse_yaml: values and lines --------------------------------------------

SAMPLE = """\
# 注释行
名称: 花街镇
列表:
  - 1
  - a: 2
    b: 3
  -
    - 7
收费: 7730.28
精确: 5949.088667
尾零: 12.50
日期: 2024-01-19
午夜: 2024-01-19 00:00:00
代码: 001008003
排序: 012
"""


@pytest.fixture(scope="module")
def sample() -> Document:
    doc, problems = parse(SAMPLE)
    assert problems.items == []
    return doc


@pytest.mark.parametrize("path, line", [
    ((), 2),
    (("名称",), 2),
    (("列表",), 3),
    (("列表", 0), 4),
    (("列表", 1), 5),
    (("列表", 1, "b"), 6),
    (("列表", 2), 8),
    (("列表", 2, 0), 8),
    (("收费",), 9),
    (("排序",), 15),
])
def test_line_of_keys_and_items(sample, path, line):
    assert sample.line(path) == line


def test_line_falls_back_to_nearest_ancestor(sample):
    assert sample.line(("列表", 1, "没有这项")) == 5
    assert sample.line(("没有这项", 3)) == 2       # the root's line


def test_plain_values(sample):
    assert sample.data["名称"] == "花街镇"
    assert sample.data["列表"] == [1, {"a": 2, "b": 3}, [7]]


def test_leading_zero_integer_is_decimal_not_octal(sample):
    assert sample.data["排序"] == 12
    assert type(sample.data["排序"]) is int


@pytest.mark.parametrize("key, written", [("收费", "7730.28"), ("精确", "5949.088667"), ("尾零", "12.50")])
def test_decimal_keeps_the_exact_digits(sample, key, written):
    value = sample.data[key]
    assert isinstance(value, Decimal)
    assert value == Decimal(written) and str(value) == written


def test_dates_are_plain_dates(sample):
    for key in ("日期", "午夜"):
        assert sample.data[key] == datetime.date(2024, 1, 19)
        assert type(sample.data[key]) is datetime.date


def test_text_keeps_leading_zeros_of_unquoted_number(sample):
    assert sample.text(("代码",)) == "001008003"
    assert sample.text(("排序",)) == "012"
    assert sample.text(("收费",)) == "7730.28"
    assert sample.text(("列表",)) is None          # not a scalar


@pytest.mark.parametrize("written, value", [("07", 7), ("08", 8), ("09", 9), ("019", 19)])
def test_every_leading_zero_integer_is_an_int(written, value):
    doc, problems = parse(f"排序: {written}\n")
    assert problems.items == []
    assert doc.data == {"排序": value}


@pytest.mark.parametrize("text", ["", "# 只有注释\n", "\n\n"])
def test_empty_document(text):
    doc, problems = parse(text)
    assert isinstance(doc, Document)
    assert doc.data is None
    assert problems.items == []


# --- parse_yaml: refusals ----------------------------------------------------

def test_duplicate_key_names_first_line():
    doc, problems = parse("a: 1\nb:\n  c: 2\n  d: 3\n  c: 4\n")
    assert doc is None
    error = only_error(problems)
    assert error.rule == "yaml" and error.line == 5
    assert "「c」重复出现" in error.message and "第一次在第 3 行" in error.message


def test_alias_is_refused():
    doc, problems = parse("a: &x [1]\nb: *x\n")
    assert doc is None
    error = only_error(problems)
    assert error.rule == "yaml"
    assert "不支持 YAML 别名" in error.message


def test_alias_error_points_at_the_alias():
    doc, problems = parse("a: &x 1\nb: 2\nc: *x\n")
    assert doc is None
    assert only_error(problems).line == 3


def test_billion_laughs_is_refused_quickly():
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    started = time.perf_counter()
    doc, problems = parse("\n".join(lines) + "\n")
    assert time.perf_counter() - started < 1.0
    assert doc is None
    assert "不支持 YAML 别名" in only_error(problems).message


def test_merge_key_is_refused():
    doc, problems = parse("base: {a: 1}\nb:\n  <<: {a: 2}\n")
    assert doc is None
    error = only_error(problems)
    assert error.line == 3 and "合并键" in error.message


def test_non_scalar_key_is_refused():
    doc, problems = parse("? [a, b]\n: 1\n")
    assert doc is None
    assert "键名必须是简单文字" in only_error(problems).message


def test_local_custom_tag_on_scalar_is_refused():
    doc, problems = parse("a: 1\nb: !foo x\n")
    assert doc is None
    error = only_error(problems)
    assert error.line == 2 and "不支持 YAML 标签 !foo" in error.message


@pytest.mark.parametrize("text", [
    "a: !!python/object:os.system ls\n",
    "a: !!python/object/apply:os.system [ls]\n",
    "a: !foo {b: 1}\n",
])
def test_custom_tags_are_refused(text):
    doc, problems = parse(text)
    assert doc is None
    assert "标签" in only_error(problems).message


# --- parse_yaml: syntax errors, under both PyYAML loaders -----------------------

LOADERS = [("pure", yaml.SafeLoader)]
if getattr(yaml, "CSafeLoader", None):
    LOADERS.append(("libyaml", yaml.CSafeLoader))

SYNTAX_ERRORS = [   # name, text, line, words the Chinese hint must contain
    ("tab", "a:\n\tb: 1\n", 2, "制表符"),
    ("unclosed-quote", 'a: 1\nb: "abc\nc: 1\n', 2, "未闭合的引号"),   # where the quote opened
    ("colon", "a: 1\n  b: 2\n", 2, "冒号"),
    ("bracket", "a: 1\nb: [1, 2\n", 2, "方括号"),
    ("brace", "a: 1\nb: {c: 1\n", 2, "花括号"),
    ("indent", "a:\n  b: 1\n c: 2\n", 3, "缩进不对齐"),
]
def syntax_params():
    for name, text, line, hint in SYNTAX_ERRORS:
        for loader_name, loader in LOADERS:
            yield pytest.param(loader, text, line, hint, id=f"{name}-{loader_name}")


@pytest.mark.parametrize("loader, text, line, hint", list(syntax_params()))
def test_syntax_error_line(monkeypatch, loader, text, line, hint):
    monkeypatch.setattr(yamlfull, "_Loader", loader)
    doc, problems = parse(text)
    assert doc is None
    error = only_error(problems)
    assert error.rule == "yaml" and error.line == line
    assert error.message.startswith("YAML 语法错误（第 ")


@pytest.mark.parametrize("loader, text, line, hint", list(syntax_params()))
def test_syntax_error_hint(monkeypatch, loader, text, line, hint):
    monkeypatch.setattr(yamlfull, "_Loader", loader)
    doc, problems = parse(text)
    assert hint in only_error(problems).message


@pytest.mark.parametrize("loader", [loader for _, loader in LOADERS])
@pytest.mark.parametrize("text, line, hint", [
    ("发布日期: 2024-01-19\n成文日期：2024-01-18\n索引号: x\n", 2, "用了中文冒号「：」：请改为英文冒号「:」，后面再加一个空格"),
    ("表:\n  行政处罚: 1\n  行政强制:61\n  行政许可: 0\n", 3, "冒号后面要有一个空格，如「行政强制: 61」"),
])
def test_colon_mistakes_of_chinese_input_name_their_line(monkeypatch, loader, text, line, hint):
    monkeypatch.setattr(yamlfull, "_Loader", loader)
    doc, problems = parse(text)
    assert doc is None
    error = only_error(problems)
    assert (error.line, error.message) == (line, f"YAML 语法错误：{hint}")


def test_tab_indentation_line_with_the_loader_in_use():
    doc, problems = parse("年度: 2023\n表格:\n\t行政许可: 5\n")
    assert doc is None
    assert only_error(problems).line == 3


def test_tab_indentation_hint_with_the_loader_in_use():
    """As test_syntax_error_hint[tab-*], with whichever loader yamlfull.py picked."""
    doc, problems = parse("年度: 2023\n表格:\n\t行政许可: 5\n")
    assert "制表符" in only_error(problems).message


@pytest.mark.parametrize("loader", [loader for _, loader in LOADERS])
@pytest.mark.parametrize("nested, line", [
    ("[" * 520 + "]" * 520, 3), ("{a: " * 990 + "1" + "}" * 990, 3), ("[" * 5000, 3),
    ("".join(f"\n{' ' * (2 + 2 * n)}k{n}:" for n in range(1, 120)) + " 1", 3 + 64),   # 表, 行政处罚, k1 ... k64
])
def test_nesting_beyond_a_sane_depth_is_refused_at_its_line(monkeypatch, loader, nested, line):
    """520 nested [ ran Python out of stack (an internal error); a data file nests 5 deep."""
    monkeypatch.setattr(yamlfull, "_Loader", loader)
    doc, problems = parse(f"发布日期: 2024-01-19\n表:\n  行政处罚: {nested}\n")
    assert doc is None
    error = only_error(problems)
    assert error.line == line and "嵌套层次太深" in error.message and "请检查是否误输入了大量括号" in error.message


def test_a_number_longer_than_python_converts_is_text_for_the_field_to_refuse():
    """Python converts at most 4,300 digits to an int: the readers leave a longer run as text
    (both paths alike), and fields.number says it is too large."""
    for text in (f"a: {'9' * 5000}\n", f"a: [{'9' * 5000}, 1]\n", f"a: !!str x\nb: {'9' * 5000}\n"):
        doc, problems = parse(text)
        assert not problems.items
        value = doc.data["a"] if "!!" not in text else doc.data["b"]
        value = value[0] if isinstance(value, list) else value
        assert value == "9" * 5000
        assert "过大：件数不能超过 1000000000" in number_error(value, amount=False)
    assert fields.number("0" * 5000 + "7", amount=False) == 7


@pytest.mark.parametrize("value, amount, refused", [
    (10 ** 9, False, False), (10 ** 9 + 1, False, True), ("1000000001", False, True),
    (10 ** 12, True, False), (Decimal("1000000000000.01"), True, True), (-10 ** 12 - 1, True, True),
])
def test_counts_and_amounts_have_a_sensible_maximum(value, amount, refused):
    if refused:
        limit = "件数不能超过 1000000000" if not amount else "金额（万元）不能超过 1000000000000"
        assert f"过大：{limit}，请检查是否多输入了数字" in number_error(value, amount=amount, signed=True)
    else:
        assert fields.number(value, amount=amount) == value


@pytest.mark.parametrize("text", ["!!timestamp x", "!!bool x", "!!timestamp 2024-13-45"])
def test_an_explicit_tag_on_a_value_it_does_not_fit_is_text_for_the_field_to_judge(text):
    """Found by a fuzz of site.yaml: `!!timestamp x` and `!!bool x` were internal errors."""
    doc, problems = parse(f"发布日期: {text}\n")
    assert not problems.items and doc.data == {"发布日期": text.split(" ", 1)[1]}


@pytest.mark.parametrize("char", list("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
                                      "\u200b\u200c\u200d\u2060\ufeff"))
def test_every_bidi_control_and_zero_width_character_is_named_with_its_position(char):
    found = fields.invisible_character(f"花街镇{char}人民政府")
    assert found.startswith("第 4 个字符是不可见的") and found.endswith(f" U+{ord(char):04X}，请删除")
    assert fields.visible(f"花街镇{char}人民政府") == "花街镇人民政府"
    assert fields.invisible_character("花街镇人民政府（一）、·—") is None


# --- fields.number -----------------------------------------------------------

@pytest.mark.parametrize("value, amount, expected", [
    (6, False, 6),
    (0, False, 0),
    (None, False, None),
    ("6", False, 6),
    (" 6 ", False, 6),
    ("", False, None),
    ("  ", True, None),
    ("6.5", True, Decimal("6.5")),
    (Decimal("5949.088667"), True, Decimal("5949.088667")),
])
def test_number_accepts(value, amount, expected):
    result = fields.number(value, amount=amount)
    assert result == expected and type(result) is type(expected)


def test_number_keeps_amount_digits_unchanged():
    assert str(fields.number(Decimal("12.50"), amount=True)) == "12.50"


def test_number_blank_is_distinct_from_zero():
    assert fields.number(None, amount=False) is None
    assert fields.number(0, amount=False) == 0


@pytest.mark.parametrize("value", [True, False])
def test_number_refuses_booleans(value):
    assert f"实为 {str(value).lower()}" in number_error(value, amount=False)


@pytest.mark.parametrize("value, amount", [(-1, False), ("-3", False), (Decimal("-0.5"), True)])
def test_number_refuses_negatives(value, amount):
    assert "负数" in number_error(value, amount=amount)


def test_number_refuses_fraction_for_count():
    message = number_error(Decimal("6.5"), amount=False)
    assert "件数应为整数" in message and "6.5" in message


def test_number_suggests_integer_for_whole_decimal_count():
    assert "请写 6，不要写 6.0" in number_error(Decimal("6.0"), amount=False)


def test_number_wants_arabic_digits():
    message = number_error("六", amount=False)
    assert "阿拉伯数字" in message and "「六」" in message


@pytest.mark.parametrize("written, digits", [("6件", "6"), ("12 个", "12"), ("3.5万元", "3.5")])
def test_number_suggests_dropping_the_unit(written, digits):
    message = number_error(written, amount=False)
    assert "不要带单位" in message and f"请写作 {digits}" in message


def test_number_refuses_thousands_separator():
    message = number_error("7,730.28", amount=True)
    assert "千位分隔符" in message and "请写作 7730.28" in message


@pytest.mark.parametrize("value", [[1, 2], {"a": 1}])
def test_number_refuses_lists_and_mappings(value):
    assert "不能是列表" in number_error(value, amount=False)


def test_number_refuses_other_text():
    assert "不是数字" in number_error("abc", amount=True)


# --- fields.date, boolean, choice ---------------------------------------------

@pytest.mark.parametrize("value", [
    "2024-01-19", "2024/1/19", "2024年1月19日", "2024.1.19", " 2024-1-19 ",
    datetime.date(2024, 1, 19), datetime.datetime(2024, 1, 19, 8, 30),
])
def test_date_forms(value):
    result = fields.date(value, None)
    assert result == datetime.date(2024, 1, 19) and type(result) is datetime.date


def test_date_blank_is_none():
    assert fields.date(None, None) is None


@pytest.mark.parametrize("written", ["2024-13-40", "19/1/2024", "明年"])
def test_date_refuses(written):
    with pytest.raises(FieldError) as caught:
        fields.date(written, None)
    assert f"不是有效日期：「{written}」" in str(caught.value)
    assert "2024-01-19" in str(caught.value)


def test_a_date_in_its_form_that_does_not_exist_is_not_told_to_take_that_form():
    with pytest.raises(FieldError) as caught:
        fields.date("2024-02-30", None)
    assert str(caught.value) == "「2024-02-30」这一天不存在：2024 年 2 月只有 29 天，请核对日期"


@pytest.mark.parametrize("value, expected", [(True, True), (False, False), ("是", True), ("否", False)])
def test_boolean(value, expected):
    assert fields.boolean(value, None) is expected


def test_boolean_refusal_shows_source_text():
    with pytest.raises(FieldError) as caught:
        fields.boolean(1, "1")
    assert "true 或 false" in str(caught.value) and "实为「1」" in str(caught.value)


def test_choice_folds_width_and_spaces():
    parse_kind = fields.choice({"乡镇（街道）": "town", "政府部门": "department"})
    assert parse_kind("乡镇(街道)", None) == "town"
    assert parse_kind(" 政府 部门 ", None) == "department"
    with pytest.raises(FieldError) as caught:
        parse_kind("省级", None)
    assert "应为 乡镇（街道）、政府部门 之一" in str(caught.value) and "「省级」" in str(caught.value)


# --- fields.read_fields --------------------------------------------------------

UNIT = (
    fields.Field("name", "名称", fields.text, required=True, hint="如：花街镇人民政府"),
    fields.Field("code", "组织机构代码", fields.text),
    fields.Field("demo", "演示", fields.boolean, default=False),
    fields.Field("order", "排序", fields.integer, default=1000),
)


def read_unit(text: str) -> tuple[dict, Problems]:
    doc, problems = parse(text)
    assert problems.items == []
    values = fields.read_fields(doc, doc.data["单位"], ("单位",), UNIT, problems, "单位名录")
    return values, problems


def test_read_fields_by_chinese_key_or_english_id():
    values, problems = read_unit("单位:\n  名称: 花街镇\n  code: 001008003\n  演示: 是\n")
    assert problems.items == []
    assert values == {"name": "花街镇", "code": "001008003", "demo": True, "order": 1000}


def test_read_fields_unknown_key_did_you_mean():
    values, problems = read_unit("单位:\n  名称: 花街镇\n  名字: 另一个\n")
    error = only_error(problems)
    assert (error.line, error.rule) == (3, "名字")
    assert "单位名录中没有「名字」这一项" in error.message and "是否想写「名称」" in error.message
    assert values["name"] == "花街镇"


def test_read_fields_misspelt_required_key_is_reported_once():
    values, problems = read_unit("单位:\n  名字: 花街镇\n")
    error = only_error(problems)          # no second 「缺少「名称」」 error
    assert error.line == 2 and "是否想写「名称」" in error.message
    assert values["name"] is None


def test_read_fields_unknown_key_lists_fields_when_nothing_is_close():
    _, problems = read_unit("单位:\n  名称: 花街镇\n  xyz: 1\n")
    assert "可用的项目有：名称、组织机构代码、演示、排序" in only_error(problems).message


def test_read_fields_same_field_twice():
    values, problems = read_unit("单位:\n  名称: 花街镇\n  name: 柳镇\n")
    error = only_error(problems)
    assert (error.line, error.rule) == (3, "name")
    assert "「名称」写了两次" in error.message
    assert values["name"] == "花街镇"


def test_read_fields_missing_required():
    values, problems = read_unit("# 名录\n单位:\n  排序: 3\n")
    error = only_error(problems)
    assert (error.line, error.rule) == (2, "name")
    assert error.message == "单位名录缺少「名称」，如：花街镇人民政府"
    assert values == {"name": None, "code": None, "demo": False, "order": 3}


def test_read_fields_bad_value_reports_its_line_and_uses_default():
    values, problems = read_unit("单位:\n  名称: 花街镇\n  排序: 第一\n")
    error = only_error(problems)
    assert (error.line, error.rule) == (3, "order")
    assert error.message == "「排序」应为整数，实为「第一」"
    assert values["order"] == 1000


# --- form labels ----------------------------------------------------------------

@pytest.mark.parametrize("written, normal", [
    (" （二） 部分公开：", "(二)部分公开"),
    ("1、属于国家秘密", "1.属于国家秘密"),
    ("3.危及“三安全一稳定”", '3.危及"三安全一稳定"'),
    (12, "12"),
])
def test_normalize_label(written, normal):
    assert form.normalize_label(written) == normal


def test_half_width_brackets_prefix_matches_official_label():
    assert form.match_label("(二)部分公开", RESULT_LABELS) == "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"


@pytest.mark.parametrize("written", ["1、属于国家秘密", "1.属于国家秘密", "1", "属于国家秘密", "1. 属于国家秘密"])
def test_withheld_row_forms_match(written):
    assert form.match_label(written, WITHHELD_LABELS) == "1.属于国家秘密"


def test_label_without_number_matches():
    assert form.match_label("予以公开", RESULT_LABELS) == "（一）予以公开"
    assert form.match_label("总计", RESULT_LABELS) == "（七）总计"


@pytest.mark.parametrize("written", ["属于", "（", "", "   ", "不存在的行"])
def test_ambiguous_or_unknown_label_is_none(written):
    assert form.match_label(written, WITHHELD_LABELS) is None


def test_suggest_label():
    assert form.suggest_label("予以公开了", RESULT_LABELS) == "（一）予以公开"
    assert form.suggest_label("属于国家机密", WITHHELD_LABELS) == "1.属于国家秘密"
    assert form.suggest_label("xyz", RESULT_LABELS) is None


# --- the fast reader for plain data files gives PyYAML's result or steps aside ---------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from generator.importing.datafile import data_file_text, new_report_metadata  # noqa: E402
from generator.inputs.fastyaml import NEEDS_PYYAML, read_plain_yaml  # noqa: E402

PLAIN = data_file_text("某单位2024年政府信息公开工作年度报告", 2024,
                       new_report_metadata("某单位", datetime.date(2025, 1, 20)), {})
PIECES = ["", " ", "  ", ":", ": ", "#", " #", "[", "]", ",", "-", "~", "null", "yes", "0x1f", "012", "08", "1.5",
          "1e3", "2024-01-19", "2024-01-19 10:00", "'", '"', "{", "}", "&a", "*a", "!x", "<<", "\n", "\n  ", "六",
          "1:30", ".inf", "true", "on", "+3", "-3", "a: b", "2024-13-45", "2024-02-30"]


def full_path(text: str):
    doc = yamlfull.read_full(text, "x")
    return doc.data, doc.lines, doc.raw


def same_reading(plain, expected) -> bool:
    """The same data, the same line for every key and item, and the same text for every
    scalar a field can read (the fast reader keeps no text or line of items of a row of
    counts: they are on the row's own line, where Document.line finds them)."""
    data, lines, raw = plain
    fast = Document("x", data, lines, raw)
    expected_data, expected_lines, expected_raw = expected
    counts = {path for path, text in expected_raw.items() if isinstance(path[-1], int) and text.isdigit()}
    return (data == expected_data
            and all(fast.line(path) == line for path, line in expected_lines.items())
            and {p: t for p, t in expected_raw.items() if p not in counts} == {p: t for p, t in raw.items()
                                                                           if p not in counts}
            and all(raw.get(path, text) == text for path, text in expected_raw.items()))


def test_the_fast_reader_reads_a_new_data_file_exactly():
    plain = read_plain_yaml(PLAIN)
    assert plain is not None and same_reading(plain, full_path(PLAIN))


def test_a_row_item_starting_with_a_colon_is_left_to_pyyaml():
    """PyYAML refuses `[0, :- 0]`; the fast reader read it as text until the property below found it."""
    text = PLAIN.replace("[   0,    0,    0,    0,", "[   0,    0,    0,    :- 0,", 1)
    assert text != PLAIN
    with pytest.raises(yaml.YAMLError):
        full_path(text)
    assert read_plain_yaml(text) is None


def test_the_fast_reader_agrees_with_pyyaml_or_steps_aside():
    read = []       # per example: did the fast reader read it (else it stepped aside, checking nothing)

    @settings(max_examples=300, deadline=None, derandomize=True)
    @given(st.lists(st.tuples(st.floats(0, 1), st.sampled_from(PIECES)), min_size=1, max_size=4))
    def agrees(edits):
        text = PLAIN
        for where, piece in edits:
            at = int(where * len(text))
            text = text[:at] + piece + text[at:]
        plain = read_plain_yaml(text)
        read.append(plain is not None)
        if plain is None:
            return
        try:
            expected = full_path(text)
        except (yaml.YAMLError, Refused):
            raise AssertionError(f"the fast reader accepted what PyYAML refuses:\n{text}")
        assert same_reading(plain, expected), text

    agrees()
    # About a third of the edited files are read (98 of 300 when written): far fewer would mean
    # the fast reader steps aside from nearly everything and this test compares nothing.
    assert sum(read) >= len(read) / 5, f"the fast reader read {sum(read)} of {len(read)} files"


@pytest.mark.parametrize("value", ["", " ", "yes", "no", "y", "n", "Y", "on", "off", "On", "true", "False", "null", "Null", "~",
                                   "nothing", "offline", "yesterday", "2024-01-19", "2024-1-19", "2024-13-45",
                                   "2024-02-30", "2024-01-19 10:30:00", "1e3", ".5", "+3", "-3", "0x1f", "012", "08",
                                   "1_000", "1:30", "六", "2024年", "有效", "A类", "Z", "<<", "=", "——", "…",
                                   "https://a.example.cn/x?y=1", "mailto:a@b.cn", "a:b", "a: b", "a:", "时间：10:00"])
def test_the_fast_reader_types_a_plain_value_as_pyyaml_does(value):
    text = f"标题: {value}\n发布日期: 2024-01-19\n"
    try:
        expected = full_path(text)[0]
    except (yaml.YAMLError, Refused):
        expected = None                            # the full path refuses it: so must the fast reader
    plain = read_plain_yaml(text)
    if plain is not None:
        assert expected is not None and plain[0] == expected, value
    else:
        assert value in ("<<", "=") or NEEDS_PYYAML.search(value), value   # handed over: what PyYAML alone may judge


def test_lines_seen_before_are_read_the_same_and_never_shared():
    """The fast reader remembers the lines it split (they recur in file after file): a row read
    again is an equal list of its own, and a line refused once is refused again."""
    first, _, _ = read_plain_yaml(PLAIN)
    second, _, _ = read_plain_yaml(PLAIN)
    assert first == second
    rows = [(a, b) for a, b in zip(_lists(first), _lists(second))]
    assert rows and all(a is not b for a, b in rows)
    rows[0][0].append(99)                            # a later edit of one document
    assert read_plain_yaml(PLAIN)[0] == second
    broken = PLAIN.replace("发布机构:", "发布机构", 1)        # no colon: not a line it can split
    assert read_plain_yaml(broken) is None and read_plain_yaml(broken) is None


def _lists(data):
    if isinstance(data, dict):
        for value in data.values():
            yield from _lists(value)
    elif isinstance(data, list):
        yield data
