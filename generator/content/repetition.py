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
length, line and column, 12 bytes) in its unit's manifest record, so a build that re-reads
one unit compares it with the others' fingerprints; the cross-unit pass goes through an
inverted index hash -> units of the year. A sentence in more than COMMON_IN reports of one
year is the site's common wording, not one unit's copy of another's: it is not counted
against other units (it still is against the unit's own last year), which also keeps the
index's work linear. An incremental build compares again only the reports that the changed
units' can affect (repetitionupdate).
"""

from __future__ import annotations

import hashlib
import re
import struct
import unicodedata
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, NamedTuple

from generator.content.plainmarkdown import as_printed
from generator.core.model import Report, Unit
from generator.inputs.source import read_text
from generator.problems import WARNING, Problem, Problems

RULE = "R10"
MIN_SENTENCE = 10             # characters, normalised: shorter ones are left out
COMMON_IN = 20                # reports of one year: a sentence in more is the site's common wording
PASSAGES = 3                  # the longest repeated passages a warning quotes
QUOTE = 24                    # characters of a passage quoted

_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])")
_SENTENCE = re.compile(r"[^。！？；!?;]*[。！？；!?;]|[^。！？；!?;]+")    # the pieces _SENTENCE_END splits at, but empty
_NUMERALS = re.compile(r"[0-9０-９.．%％]+|[〇零一二两三四五六七八九十百千万亿]{2,}")
_NUMERAL_CHAR = re.compile(r"[0-9０-９.．%％〇零一二两三四五六七八九十百千万亿]")    # what _NUMERALS may start at
_MARKUP = re.compile(r"[*_`>#|\\]|!?\[([^\]]*)\]\([^)]*\)")
_MARKUP_CHAR = re.compile(r"[*_`>#|\\\[]")      # none in most lines: _MARKUP is not run
_LIST_MARK = re.compile(r"^\s*(?:[-+*]|\d+[.)])\s+")
# Not counted: 《…》 titles and 〔2021〕30号 document numbers (only in a sentence that has their
# bracket), then spaces and punctuation.
_TITLES_AND_NUMBERS = re.compile(r"《[^》]*》|〔[^〕]*〕[^，。；]*?号|\[[^\]]*\][^，。；]*?号")
_PUNCTUATION = re.compile(r"[\W_]")     # (\s is in \W; a char at a time: with + it took a third longer)
_WIDE = re.compile(r"[Ａ-Ｚａ-ｚ０-９]")
BOILERPLATE = re.compile("|".join((     # one pattern: searched in every sentence of 10,000 reports
    r"^本(?:年度)?报告.*(?:编制|制定|依据|根据|按照)",
    r"^(?:根据|依据|按照).*(?:编制|制定)本(?:年度)?报告",
    r"统计期限",
    r"(?:本报告|报告).*电子版",
    r"(?:如对|对本).*报告.*(?:疑问|意见|建议)",
    r"(?:所列数据|数据统计)",
)))


def _may_be_boilerplate(sentence: str) -> bool:
    """Every BOILERPLATE pattern has one of these words: most sentences skip its search."""
    return "报告" in sentence or "期限" in sentence or "数据" in sentence

# A report's sentences packed as (hash, length, line, column) in the manifest: 12 bytes each.
_PACKED = struct.Struct("<IHIH")
SENTENCE_BYTES = _PACKED.size     # its 32-bit key first, little-endian


class Sentence(NamedTuple):
    key: int            # 32-bit hash of the normalised text
    length: int         # its counted characters
    line: int
    column: int         # where it starts in its line's plain text (see _plain)
    text: str           # as written (only while the file is read, never stored)


def sentences(text: str, first_line: int = 1, names: tuple[str, ...] = ()) -> Iterator[Sentence]:
    """The counted sentences of Markdown `text` whose first line is `first_line`; `names`
    (unit_names) are one placeholder, so a copy with only the unit's name changed is one."""
    for number, line in enumerate(text.split("\n"), start=first_line):
        plain = _plain(line)
        if len(plain) < MIN_SENTENCE:
            continue
        column = 0
        for written in _SENTENCE.findall(plain):        # (a third faster than _SENTENCE_END.split)
            if len(written) >= MIN_SENTENCE:         # shorter still once counted
                sentence = _sentence(written, number, column, names)
                if sentence is not None:
                    yield sentence
            column += len(written)


def _plain(line: str) -> str:
    """A line's text as printed, without Markdown's marks; nothing for headings and table rows."""
    stripped = line.strip()
    if not stripped or stripped[0] in "#|":
        return ""
    if stripped[0] in "-+*" or stripped[0].isdecimal():
        stripped = _LIST_MARK.sub("", stripped)            # (a regular expression less on most lines)
    plain = as_printed(stripped)      # an import writes a printed < as &lt;
    return _MARKUP.sub(lambda m: m.group(1) or "", plain) if _MARKUP_CHAR.search(plain) else plain


def _sentence(written: str, line: int, column: int, names: tuple[str, ...]) -> Sentence | None:
    # Punctuation and spaces are dropped below: only full-width letters and digits need folding
    # (NFKC on every sentence was a tenth of a cold build's time).
    folded = unicodedata.normalize("NFKC", written) if _WIDE.search(written) else written
    if _may_be_boilerplate(folded) and BOILERPLATE.search(folded):
        return None
    for name in names:
        folded = folded.replace(name, "Ω")
    if "《" in folded or "〔" in folded or "[" in folded:
        folded = _TITLES_AND_NUMBERS.sub("", folded)
    counted = _PUNCTUATION.sub("", folded)
    if len(counted) < MIN_SENTENCE:
        return None
    # (half the sentences have no numeral: a search for one takes a sixth of the substitution's time)
    numbered = _NUMERALS.sub("#", counted) if _NUMERAL_CHAR.search(counted) else counted
    key = zlib.crc32(numbered.encode()) or 1
    return Sentence(key, min(len(counted), 0xFFFF), line, min(column, 0xFFFF), written.strip())


def fingerprint(report: Report) -> tuple | None:
    """What the manifest keeps of a report's narrative: (unit id, year, .md file, packed sentences)."""
    narrative = report.narrative
    if narrative is None:
        return None
    names = unit_names(report.unit)
    found = [s for section, source in narrative.sources.items()
             for s in sentences(source, narrative.starts.get(section, 1), names)]
    packed = b"".join(_PACKED.pack(s.key, s.length, s.line, s.column) for s in found)
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


def digest(prints: Iterable[tuple]) -> str:
    """A digest of fingerprints that is the same whenever they are, in any order: the sum of
    each one's SHA-256, so an incremental build updates it from the changed ones alone
    (digest_updated). Taken of their values, not of marshal's bytes, which differ with the
    strings' interning and sharing."""
    return _hex(sum(map(_hashed, prints)))


def digest_updated(last: str, removed: Iterable[tuple], added: Iterable[tuple]) -> str:
    """digest() of the fingerprints `last` was taken of, without `removed` and with `added`."""
    return _hex(int(last, 16) - sum(map(_hashed, removed)) + sum(map(_hashed, added)))


def _hashed(fingerprint: tuple) -> int:
    unit_id, year, file, packed = fingerprint
    hashed = hashlib.sha256(f"{unit_id}\0{year}\0{file}\0{len(packed)}\0".encode())
    hashed.update(packed)
    return int.from_bytes(hashed.digest(), "big")


def _hex(total: int) -> str:
    return f"{total % (1 << 256):064x}"


def _unpacked(packed: bytes) -> list[tuple[int, int, int, int]]:
    return list(_PACKED.iter_unpack(packed))


@dataclass
class _Copy:
    """This year's report against one other: the repeated sentences' characters, and where."""
    other: tuple
    repeated: int
    lines: list[tuple[int, int, int, int, int]]   # (this line, other line, length, sentence index, column)


class Fingerprints:
    """Every report's fingerprint by (unit id, year), its sentences unpacked when first asked for."""

    def __init__(self, prints: Iterable[tuple]):
        self.prints = {(p[0], p[1]): p for p in prints}
        self._sentences: dict[tuple, list] = {}

    def sentences(self, report: tuple) -> list[tuple[int, int, int, int]]:
        found = self._sentences.get(report)
        if found is None:
            found = self._sentences[report] = _unpacked(self.prints[report][3])
        return found


def repeated_text(prints: Iterable[tuple], units: dict[str, Unit], limit: int, root: Path,
                  problems: Problems) -> None:
    """A warning on each report whose narrative is more than `limit` per cent the same as its
    unit's report of last year or as another unit's report of the same year (the larger)."""
    reports = Fingerprints(prints)
    by_year: dict[int, dict[int, set]] = {}
    for unit_id, year in reports.prints:
        index = by_year.setdefault(year, {})
        for key, *_ in reports.sentences((unit_id, year)):
            index.setdefault(key, set()).add(unit_id)
    for report in sorted(reports.prints):
        warning = repeated_in(report, reports, by_year[report[1]], units, limit, root)
        if warning is not None:
            problems.items.append(warning)


def repeated_in(report: tuple, reports: Fingerprints, index: dict[int, set], units: dict[str, Unit],
                limit: int, root: Path) -> Problem | None:
    """The warning on `report` (unit id, year), if any. `index`: each key of its sentences -> the
    units of its year with that key, or any COMMON_IN + 1 of them when more (all that is asked)."""
    packed = reports.sentences(report)
    counted = sum(length for _, length, _, _ in packed)
    if not counted:
        return None
    copy = _largest_copy(*report, packed, reports, index)
    if copy is None or copy.repeated * 100 <= limit * counted:
        return None
    return _warning(reports.prints[report], copy, round(copy.repeated * 100 / counted), units, root)


def _largest_copy(unit_id: str, year: int, packed, reports: Fingerprints, index: dict[int, set]) -> _Copy | None:
    candidates: set = set()
    for key, *_ in packed:
        owners = index[key]
        if 1 < len(owners) <= COMMON_IN:
            candidates |= owners
    candidates.discard(unit_id)
    others = [(other, year) for other in sorted(candidates)]
    if (unit_id, year - 1) in reports.prints:
        others.insert(0, (unit_id, year - 1))
    best = None
    for other in others:
        same_unit = other[0] == unit_id
        where = {}
        for key, _, line, _ in reports.sentences(other):
            where.setdefault(key, line)
        lines = [(line, where[key], length, i, column) for i, (key, length, line, column) in enumerate(packed)
                 if key in where and (same_unit or len(index[key]) <= COMMON_IN)]
        repeated = sum(entry[2] for entry in lines)
        if repeated and (best is None or repeated > best.repeated):
            best = _Copy(reports.prints[other], repeated, lines)
    return best


def _passages(lines: list[tuple[int, int, int, int, int]]) -> list[list[int]]:
    """Runs of consecutive repeated sentences, longest first: [this file's first and last line,
    the other's first and last line, length, index and column of the run's first sentence]."""
    runs: list[list[int]] = []
    previous = None
    for this_line, other_line, length, i, column in lines:
        if previous is not None and i == previous + 1:
            run = runs[-1]
            run[1], run[3], run[4] = this_line, max(run[3], other_line), run[4] + length
        else:
            runs.append([this_line, this_line, other_line, other_line, length, i, column])
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
    other_name = other_file.rsplit("/", 1)[-1]
    passages = "；".join(f"{_lines(first, last)}（{other_name} {_lines(other_first, other_last)}）"
                         f"「{_quote(text, first, column)}」"
                         for first, last, other_first, other_last, _, _, column in _passages(copy.lines))
    return Problem(WARNING, file, 1, f"正文有 {share}% 与 {source}相同，最长的重复段落：{passages}", RULE)


def _quote(text: list[str], line: int, column: int) -> str:
    """The sentence at `column` of `line` of the file's text, shortened (found by its place,
    not by splitting and hashing the line again: a site where every report warns stays cheap)."""
    plain = _plain(text[line - 1]) if line <= len(text) else ""
    shown = _SENTENCE_END.split(plain[column:], 1)[0].strip()
    return shown if len(shown) <= QUOTE else shown[:QUOTE] + "…"
