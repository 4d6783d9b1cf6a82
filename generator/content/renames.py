"""A unit renamed without its former name recorded (曾用名): its published reports' titles change.

A report's title is its unit's name in force when it was published (core.model.Unit.name_on),
so a 机构改革 that renames a unit must not retitle the reports published before it. Whether
the name changed is known only against the last build (its manifest keeps the units as they
were, and each report's title): the warning is given by the check or build that first sees
the change.
"""

from __future__ import annotations

from typing import Callable

from generator.core.model import Unit
from generator.problems import WARNING, Problem

SHOWN = 3       # titles named in a warning; the rest are counted


Titles = Callable[[str], dict[int, str]]     # unit id -> {year: title of its published report}


def unrecorded_renames(units: dict[str, Unit], last_units: dict[str, Unit], last_titles: Titles, titles: Titles
                       ) -> list[Problem]:
    """A warning (`rename`) per unit whose 名称 differs from the last build's, the old name not
    among its 曾用名, naming the published reports whose titles changed (count and the first few).
    A unit given a new id is compared under its 曾用编号. The titles are asked for only of a
    renamed unit (the manifest reads them from disk on demand)."""
    found = []
    for unit in units.values():
        old_id = next((i for i in (unit.id, *unit.former_ids) if i in last_units), None)
        if old_id is None:
            continue
        before = last_units[old_id].name
        if before == unit.name or before in (name for name, _ in unit.former_names):
            continue
        now = titles(unit.id)
        retitled = [title for year, title in sorted(last_titles(old_id).items())
                    if year in now and now[year] != title]
        if retitled:
            found.append(Problem(WARNING, unit.file, unit.line, _message(unit, before, retitled), "rename"))
    return found


def _message(unit: Unit, before: str, retitled: list[str]) -> str:
    shown = "、".join(f"《{title}》" for title in retitled[:SHOWN]) + ("等" if len(retitled) > SHOWN else "")
    return (f"单位「{unit.id}」的名称由「{before}」改为「{unit.name}」，但没有写「曾用名」：已发布的 {len(retitled)} 份报告"
            f"的标题会随之改变（{shown}）。如果是机构改革后改名，请在「曾用名」下写上"
            f"「- {{名称: {before}, 至: 改名前的最后一天}}」，这些报告就保留原来的名称")
