"""Problems found in a site's input, collected across all files and printed once.

Every stage appends to one `Problems` list instead of raising, so an editor sees
every mistake of every file in one run (MkDocs stops at the first; we don't).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ERROR = "error"
WARNING = "warning"
NOTE = "note"          # said, not counted: e.g. what an import read tolerantly

# Characters that show as nothing yet change what a reader sees: bidi controls reorder a
# name on screen (「局务公开」 can display as another text), zero-width characters make two
# names that look the same differ (in search, in a screen reader, in a copy-paste).
# Their Chinese names, for messages (generator.inputs.fields.invisible_character).
INVISIBLE_NAMES = {
    "\u200e": "从左到右标记", "\u200f": "从右到左标记", "\u061c": "阿拉伯文字母标记",
    "\u202a": "从左到右嵌入控制符", "\u202b": "从右到左嵌入控制符", "\u202c": "方向嵌入结束控制符",
    "\u202d": "从左到右覆盖控制符", "\u202e": "从右到左覆盖控制符",
    "\u2066": "从左到右隔离控制符", "\u2067": "从右到左隔离控制符", "\u2068": "方向隔离控制符",
    "\u2069": "方向隔离结束控制符",
    "\u200b": "零宽空格", "\u200c": "零宽不连字", "\u200d": "零宽连字", "\u2060": "零宽不换行符",
    "\ufeff": "零宽不换行空格（BOM）",
}
INVISIBLE = re.compile(f"[{''.join(INVISIBLE_NAMES)}]")


@dataclass(frozen=True)
class Problem:
    level: str          # ERROR, WARNING or NOTE
    file: str           # path relative to the site folder, "/" separated
    line: int | None    # 1-based; None when the problem is about the whole file
    message: str        # Chinese, says what is wrong and, where obvious, the fix
    rule: str = ""      # rule id (R1...) or field name, shown in brackets

    def format(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        prefix = "警告：" if self.level == WARNING else ""
        suffix = f" ({self.rule})" if self.rule else ""
        return f"{where}: {prefix}{self.message}{suffix}"


@dataclass
class Problems:
    items: list[Problem] = field(default_factory=list)

    def error(self, file: str, line: int | None, message: str, rule: str = "") -> None:
        self.items.append(Problem(ERROR, file, line, message, rule))

    def warning(self, file: str, line: int | None, message: str, rule: str = "") -> None:
        self.items.append(Problem(WARNING, file, line, message, rule))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.level == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.level == WARNING]

    def sorted(self) -> list[Problem]:
        """File order, then line order: the way an editor walks through them."""
        return sorted(self.items, key=lambda p: (p.file, p.line or 0))


class CommandFailed(Exception):
    """Every command's one way to fail: the problems found, each printed as a
    `file:line: 说明 (rule)` line, then the summary, one Chinese sentence saying what
    failed and what was left untouched. generator.cli prints all of them the same way."""

    def __init__(self, summary: str, problems: Problems | None = None, heading: str | None = None):
        super().__init__(summary)
        self.summary = summary
        self.problems = problems if problems is not None else Problems()
        self.heading = heading   # None: the command's own (generator.cli.FAILED); "": none


class BuildFailed(CommandFailed):
    """Raised by the pipeline after it has listed every problem it could find."""

    def __init__(self, problems: Problems, out):
        super().__init__(f"共 {len(problems.errors)} 个错误。输出文件夹 {out} 保持原样，未写入任何文件。", problems)
