"""The unit a published report names: matched to content/units.yaml, or registered there.

One unit is printed under several names: 「洪泽区人民政府」 one year, 「淮安市洪泽区人民政府」
the next. A name matches a registered unit when the two differ only by place names in front
(江苏省, 淮安市 ...), in either direction; nothing else is guessed (「…办公室」 is not 「…」):
a wrong match would file a report under another office. A unit registered by --register is
appended to units.yaml as text, so the file's comments and entries stay byte for byte.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from pypinyin import lazy_pinyin

from generator.core.model import KINDS, Unit
from generator.importing.datafile import yaml_comment, yaml_scalar
from generator.importing.published import Published
from generator.inputs.config import UNITS_FILE
from generator.inputs.fields import invisible_character
from generator.problems import Problems

GOVERNMENT, DEPARTMENT, TOWNSHIP = KINDS
# A place name in front of a unit's name: two to six characters and the level of the place.
_LEVELS = ("特别行政区", "自治区", "自治州", "自治县", "地区", "省", "市", "州", "盟", "县", "区", "旗")
_OWN_LEVELS = _LEVELS + ("镇", "乡", "街道")      # a unit's own place may be a town or a street
_LEADING_PLACE = re.compile(f"[\u4e00-\u9fff]{{2,6}}?(?:{'|'.join(_LEVELS)})")
_OWN_PLACE = re.compile(f"[\u4e00-\u9fff]{{2,6}}?(?:{'|'.join(_OWN_LEVELS)})")
_HAN = re.compile("[\u4e00-\u9fff]+")
_GOVERNMENT = "人民政府"          # 花街镇人民政府 is called 花街镇 too: a government by its place
_LONGEST_NAME = 64          # longer is not a unit's name: not matched by place (and no regex runs long)
# The kind of unit a name ends with, most specific first; left out of its id.
_TOWNSHIP_ENDINGS = ("街道办事处", "镇人民政府", "乡人民政府", "街道", "镇", "乡")
_GOVERNMENT_ENDINGS = ("人民政府", "管理委员会", "管委会")
_ID_DROPPED_ENDINGS = ("街道办事处", "人民政府", "管理委员会", "管委会", "办事处", "委员会", "局")
_LONGEST_ID = 40


@dataclass(frozen=True)
class Match:
    unit: Unit | None
    note: str | None = None           # how a name other than the unit's own was matched
    error: str | None = None


def _plain(name: str) -> str:
    return re.sub(r"\s+", "", name)


def _all_places(text: str, levels: tuple[str, ...]) -> bool:
    """Whether text is places one after another (江苏省淮安市), each as _LEADING_PLACE: a walk
    over the text's positions, linear (a regular expression repeating the place would try every
    way to cut a hostile name, exponentially many)."""
    if not text or len(text) > _LONGEST_NAME:
        return False
    ends = {0}
    for start in range(len(text)):
        if start in ends:
            ends.update(start + body + len(level) for body in range(2, 7) for level in levels
                        if _HAN.fullmatch(text, start, start + body) and text.startswith(level, start + body))
    return len(text) in ends


def _key(name: str) -> str:
    """The name to compare: a government's without 人民政府 (花街镇人民政府 and 花街镇 are one)."""
    name = _plain(name)
    place = name.removesuffix(_GOVERNMENT)
    return place if _all_places(place, _OWN_LEVELS) else name


def names_of(unit: Unit) -> tuple[str, ...]:
    """The names a unit's reports may carry: its name and its 曾用名."""
    return (unit.name, *(name for name, _ in unit.former_names))


def place_prefix(printed: str, registered: str) -> str | None:
    """The place names by which one name is longer than the other (淮安市 for 淮安市洪泽区人民政府
    and 洪泽区人民政府, either way round), or None when they differ otherwise."""
    printed, registered = _key(printed), _key(registered)
    longer, shorter = (printed, registered) if len(printed) > len(registered) else (registered, printed)
    if len(longer) > _LONGEST_NAME or len(shorter) == len(longer) or not longer.endswith(shorter):
        return None
    prefix = longer[:len(longer) - len(shorter)]
    if _all_places(prefix, _LEVELS) and _OWN_PLACE.match(shorter):
        return prefix
    return None


