"""Word's automatic numbers (多级列表): the 「一、」「（一）」「1.」 Word prints before a paragraph
whose text does not hold them.

Offices number the headings of a report by a multi-level list tied to the heading styles, so
the words 「总体情况」 are in the file and 「一、」 only on the page. The import reads the
report as printed: each numbered paragraph gets its number from numbering.xml (the level's
format and text, e.g. chineseCounting and 「（%2）」), counted in document order as Word counts
(a level restarts when a level above it advances). A format we do not know (bullets, circled
numbers) adds nothing: the paragraph is read as its text.
"""

from __future__ import annotations

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DIGITS = "零一二三四五六七八九"
_CHINESE = {"chineseCounting", "chineseCountingThousand", "ideographDigital", "japaneseCounting",
            "taiwaneseCounting", "taiwaneseCountingThousand", "chineseLegalSimplified"}


def chinese_number(n: int) -> str:
    """1..99 in Chinese numerals as reports count their sections: 一 … 十、十一 … 二十一."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    return (("" if tens == 1 else _DIGITS[tens]) + "十" if tens else "") + (_DIGITS[ones] if ones else "")


def _formatted(value: int, number_format: str) -> str | None:
    if number_format == "decimal":
        return str(value)
    if number_format in _CHINESE:
        return chinese_number(value)
    if number_format in ("upperLetter", "lowerLetter") and 0 < value <= 26:
        return chr(ord("A" if number_format == "upperLetter" else "a") + value - 1)
    return None


class Numbering:
    """The numbers of one document, handed out in reading order by label()."""

    def __init__(self, numbering_xml, styles_xml):
        self._levels: dict[str, dict[int, tuple[str, str, int]]] = {}   # abstractNumId -> ilvl -> (format, text, start)
        self._lists: dict[str, str] = {}                                # numId -> abstractNumId
        self._counts: dict[str, list[int]] = {}
        self._style_numbers: dict[str, tuple[str, int]] = {}            # styleId -> (numId, ilvl)
        if numbering_xml is not None:
            self._read_numbering(numbering_xml)
        if styles_xml is not None:
            self._read_styles(styles_xml)

    def _read_numbering(self, root) -> None:
        for abstract in root.iter(f"{W}abstractNum"):
            levels = {}
            for level in abstract.findall(f"{W}lvl"):
                text = _value(level.find(f"{W}lvlText"))
                start = _value(level.find(f"{W}start"))
                ilvl = _value(level, "ilvl")
                if text is not None and ilvl is not None and ilvl.isdigit():
                    levels[int(ilvl)] = (_value(level.find(f"{W}numFmt")) or "decimal", text,
                                         int(start) if start and start.isdigit() else 1)
            self._levels[_value(abstract, "abstractNumId") or ""] = levels
        for number in root.iter(f"{W}num"):
            self._lists[_value(number, "numId") or ""] = _value(number.find(f"{W}abstractNumId")) or ""

    def _read_styles(self, root) -> None:
        based_on, own = {}, {}
        for style in root.iter(f"{W}style"):
            style_id = _value(style, "styleId") or ""
            based_on[style_id] = _value(style.find(f"{W}basedOn"))
            found = _number_properties(style.find(f"{W}pPr"))
            if found is not None:
                own[style_id] = found
        for style_id in based_on:
            seen, chain = style_id, 0
            while seen is not None and seen not in own and chain < 10:     # a loop in a damaged file ends
                seen, chain = based_on.get(seen), chain + 1
            if seen in own:
                self._style_numbers[style_id] = own[seen]

    def label(self, paragraph) -> str:
        """The number Word prints before `paragraph` ("" for none); advances the count."""
        properties = paragraph.find(f"{W}pPr")
        found = _number_properties(properties)
        if found is None and properties is not None:
            found = self._style_numbers.get(_value(properties.find(f"{W}pStyle")) or "")
        if found is None:
            return ""
        number_id, ilvl = found
        abstract = self._lists.get(number_id)
        levels = self._levels.get(abstract or "", {})
        if ilvl not in levels or not 0 <= ilvl < 9 or levels[ilvl][0] in ("bullet", "none"):
            return ""
        counts = self._counts.setdefault(abstract, [0] * 9)
        counts[ilvl] += 1
        counts[ilvl + 1:] = [0] * (8 - ilvl)
        text = levels[ilvl][1]
        for level in range(9):
            if f"%{level + 1}" in text:
                number_format, _, start = levels.get(level, ("decimal", "", 1))
                shown = _formatted(start + max(counts[level], 1) - 1, number_format)
                if shown is None:
                    return ""
                text = text.replace(f"%{level + 1}", shown)
        return text


def _number_properties(properties) -> tuple[str, int] | None:
    """(numId, ilvl) of a pPr's numPr; numId 0 switches a style's numbering off: ("0", 0)."""
    if properties is None:
        return None
    number = properties.find(f"{W}numPr")
    if number is None:
        return None
    number_id = _value(number.find(f"{W}numId"))
    ilvl = _value(number.find(f"{W}ilvl")) or "0"
    if number_id is None or not ilvl.isdigit():
        return None
    return number_id, int(ilvl)


def _value(element, name: str = "val") -> str | None:
    return None if element is None else element.get(f"{W}{name}")
