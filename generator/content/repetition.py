"""R10 (a warning): a narrative repeated from the same unit's report of last year, or from
another unit's report of the same year (跨单位抄袭).

Counted sentence by sentence: the narrative is split at 。！？； and at line ends. In each
sentence spaces and punctuation are dropped, full-width letters and digits folded, and every
run of digits or Chinese numerals, and the unit's own name, stand as one placeholder: a copy
with only the year or the name changed is still a copy. Left out, because every report must
have them: headings and table rows, sentences under MIN_SENTENCE characters, the 报告格式
boilerplate (BOILERPLATE: under which 条例 and 格式 the report was made, the 统计期限, the
electronic copy, whom to ask), and within a sentence its 《…》 titles and 〔…〕号 document
numbers. The share is the repeated sentences' characters over all counted characters of
this year's narrative, against the one other report that shares the most.

Cheap at any size: each report is kept as a fingerprint (per sentence: a 32-bit hash, its
length and line, packed in bytes) in its unit's manifest record, so a build that re-reads
one unit compares it with the others' fingerprints; the cross-unit pass goes through an
inverted index hash -> units of the year. A sentence in more than COMMON_IN reports of one
year is the site's common wording, not one unit's copy of another's: it is not counted
against other units (it still is against the unit's own last year), which also keeps the
index's work linear.
"""

from __future__ import annotations

import re
import struct
import unicodedata
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, NamedTuple

from generator.core.model import Report, Unit
from generator.inputs.source import read_text
from generator.problems import WARNING, Problem, Problems

RULE = "R10"
MIN_SENTENCE = 10             # characters, normalised: shorter ones are left out
COMMON_IN = 20                # reports of one year: a sentence in more is the site's common wording
PASSAGES = 3                  # the longest repeated passages a warning quotes
QUOTE = 24                    # characters of a passage quoted

_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])")
_NUMERALS = re.compile(r"[0-9０-９.．%％]+|[〇零一二两三四五六七八九十百千万亿]{2,}")
_MARKUP = re.compile(r"[*_`>#|\\]|!?\[([^\]]*)\]\([^)]*\)")
_LIST_MARK = re.compile(r"^\s*(?:[-+*]|\d+[.)])\s+")
# Not counted: 《…》 titles, 〔2021〕30号 document numbers, spaces and punctuation (one pass).
_NOT_COUNTED = re.compile(r"《[^》]*》|〔[^〕]*〕[^，。；]*?号|\[[^\]]*\][^，。；]*?号|[\s\W_]+")
_WIDE = re.compile(r"[Ａ-Ｚａ-ｚ０-９]")
BOILERPLATE = re.compile("|".join((     # one pattern: searched in every sentence of 10,000 reports
    r"^本(?:年度)?报告.*(?:编制|制定|依据|根据|按照)",
    r"^(?:根据|依据|按照).*(?:编制|制定)本(?:年度)?报告",
    r"统计期限",
    r"(?:本报告|报告).*电子版",
    r"(?:如对|对本).*报告.*(?:疑问|意见|建议)",
    r"(?:所列数据|数据统计)",
)))

# A report's sentences packed as (hash, length, line) triples: 10 bytes each in the manifest.
_TRIPLE = struct.Struct("<IHI")


class Sentence(NamedTuple):
    key: int            # 32-bit hash of the normalised text
    length: int         # its counted characters
    line: int
    text: str           # as written (only while the file is read, never stored)


def sentences(text: str, first_line: int = 1, names: tuple[str, ...] = ()) -> Iterator[Sentence]:
    """The counted sentences of Markdown `text` whose first line is `first_line`; `names`
    (unit_names) are one placeholder, so a copy with only the unit's name changed is one."""
    for number, line in enumerate(text.split("\n"), start=first_line):
        stripped = line.strip()
        if not stripped or stripped[0] in "#|":      # headings and table rows
            continue
        plain = _MARKUP.sub(lambda m: m.group(1) or "", _LIST_MARK.sub("", stripped))
        for written in _SENTENCE_END.split(plain):
            sentence = _sentence(written, number, names)
            if sentence is not None:
                yield sentence


def _sentence(written: str, line: int, names: tuple[str, ...]) -> Sentence | None:
    if len(written) < MIN_SENTENCE:          # shorter still once counted
        return None
    # Punctuation and spaces are dropped below: only full-width letters and digits need folding
    # (NFKC on every sentence was a tenth of a cold build's time).
    folded = unicodedata.normalize("NFKC", written) if _WIDE.search(written) else written
    if BOILERPLATE.search(folded):
        return None
    for name in names:
        folded = folded.replace(name, "Ω")
    counted = _NOT_COUNTED.sub("", folded)
    if len(counted) < MIN_SENTENCE:
        return None
    key = zlib.crc32(_NUMERALS.sub("#", counted).encode()) or 1
    return Sentence(key, min(len(counted), 0xFFFF), line, written.strip())


def fingerprint(report: Report) -> tuple | None:
    """What the manifest keeps of a report's narrative: (unit id, year, .md file, packed sentences)."""
    narrative = report.narrative
    if narrative is None:
        return None
    names = unit_names(report.unit)
    found = [s for section, source in narrative.sources.items()
             for s in sentences(source, narrative.starts.get(section, 1), names)]
    packed = b"".join(_TRIPLE.pack(s.key, s.length, s.line) for s in found)
    return report.unit.id, report.year, narrative.file, packed


