"""五、存在的主要问题及改进情况 as short points for the 图解: problems, then measures.

The text says where it turns from problems to measures: a sub-head (「（二）改进情况」,
`### （二）改进措施`) or a phrase (「将采取以下措施」「下一步」「针对上述问题」…), also in
the middle of a one-paragraph text as imported from a portal page. Points before the
turn are problems, points after it measures. A text that never turns is not guessed
at: its points are kept undivided, under the one heading of the section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# The turn to measures, anywhere in a paragraph; not 「问题及改进情况」: the section's own name, repeated.
_TURN = re.compile(r"采取(?:以下|如下)[^。；]{0,6}措施|(?<![及和与])(?:改进|整改)(?:措施|情况|方向|计划)"
                   r"|加以(?:改进|整改)|(?:将|要)从以下几个方面|下一步|针对(?:上述|以上|这些|存在的?)(?:主要)?问题"
                   # ... or at the start of a sentence: 针对… / 今后… / 2024年，我局将…
                   r"|(?:^|(?<=[。；;！!？?]))\s*(?:针对|今后|新的一年|\d{4}年[，,]?\s*(?:我|本)[^，。；]{0,8}(?:将|要))")
# A sub-head says more in fewer words: （二）工作打算, 二、整改举措.
_TURN_HEAD = re.compile(r"改进|整改|措施|举措|下一步|打算|计划|方向|针对")
_PROBLEM_HEAD = re.compile(r"问题|不足")
_ENUMERATION = re.compile(r"[一二三四五六七八九十]是")
_NUMBERING = r"[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+[、.]|\d+[、.．]"    # （一） 一、 1、
_SUB_HEAD_NUMBER = re.compile(rf"^\s*(?:{_NUMBERING})")
_LEADING_NUMBER = re.compile(rf"^\s*(?:{_NUMBERING}|[一二三四五六七八九十]是)\s*")
_CONNECTIVES = re.compile(r"^(?:针对(?:上述|存在的?)?问题[，,]?|下一步[，,]?|[今明]年[，,]?|\d{4}年[，,]?"
                          r"|我(?:市|县|区|镇|乡|局|委|办|单位|街道)(?:将|要)?|将)")
_SENTENCE_END = re.compile(r"[。；;！!？?]")
MAX_POINT = 30
MAX_SUB_HEAD = 12           # a numbered line this short is a sub-head (（一）存在问题), not a point


@dataclass
class KeyPoints:
    problems: list[str] = field(default_factory=list)
    measures: list[str] = field(default_factory=list)
    undivided: list[str] = field(default_factory=list)   # the text never says which are which


def key_points(source: str) -> KeyPoints:
    """Problems and measures of section 五 (its Markdown source) as short points.

    The items of a paragraph are its 一是…二是… parts, or the paragraph itself when it is
    numbered (1、…), or else its sentences. Each point is the item's first sentence, cut at
    a comma past MAX_POINT characters: a summary beside the full text, which stays on the
    report page.
    """
    found = KeyPoints()
    pending: list[str] = []        # points before the text says what they are
    side: list[str] | None = None
    for block in re.split(r"\n\s*\n", source):
        text = block.strip()
        if not text:
            continue
        if _is_sub_head(text):
            opened = _side_of_head(text.lstrip("#").strip(), found)
            if opened is not None:              # the text has said: what came before are problems
                found.problems += pending
                pending.clear()
                side = opened
            continue
        turn = _TURN.search(text) if side is not found.measures else None
        if turn is not None:
            start = _sentence_start(text, turn.start())
            found.problems += pending + _points(text[:start])
            pending.clear()
            side = found.measures
            text = text[start:]
        (side if side is not None else pending).extend(_points(text))
    found.undivided = pending
    return found


def _is_sub_head(text: str) -> bool:
    """A Markdown heading, or a short numbered line that is no sentence: （二）改进措施, not 一是…。"""
    return text.startswith("#") or (len(text) <= MAX_SUB_HEAD and _SUB_HEAD_NUMBER.match(text) is not None
                                    and not _SENTENCE_END.search(text))


def _side_of_head(head: str, found: KeyPoints) -> list[str] | None:
    """The list a sub-head opens; None for a head naming both (问题及改进情况) or neither."""
    if re.search(r"问题(?:及|和|与)(?:改进|整改)", head):
        return None
    if _TURN.search(head) or _TURN_HEAD.search(head):
        return found.measures
    return found.problems if _PROBLEM_HEAD.search(head) else None


def _sentence_start(text: str, position: int) -> int:
    """Where the sentence holding `position` starts: the turn's own sentence opens the measures."""
    ends = [match.end() for match in _SENTENCE_END.finditer(text, 0, position)]
    return ends[-1] if ends else 0


def _points(text: str) -> list[str]:
    text = text.strip()
    if not text:
        return []
    if _ENUMERATION.search(text):
        items = _ENUMERATION.split(text)[1:]
    elif _LEADING_NUMBER.match(text):
        items = [text]
    else:
        items = _SENTENCE_END.split(text)
    return [point for point in map(_short, items) if point]


def _short(item: str) -> str:
    text = _LEADING_NUMBER.sub("", item.strip())
    while True:
        stripped = _CONNECTIVES.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    text = _SENTENCE_END.split(text)[0].strip()
    if len(text) > MAX_POINT:
        clauses = re.split(r"(?<=[，,])", text)
        kept = clauses[0]
        for clause in clauses[1:]:
            if len(kept) + len(clause) > MAX_POINT:
                break
            kept += clause
        text = kept.rstrip("，,")
    return text.strip("“”\"' ")
