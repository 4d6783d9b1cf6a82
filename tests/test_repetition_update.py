"""R10 in an incremental build (generator.content.repetitionupdate): the last build's warnings,
with only the reports the changed units can affect compared again, must be exactly what the
full pass gives, in its order; and the digest what a cold build takes.

A property test on synthetic fingerprints (seeded, so a failure repeats), then the build: a
rebuild after one edited narrative reports what a cold build does.
"""

from __future__ import annotations

import random
import struct
from types import SimpleNamespace

import pytest

from generator.build import build_site
from generator.content import repetitionupdate
from generator.content.repetition import COMMON_IN, digest
from generator.content.repetitionupdate import YearOwners, repetition
from helpers import HUAJIE_MD, NEXT_YEAR_NARRATIVE, SIBLING_MD, add_2024, add_sibling, copy_last_year

YEARS = (2023, 2024, 2025)
UNITS = [f"u{n:02}" for n in range(44)]
# Keys near COMMON_IN's edge: about COMMON_IN units of a year have each (crossing it with edits);
# small ones, which also appear as line numbers in the packed bytes; and large random ones.
HOT = list(range(1, 5))
POOL = list(range(6, 60)) + [random.Random(1).getrandbits(32) for _ in range(30)]
LIMIT = 20
PACKED = struct.Struct("<IHIH")


def narrative(rng: random.Random, last: bytes | None = None) -> bytes:
    """Packed sentences: hot keys, pool keys, or (sometimes) last year's sentences again."""
    if last and rng.random() < 0.3:
        keys = [key for key, *_ in PACKED.iter_unpack(last)]
        keys = keys[:rng.randint(1, len(keys))] + [rng.choice(POOL) for _ in range(rng.randint(0, 3))]
    else:
        keys = [rng.choice(HOT) if rng.random() < 0.5 else rng.choice(POOL) for _ in range(rng.randint(0, 14))]
    return b"".join(PACKED.pack(key, rng.randint(10, 40), line, 0) for line, key in enumerate(keys, start=3))


def fingerprint(unit_id: str, year: int, packed: bytes) -> tuple:
    return unit_id, year, f"content/reports/{unit_id}/{year}.md", packed


def first_site(rng: random.Random) -> dict[str, SimpleNamespace]:
    records = {}
    for unit_id in UNITS:
        prints, last = [], None
        for year in YEARS:
            if rng.random() < 0.85:
                last = narrative(rng, last)
                prints.append(fingerprint(unit_id, year, last))
        records[unit_id] = SimpleNamespace(fingerprints=prints)
    return records