def match_unit(name: str, units: list[Unit]) -> Match:
    """The registered unit a printed name means: its name or 曾用名 exactly (a government's
    with or without 人民政府), else the one unit whose name differs only by places in front.
    Two such units: the editor chooses (--unit)."""
    exact = [unit for unit in units if _plain(name) in map(_plain, names_of(unit))]
    if exact:
        return Match(exact[0])
    same = {unit.id: (unit, known) for unit in units for known in names_of(unit) if _key(known) == _key(name)}
    close = {unit.id: (unit, known, prefix) for unit in units for known in names_of(unit)
             if (prefix := place_prefix(name, known)) is not None}
    if len(same) == 1:
        [(unit, known)] = same.values()
        return Match(unit, note=f"单位名称「{name}」按已登记的「{known}」（{unit.id}）导入")
    if len(close) == 1 and not same:
        [(unit, known, prefix)] = close.values()
        return Match(unit, note=f"单位名称「{name}」与已登记的「{known}」（{unit.id}）只差地名「{prefix}」，按同一单位导入")
    if same or close:
        which = "、".join(f"{unit.name}（{unit.id}）" for unit, *_ in {**close, **same}.values())
        return Match(None, error=f"「{name}」可能是 {which}：请用 --unit 指定单位编号")
    return Match(None)


def unfit_to_register(name: str) -> str | None:
    """Why a printed name cannot be registered as it stands, or None: the editor registers it."""
    if len(_plain(name)) > _LONGEST_NAME:
        return f"有 {len(_plain(name))} 个字，不像单位名称"
    invisible = invisible_character(name)
    return invisible or (None if name.isprintable() else "含有换行或控制字符")


def unit_kind(name: str) -> str:
    """类型 from the name: a town or street, a government (人民政府, 管委会, or a place alone),
    else a department."""
    name = _plain(name)
    if name.endswith(_TOWNSHIP_ENDINGS):
        return TOWNSHIP
    if name.endswith(_GOVERNMENT_ENDINGS) or _all_places(name, _OWN_LEVELS):
        return GOVERNMENT           # a place alone (洪泽区, 平潭综合实验区) names its government
    return DEPARTMENT


def unit_id(name: str, taken: set[str]) -> str:
    """A short id from the name's pinyin, unique among `taken`: the name without its kind
    (人民政府, 局 ...) and without the places in front (洪泽区人民政府 -> hongzequ); on a clash
    the places are added back one by one (huaianshihongzequ), then a number (hongzequ-2)."""
    stem = _plain(name)
    for ending in _ID_DROPPED_ENDINGS:
        if stem.endswith(ending) and len(stem) > len(ending):
            stem = stem[:-len(ending)]
            break
    parts = _split_places(stem)
    candidates = [_pinyin("".join(parts[start:])) for start in range(len(parts) - 1, -1, -1)]
    candidates = [candidate for candidate in candidates if candidate] or ["danwei"]
    for candidate in candidates:
        if candidate not in taken:
            return candidate
    number = 2
    while f"{candidates[0]}-{number}" in taken:
        number += 1
    return f"{candidates[0]}-{number}"


def _split_places(stem: str) -> list[str]:
    """淮安市洪泽区财政 -> [淮安市, 洪泽区, 财政]: the places in front, then the rest, if any."""
    parts = []
    rest = stem if len(stem) <= _LONGEST_NAME else ""
    while (place := _LEADING_PLACE.match(rest)) is not None:
        parts.append(place.group())
        rest = rest[place.end():]
    return parts + [rest] if rest or not parts else parts


def _pinyin(text: str) -> str:
    letters = re.sub(r"[^a-z0-9]", "", "".join(lazy_pinyin(text)).lower().replace("ü", "v"))
    return letters[:_LONGEST_ID].strip("-")


