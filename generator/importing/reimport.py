"""What importing a newer version of a report (an edited Word file) changes in the site.

An editor imports the Word file, the office corrects it, the editor imports it again: before
the import overwrites the report, it lists every number that changes (table, row, column:
old → new), the metadata it resets and the paragraphs added or removed, so that a correction
made in the site's files since the last import is not lost unseen. What the editor filled in
the data file of a draft (dates, 索引号, 图解数字: what the Word file does not hold) is kept.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from generator.content.reports import parse_report
from generator.core.form import FORMAT_2021, FORMS
from generator.core.model import Report, Unit
from generator.inputs.source import parse_yaml, read_text
from generator.problems import Problems
from generator.render.tables import format_number

MAX_LISTED = 40          # a wholly different report: the first changes and how many more
_FIELDS = (("title", "标题"), ("published", "发布日期"), ("written", "成文日期"), ("index_no", "索引号"),
           ("publisher", "发布机构"), ("doc_no", "文号"), ("topic", "主题分类"), ("draft", "草稿"),
           ("as_published", "按原样发布"))


def with_metadata_kept(root: Path, rel: str, new_text: str) -> str:
    """The new data file of a re-imported draft, with the existing file's lines before its tables
    (metadata, comments) instead of the new ones. An archived report (按原样发布), or a file whose
    tables do not start with the official heading, is replaced whole (report_changes lists how)."""
    path = root / rel
    old_text = read_text(path, rel, Problems()) if path.exists() else None
    heading = f"\n{FORMS[FORMAT_2021][0].heading}:"
    old_head, old_found, _ = (old_text or "").partition(heading)
    _, new_found, new_tables = new_text.partition(heading)
    if not old_found or not new_found or re.search(r"^\s*(按原样发布|as_published)\s*:", old_head, re.MULTILINE):
        return new_text
    return old_head + heading + new_tables


def report_changes(root: Path, unit: Unit, year: int, files: dict[str, str]) -> list[str]:
    """One line per change the new `files` (rel path -> text) make to the report now in the site."""
    changes: list[str] = []
    for rel, new_text in files.items():
        path = root / rel
        if not path.exists():
            continue
        old_text = read_text(path, rel, Problems())
        if old_text is None:
            changes.append(f"{rel} 读不出，无法比较：导入会整个替换它")
        elif rel.endswith(".md"):
            changes += paragraph_changes(old_text, new_text)
        else:
            changes += number_changes(_report(old_text, rel, unit, year), _report(new_text, rel, unit, year), rel)
    if len(changes) > MAX_LISTED:
        changes = changes[:MAX_LISTED] + [f"……另有 {len(changes) - MAX_LISTED} 处改动"]
    return changes


def _report(text: str, rel: str, unit: Unit, year: int) -> Report | None:
    problems = Problems()             # the old file's own errors are `generate check`'s to list
    doc = parse_yaml(text, rel, problems)
    return parse_report(doc, unit, year, problems) if doc is not None else None


def number_changes(old: Report | None, new: Report | None, rel: str) -> list[str]:
    if old is None or new is None:
        return [f"{rel} 现有的内容读不出，无法逐个比较数字：导入会整个替换它"]
    changes = []
    for key, name in _FIELDS:
        before, after = getattr(old, key), getattr(new, key)
        if before != after:
            changes.append(f"{name}：{_shown(before)} → {_shown(after)}")
    for form in FORMS[new.format]:
        old_table, new_table = old.tables.get(form.number), new.tables.get(form.number)
        if new_table is None:
            continue
        for row, groups in form.rows():
            place = "".join(f"{group.label} / " for group in groups[-1:]) + row.label
            for column in row.columns:
                key = (row.id, column.id)
                before = old_table.values.get(key) if old_table is not None else None
                after = new_table.values.get(key)
                if before != after:
                    changes.append(f"表{form.number}「{place}」行「{column.label}」列：{_number(before)} → {_number(after)}")
    return changes


def paragraph_changes(old_text: str, new_text: str) -> list[str]:
    old, new = _paragraphs(old_text), _paragraphs(new_text)
    changes = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag in ("delete", "replace"):
            changes += [f"删去段落：「{_excerpt(text)}」" for text in old[i1:i2]]
        if tag in ("insert", "replace"):
            changes += [f"新增段落：「{_excerpt(text)}」" for text in new[j1:j2]]
    return changes


def _paragraphs(text: str) -> list[str]:
    return [part.strip() for part in text.split("\n\n") if part.strip()]


def _excerpt(text: str, length: int = 30) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[:length] + "……"


def _number(value) -> str:
    return format_number(value) or "空白"


def _shown(value) -> str:
    if value is None or value == "":
        return "（无）"
    if value is True or value is False:
        return "true" if value else "false"
    return str(value)
