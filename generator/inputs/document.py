"""A parsed YAML file and the limits both YAML readers keep.

Shared by generator.inputs.source (which chooses the reader), generator.inputs.fastyaml (the
plain shape, read fast) and generator.inputs.yamlfull (everything else, through PyYAML):
each imports this module and none imports the others' internals, so the readers
form no import cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Digits: Python refuses to convert more than 4,300 (and no table number has more than
# fields allows), so a longer run of digits stays text and the field says the number is
# too large. Depth: a data file nests 5 deep; 500 nested [ ran Python out of stack in
# generator.inputs.yamlfull.
MAX_DIGITS = 40
MAX_DEPTH = 64


@dataclass
class Document:
    """A parsed YAML file: plain values plus the line of every key and item."""

    rel: str
    data: Any
    lines: dict[tuple, int] = field(default_factory=dict)
    raw: dict[tuple, str] = field(default_factory=dict)   # source text of scalars
    # whether the text may have a character of problems.INVISIBLE: if not, no key or value is searched
    invisible: bool = True

    def text(self, path: tuple) -> str | None:
        """A scalar exactly as written: an organisation code keeps its leading zeros."""
        return self.raw.get(path)

    def line(self, path: tuple) -> int | None:
        """The line of `path`, or of its nearest ancestor that has one."""
        found = self.lines.get(path)      # nearly always: one lookup, not two
        if found is not None:
            return found
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)


class Refused(Exception):
    """What the full reader refuses (an alias, a tag, a duplicate key, too deep), at a line."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message