def unit_names(unit: Unit | None) -> tuple[str, ...]:
    """How a narrative names its own unit: 花街镇人民政府, and 花街镇, and so its former names
    (曾用名: last year's report was written under one), longest first."""
    if unit is None:
        return ()
    names = set()
    for name in (unit.name, *(former for former, _ in unit.former_names)):
        short = name.removesuffix("人民政府")
        names.update((name, short) if short != name and len(short) >= 2 else (name,))
    return tuple(sorted(names, key=lambda name: (-len(name), name)))


def fingerprints(reports: Iterable[Report]) -> list[tuple]:
    return [f for f in map(fingerprint, reports) if f is not None]


def _unpacked(packed: bytes) -> list[tuple[int, int, int]]:
    return list(_TRIPLE.iter_unpack(packed))


@dataclass
class _Copy:
    """This year's report against one other: the repeated sentences' characters, and where."""
    other: tuple
    repeated: int
    lines: list[tuple[int, int, int, int, int]]   # (this line, other line, length, sentence index, hash)


def repeated_text(prints: Iterable[tuple], units: dict[str, Unit], limit: int, root: Path,
                  problems: Problems) -> None:
    """A warning on each report whose narrative is more than `limit` per cent the same as its
    unit's report of last year or as another unit's report of the same year (the larger)."""
    reports = {(p[0], p[1]): (p, _unpacked(p[3])) for p in prints}
    by_year: dict[int, dict[int, set]] = {}
    for (unit_id, year), (_, triples) in reports.items():
        index = by_year.setdefault(year, {})
        for key, _, _ in triples:
            index.setdefault(key, set()).add(unit_id)
    for (unit_id, year), (this, triples) in sorted(reports.items()):
        counted = sum(length for _, length, _ in triples)
        if not counted:
            continue
        copy = _largest_copy(unit_id, year, triples, reports, by_year[year])
        if copy is not None and copy.repeated * 100 > limit * counted:
            problems.items.append(_warning(this, copy, round(copy.repeated * 100 / counted), units, root))


def _largest_copy(unit_id: str, year: int, triples, reports: dict, index: dict[int, set]) -> _Copy | None:
    candidates: set = set()
    for key, _, _ in triples:
        owners = index[key]
        if 1 < len(owners) <= COMMON_IN:
            candidates |= owners
    candidates.discard(unit_id)
    others = [reports[(other, year)] for other in sorted(candidates)]
    if (unit_id, year - 1) in reports:
        others.insert(0, reports[(unit_id, year - 1)])
    best = None
    for other, other_triples in others:
        same_unit = other[0] == unit_id
        where = {}
        for key, _, line in other_triples:
            where.setdefault(key, line)
        lines = [(line, where[key], length, i, key) for i, (key, length, line) in enumerate(triples)
                 if key in where and (same_unit or len(index[key]) <= COMMON_IN)]
        repeated = sum(entry[2] for entry in lines)
        if repeated and (best is None or repeated > best.repeated):
            best = _Copy(other, repeated, lines)
    return best


def _passages(lines: list[tuple[int, int, int, int, int]]) -> list[list[int]]:
    """Runs of consecutive repeated sentences, longest first: [this file's first and last line,
    the other's first and last line, length, index and hash of the run's first sentence]."""
    runs: list[list[int]] = []
    previous = None
    for this_line, other_line, length, i, key in lines:
        if previous is not None and i == previous + 1:
            run = runs[-1]
            run[1], run[3], run[4] = this_line, max(run[3], other_line), run[4] + length
        else:
            runs.append([this_line, this_line, other_line, other_line, length, i, key])
        previous = i
    runs.sort(key=lambda run: (-run[4], run[0]))
    return runs[:PASSAGES]


def _lines(first: int, last: int) -> str:
    return f"第 {first} 行" if first == last else f"第 {first}–{last} 行"


def _warning(this: tuple, copy: _Copy, share: int, units: dict[str, Unit], root: Path) -> Problem:
    unit_id, year, file, _ = this
    other_unit, other_year, other_file, _ = copy.other
    if other_unit == unit_id:
        source = f"{other_year} 年报告（{other_file}）"
    else:
        name = units[other_unit].name if other_unit in units else other_unit
        source = f"{name} {other_year} 年报告（{other_file}）"
    text = (read_text(root / file, file, Problems()) or "").split("\n")    # the manifest keeps no text
    names = unit_names(units.get(unit_id))
    other_name = other_file.rsplit("/", 1)[-1]
    passages = "；".join(f"{_lines(first, last)}（{other_name} {_lines(other_first, other_last)}）"
                         f"「{_quote(text, first, key, names)}」"
                         for first, last, other_first, other_last, _, _, key in _passages(copy.lines))
    return Problem(WARNING, file, 1, f"正文有 {share}% 与 {source}相同，最长的重复段落：{passages}", RULE)


def _quote(text: list[str], line: int, key: int, names: tuple[str, ...]) -> str:
    """The sentence with hash `key` on `line` of the file's text, shortened (only the passages'
    first lines are split again: a site where every report warns stays cheap)."""
    found = [s.text for s in sentences(text[line - 1] if line <= len(text) else "", line, names) if s.key == key]
    shown = found[0] if found else ""
    return shown if len(shown) <= QUOTE else shown[:QUOTE] + "…"
