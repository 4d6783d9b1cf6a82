"""The published numbers of a sample report, read straight from tests/fixtures/samples.

Independent of the generator: the tests compare the rendered page against the
text as it was published, not against our own data files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

TABLE2_ROWS = ("规章", "行政规范性文件", "行政许可", "行政处罚", "行政强制", "行政事业性收费")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")


@dataclass
class SampleRow:
    labels: list[str]        # the label cells printed on this line (group labels first)
    numbers: list[str]


@dataclass
class Sample:
    table2: dict[str, list[str]] = field(default_factory=dict)
    table3: list[SampleRow] = field(default_factory=list)
    table4: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def read_sample(path: Path) -> Sample:
    sample = Sample()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(("SOURCE:", "#")):
            continue
        sample.lines.append(line)
        if "|" not in line:
            continue
        cells = [c.strip() for c in line.split("|")]
        numbers = [c for c in cells if _NUMBER.fullmatch(c)]
        labels = [c for c in cells if c and not _NUMBER.fullmatch(c)]
        if cells[0] in TABLE2_ROWS:
            sample.table2[cells[0]] = numbers
        elif len(numbers) == 7:
            sample.table3.append(SampleRow(labels, numbers))
        elif len(numbers) == 15:
            sample.table4 = numbers
    return sample
