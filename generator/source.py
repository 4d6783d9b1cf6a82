"""Reading input files: bytes -> text -> YAML values that remember their line.

Editors' files come from Windows Notepad, WPS and copy-paste, so decoding
accepts a UTF-8 BOM and CRLF silently and reads GBK/GB18030 with a warning.
YAML in the usual plain shape is read by generator.fastyaml; anything else is
composed into nodes by PyYAML (its C composer when present; generator.yamlfull)
and converted by our own small resolver, which
- keeps the source line of every mapping key and sequence item,
- reads integers and decimals from their source text (so `012` is 12, not
  octal 10, and a fee keeps the exact digits that were published),
- refuses duplicate keys, aliases (no "billion laughs") and custom tags.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.fastyaml import read_plain_yaml
from generator.problems import Problems

MAX_FILE_BYTES = 2 * 1024 * 1024  # a report's data file is a few KB


Signature = tuple[int, int, str]   # (mtime_ns, size, sha256) of a file's bytes
_read_signatures: dict[str, Signature] = {}


def read_text(path: Path, rel: str, problems: Problems) -> str | None:
    """Decode a file as UTF-8 (BOM allowed), else GB18030 with a warning."""
    try:
        with open(path, "rb") as f:
            stat = os.fstat(f.fileno())
            if stat.st_size > MAX_FILE_BYTES:
                problems.error(rel, None, f"文件过大（{stat.st_size // 1024} KB），超过上限 {MAX_FILE_BYTES // 1024} KB，"
                                          "请检查是否误放了其他文件")
                return None
            raw = f.read()
    except OSError as exc:
        problems.error(rel, None, f"无法读取文件：{exc.strerror or exc}")
        return None
    # The stat is taken before reading: a save during the read shows as a newer mtime next time.
    _read_signatures[str(path)] = (stat.st_mtime_ns, stat.st_size, sha256(raw))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            problems.error(rel, line, "文件编码无法识别（既不是 UTF-8 也不是 GBK），请用记事本或 WPS "
                                      "“另存为”并选择 UTF-8 编码", "encoding")
            return None
        problems.warning(rel, None, "文件是 GBK/GB18030 编码，已按 GBK 读取；请“另存为”UTF-8 编码", "encoding")
    return text.replace("\r\n", "\n").replace("\r", "\n")


@dataclass
class Document:
    """A parsed YAML file: plain values plus the line of every key and item."""

    rel: str
    data: Any
    lines: dict[tuple, int] = field(default_factory=dict)
    raw: dict[tuple, str] = field(default_factory=dict)   # source text of scalars

    def text(self, path: tuple) -> str | None:
        """A scalar exactly as written: an organisation code keeps its leading zeros."""
        return self.raw.get(path)

    def line(self, path: tuple) -> int | None:
        """The line of `path`, or of its nearest ancestor that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)


class _Refused(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def signature_of_read(path: str) -> Signature | None:
    """The signature of the bytes read_text read from `path`, once (the build's cache
    records what it built from, without opening each file a second time)."""
    return _read_signatures.pop(path, None)


def forget_reads() -> None:
    _read_signatures.clear()


def load_yaml(path: Path, rel: str, problems: Problems) -> Document | None:
    text = read_text(path, rel, problems)
    if text is None:
        return None
    return parse_yaml(text, rel, problems)


def parse_yaml(text: str, rel: str, problems: Problems) -> Document | None:
    plain = read_plain_yaml(text)      # the usual shape, read fast; None: anything else
    if plain is not None:
        return Document(rel, *plain)
    from generator.yamlfull import parse_full     # PyYAML, imported when first needed
    return parse_full(text, rel, problems)
