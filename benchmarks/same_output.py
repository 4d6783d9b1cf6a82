"""Does this checkout build the same bytes as another commit? For refactors.

Builds the example portal and a synthetic portal with the code of a base commit
and with the code of this working tree, and compares every output file's bytes.
Both builds read the same input (the base commit's example content, and a
synthetic portal made once by the base commit's benchmarks/synthetic.py), each
version with its own default templates. Pagefind's index is left out: its file
names are random on every run.

    python benchmarks/same_output.py --base main~3 --reports 1000

Prints one line per portal and every differing file; exits 1 if any differ.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
IGNORED = ("pagefind/",)


def export(ref: str, into: Path) -> Path:
    """The files of commit `ref` in a folder (git archive: no worktree to clean up)."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", ref],
                             check=True, capture_output=True).stdout
    tar = into.parent / "base.tar"
    tar.write_bytes(archive)
    with tarfile.open(tar) as t:
        t.extractall(into, filter="data")
    return into


def example_site(code: Path, into: Path) -> Path:
    """site.yaml and content/ only: each version renders them with its own default templates."""
    into.mkdir(parents=True)
    shutil.copy(code / "site.yaml", into / "site.yaml")
    shutil.copytree(code / "content", into / "content")
    return into


def build(code: Path, site: Path, out: Path, home: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(code), XDG_CACHE_HOME=str(home))
    where = subprocess.run([sys.executable, "-c", "import generator; print(generator.__file__)"],
                           cwd=code, env=env, check=True, capture_output=True, text=True).stdout.strip()
    if not where.startswith(str(code)):
        sys.exit(f"{code}: Python imported gongkai from {where}, not from this code")
    result = subprocess.run([sys.executable, "-m", "generator", "build", "--site", str(site), "--out", str(out),
                             "--quiet"], cwd=code, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"build of {site} with {code} failed:\n{result.stdout}{result.stderr}")


def digests(out: Path) -> dict[str, str]:
    found = {}
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out).as_posix()
        if path.is_file() and not rel.startswith(IGNORED):
            found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def compare(name: str, base: dict[str, str], here: dict[str, str]) -> bool:
    differ = sorted(rel for rel in base.keys() | here.keys() if base.get(rel) != here.get(rel))
    print(f"{name}: {len(here)} files here, {len(base)} in the base, {len(differ)} differ")
    for rel in differ[:50]:
        state = "only in the base" if rel not in here else "only here" if rel not in base else "different bytes"
        print(f"  {rel}: {state}")
    return not differ


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="HEAD", help="the commit to compare with (default HEAD)")
    parser.add_argument("--reports", type=int, default=1000, help="reports in the synthetic portal (default 1000)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gongkai-same-") as tmp:
        tmp = Path(tmp)
        base = export(args.base, tmp / "base")
        portals = {"example portal": example_site(base, tmp / "example")}
        synthetic = tmp / "synthetic"
        subprocess.run([sys.executable, "benchmarks/synthetic.py", str(synthetic), "--reports", str(args.reports)],
                       cwd=base, env=dict(os.environ, PYTHONPATH=str(base)), check=True, capture_output=True)
        portals[f"synthetic portal ({args.reports} reports)"] = synthetic
        same = True
        for n, (name, site) in enumerate(portals.items()):
            outputs = []
            for code in (base, REPO):
                out = tmp / f"out-{n}-{len(outputs)}"
                build(code, site, out, tmp / f"home-{n}-{len(outputs)}")
                outputs.append(digests(out))
            same = compare(name, *outputs) and same
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
