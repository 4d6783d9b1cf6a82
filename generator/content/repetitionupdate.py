"""R10 in an incremental build: the last build's warnings, with only the reports whose result
can change compared again (repetition's full pass is 0.2-0.45 s at 10,000 reports).

A report's result depends on its own sentences, its unit's report of last year, and, through
the inverted index, on every report of its year sharing one of its sentences while that
sentence is in at most COMMON_IN of them. So when units were read again, the ones compared
again are: every report of those units (a changed one's next year's among them), and every
report that shares a sentence (old or new) with a changed one where that sentence was or is
in at most COMMON_IN reports of the year. The others keep last time's warning, and the list
comes out in the full pass's order.

The index is not built over every sentence: YearOwners finds the owners of just the keys
asked for, with the year's fingerprints left packed.
"""

from __future__ import annotations

import struct
import sys
from array import array
from bisect import bisect_right
from collections import Counter
from itertools import accumulate, chain, compress, islice
from operator import itemgetter
from pathlib import Path
from typing import Iterable

from generator.content.repetition import (COMMON_IN, SENTENCE_BYTES, Fingerprints, digest, digest_updated,
                                          repeated_in, repeated_text)
from generator.core.model import Unit
from generator.problems import Problem, Problems

_KEY = struct.Struct("<I")       # a packed sentence's first 4 bytes


def repetition(records: dict, last: tuple | None, units: dict[str, Unit], limit: int,
               root: Path) -> tuple[str, list[Problem]]:
    """R10's (digest of the fingerprints, warnings) for the units' `records` (unit id -> an object
    with .fingerprints); `last`: the last build's records and its (digest, warnings), or None. A
    unit not read again has the very fingerprints list of the last build (its record is kept,
    or replaced with new files' stamps only): with none read again, the result is the last one."""
    if last is None:
        prints = _prints(records.values())
        return digest(prints), _full_pass(prints, units, limit, root)
    last_records, (last_digest, last_warnings) = last
    changed = [unit_id for unit_id, record in records.items()
               if unit_id not in last_records or last_records[unit_id].fingerprints is not record.fingerprints]
    changed += [unit_id for unit_id in last_records if unit_id not in records]
    if not changed:
        return last_digest, last_warnings
    before = _prints(last_records[unit_id] for unit_id in changed if unit_id in last_records)
    after = _prints(records[unit_id] for unit_id in changed if unit_id in records)
    return (digest_updated(last_digest, before, after),
            repeated_again(_prints(records.values()), before, after, last_warnings, units, limit, root))


def _prints(records: Iterable) -> list[tuple]:
    return [fingerprint for record in records for fingerprint in record.fingerprints]


def _full_pass(prints: list[tuple], units: dict[str, Unit], limit: int, root: Path) -> list[Problem]:
    found = Problems()
    repeated_text(prints, units, limit, root, found)
    return found.items


def repeated_again(prints: list[tuple], before: list[tuple], after: list[tuple], last: list[Problem],
                   units: dict[str, Unit], limit: int, root: Path) -> list[Problem]:
    """repeated_text's warnings for `prints`, given `last`, its warnings for the last build's
    fingerprints, and the changed ones: `before` as they were, `after` as they are."""
    reports = Fingerprints(prints)
    files = {p[2]: report for report, p in reports.prints.items()}
    if len(files) < len(prints):          # not one report, one file: last time's warnings cannot be told apart
        return _full_pass(prints, units, limit, root)
    owners = _Owners(reports)
    # Every report of a unit read again is compared again (its next year's report among them, and
    # one with the same fingerprint may quote a sentence now written differently); only the
    # fingerprints that changed can affect other units' reports.
    was, now = set(before), set(after)
    again = _compared_again(reports, was - now, now - was, owners) | {(p[0], p[1]) for p in after}
    dropped = {reports.prints[report][2] for report in again} | {p[2] for p in before}
    again |= {files[file] for file in dropped if file in files}      # a file another report had
    kept = [warning for warning in last if warning.file not in dropped]
    if any(warning.file not in files for warning in kept):     # not the last build's warnings
        return _full_pass(prints, units, limit, root)
    found = [(files[warning.file], warning) for warning in kept]
    for year in {year for _, year in again}:
        compared = [report for report in again if report[1] == year]
        index = owners.of(year, {key for report in compared for key, *_ in reports.sentences(report)}, COMMON_IN)
        found += [(report, warning) for report in compared
                  if (warning := repeated_in(report, reports, index, units, limit, root)) is not None]
    return [warning for _, warning in sorted(found, key=itemgetter(0))]


