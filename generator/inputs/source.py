"""Reading input files: bytes -> text -> YAML values that remember their line.

Editors' files come from Windows Notepad, WPS and copy-paste, so decoding
accepts a UTF-8 BOM and CRLF silently and reads GBK/GB18030 with a warning.
YAML in the usual plain shape is read by generator.inputs.fastyaml; anything else is
composed into nodes by PyYAML (its C composer when present; generator.inputs.yamlfull)
and converted by our own small resolver, which
- keeps the source line of every mapping key and sequence item,
- reads integers and decimals from their source text (so `012` is 12, not
  octal 10, and a fee keeps the exact digits that were published),
- refuses duplicate keys, aliases (no "billion laughs") and custom tags.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from stat import S_ISREG

from generator.inputs.document import Document
from generator.inputs.fastyaml import read_plain_yaml
from generator.problems import INVISIBLE, Problems

MAX_FILE_BYTES = 2 * 1024 * 1024  # a report's data file is a few KB
MAX_ASSET_BYTES = 64 * 1024 * 1024   # a template or static file: a font with Chinese glyphs is 10-20 MB


Signature = tuple[int, int, str]   # (mtime_ns, size, sha256) of a file's bytes
_read_signatures: dict[str, Signature] = {}


def read_text(path: str | Path, rel: str, problems: Problems, *, from_site: bool = True) -> str | None:
    """Decode a file as UTF-8 (BOM allowed), else GB18030 with a warning (see read_bytes)."""
    raw = read_bytes(path, rel, problems, from_site=from_site)
    if raw is None:
        return None
    text = _decode(raw, rel, problems)
    if text is not None and text.startswith("\ufeff"):
        # _decode took one: another is left by a tool that added its own to a file that had one
        problems.warning(rel, 1, "文件开头有两个 BOM（不可见的编码标记 U+FEFF），已忽略；"
                                 "请用记事本或 WPS 把文件“另存为”UTF-8 编码", "BOM")
        text = text.lstrip("\ufeff")
    return text


def read_bytes(path: str | Path, rel: str, problems: Problems, *, from_site: bool = True,
               limit: int | None = None) -> bytes | None:
    """A file's bytes, if it is a regular file within the size limit (see unreadable).

    Its size is known before a byte is read (a 3 GB file costs a stat, not 3 GB). from_site:
    a file of the site folder, where a hard link is refused; False for a file the editor
    named on the command line.
    """
    try:
        # O_NONBLOCK: a FIFO planted in the site would block open() until someone writes to it
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        problems.error(rel, None, f"无法读取文件：{exc.strerror or exc}")
        return None
    try:
        stat = os.fstat(fd)
        if unreadable(stat, rel, problems, from_site, limit):
            return None
        raw = _read_all(fd, stat.st_size)
    finally:
        os.close(fd)
    # The stat is taken before reading: a save during the read shows as a newer mtime next time.
    _read_signatures[str(path)] = (stat.st_mtime_ns, stat.st_size, sha256(raw))
    return raw


def _read_all(fd: int, size: int) -> bytes:
    """Everything up to the end of the file (it may have grown since its stat), with os.read:
    a file object's set-up took half the time of reading a report's file."""
    chunks = [os.read(fd, size + 1)]
    while chunks[-1]:
        chunks.append(os.read(fd, 65536))
    return b"".join(chunks)


def unreadable(stat: os.stat_result, rel: str, problems: Problems, from_site: bool = True,
               limit: int | None = None) -> bool:
    """True (with an error) for what is never read as an input: not a regular file (a device,
    a FIFO), larger than `limit` (MAX_FILE_BYTES unless given), or a hard link in the site folder."""
    limit = limit or MAX_FILE_BYTES
    if not S_ISREG(stat.st_mode):
        problems.error(rel, None, "这不是一个普通文件（可能是设备或管道），为安全起见不会读取：请放入普通文件", "file")
    elif stat.st_size > limit:
        problems.error(rel, None, f"文件过大（{stat.st_size // 1024} KB），超过上限 {limit // 1024} KB，"
                                  "请检查是否误放了其他文件")
    elif from_site and stat.st_nlink > 1:
        # A hard link's other name may be anywhere on the disk (its twin outside the site
        # cannot be told from it), so it is treated as a link out of the site.
        problems.error(rel, None, f"这个文件是硬链接（同一文件有 {stat.st_nlink} 个名字，另一个可能在网站文件夹之外），"
                                  "为安全起见不会读取：请删除它，再把原文件复制（而不是链接）到这里", "hardlink")
    else:
        return False
    return True


def _decode(raw: bytes, rel: str, problems: Problems) -> str | None:
    try:
        text = raw.decode("utf-8")       # and one BOM dropped: utf-8-sig's Python-level wrapper took 40% longer
        text = text[1:] if text.startswith("\ufeff") else text
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            problems.error(rel, line, "文件编码无法识别（既不是 UTF-8 也不是 GBK），请用记事本或 WPS "
                                      "“另存为”并选择 UTF-8 编码", "encoding")
            return None
        problems.warning(rel, None, "文件是 GBK/GB18030 编码，已按 GBK 读取；请“另存为”UTF-8 编码", "encoding")
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def link_out_of(root: Path, rel: str) -> str | None:
    """The part of `rel` (itself or a folder on the way to it) that is a link leading out of
    the site folder `root`, or None when the path stays inside."""
    root = root.resolve()
    try:
        if (root / rel).resolve().is_relative_to(root):
            return None
    except (OSError, RuntimeError):     # a loop of links: nothing to read there either
        pass
    parts = rel.split("/")
    for end in range(1, len(parts) + 1):
        part = root.joinpath(*parts[:end])
        try:
            if part.is_symlink() and not part.resolve().is_relative_to(root):
                return "/".join(parts[:end])
        except (OSError, RuntimeError):
            return "/".join(parts[:end])
    return rel


def confined(root: Path, rel: str, problems: Problems) -> bool:
    """False (with an error) when `rel` leads out of the site folder `root`: a link
    there, or on a folder on the way, could put any file of the machine on the public site,
    so nothing is read through it. One error per link, however many paths go through it."""
    link = link_out_of(root, rel)
    if link is None:
        return True
    if not any(p.file == link and p.rule == "symlink" for p in problems.items):
        problems.error(link, None, "这是一个指向网站文件夹之外的链接，为安全起见不会读取：请把文件本身放进网站文件夹",
                       "symlink")
    return False


def inside(root: Path, path: Path, rel: str, problems: Problems) -> bool:
    """False (with an error) for a link (`path`, at `rel` in the site) that leads out of the
    site folder: such a file could put anything on the public site, so it is never read.
    Its folder is known to stay inside, so only a link needs resolving."""
    return not path.is_symlink() or confined(root, rel, problems)


def file_signature(path: str | Path, stat: os.stat_result | None = None, limit: int = MAX_FILE_BYTES) -> Signature:
    """(mtime_ns, size, sha256) of a file, from a stat first: a file read_text would refuse
    (larger than `limit`, not a regular file) is not read, and its empty digest matches no file's, so
    whatever was built from the file is built again and read_text says why it cannot be."""
    stat = stat or os.stat(path)
    if not S_ISREG(stat.st_mode) or stat.st_size > limit:
        return (stat.st_mtime_ns, stat.st_size, "")
    with open(path, "rb") as f:
        return (stat.st_mtime_ns, stat.st_size, sha256(f.read()))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def signature_of_read(path: str) -> Signature | None:
    """The signature of the bytes read_text read from `path`, once (the build's cache
    records what it built from, without opening each file a second time)."""
    return _read_signatures.pop(path, None)


def forget_reads() -> None:
    _read_signatures.clear()


def load_yaml(path: str | Path, rel: str, problems: Problems) -> Document | None:
    text = read_text(path, rel, problems)
    if text is None:
        return None
    return parse_yaml(text, rel, problems)


def parse_yaml(text: str, rel: str, problems: Problems) -> Document | None:
    plain = read_plain_yaml(text)      # the usual shape, read fast; None: anything else
    if plain is not None:
        doc = Document(rel, *plain)
    else:
        from generator.inputs.yamlfull import parse_full     # PyYAML, imported when first needed
        doc = parse_full(text, rel, problems)
    if doc is not None:
        doc.invisible = plain is None and INVISIBLE.search(text) is not None   # the fast reader steps aside
    return doc