@dataclass
class Registry:
    """The units of content/units.yaml and those an import registers (--register)."""
    units: dict[str, Unit]
    taken: set[str]                  # ids and former ids in use, and folders already under content/reports
    new: list[Unit]

    @classmethod
    def of(cls, units: dict[str, Unit], folders: set[str]) -> Registry:
        taken = set(units) | folders | {old for unit in units.values() for old in unit.former_ids}
        return cls(dict(units), taken, [])

    def find(self, name: str) -> Match:
        return match_unit(name, list(self.units.values()))

    def register(self, name: str) -> Unit:
        """A new unit for a name no unit has: its id from the pinyin, its kind from the name,
        after every unit in order."""
        new_id = unit_id(name, self.taken)
        order = max((unit.order for unit in self.units.values()), default=0) + 1
        unit = Unit(id=new_id, name=_plain(name), kind=unit_kind(name), code=None, parent=None, order=order,
                    accent=None, file=UNITS_FILE, line=None)
        self.units[new_id] = unit
        self.taken.add(new_id)
        self.new.append(unit)
        return unit

    def units_of(self, read: list[tuple[str, Published]], unit_id: str | None, register: bool,
                 failures: Problems) -> dict[str, Unit]:
        """Each file's unit (source -> unit): --unit, or the one its title names (match_unit).
        With --register, a name no unit has makes a new unit; its other spellings in this run
        (places in front) join it, under the shortest. The others are errors in failures."""
        if unit_id is not None:
            if unit_id in self.units:
                return {source: self.units[unit_id] for source, _ in read}
            for source, _ in read:
                failures.error(source, None, f"单位「{unit_id}」不在单位名录 content/units.yaml 中：请先登记该单位"
                                             f"（已登记：{'、'.join(self.units) or '无'}）")
            return {}
        found: dict[str, Unit] = {}
        unknown = []
        for source, report in read:
            match = self.find(report.unit_name) if report.unit_name else None
            if match is None:
                failures.error(source, None, "报告中找不到发布单位的名称：请用 --unit 指定单位编号"
                                             f"（已登记：{'、'.join(self.units) or '无'}）")
            elif match.unit is None and match.error is None:
                unknown.append((source, report))
            elif (unit := self._accepted(source, report, match, failures)) is not None:
                found[source] = unit
        for source, report in sorted(unknown, key=lambda pair: len(pair[1].unit_name)):
            if not register:
                failures.error(source, None, f"单位「{report.unit_name}」不在单位名录 content/units.yaml 中：加 --register "
                                             "自动登记（登记后请核对），或先在单位名录中登记，或用 --unit 指定单位编号")
                continue
            match = self.find(report.unit_name)          # another spelling of a unit registered just now?
            unfit = unfit_to_register(report.unit_name) if match.unit is None else None
            if unfit:
                failures.error(source, None, f"单位名称「{yaml_comment(report.unit_name[:70])}」{unfit}，不能自动登记："
                                             "请先在单位名录 content/units.yaml 中登记，或用 --unit 指定单位编号")
            elif (unit := self._accepted(source, report, match, failures)) is not None:
                found[source] = unit
        return found

    def _accepted(self, source: str, report: Published, match: Match, failures: Problems) -> Unit | None:
        """The unit matched (its note kept), a new one for a name no unit has, or an error."""
        if match.error:
            failures.error(source, None, match.error)
            return None
        if match.note:
            report.notes.append((None, match.note))
        return match.unit or self.register(report.unit_name)


def registered_text(units: list[Unit], today: datetime.date) -> str:
    """The entries that --register appends to units.yaml, under a comment asking for review."""
    lines = ["", f"# 由 generate import --register 登记（{today.isoformat()}）：请核对名称、类型和排序，补上组织机构代码。"]
    for unit in units:
        lines += [f"{unit.id}:", f"  名称: {yaml_scalar(unit.name)}", f"  类型: {unit.kind}", f"  排序: {unit.order}"]
    return "\n".join(lines) + "\n"


def appended_units_file(old: bytes, units: list[Unit], today: datetime.date) -> bytes:
    """units.yaml with the new units after its last byte: nothing before it changes."""
    separator = b"" if not old or old.endswith(b"\n") else b"\n"
    return old + separator + registered_text(units, today).encode("utf-8")


def registered_line(unit: Unit) -> str:
    return f"{unit.id}：{yaml_comment(unit.name)}（{unit.kind}，排序 {unit.order}）"