def _compared_again(reports: Fingerprints, before: set[tuple], after: set[tuple], owners: "_Owners") -> set:
    """The reports (unit id, year) of `reports` whose warning may differ from last time's, after the
    fingerprints `before` were replaced with `after`."""
    changed = {(p[0], p[1]) for p in chain(before, after)}
    again = set(changed)
    for year in {year for _, year in changed}:
        was = {p[0]: set(_key_array(p[3])) for p in before if p[1] == year}
        now = {p[0]: set(_key_array(p[3])) for p in after if p[1] == year}
        lost, gained = Counter(chain.from_iterable(was.values())), Counter(chain.from_iterable(now.values()))
        # A key in more than this many units now was in more than COMMON_IN before too.
        for key, units in owners.of(year, lost.keys() | gained.keys(), COMMON_IN + len(now)).items():
            if min(len(units), len(units) - gained[key] + lost[key]) <= COMMON_IN:
                again.update((unit_id, year) for unit_id in units)
    return {report for report in again if report in reports.prints}


def _key_array(packed: bytes) -> array:
    words = array("I", packed)
    if sys.byteorder == "big":
        words.byteswap()
    return words[::SENTENCE_BYTES // words.itemsize]


class _Owners:
    """YearOwners of each year of `reports`, made when first asked for."""

    def __init__(self, reports: Fingerprints):
        self.reports = reports
        self.years: dict[int, YearOwners] = {}

    def of(self, year: int, keys: set[int], at_most: int) -> dict[int, set[str]]:
        if year not in self.years:
            self.years[year] = YearOwners([p for p in self.reports.prints.values() if p[1] == year])
        return self.years[year].owners(keys, at_most)


class YearOwners:
    """Which units of one year have a key, from the year's fingerprints: each key's sentences are
    counted in one pass in C; a key in at most `at_most` sentences is located by a second such
    pass, a more frequent one (a common sentence) searched for in the bytes until `at_most` + 1
    units have it, which is all repetition needs to know of a common sentence. A key asked for
    again (the changed reports' are, once compared) is answered from the first answer."""

    def __init__(self, prints: list[tuple]):
        self.units = list(map(itemgetter(0), prints))
        packs = list(map(itemgetter(3), prints))
        self.packed = b"".join(packs)
        self.ends = list(accumulate(map(len, packs)))       # each report's end in `packed`
        self.keys = _key_array(self.packed)
        self.found = Counter(self.keys)
        self.known: dict[int, tuple[set[str], int]] = {}    # key -> (its owners, for at_most)

    def owners(self, keys: set[int], at_most: int) -> dict[int, set[str]]:
        """Each key -> the units that have it, or any `at_most` + 1 of them when more."""
        asked = {key for key in keys if key not in self.known or self.known[key][1] < at_most}
        rare = {key for key in asked if self.found[key] <= at_most}
        owners: dict[int, set[str]] = {key: set() for key in rare}
        if rare:
            for i in compress(range(len(self.keys)), map(rare.__contains__, self.keys)):
                owners[self.keys[i]].add(self.units[bisect_right(self.ends, i * SENTENCE_BYTES)])
        for key in asked - rare:
            owners[key] = self._first_owners(key, at_most + 1)
        self.known.update((key, (found, at_most)) for key, found in owners.items())
        for key in keys - asked:
            found = self.known[key][0]
            owners[key] = found if len(found) <= at_most else set(islice(found, at_most + 1))
        return owners

    def _first_owners(self, key: int, wanted: int) -> set[str]:
        """The first `wanted` units with `key` (all, if fewer: a unit may repeat a sentence)."""
        needle, owners = _KEY.pack(key), set()
        at = self.packed.find(needle)
        while at >= 0 and len(owners) < wanted:
            if at % SENTENCE_BYTES:                   # the bytes of another field
                at = self.packed.find(needle, at + 1)
                continue
            report = bisect_right(self.ends, at)
            owners.add(self.units[report])
            at = self.packed.find(needle, self.ends[report])
        return owners
