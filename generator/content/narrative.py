"""A report's narrative: Markdown split at the section headings 一 to 六.

The editor writes the preamble, then `## 一、总体情况`, `## 五、…`, `## 六、…`
(and may add text under 二/三/四, shown above the generated table).

Safety: raw HTML in the Markdown is escaped, not passed through: editors have
no need for it, and escaping shows them what they typed instead of silently
dropping it. Links and images keep only http(s), mailto, tel and relative URLs, judged as the
browser decodes them (generator.content.fullmarkdown); generator.content.mdlimits bounds the work before parsing.
"""

from __future__ import annotations

import re
from pathlib import Path

from generator.content.mdlimits import check_markdown_limits
from generator.content.plainmarkdown import CAPTION_HOLE, render_plain
from generator.content.reportfiles import ReportFolder
from generator.content.tablesource import warn_malformed_tables
from generator.core.form import NARRATIVE_SECTIONS, SECTION_HEADINGS, SECTIONS, normalize_label
from generator.core.model import Narrative
from generator.inputs.fields import PLACEHOLDER, invisible_character
from generator.inputs.source import read_text
from generator.problems import Problems

_HEADING = re.compile(r"^(#{1,2})(?!#)\s*(.*?)\s*#*\s*$")
_SECTION_NUMBER = re.compile(r"^([一二三四五六])\.")
_BARE_HEADINGS = frozenset(normalize_label(heading) for heading in SECTION_HEADINGS.values())
_ORDER = [number for number, _ in SECTIONS]


def render_markdown(source: str, top: str = "h3", dropped: list[str] | None = None,
                    folder: ReportFolder | None = None) -> str:
    """The HTML of `source`; the unsafe URLs left out of it are added to `dropped`; links and
    images into the report's `folder` are rewritten to its published files."""
    plain = render_plain(source, top)      # most narratives: no need for Python-Markdown
    if plain is not None:
        return plain                       # (it has no links: a `[` or `<` sends it on)
    from generator.content.fullmarkdown import render_full     # imported when first needed: a tenth of start-up
    return render_full(source, top, dropped, folder.narrative_reference if folder is not None else None)


def load_narrative(path: str | Path, rel: str, problems: Problems, free: bool = False,
                   folder: ReportFolder | None = None) -> Narrative | None:
    text = read_text(path, rel, problems)
    if text is None:
        return None
    # A Chinese input method types ＃ for #: at the start of a line it means a heading.
    if "＃" in text:       # (rarely: a search for the character is a twentieth of the substitution)
        text = _FULL_WIDTH_HASHES.sub(lambda m: "#" * len(m.group(1)), text)
    if free:
        return parse_free_narrative(text, rel, problems, folder)
    return parse_narrative(text, rel, problems, folder)


_FULL_WIDTH_HASHES = re.compile(r"^[ \u3000]*(＃+)", re.M)


def parse_free_narrative(text: str, rel: str, problems: Problems, folder: ReportFolder | None = None) -> Narrative:
    """A report from before 2019: free text under its own headings, shown as written."""
    _warn_placeholders(text, rel, problems)
    _warn_invisible(text, rel, problems)
    warn_malformed_tables(text, rel, problems)
    dropped: list[str] = []
    within_limits = check_markdown_limits(text, rel, problems)
    preamble = render_markdown(text, top="h2", dropped=dropped, folder=folder) if within_limits else ""
    _warn_dropped_links(text, dropped, rel, problems)
    _refuse_bad_files(text, folder, rel, problems)
    narrative = Narrative(file=rel, preamble=caption_tables(preamble, _UNTITLED))
    narrative.sources = {"": text}
    narrative.starts = {"": 1}
    return narrative


def parse_narrative(text: str, rel: str, problems: Problems, folder: ReportFolder | None = None) -> Narrative:
    chunks: dict[str, list[str]] = {"": []}
    seen_at: dict[str, int] = {}
    starts = {"": 1}
    current = ""
    for number, line in enumerate(text.split("\n"), start=1):
        section = _section_of(line, rel, number, problems)
        if section is None:
            chunks[current].append(line)
            continue
        if section in seen_at:
            problems.error(rel, number, f"「{SECTION_HEADINGS[section]}」出现了两次（第一次在第 {seen_at[section]} 行）",
                           "section")
        elif current and _ORDER.index(section) < _ORDER.index(current):
            problems.error(rel, number, f"「{SECTION_HEADINGS[section]}」应在「{SECTION_HEADINGS[current]}」之前",
                           "section")
        seen_at[section] = number
        current = section
        chunks.setdefault(section, [])
        starts.setdefault(section, number + 1)
    _warn_placeholders(text, rel, problems)
    _warn_invisible(text, rel, problems)
    warn_malformed_tables(text, rel, problems)
    for section in NARRATIVE_SECTIONS:
        if section not in seen_at:
            heading = SECTION_HEADINGS[section]
            problems.error(rel, None, f"缺少「{heading}」一节：请加上一行「## {heading}」并在其下填写内容", "section")
    sources = {section: "\n".join(lines) for section, lines in chunks.items()}
    dropped: list[str] = []
    within_limits = check_markdown_limits(text, rel, problems)
    html = _render_sections(sources, dropped, folder) if within_limits else dict.fromkeys(sources, "")
    html = {section: caption_tables(part, SECTION_HEADINGS.get(section, _UNTITLED)) for section, part in html.items()}
    _warn_dropped_links(text, dropped, rel, problems)
    _refuse_bad_files(text, folder, rel, problems)
    narrative = Narrative(file=rel, preamble=html.pop(""))
    narrative.sources = sources
    narrative.starts = starts
    narrative.sections = html
    return narrative


