"""YAML through PyYAML: files the fast reader (generator.inputs.fastyaml) steps aside for, and
the typed scalars it hands over (null, booleans, numbers in other notations).

PyYAML composes the nodes (its C composer when present) and our own small resolver
converts them (see generator.inputs.source). Imported only when needed: most builds read
only the plain shape, and PyYAML's import was a tenth of a rebuild's start-up.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

import yaml

from generator.inputs.document import MAX_DEPTH, MAX_DIGITS, Document, Refused
from generator.problems import Problems

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - pure-Python PyYAML
    from yaml import SafeLoader as _Loader

_INT = re.compile(rf"[-+]?[0-9]{{1,{MAX_DIGITS}}}")     # longer: text (see generator.inputs.document)
_DECIMAL = re.compile(r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)")
_TAG = "tag:yaml.org,2002:"
_scalar_constructor = yaml.constructor.SafeConstructor()
_RESOLVER = yaml.resolver.Resolver()
_SCALAR_KINDS = {"null", "bool", "int", "float", "timestamp", "str"}
_PLAIN_TAGS = {f"{_TAG}{kind}" for kind in _SCALAR_KINDS}


def plain_scalar(text: str, line: int):
    """A plain (unquoted) scalar as the full path reads it; ValueError for what only the full
    path may judge (`<<`, `=`)."""
    tag = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))
    if tag not in _PLAIN_TAGS:
        raise ValueError(tag)
    mark = yaml.Mark("", 0, line - 1, 0, None, None)
    return _scalar(yaml.ScalarNode(tag, text, mark, mark, style=None))


def parse_full(text: str, rel: str, problems: Problems) -> Document | None:
    """The Document of any YAML text, or None with the error explained in problems."""
    try:
        return read_full(text, rel)
    except Refused as refused:
        problems.error(rel, refused.line, refused.message, "yaml")
        return None
    except yaml.MarkedYAMLError as exc:
        mark = _where(exc)
        last_line = text.count("\n") + (0 if text.endswith("\n") else 1)
        line = min(mark.line + 1, max(last_line, 1)) if mark else None   # a truncated file: its last line
        cause = line and (_colon_mistake(text, line) or _blank_cell(text, line) or _misindented(text, line, exc))
        if cause is not None:
            problems.error(rel, cause[0], cause[1], "yaml")
            return None
        column = f"（第 {mark.column + 1} 列）" if mark else ""
        problems.error(rel, line, f"YAML 语法错误{column}：{_explain_yaml_error(exc, text)}", "yaml")
        return None
    except yaml.reader.ReaderError as exc:   # a control character pasted from elsewhere
        # libyaml counts the position in bytes: find the character itself instead.
        at = text.find(chr(exc.character)) if isinstance(exc.character, int) else -1
        line = text.count("\n", 0, at) + 1 if at >= 0 else None
        problems.error(rel, line, f"文件中有不可见的控制字符（U+{exc.character:04X}），可能来自复制粘贴：请删除该字符"
                       if isinstance(exc.character, int) else "文件中有不可见的控制字符，请删除", "yaml")
        return None
    except yaml.YAMLError as exc:
        problems.error(rel, None, f"YAML 语法错误：{exc}", "yaml")
        return None
    except RecursionError:      # PyYAML's pure-Python composer: libyaml stops at 1,000 levels itself
        problems.error(rel, _too_deep_line(text), f"YAML 语法错误：{_TOO_DEEP}", "yaml")
        return None


def read_full(text: str, rel: str) -> Document:
    """The Document of any YAML text; raises yaml.YAMLError, or Refused for what we refuse
    (aliases, tags, duplicate keys, nesting too deep)."""
    root = yaml.compose(text, Loader=_Loader)
    doc = Document(rel, None)
    if root is not None:
        doc.data = _convert(root, (), doc, set())
    return doc


_COLLECTION_TAGS = {yaml.MappingNode: _TAG + "map", yaml.SequenceNode: _TAG + "seq"}


def _convert(node: yaml.Node, path: tuple, doc: Document, seen: set) -> Any:
    if len(path) > MAX_DEPTH:
        raise Refused(node.start_mark.line + 1, _TOO_DEEP)
    if id(node) in seen:
        # An alias is the anchored node itself: report the line that uses it.
        line = doc.lines.get(path, node.start_mark.line + 1)
        raise Refused(line, "不支持 YAML 别名（*名称）：请把内容直接写出来")
    seen.add(id(node))
    expected_tag = _COLLECTION_TAGS.get(type(node))
    if expected_tag is not None and node.tag != expected_tag:
        raise Refused(node.start_mark.line + 1, f"不支持 YAML 标签 {node.tag}")
    lines = doc.lines
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise Refused(key_node.start_mark.line + 1, "键名必须是简单文字")
            key = key_node.value.strip()
            if key == "<<":
                raise Refused(key_node.start_mark.line + 1, "不支持 YAML 合并键（<<）")
            if key in result:
                first = lines[path + (key,)]
                raise Refused(key_node.start_mark.line + 1, f"「{key}」重复出现（第一次在第 {first} 行），请删除其中一个")
            lines[path + (key,)] = key_node.start_mark.line + 1
            result[key] = _convert(value_node, path + (key,), doc, seen)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, path + (i,), doc, seen) for i, item in enumerate(node.value)]
    doc.raw[path] = node.value
    return _scalar(node)


def _scalar(node: yaml.ScalarNode) -> Any:
    tag, text = node.tag, node.value
    kind = tag[len(_TAG):] if tag.startswith(_TAG) else ""
    if kind not in _SCALAR_KINDS:
        raise Refused(node.start_mark.line + 1, f"不支持 YAML 标签 {tag}")
    if kind == "null":
        return None
    if kind == "bool":      # `!!bool x` is tagged so but no boolean: the field says what it wants
        return _scalar_constructor.bool_values.get(text.lower(), text)
    if kind == "int":
        return int(text) if _INT.fullmatch(text) else text
    if kind == "float":
        return Decimal(text) if _DECIMAL.fullmatch(text) else text
    if kind == "timestamp":
        try:
            value = _scalar_constructor.construct_yaml_timestamp(node)
        except (ValueError, AttributeError):   # 2024-13-19, or `!!timestamp x`: the field says so in Chinese
            return text
        return value.date() if isinstance(value, datetime.datetime) and not (
            value.hour or value.minute or value.second) else value
    if not node.style and _INT.fullmatch(text):   # plain: style is None (pure) or "" (C)
        return int(text)   # 08 and 09 are not YAML 1.1 octal, so the resolver left them as text
    return text


_TOO_DEEP = "嵌套层次太深（方括号、花括号或缩进套得太深）：数据文件不需要这么多层，请检查是否误输入了大量括号"
_TAB_HINT = "使用了制表符（Tab），YAML 只能用空格缩进，请把 Tab 换成空格"
# PyYAML's C and pure-Python parsers word the same error differently: both wordings are here.
_YAML_HINTS = [
    ("found character '\\t'", _TAB_HINT),
    ("found unexpected end of stream", "文件在引号或括号闭合之前就结束了：检查是否有未闭合的引号或括号"),
    ("found unexpected end", "文件意外结束：检查是否有未闭合的引号或括号"),
    ("mapping values are not allowed", "此处不应出现冒号：可能是缩进不对，或文字中的冒号需要加引号"),
    ("did not find expected key", "缩进不对齐：同一层的项目应左对齐"),
    ("expected <block end>", "缩进不对齐：同一层的项目应左对齐"),
    ("could not find expected ':'", "缺少冒号，或上一行的引号未闭合"),
    ("expected ',' or ']'", "方括号列表 [...] 未闭合，或数字之间缺少英文逗号"),
    ("expected ',' or '}'", "花括号 {...} 未闭合，或项目之间缺少英文逗号"),
    ("did not find expected node content", "内容不完整：方括号、花括号或引号未闭合，或冒号后缺少内容"),
    ("found undefined alias", "使用了未定义的别名（*名称）"),
    ("found duplicate anchor", "锚点（&名称）重复"),
    ("exceeded maximum nesting depth", _TOO_DEEP),
]


def _colon_mistake(text: str, line: int) -> tuple[int, str] | None:
    """The two colon mistakes of Chinese input, on the reported line or the one above
    (the parser notices a missing `: ` only on the next line): (line, what to do)."""
    lines = text.split("\n")
    for number in (line - 1, line):
        if not 1 <= number <= len(lines):
            continue
        content = lines[number - 1].split(" #")[0].strip()
        if not content or content.startswith("#"):
            continue
        if "：" in content and ":" not in content:
            return number, "YAML 语法错误：用了中文冒号「：」：请改为英文冒号「:」，后面再加一个空格"
        if re.search(r":\S", content) and ": " not in content and not content.endswith(":"):
            return number, "YAML 语法错误：冒号后面要有一个空格，如「行政强制: 61」"
    return None


def _blank_cell(text: str, line: int) -> tuple[int, str] | None:
    """A row with a blank between two commas (`[5, 2,  , 0]`): YAML calls it incomplete
    content, the editor meant a blank cell, which is written null."""
    content = text.split("\n")[line - 1].split(" #")[0]
    row = re.search(r"\[([^\[\]]*)\]", content)
    if row is None:
        return None
    items = [item.strip() for item in row.group(1).split(",")]
    blanks = [index + 1 for index, item in enumerate(items) if not item]
    if not blanks or blanks == [len(items)]:        # `[1, 2, ]`: YAML allows the last comma
        return None
    shown = "、".join(map(str, blanks))
    fixed = ", ".join(item or "null" for item in items)
    return line, (f"方括号中第 {shown} 个数是空的：空白单元格请写 null（没有的写 0），"
                  f"写作 [{fixed}]")


def _misindented(text: str, line: int, exc: yaml.MarkedYAMLError) -> tuple[int, str] | None:
    """A misaligned first key of a block (`     行政处罚: 365` under `第二十条第（六）项:`) sets the
    block's indent, so PyYAML fails on the next, correctly indented line: blame the first key
    when the next line has the indent the rest of the file uses."""
    if "expected key" not in (exc.problem or "") and "block end" not in (exc.problem or ""):
        return None
    lines = text.split("\n")
    content = [(number, len(raw) - len(raw.lstrip(" ")))
               for number, raw in enumerate(lines[:line], start=1) if raw.strip() and not raw.lstrip().startswith("#")]
    if len(content) < 3 or content[-1][0] != line:
        return None
    (_, opener), (first, indent), (_, wanted) = content[-3:]
    if not opener < min(indent, wanted) or indent == wanted or wanted - opener != _indent_step(lines):
        return None
    return first, (f"缩进不对齐：这一行缩进了 {indent} 个空格，同一层的下一项（第 {line} 行）是 {wanted} 个："
                   f"请改为 {wanted} 个空格，使同一层的项目左对齐")


def _indent_step(lines: list[str]) -> int:
    """How many spaces the file indents a level by (its most common step, 2 by default)."""
    steps: dict[int, int] = {}
    previous = 0
    for raw in lines:
        if raw.strip() and not raw.lstrip().startswith("#"):
            indent = len(raw) - len(raw.lstrip(" "))
            if indent > previous:
                steps[indent - previous] = steps.get(indent - previous, 0) + 1
            previous = indent
    return max(steps, key=steps.get) if steps else 2


def _too_deep_line(text: str) -> int | None:
    """The line where brackets first nest deeper than MAX_DEPTH (quotes and comments aside:
    only said where the parser itself ran out of depth)."""
    depth = 0
    for number, line in enumerate(text.split("\n"), start=1):
        for char in line:
            depth += 1 if char in "[{" else -1 if char in "]}" else 0
            if depth > MAX_DEPTH:
                return number
    return None


def _where(exc: yaml.MarkedYAMLError):
    """Where the editor should look: an unclosed bracket or quote is where it opened,
    not where the parser gave up (often the next line)."""
    context = exc.context or ""
    if exc.context_mark is not None and ("flow" in context or "quoted" in context):
        return exc.context_mark
    return exc.problem_mark or exc.context_mark


def _explain_yaml_error(exc: yaml.MarkedYAMLError, text: str) -> str:
    problem = f"{exc.context or ''} {exc.problem or ''}"
    mark = exc.problem_mark
    if mark is not None and "cannot start any token" in problem:
        lines = text.split("\n")
        if mark.line < len(lines) and lines[mark.line][mark.column:mark.column + 1] == "\t":
            return _TAB_HINT
    for needle, hint in _YAML_HINTS:
        if needle in problem:
            return hint
    return (exc.problem or str(exc)).strip()
