"""Which files `generate import` reads, and how: READERS maps a file suffix to its reader.

A folder named on the command line is searched recursively for the suffixes READERS knows,
in a stable order (by path), so two runs over one archive read it the same way; a reader for
another kind of file (.pdf, .docx) is one more entry in READERS.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from generator.importing.htmlpage import html_to_text, looks_like_html
from generator.importing.pdfreport import PdfText, read_pdf
from generator.importing.published import Published, read_published
from generator.inputs.source import read_text
from generator.problems import Problems

# A reader: (the file, its name in messages, where its problems go) -> the report, or None
# when the file cannot be read at all (the reason is then an error in problems).
Reader = Callable[[Path, str, Problems], "Published | None"]


def read_page_text(path: Path, where: str, problems: Problems) -> Published | None:
    """A portal page as text (tables as `|` rows), or the page saved as HTML."""
    read = Problems()
    text = read_text(path, where, read, from_site=False)    # named on the command line
    problems.items += read.errors
    if text is None:
        return None
    report = read_published(html_to_text(text) if looks_like_html(text) else text)
    report.notes += [(None, problem.message) for problem in read.warnings]     # e.g. read as GBK
    return report


def read_pdf_report(path: Path, where: str, problems: Problems) -> Published | None:
    """A report's PDF (its text layer), kept whole as the report's 全真版; what the notes and
    errors say of a line is said of its PDF page."""
    read = Problems()
    document = read_pdf(path, where, read)
    problems.items += read.errors
    if document is None:
        return None
    report = read_published(document.text)
    report.notes = [_on_page(document, line, note) for line, note in report.notes]
    report.notes += [(None, problem.message) for problem in read.warnings]     # e.g. a scanned page
    report.unplaced = [_on_page(document, line, message) for line, message in report.unplaced]
    report.original = document.raw
    return report


def _on_page(document: PdfText, line: int | None, message: str) -> tuple[None, str]:
    page = document.page_of(line)
    return None, f"{message}（PDF 第 {page} 页）" if page else message


READERS: dict[str, Reader] = {
    ".txt": read_page_text,
    ".htm": read_page_text,
    ".html": read_page_text,
    ".pdf": read_pdf_report,
}


def known_suffixes() -> str:
    return "、".join(READERS)


def reader_for(path: Path) -> Reader | None:
    return READERS.get(path.suffix.lower())


def files_to_import(paths: list[Path], problems: Problems) -> list[Path]:
    """The files named, and the importable files in the folders named (recursively, sorted by
    path; hidden files and folders left out, as every tool leaves them; a symbolic link in a
    folder refused); each file once."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = _importable_in(path)
            if not inside:
                problems.error(str(path), None, f"文件夹中没有可导入的文件（{known_suffixes()}）")
            for link in filter(Path.is_symlink, inside):     # it may lead anywhere: only files named are read
                problems.error(str(link), None, "是符号链接，文件夹中的符号链接不导入：请复制文件本身，或在命令行上直接写出它")
            found += [file for file in inside if not file.is_symlink()]
        elif not path.exists():
            problems.error(str(path), None, "找不到这个文件或文件夹")
        elif reader_for(path) is None:
            problems.error(str(path), None, f"不能导入这种文件（{path.suffix or '没有扩展名'}）：可导入 {known_suffixes()}")
        else:
            found.append(path)
    seen: set[Path] = set()
    unique = []
    for path in found:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique


def _importable_in(folder: Path) -> list[Path]:
    found = []
    for top, folders, files in os.walk(folder):          # symbolic links to folders are not followed
        folders[:] = [name for name in folders if not name.startswith(".")]
        found += [Path(top) / name for name in files
                  if not name.startswith(".") and reader_for(Path(name)) is not None]
    return sorted(found, key=lambda path: path.relative_to(folder).as_posix())