_BREAK = "gongkai-section-break-6b1f0c"   # a paragraph of its own between sections


def _render_sections(sources: dict[str, str], dropped: list[str], folder: ReportFolder | None) -> dict[str, str]:
    """All sections in one Markdown pass, split again at a marker paragraph: the
    per-call overhead of Python-Markdown was most of the cost of four small calls.
    A blank line and an unindented paragraph end any list or code block, so the
    sections cannot run into each other."""
    if any(_BREAK in source for source in sources.values()):
        return {section: render_markdown(source, dropped=dropped, folder=folder) for section, source in sources.items()}
    joined = f"\n\n{_BREAK}\n\n".join(sources.values())
    parts = render_markdown(joined, dropped=dropped, folder=folder).split(f"<p>{_BREAK}</p>")
    return {section: part.strip("\n") for section, part in zip(sources, parts)}


_UNTITLED = "正文表格"     # a table above every heading, with no title of its own
_HOLE_CAPTION = f"{CAPTION_HOLE}</caption>"
_HEADING_TEXT = re.compile(r"<h[1-6]>(.*?)</h[1-6]>", re.S)
_TAG = re.compile(r"<[^>]*>")


def caption_tables(html: str, heading: str) -> str:
    """Each untitled table's caption: the last heading above it in this part, else `heading`
    (the section's). A heading's HTML is already escaped, and may keep its inline markup."""
    if _HOLE_CAPTION not in html:
        return html
    pieces = html.split(_HOLE_CAPTION)
    for index in range(len(pieces) - 1):
        above = _HEADING_TEXT.findall(pieces[index])
        heading = _TAG.sub("", above[-1]) if above else heading
        pieces[index] += f"{heading}</caption>"
    return "".join(pieces)


def _warn_dropped_links(text: str, dropped: list[str], rel: str, problems: Problems) -> None:
    """A warning for each of the first unsafe link or image addresses: the text stays, the link not."""
    if not dropped:
        return                # most narratives: no need to split them into lines
    lines = text.split("\n")
    unique = list(dict.fromkeys(dropped))
    for url in unique[:_SHOWN_LINKS]:
        number = _line_of(lines, url)
        shown = _CONTROL.sub("", url)
        shown = shown if len(shown) <= 60 else shown[:60] + "…"
        problems.warning(rel, number, f"链接或图片地址「{shown}」不是 http、https、mailto、tel 或站内地址，"
                                      "可能运行脚本，已去掉链接，只保留文字", "link")
    if len(unique) > _SHOWN_LINKS:
        problems.warning(rel, None, f"另有 {len(unique) - _SHOWN_LINKS} 个这样的链接或图片地址，也已去掉链接", "link")


_SHOWN_LINKS = 5


def _refuse_bad_files(text: str, folder: ReportFolder | None, rel: str, problems: Problems) -> None:
    """An error, on its line, for each reference to the report's files that does not work
    (generator.content.reportfiles says why)."""
    if folder is None or not folder.findings:
        return
    lines = text.split("\n")
    for written, message, rule in dict.fromkeys(folder.findings):
        problems.error(rel, _line_of(lines, written), message, rule)


def _line_of(lines: list[str], needle: str) -> int | None:
    """The first line that has `needle` as written (Markdown may have changed it: then None)."""
    return next((n for n, line in enumerate(lines, start=1) if needle in line), None)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")




def _warn_placeholders(text: str, rel: str, problems: Problems) -> None:
    if PLACEHOLDER not in text:
        return                # most narratives: no need to split them into lines
    lines = [n for n, line in enumerate(text.split("\n"), start=1) if PLACEHOLDER in line]
    if lines:
        problems.warning(rel, lines[0], f"正文还有 {len(lines)} 处「{PLACEHOLDER}」没有填写"
                                        f"（第 {'、'.join(map(str, lines[:8]))}{'等' if len(lines) > 8 else ''}行）",
                         "placeholder")


def _warn_invisible(text: str, rel: str, problems: Problems) -> None:
    """Bidi controls and zero-width characters in the text: a warning on the first line that
    has one, naming the character (a heading with one is not recognised as a heading)."""
    if invisible_character(text) is None:
        return
    lines = [(n, found) for n, line in enumerate(text.split("\n"), start=1) if (found := invisible_character(line))]
    others = f"；第 {'、'.join(str(n) for n, _ in lines[1:8])} 行{'等' if len(lines) > 8 else ''}也有" if len(lines) > 1 else ""
    problems.warning(rel, lines[0][0], f"本行{lines[0][1]}{others}", "invisible")


def _section_of(line: str, rel: str, number: int, problems: Problems) -> str | None:
    """The section number a heading line opens, or None for any other line."""
    match = _HEADING.match(line) if line.startswith("#") else None
    if match is None:
        # A number mark: 六、 六. 六． (the full-width period of a Chinese input method); three
        # `in` tests take a sixth of the time of a set's intersection with the line.
        if len(line) > 40 or not ("、" in line or "." in line or "．" in line):
            return None      # too long, or without 一、, to be a section heading
        if normalize_label(line) in _BARE_HEADINGS:
            problems.warning(rel, number, f"「{line.strip()}」像是章节标题，但前面没有 ##，"
                                          "因此当作正文处理；作为标题请写成「## " + line.strip() + "」", "section")
        return None
    section = _SECTION_NUMBER.match(normalize_label(match.group(2)))
    return section.group(1) if section else None
