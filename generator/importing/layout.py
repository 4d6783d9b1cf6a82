"""The shape of a saved page, for generator.importing.htmlpage: which tables are the page's
layout, and the tree of elements its lines were printed in (to find the one that holds
the report).

Everything here is linear in the page: one pass each, the tree no deeper than MAX_DEPTH
(a browser's own limit is of the same order; deeper elements count as their ancestor).
"""

from __future__ import annotations

from html.parser import HTMLParser

MAX_DEPTH = 100


def layout_tables(html: str) -> set[int]:
    """The ordinals (1, 2 … in the page's order) of the <table>s that hold another table: old
    TRS and Hanweb templates lay the whole page out in nested tables, the report's tables in a
    cell of them."""
    finder = _NestedTables()
    finder.feed(html)
    finder.close()
    return finder.layout


class _NestedTables(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.layout: set[int] = set()
        self._count = 0
        self._open: list[int] = []

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._count += 1
            if self._open:
                self.layout.add(self._open[-1])
            self._open.append(self._count)

    def handle_endtag(self, tag):
        if tag == "table" and self._open:
            self._open.pop()


class PageTree:
    """The open elements (a stack) and every element opened so far, each with its parent.
    Element 0 is the page itself."""

    def __init__(self):
        self._parents = [-1]
        self._depths = [0]
        self._stack: list[tuple[str, int, bool]] = []   # (tag, element, hidden)
        self._hidden = 0

    @property
    def current(self) -> int:
        return self._stack[-1][1] if self._stack else 0

    @property
    def depth(self) -> int:
        return len(self._stack)

    @property
    def skipping(self) -> bool:
        """Inside an element the reader does not see."""
        return self._hidden > 0

    def open(self, tag: str, hidden: bool) -> None:
        if len(self._stack) >= MAX_DEPTH:
            return
        self._parents.append(self.current)
        self._depths.append(len(self._stack) + 1)
        self._stack.append((tag, len(self._parents) - 1, hidden))
        self._hidden += hidden

    def top(self) -> str | None:
        return self._stack[-1][0] if self._stack else None

    def names(self) -> set[str]:
        return {tag for tag, _, _ in self._stack}

    def pop(self) -> None:
        _, _, hidden = self._stack.pop()
        self._hidden -= hidden

    def open_in_table(self, tag: str) -> bool:
        """Whether `tag` is open inside the innermost open table."""
        for name, _, _ in reversed(self._stack):
            if name == tag:
                return True
            if name == "table":
                return False
        return False

    def common_ancestor(self, elements: list[int]) -> int:
        """The deepest element that holds all of `elements` (or is one of them)."""
        ancestor = elements[0]
        for element in elements[1:]:
            ancestor = self._meet(ancestor, element)
        return ancestor

    def _meet(self, a: int, b: int) -> int:
        while self._depths[a] > self._depths[b]:
            a = self._parents[a]
        while self._depths[b] > self._depths[a]:
            b = self._parents[b]
        while a != b:
            a, b = self._parents[a], self._parents[b]
        return a

    def within(self, ancestor: int) -> list[bool]:
        """For every element, whether it is `ancestor` or inside it (parents come before children)."""
        inside = [False] * len(self._parents)
        for element, parent in enumerate(self._parents):
            inside[element] = element == ancestor or (parent >= 0 and inside[parent])
        return inside
