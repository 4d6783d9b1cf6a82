"""Write the output folder so that readers never see a half-built site.

The new site is written into a temporary folder beside the output folder and
swapped in only when complete (Lektor's idea, applied to the whole tree): a
failed or interrupted build leaves the previous output exactly as it was.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterable

from generator.problems import Problems

MARKER = ".gongkai-build"   # marks a folder as ours, so we never replace anything else


class OutputRefused(Exception):
    """The output folder is one we must not replace; the message is Chinese."""


def check_output_dir(out: Path, site_root: Path) -> None:
    out, site_root = out.resolve(), site_root.resolve()
    if out == site_root or out in site_root.parents:
        raise OutputRefused(f"输出文件夹 {out} 是网站文件夹本身或其上级，构建会覆盖源文件：请指定单独的输出文件夹，如 build")
    for source in ("content", "templates"):
        if out == site_root / source or (site_root / source) in out.parents:
            raise OutputRefused(f"输出文件夹 {out} 位于 {source}/ 之中：请指定单独的输出文件夹，如 build")
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
        raise OutputRefused(f"输出文件夹 {out} 已存在且不是 gongkai 生成的，为免误删，不会覆盖它："
                            "请换一个输出文件夹，或先手动清空它")


def write_site(out: Path, files: Iterable[tuple[str, bytes]], problems: Problems) -> int:
    """Write every file into a fresh tree and swap it in; returns the file count.

    If `problems` has errors once every file was produced, nothing is swapped.
    """
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    for leftover in out.parent.glob(f".{out.name}-new-*"):
        shutil.rmtree(leftover, ignore_errors=True)    # from a build that was killed
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-new-", dir=out.parent))
    count = 0
    try:
        for rel, data in files:
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            count += 1
        if problems.errors:
            return 0
        (staging / MARKER).write_text("built by gongkai; safe to delete\n", encoding="utf-8")
        os.chmod(staging, 0o777 & ~_umask())   # mkdtemp makes it private; a web server must read it
        _swap_in(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return count


def _swap_in(staging: Path, out: Path) -> None:
    """Put `staging` at `out`; afterwards `staging` holds the old tree, if any."""
    if not out.exists():
        os.rename(staging, out)
        return
    if _exchange(staging, out):
        return
    old = out.with_name(f".{out.name}-old-{os.getpid()}")
    os.rename(out, old)
    os.rename(staging, out)
    os.rename(old, staging)


def _exchange(a: Path, b: Path) -> bool:
    """Linux renameat2(RENAME_EXCHANGE): swap two folders in one atomic step."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_in_place(out: Path, files: Iterable[tuple[str, bytes]], stale: Iterable[str]) -> int:
    """Update a folder file by file (the preview's output, which nobody publishes).

    Each file is replaced atomically (written aside, then renamed over), and only
    when its bytes changed; `stale` files are removed. Returns the files written.
    """
    written = 0
    for rel, data in files:
        target = out / rel
        if target.is_file() and target.stat().st_size == len(data) and target.read_bytes() == data:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, target)
        written += 1
    for rel in stale:
        (out / rel).unlink(missing_ok=True)
    return written