def edited(rng: random.Random, records: dict) -> dict:
    """The next build's records: one to five units changed, the others the very same objects."""
    if rng.random() < 0.3:
        return took_up(rng, records)
    records = dict(records)
    for unit_id in rng.sample(UNITS, rng.randint(1, 5)):
        what = rng.random()
        old = records.get(unit_id)
        if what < 0.1:
            records.pop(unit_id, None)                          # the unit is gone
            continue
        prints = {p[1]: p for p in (old.fingerprints if old is not None else [])}
        year = rng.choice(YEARS)
        if what < 0.25:
            prints.pop(year, None)                              # a report is gone
        elif what < 0.4:                                        # copies last year's
            last = prints.get(year - 1)
            prints[year] = fingerprint(unit_id, year, last[3] if last else narrative(rng))
        elif what < 0.6:                                        # a hot sentence more or less
            packed = prints[year][3] if year in prints else b""
            cut = 12 * rng.randint(0, len(packed) // 12)
            extra = PACKED.pack(rng.choice(HOT), 20, 99, 0) if rng.random() < 0.5 else b""
            prints[year] = fingerprint(unit_id, year, packed[:cut] + extra + packed[cut + 12:])
        else:                                                   # written again (or new)
            prints[year] = fingerprint(unit_id, year, narrative(rng, prints.get(year - 1, (0,) * 4)[3] or None))
        records[unit_id] = SimpleNamespace(fingerprints=[prints[year] for year in sorted(prints)])
    return records


def took_up(rng: random.Random, records: dict) -> dict:
    """Two to five units of a year write, or drop, the same hot sentence (it crosses COMMON_IN by more than one)."""
    key, year, records = rng.choice(HOT), rng.choice(YEARS), dict(records)
    drop = rng.random() < 0.5
    for unit_id in rng.sample(sorted(records), min(len(records), rng.randint(2, 5))):
        prints = {p[1]: p for p in records[unit_id].fingerprints}
        packed = prints[year][3] if year in prints else b""
        kept = b"".join(PACKED.pack(*s) for s in PACKED.iter_unpack(packed) if not drop or s[0] != key)
        prints[year] = fingerprint(unit_id, year, kept if drop else packed + PACKED.pack(key, 20, 98, 0))
        records[unit_id] = SimpleNamespace(fingerprints=[prints[year] for year in sorted(prints)])
    return records


def run(records: dict, last: tuple | None, tmp_path) -> tuple[str, list]:
    return repetition(records, last, {}, LIMIT, tmp_path)


@pytest.mark.parametrize("seed", range(8))
def test_after_random_edits_the_incremental_result_is_the_full_passs(seed, tmp_path):
    rng = random.Random(seed)
    records = first_site(rng)
    result = run(records, None, tmp_path)
    changes = crossings = 0
    for _ in range(40):
        now = edited(rng, records)
        incremental = run(now, (records, result), tmp_path)
        full = run(now, None, tmp_path)
        assert incremental == full
        changes += incremental[1] != result[1]
        crossings += hot_counts(records) != hot_counts(now)
        records, result = now, incremental
    assert changes >= 10 and crossings >= 3        # the edits did change the warnings, and the common keys


def hot_counts(records: dict) -> list[bool]:
    """For each year and hot key: in more than COMMON_IN units?"""
    prints = [p for record in records.values() for p in record.fingerprints]
    return [len(units) > COMMON_IN for year in YEARS
            for units in YearOwners([p for p in prints if p[1] == year]).owners(set(HOT), 99).values()]


def test_a_common_sentence_is_found_in_one_unit_more_than_asked_for_and_the_others_in_all():
    reports = [fingerprint(f"u{n}", 2024, PACKED.pack(7, 20, 7, 0) * 2 + PACKED.pack(1000 + n % 3, 20, 9, 7))
               for n in range(30)]
    reports[0] = fingerprint("u0", 2024, reports[0][3] + PACKED.pack(42, 20, 9, 7) * 20)
    owners = YearOwners(reports).owners({7, 1000, 42, 5, 9}, 12)
    assert len(owners[7]) == 13                              # in all 30: any 13 will do
    assert owners[1000] == {f"u{n}" for n in range(0, 30, 3)}
    assert owners[42] == {"u0"}                              # 20 times, in one unit
    assert owners[5] == owners[9] == set()                   # a line or column 9 is not a key 9


def test_with_no_unit_changed_the_last_result_is_taken(tmp_path):
    records = first_site(random.Random(3))
    last = ("a digest", ["a warning"])
    assert run(dict(records), (records, last), tmp_path) == last


def test_the_digest_is_updated_to_what_a_cold_build_takes(tmp_path):
    rng = random.Random(5)
    records = first_site(rng)
    now = edited(rng, records)
    result = run(now, (records, run(records, None, tmp_path)), tmp_path)
    assert result[0] == digest(p for record in now.values() for p in record.fingerprints)
    assert result[0] == digest(reversed([p for record in now.values() for p in record.fingerprints]))


def test_one_edited_report_compares_only_the_reports_it_can_affect(tmp_path, monkeypatch):
    """A report with sentences of its own, edited: its unit's reports (read again), no other."""
    own = b"".join(PACKED.pack(900000 + n, 30, n, 0) for n in range(3, 9))
    records = first_site(random.Random(7))
    records["u07"] = SimpleNamespace(fingerprints=[fingerprint("u07", year, own) for year in YEARS])
    last = run(records, None, tmp_path)
    compared = []
    real = repetitionupdate.repeated_in
    monkeypatch.setattr(repetitionupdate, "repeated_in", lambda report, *args: compared.append(report)
                        or real(report, *args))
    now = dict(records, u07=SimpleNamespace(fingerprints=[fingerprint("u07", year, own + PACKED.pack(999999, 30, 9, 0))
                                                          if year == 2024 else p
                                                          for year, p in zip(YEARS, records["u07"].fingerprints)]))
    assert run(now, (records, last), tmp_path) == run(now, None, tmp_path)
    assert sorted(compared) == [("u07", year) for year in YEARS]


def r10(result) -> list[str]:
    return [p.format() for p in result.problems.items if p.rule == "R10"]


def test_a_rebuild_after_one_edited_narrative_warns_as_a_cold_build_does(site):
    add_2024(site)
    copy_last_year(site)
    add_sibling(site, site.read(HUAJIE_MD).replace("花街镇", "小桥镇"))
    assert len(r10(build_site(site.root))) == 3
    # 小桥镇 writes its own text (花街镇's 2023 warning goes, though its unit is not read again) ...
    site.write(SIBLING_MD, NEXT_YEAR_NARRATIVE.read_text(encoding="utf-8"))
    incremental = build_site(site.root)
    assert not incremental.full and incremental.changed == [SIBLING_MD]
    cold = build_site(site.root, site.root / "cold")
    assert cold.full and r10(incremental) == r10(cold) and len(r10(cold)) == 1
    # ... and copies 花街镇's again: both warn again.
    site.write(SIBLING_MD, site.read(HUAJIE_MD).replace("花街镇", "小桥镇") + "\n另加一句，用于测试增量构建。\n")
    incremental = build_site(site.root)
    assert not incremental.full and incremental.changed == [SIBLING_MD]
    cold = build_site(site.root, site.root / "cold2")
    assert r10(incremental) == r10(cold) and len(r10(cold)) == 3
