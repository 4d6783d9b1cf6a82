"""The link check: every internal link and anchor of every page of the finished tree.

Run by generator.build after the pages are rendered and before the new tree is committed.
The files the new tree will hold are the manifest's outputs (this build's and the ones kept
from the last), so a page removed by this build breaks the links to it in pages that did
not change; each page is read from where the build left it (staging, pending, or the
output as it is). Every page is scanned on every build: a regex over the tags, about
1 s for 10,000 reports (see benchmarks/README.md), cheaper than keeping each page's links.

A broken link is a warning (`link`) where it comes from: the narrative's line that wrote it,
else the template line that has its address, else the templates in general; always with
the page it broke. External addresses (http, https, mailto, tel) are not fetched, only counted.
"""

from __future__ import annotations

import html
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from generator.core.paths import COLUMN_DIR
from generator.output.write import FullTree
from generator.problems import NOTE, Problem, Problems

_TAG = re.compile(r"<[a-zA-Z][^>]*>")           # text never holds a raw `<`: it is escaped
_ATTRIBUTE = re.compile(r'\s(href|src|id)="([^"]*)"')
_EXTERNAL = re.compile(r"(?:https?:|mailto:|tel:|//)", re.I)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_REPORT_PAGE = re.compile(rf"{COLUMN_DIR}/([^/]+)/(\d{{4}})(?:-tujie)?\.html")
_ALWAYS_THERE = {"", "top"}                      # `#` and `#top` scroll to the top without an id
_SHOWN_PAGES = 3


@dataclass
class _Page:
    links: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)


@dataclass
class _Broken:
    address: str          # as the page has it
    target: str           # the output path (and #fragment) it leads to
    missing_id: str       # the fragment not found on an existing page, or ""
    pages: list[str] = field(default_factory=list)


def check_links(files: set[str], read, base_url: str | None, root: Path, template_dirs: list[Path],
                problems: Problems, where: str) -> None:
    """Warns of every internal link in the pages among `files` (every output path of the new
    tree) that leads to no file or no id; `read(path)` gives a page's bytes. `where` names
    the output folder in the note that counts the external links."""
    pages = {path: _scan(read(path)) for path in sorted(files) if path.endswith(".html")}
    base_path = urlsplit(base_url).path if base_url else "/"
    external = 0
    broken: dict[tuple, _Broken] = {}
    sources = _Sources(root, template_dirs)
    for path, page in pages.items():
        for address in page.links:
            target = _resolve(address, path, base_url, base_path)
            if target is None:
                external += 1
                continue
            if not target:
                continue                                  # a scheme we never link (dropped by the renderer)
            found = _broken(target, files, pages)
            if found is not None:
                key = (*sources.of(path, address), target)
                broken.setdefault(key, _Broken(address, target, found)).pages.append(path)
    for (file, line, _), item in sorted(broken.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0, kv[0][2])):
        problems.warning(file, line, _message(item), "link")
    if external:
        problems.items.append(Problem(NOTE, where, None, f"外部链接 {external} 个（未检查）"))


def tree_reader(writer):
    """How to read a page of the tree `writer` is building, before it is committed."""
    if isinstance(writer, FullTree):
        return lambda path: (writer.staging / path).read_bytes()

    def read(path: str) -> bytes:
        pending = writer.pending / path
        return (pending if pending.is_file() else writer.out / path).read_bytes()
    return read


def _scan(data: bytes) -> _Page:
    page = _Page()
    for tag in _TAG.findall(data.decode("utf-8", "replace")):
        if '="' not in tag:
            continue
        for name, value in _ATTRIBUTE.findall(tag):
            value = html.unescape(value)
            (page.links.append if name != "id" else page.ids.add)(value)
    return page


def _resolve(address: str, page: str, base_url: str | None, base_path: str) -> str | None:
    """The output path (with `#fragment`) an address leads to; None for an external address;
    "" for one that is neither."""
    address = address.strip()
    if base_url and address.startswith(base_url):
        address = "/" + address[len(base_url):]          # this site's own absolute address
    elif _EXTERNAL.match(address):
        return None
    elif _SCHEME.match(address):
        return ""
    path, _, fragment = address.partition("#")
    path = unquote(path.partition("?")[0])
    if not path:
        return f"{page}#{unquote(fragment)}"
    if path.startswith("/"):
        path = path[len(base_path):] if path.startswith(base_path) else path[1:]
    else:
        path = posixpath.join(posixpath.dirname(page), path)
    folder = path.endswith("/") or not path
    path = posixpath.normpath(path) if path else "."
    if path == ".":
        path = ""
    if folder or path == "":
        path = posixpath.join(path, "index.html")
    return f"{path}#{unquote(fragment)}" if fragment else path


def _broken(target: str, files: set[str], pages: dict[str, _Page]) -> str | None:
    """None if `target` exists; else the missing fragment, or "" for a missing file."""
    path, has_fragment, fragment = target.partition("#")
    if path not in files:
        if f"{path}/index.html" not in files:
            return ""
        path = f"{path}/index.html"
    if not has_fragment or fragment in _ALWAYS_THERE or fragment.startswith(":~:"):
        return None
    page = pages.get(path)
    return None if page is None or fragment in page.ids else fragment


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
    shown = ", ".join(item.pages[:_SHOWN_PAGES]) + (f" 等 {len(item.pages)} 个页面" if len(item.pages) > _SHOWN_PAGES else "")
    path = item.target.partition("#")[0]
    if item.missing_id:
        return f"链接「{item.address}」：页面 {path} 中没有「#{item.missing_id}」这个位置（见 {shown}）"
    return f"链接「{item.address}」指向的 {path} 不存在（见 {shown}）"
