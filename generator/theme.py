"""`generate theme list | copy NAME… | diff`: the default theme stays in the installed package,
so every upgrade's fixes reach every site; a site overrides only the files it copied.

A site's templates/ holds just its own files: each replaces the default of the same name (the
build reads the site's templates/ first, then the package's). `copy` starts an override from
the current default; `diff` shows, after an upgrade, how each override differs from the new
default, and which of the site's files override nothing (a typo, or a default since removed).
"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

from generator.inputs.source import link_out_of, sha256
from generator.problems import CommandFailed
from generator.render import environment
from generator.scaffold import TEMPLATES_NOTE_FILE

SITE_TEMPLATES = "templates"
# Files in a site's templates/ that are notes to its editors, not part of the theme.
NOTES = frozenset({TEMPLATES_NOTE_FILE, "README.md", "README.txt"})


class ThemeRefused(CommandFailed):
    """A theme command that cannot do what was asked; the message is Chinese."""


def default_files() -> list[str]:
    """Every file of the default theme, "/" separated, relative to its folder."""
    return _files(_defaults_dir())


def site_files(root: Path) -> list[str]:
    """The site's own files in templates/ (notes to editors left out); none where templates/
    is the default theme itself (gongkai's own checkout, the example portal)."""
    if _is_default_theme(root):
        return []
    return [name for name in _files(root / SITE_TEMPLATES) if name not in NOTES]


def _is_default_theme(root: Path) -> bool:
    return (root / SITE_TEMPLATES).resolve() == _defaults_dir().resolve()


def _files(folder: Path) -> list[str]:
    if not folder.is_dir():
        return []
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts and p.name != "__init__.py")


def copy_defaults(root: Path, names: list[str], force: bool = False) -> list[str]:
    """Copy the default files `names` into the site's templates/; returns what was written.
    Nothing is written unless every name is known and (without `force`) none would overwrite."""
    known = default_files()
    wanted = [_normalized(name) for name in names]
    unknown = [name for name, rel in zip(names, wanted) if rel not in known]
    if unknown:
        raise ThemeRefused(f"默认主题中没有「{'」「'.join(unknown)}」。可以复制的文件：{'、'.join(known)}")
    _refuse_link_out(root)
    if _is_default_theme(root):
        raise ThemeRefused(f"{root / SITE_TEMPLATES} 就是 gongkai 的默认模板本身，不必复制：请直接修改")
    links = [link for rel in wanted if (link := link_out_of(root, f"{SITE_TEMPLATES}/{rel}")) is not None]
    if links:                           # copying would write through it, outside the site
        raise ThemeRefused(f"{'、'.join(dict.fromkeys(links))} 是指向网站文件夹之外的链接，为安全起见不会写入")
    existing = [f"{SITE_TEMPLATES}/{rel}" for rel in wanted if (root / SITE_TEMPLATES / rel).exists()]
    if existing and not force:
        raise ThemeRefused(f"{'、'.join(existing)} 已存在，不会覆盖：若要换成当前的默认文件，请加 --force"
                           "（可先用 generate theme diff 查看两者的差别）")
    source = _defaults_dir()
    for rel in dict.fromkeys(wanted):
        target = root / SITE_TEMPLATES / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / rel, target)
    return [f"{SITE_TEMPLATES}/{rel}" for rel in dict.fromkeys(wanted)]


def _normalized(name: str) -> str:
    """「report.html」, 「templates/report.html」 and 「static\\site.css」 name the same files."""
    rel = name.replace("\\", "/").strip("/")
    return rel[len(SITE_TEMPLATES) + 1:] if rel.startswith(SITE_TEMPLATES + "/") else rel


def overrides_diff(root: Path) -> tuple[str, list[str]]:
    """A unified diff of each of the site's files against the default it overrides (the
    default as `---`, the site's as `+++`), and the site's files that override no default."""
    _refuse_link_out(root)
    known = set(default_files())
    source, own = _defaults_dir(), root / SITE_TEMPLATES
    chunks, orphans = [], []
    for rel in site_files(root):
        if link_out_of(root, f"{SITE_TEMPLATES}/{rel}") is not None:
            continue                    # never read (the build refuses it with its name)
        if rel not in known:
            orphans.append(f"{SITE_TEMPLATES}/{rel}")
            continue
        chunks.extend(difflib.unified_diff(
            _lines(source / rel), _lines(own / rel),
            fromfile=f"默认主题/{rel}", tofile=f"{SITE_TEMPLATES}/{rel}"))
    return "".join(chunks), orphans


def _defaults_dir() -> Path:
    # Looked up on the module each time, as the build's template_dirs does: one place decides.
    return environment.default_templates_dir()


def _refuse_link_out(root: Path) -> None:
    """The site's templates/ is not read or written when it leads out of the site (the build
    refuses that too). That `root` is a site folder, cli.refuse_if_not_a_site has said."""
    link = link_out_of(root, SITE_TEMPLATES)
    if link is not None:
        raise ThemeRefused(f"{link} 是指向网站文件夹之外的链接，为安全起见不会读写：请改为网站文件夹中的普通文件夹")


def _lines(path: Path) -> list[str]:
    """A file's lines for the diff; a binary file (an image) as one line naming its size."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [f"（二进制文件，{len(data)} 字节，sha256 {sha256(data)[:12]}）\n"]
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    return lines
