"""benchmarks/feature_cost.py weighs the parts of a build by replacing, in the build's process, the
functions that do them: a function renamed or moved would make it measure nothing, silently. So
each function it replaces must still be the one the build calls, and a small build with every
part left out must write none of their files."""

from __future__ import annotations

import subprocess
import sys

import generator.build
import generator.output.workers
import generator.render.pages
from helpers import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
from scale import SEARCH_OFF  # noqa: E402
from synthetic import make_site  # noqa: E402

SCRIPT = REPO / "benchmarks" / "feature_cost.py"


def test_the_functions_it_replaces_are_those_the_build_calls():
    for module, name in [(generator.output.workers, "unit_open_data"), (generator.output.workers, "unit_links"),
                         (generator.output.workers, "fingerprints"), (generator.build, "write_portal_data"),
                         (generator.render.pages.Renderer, "unit_pages")]:
        assert callable(getattr(module, name)), (module, name)
    source = (REPO / "generator/output/workers.py").read_text(encoding="utf-8")
    assert all(f"{name}(" in source.split("def process_unit(", 1)[1]
               for name in ("unit_open_data", "unit_links", "fingerprints"))


def test_a_build_with_every_part_left_out_writes_no_tujie_and_no_open_data(tmp_path):
    site = tmp_path / "site"
    make_site(site, 4, years=1)
    with (site / "site.yaml").open("a", encoding="utf-8") as config:
        config.write(SEARCH_OFF)          # as the script builds it
    written = {}
    for name, parts in [("full", ()), ("none", ("tujie", "opendata", "links", "r10"))]:
        out = tmp_path / name
        subprocess.run([sys.executable, str(SCRIPT), "--child", str(site), str(out), *parts], check=True,
                       capture_output=True, cwd=REPO)
        written[name] = {path.relative_to(out).as_posix() for path in out.rglob("*") if path.is_file()}
    tujie = {path for path in written["full"] if path.endswith("-tujie.html")}
    data = {path for path in written["full"] if path.endswith((".csv", ".json")) and path.startswith(("nianbao/", "data/"))}
    assert len(tujie) == 4 and len(data) >= 9          # a CSV and a JSON a report, the portal's CSV and JSON
    assert not written["none"] & (tujie | data)
    assert written["none"] >= written["full"] - tujie - data - {"data/report.schema.json", "data/gongkai.sqlite"}   # the rest
