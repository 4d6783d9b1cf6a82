"""How a broken link is told (see generator.output.links): one warning (`link`) per place that
wrote it and what it leads to, naming the pages it broke. The place is the narrative's line
that wrote it, else the template line that has its address, else the templates in general."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from generator.core.paths import COLUMN_DIR
from generator.problems import NOTE, Problem, Problems

_REPORT_PAGE = re.compile(rf"{COLUMN_DIR}/([^/]+)/(\d{{4}})(?:-tujie)?\.html")
_SHOWN_PAGES = 3


def warn_broken_links(found: list[tuple], external: set[str], root: Path, template_dirs: list[Path],
                      problems: Problems, where: str) -> None:
    """One warning per place that wrote a broken link and what it leads to, naming its pages;
    one note counting the external addresses (`where`: the output folder)."""
    sources = _Sources(root, template_dirs)
    broken: dict[tuple, _Broken] = {}
    for page, address, path, fragment, count in sorted(found):
        key = (*sources.of(page, address), path, fragment)
        item = broken.setdefault(key, _Broken(address, path, fragment))
        item.pages.append(page)
        item.count += count
    for (file, line, _, _), item in sorted(broken.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0, kv[0][2:])):
        problems.warning(file, line, _message(item), "link")
    if external:
        problems.items.append(Problem(NOTE, where, None, f"外部链接 {len(external)} 个（未检查）"))


@dataclass
class _Broken:
    address: str          # as the page has it
    target: str           # the output path it leads to
    missing_id: str       # the fragment not found on an existing page, or ""
    pages: list[str] = field(default_factory=list)
    count: int = 0


class _Sources:
    """Where a page's address was written: its narrative's line, a template's, or the templates.
    Files are read once per check (the preview checks again after every save)."""

    def __init__(self, root: Path, template_dirs: list[Path]):
        self.root = root
        self.templates = [t for folder in template_dirs for t in sorted(folder.rglob("*.html"))]
        self.texts: dict[Path, list[str] | None] = {}

    def of(self, page: str, address: str) -> tuple[str, int | None]:
        report = _REPORT_PAGE.fullmatch(page)
        if report is not None:
            narrative = f"content/reports/{report.group(1)}/{report.group(2)}.md"
            line = self.line_with(self.root / narrative, address)
            if line is not None:
                return narrative, line
        literal = re.sub(r"^(?:\.\./|\./)+", "", address) or address    # without the ../ of {{ root }}
        for template in self.templates:
            line = self.line_with(template, literal)
            if line is not None:
                return _template_name(template, self.root), line
        return "templates", None

    def line_with(self, path: Path, text: str) -> int | None:
        """The first line of the file at `path` that has `text` in a link (or at all), 1-based."""
        lines = self.lines(path)
        if lines is None or not any(text in line for line in lines):
            return None
        for needle in (f"]({text}", f"<{text}>", f"]: {text}", f'"{text}', text):
            for number, line in enumerate(lines, start=1):
                if needle in line:
                    return number
        return None

    def lines(self, path: Path) -> list[str] | None:
        if path not in self.texts:
            try:
                self.texts[path] = path.read_text(encoding="utf-8-sig").split("\n")
            except (OSError, UnicodeDecodeError):
                self.texts[path] = None
        return self.texts[path]


def _template_name(template: Path, root: Path) -> str:
    try:
        return template.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return f"（默认模板）{template.name}"


def _message(item: _Broken) -> str:
    pages = item.pages[:_SHOWN_PAGES]
    shown = ", ".join(pages) + (f" 等 {item.count} 个页面" if item.count > len(pages) else "")
    path = item.target.partition("#")[0]
    if item.missing_id:
        return f"链接「{item.address}」：页面 {path} 中没有「#{item.missing_id}」这个位置（见 {shown}）"
    return f"链接「{item.address}」指向的 {path} 不存在（见 {shown}）"
