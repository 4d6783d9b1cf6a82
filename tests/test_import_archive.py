"""`generate import` over a county's archive (issue 19 items 1-3): folders, the summary,
--keep-going, --register, and one unit under its several printed names."""

from __future__ import annotations

import datetime
import shutil
import time
from pathlib import Path

import pytest
import yaml

import generator.importer
from helpers import HUAIAN_SAMPLE, SAMPLES, SAMPLE_UNITS, build, generate, import_, rebuild_matches_cold, snapshot
from generator.core.model import Unit
from generator.importing.readers import READERS, files_to_import
from generator.importing.units import appended_units_file, match_unit, unfit_to_register, unit_id, unit_kind
from generator.problems import Problems

IMPORT_FIXTURES = Path(__file__).parent / "fixtures" / "import"
# A fixture of tests/fixtures/import named broken-* is deliberately unreadable (a test of the
# refusal): the archive below takes every other importable file there, those added later too.
BROKEN_PREFIX = "broken-"
COMMENTED_UNITS = "# 单位名录：注释要原样保留。\n" + SAMPLE_UNITS + "# 末尾的注释\n"
HUAIAN_TITLE = "淮安市人民政府2024年政府信息公开工作年度报告"


def report_of(path: Path, name: str, year: int = 2024) -> Path:
    """The huaian sample as if the unit `name` had published it for `year`."""
    text = HUAIAN_SAMPLE.read_text(encoding="utf-8")
    assert HUAIAN_TITLE in text
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.replace(HUAIAN_TITLE, f"{name}{year}年政府信息公开工作年度报告", 1), encoding="utf-8")
    return path


def broken_report(path: Path) -> Path:
    """The huajie sample with a row no form has: its import fails (找不到这一行)."""
    text = (SAMPLES / "huajie-2023.txt").read_text(encoding="utf-8")
    path.write_text(text.replace("行政强制 | 61 | ||\n", "行政强制 | 61 | ||\n行政征收 | 12 | ||\n"), encoding="utf-8")
    return path


def units_of(root: Path) -> dict:
    return yaml.safe_load((root / "content/units.yaml").read_text(encoding="utf-8"))


def archive(tmp_path: Path) -> Path:
    """Every sample, every importable fixture of tests/fixtures/import, and the report of a
    unit the site has not registered, in nested folders as an office's export would be."""
    folder = tmp_path / "archive"
    (folder / "samples").mkdir(parents=True)
    (folder / "cms").mkdir()
    for source in sorted(SAMPLES.glob("*")):
        if source.suffix in READERS:
            shutil.copy(source, folder / "samples" / source.name)
    for source in sorted(IMPORT_FIXTURES.glob("*")):
        if source.suffix in READERS and not source.name.startswith(BROKEN_PREFIX):
            shutil.copy(source, folder / "cms" / source.name)
    report_of(folder / "new" / "2024" / "hongze.txt", "洪泽区人民政府")
    (folder / "new" / "说明.md").write_text("不是报告：不导入", encoding="utf-8")
    (folder / ".hidden").mkdir()
    broken_report(folder / ".hidden" / "huajie-2023.txt")            # hidden: never read
    return folder


def test_one_run_over_an_archive_registers_its_new_unit_and_a_second_run_changes_nothing(empty_site, tmp_path):
    (empty_site / "content/units.yaml").write_text(COMMENTED_UNITS, encoding="utf-8")
    folder = archive(tmp_path)
    files = sorted(path for path in folder.rglob("*") if path.suffix in READERS and ".hidden" not in path.parts)
    assert len(files) >= 7
    run = import_(empty_site, folder, "--register")
    for path in files:           # each file imported, or named as the copy of one imported
        assert f"已导入 {path} -> " in run.out or f"{path} 是同一份报告的另一份副本" in run.out, path
    assert "未导入" not in run.out and str(folder / ".hidden") not in run.out + run.err
    assert (empty_site / "content/units.yaml").read_text(encoding="utf-8").startswith(COMMENTED_UNITS)
    hongze = units_of(empty_site)["hongzequ"]
    assert hongze == {"名称": "洪泽区人民政府", "类型": "本级政府", "排序": 1001}     # the others: 1000, unwritten
    assert "新登记单位 1 个（已写入 content/units.yaml，请核对）：\n    hongzequ：洪泽区人民政府（本级政府，排序 1001）" in run.out
    assert (empty_site / "content/reports/hongzequ/2024.yaml").is_file()
    assert generate("check", "--site", str(empty_site)).code == 0
    before = snapshot(empty_site)
    again = import_(empty_site, folder, "--register")
    assert snapshot(empty_site) == before
    assert "已导入 " not in again.out and "新登记单位" not in again.out
    imported = [line for line in run.out.splitlines() if line.startswith("已导入 ") and " -> " in line]
    assert f"未改动 {len(imported)} 份（以前已导入，内容相同）" in again.out


def test_an_incremental_build_after_an_import_that_registers_matches_a_cold_build(site, tmp_path):
    out = tmp_path / "out"
    build(site.root, out)
    units = site.read("content/units.yaml")
    import_(site.root, report_of(tmp_path / "a.txt", "淮安市洪泽区人民政府", 2023),
            report_of(tmp_path / "b.txt", "洪泽区人民政府"), "--register")
    assert site.read("content/units.yaml").startswith(units)
    rebuild_matches_cold(site.root, tmp_path, out)
    assert (out / "nianbao/hongzequ/2023.html").is_file() and (out / "nianbao/hongzequ/2024.html").is_file()


def test_a_report_imported_before_is_left_alone_if_it_reads_the_same_and_refused_if_not(empty_site, tmp_path,
                                                                                          monkeypatch):
    import_(empty_site, SAMPLES / "huajie-2023.txt")
    data = empty_site / "content/reports/huajie/2023.yaml"
    before = snapshot(empty_site)
    monkeypatch.setenv("GONGKAI_TODAY", "2031-05-06")               # another day, another copy of the file
    copy = tmp_path / "副本.txt"
    shutil.copy(SAMPLES / "huajie-2023.txt", copy)
    run = import_(empty_site, copy)
    assert snapshot(empty_site) == before and "未改动 1 份" in run.out
    data.write_text(data.read_text(encoding="utf-8") + "# 编辑过\n", encoding="utf-8")
    run = import_(empty_site, copy, code=1)
    assert "且与这次导入的内容不同，不会覆盖" in run.err and "--force" in run.err


def test_the_registered_order_comes_after_every_unit(empty_site, tmp_path):
    (empty_site / "content/units.yaml").write_text("huaian:\n  名称: 淮安市人民政府\n  类型: 本级政府\n  排序: 7\n"
                                                   "xuyi:\n  名称: 盱眙县人民政府\n  类型: 本级政府\n  排序: 3\n",
                                                   encoding="utf-8")
    import_(empty_site, report_of(tmp_path / "a.txt", "淮安市清江浦区人民政府"), "--register")
    assert units_of(empty_site)["qingjiangpuqu"]["排序"] == 8


def test_two_spellings_of_a_new_unit_in_one_run_are_one_unit_with_two_reports(empty_site, tmp_path):
    first = report_of(tmp_path / "a" / "2023.txt", "江苏省淮安市洪泽区人民政府", 2023)
    second = report_of(tmp_path / "b" / "2024.txt", "洪泽区人民政府", 2024)
    run = import_(empty_site, first, second, "--register")
    added = set(units_of(empty_site)) - set(yaml.safe_load(SAMPLE_UNITS))
    assert added == {"hongzequ"} and units_of(empty_site)["hongzequ"]["名称"] == "洪泽区人民政府"
    assert (empty_site / "content/reports/hongzequ/2023.yaml").is_file()
    assert (empty_site / "content/reports/hongzequ/2024.yaml").is_file()
    assert f"{first}: 注意：单位名称「江苏省淮安市洪泽区人民政府」与已登记的「洪泽区人民政府」（hongzequ）只差地名「江苏省淮安市」" in run.out


def test_a_name_with_its_region_prefix_is_the_registered_unit_and_the_reverse(empty_site, tmp_path):
    (empty_site / "content/units.yaml").write_text(SAMPLE_UNITS + "hongze:\n  名称: 洪泽区人民政府\n  类型: 本级政府\n"
                                                   "xuyi:\n  名称: 江苏省淮安市盱眙县人民政府\n  类型: 本级政府\n",
                                                   encoding="utf-8")
    before = (empty_site / "content/units.yaml").read_bytes()
    run = import_(empty_site, report_of(tmp_path / "a.txt", "淮安市洪泽区人民政府"),
                  report_of(tmp_path / "b.txt", "盱眙县人民政府"))
    assert "只差地名「淮安市」" in run.out and "只差地名「江苏省淮安市」" in run.out
    assert (empty_site / "content/reports/hongze/2024.yaml").is_file()
    assert (empty_site / "content/reports/xuyi/2024.yaml").is_file()
    assert (empty_site / "content/units.yaml").read_bytes() == before


def unit(id_: str, name: str, former: tuple = ()) -> Unit:
    return Unit(id=id_, name=name, kind=unit_kind(name), code=None, parent=None, order=1, accent=None,
                file="content/units.yaml", line=None, former_names=former)


@pytest.mark.parametrize("printed, registered, expected", [
    ("淮安市洪泽区人民政府", "洪泽区人民政府", "hongze"),
    ("江苏省淮安市洪泽区人民政府", "洪泽区人民政府", "hongze"),
    ("洪泽区人民政府", "淮安市洪泽区人民政府", "hongze"),
    ("花街镇", "花街镇人民政府", "hongze"),                    # a government named by its place
    ("淮安市洪泽区人民政府办公室", "洪泽区人民政府", None),       # another office: never guessed
    ("洪泽区人民政府办公室", "洪泽区人民政府", None),
    ("洪泽区人民政府", "洪泽区人民政府办公室", None),
    ("淮安市人民政府办公厅", "淮安市人民政府办公室", None),
    ("淮安市财政局", "财政局", None),                          # 财政局 alone could be anyone's
    ("洪泽区财政局", "淮安市洪泽区财政局", "hongze"),
])
def test_names_match_only_across_places_in_front(printed, registered, expected):
    found = match_unit(printed, [unit("hongze", registered)])
    assert (found.unit.id if found.unit else None) == expected
    assert (found.note is not None) == (expected is not None)


def test_a_former_name_matches_and_two_units_that_would_match_ask_for_unit():
    renamed = unit("qingshan-czj", "青山区财政局", former=(("青山区财政局（旧）", 700000),))
    assert match_unit("青山区财政局（旧）", [renamed]).unit is renamed
    both = [unit("hongze", "洪泽区人民政府"), unit("hongze-city", "淮安市洪泽区人民政府")]
    found = match_unit("江苏省淮安市洪泽区人民政府", both)
    assert found.unit is None and "--unit" in found.error and "hongze-city" in found.error and "（hongze）" in found.error


def test_ids_are_short_pinyin_and_unique():
    assert unit_id("洪泽区人民政府", set()) == "hongzequ"
    assert unit_id("江苏省淮安市洪泽区人民政府", {"hongzequ"}) == "huaianshihongzequ"
    assert unit_id("洪泽区人民政府", {"hongzequ"}) == "hongzequ-2"
    assert unit_id("洪泽区人民政府", {"hongzequ", "hongzequ-2"}) == "hongzequ-3"
    assert unit_id("淮安市洪泽区财政局", set()) == "caizheng"
    assert unit_id("淮安市洪泽区财政局", {"caizheng"}) == "hongzequcaizheng"
    assert unit_id("长安街道办事处", set()) == "changan"
    assert unit_id("住房和城乡建设局", set()) == "zhufanghechengxiangjianshe"      # 城乡 is not a place


@pytest.mark.parametrize("name, kind", [
    ("洪泽区人民政府", "本级政府"), ("淮安经济技术开发区管委会", "本级政府"), ("清河街道办事处", "乡镇（街道）"),
    ("花街镇人民政府", "乡镇（街道）"), ("古寨乡人民政府", "乡镇（街道）"), ("洪泽区财政局", "政府部门"),
    ("洪泽区", "本级政府"), ("平潭综合实验区", "本级政府"), ("花街镇", "乡镇（街道）"), ("洪泽区人民政府办公室", "政府部门"),
])
def test_the_kind_comes_from_the_name(name, kind):
    assert unit_kind(name) == kind


def test_registered_units_are_appended_and_nothing_before_them_changes():
    old = "# 注释\nhuajie:\n  名称: 花街镇人民政府\n  类型: 乡镇（街道）".encode("utf-8")     # no final line break
    new = appended_units_file(old, [unit("a-b", "洪泽区人民政府")], datetime.date(2024, 1, 2))
    assert new.startswith(old + b"\n")
    assert yaml.safe_load(new.decode("utf-8"))["a-b"] == {"名称": "洪泽区人民政府", "类型": "本级政府", "排序": 1}


def test_without_register_an_unknown_unit_names_the_flag(empty_site, tmp_path):
    run = import_(empty_site, report_of(tmp_path / "a.txt", "洪泽区人民政府"), code=1)
    assert "单位「洪泽区人民政府」不在单位名录 content/units.yaml 中：加 --register 自动登记" in run.err
    assert "待登记单位" not in run.out and (empty_site / "content/units.yaml").read_text(encoding="utf-8") == SAMPLE_UNITS


def test_keep_going_imports_the_good_files_and_lists_the_broken_one(empty_site, tmp_path):
    folder = tmp_path / "archive"
    folder.mkdir()
    shutil.copy(HUAIAN_SAMPLE, folder / "a-huaian.txt")
    broken = broken_report(folder / "b-huajie.txt")
    report_of(folder / "c-hongze.txt", "洪泽区人民政府")
    before = snapshot(empty_site)
    run = import_(empty_site, folder, "--register", code=1)          # all or nothing: nothing written
    assert snapshot(empty_site) == before
    assert "没有导入任何报告" in run.out and "--keep-going" in run.out and f"{broken}：" in run.out
    assert "待登记单位 1 个（本次未写入）" in run.out
    run = import_(empty_site, folder, "--register", "--keep-going", code=1)
    assert (empty_site / "content/reports/huaian/2024.yaml").is_file()
    assert (empty_site / "content/reports/hongzequ/2024.yaml").is_file()
    assert not (empty_site / "content/reports/huajie").exists()
    assert f"未导入 1 个文件：\n    {broken}：「行政征收 | 12" in run.out
    assert any(line.startswith(f"{broken}:") and "找不到这一行" in line for line in run.lines)
    assert run.lines[-1] == "部分导入：1 个文件未导入，其余 2 份已导入（见导入小结）。"


def test_the_summary_lists_the_reports_with_discrepancies_and_their_rules(empty_site, tmp_path):
    text = (SAMPLES / "huajie-2023.txt").read_text(encoding="utf-8")
    source = tmp_path / "huajie-2023.txt"
    source.write_text(text.replace("(七)总计 | 5 | 0 | 0 | 0 | 0 | 0 | 5 |", "(七)总计 | 6 | 0 | 0 | 0 | 0 | 0 | 6 |"),
                      encoding="utf-8")
    run = import_(empty_site, source)
    assert "有不符之处或提醒的报告 1 份（详见上文各行）：\n    花街镇人民政府 2023 年：R2、R3" in run.out


def test_the_site_is_read_once_however_many_files(empty_site, tmp_path, monkeypatch):
    reads = []
    load_site = generator.importer.load_site
    monkeypatch.setattr(generator.importer, "load_site", lambda root: reads.append(root) or load_site(root))
    folder = tmp_path / "archive"
    for n, name in enumerate(["洪泽区人民政府", "淮阴区人民政府", "清江浦区人民政府", "淮安区人民政府", "涟水县人民政府"]):
        report_of(folder / f"{n}.txt", name)
    import_(empty_site, folder, "--register")
    assert len(reads) == 1
    assert len(set(units_of(empty_site)) - set(yaml.safe_load(SAMPLE_UNITS))) == 5


def test_folders_are_searched_in_a_stable_order_for_the_known_suffixes(tmp_path):
    for rel in ("b/2.HTML", "b/1.htm", "a.txt", "c/.old/x.txt", "c/note.md", ".x.txt", "c/d/e.html"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x", encoding="utf-8")
    (tmp_path / "b/3.txt").symlink_to(tmp_path / "a.txt")
    problems = Problems()
    found = files_to_import([tmp_path, tmp_path / "a.txt", tmp_path / "c/note.md", tmp_path / "none"], problems)
    assert [path.relative_to(tmp_path).as_posix() for path in found] == ["a.txt", "b/1.htm", "b/2.HTML", "c/d/e.html"]
    [link, md, none] = problems.errors
    assert link.file == str(tmp_path / "b/3.txt") and link.message.startswith("是符号链接")
    assert md.file == str(tmp_path / "c/note.md") and md.message.startswith("不能导入这种文件（.md）：可导入 .txt、.htm、.html")
    assert none.file == str(tmp_path / "none") and none.message == "找不到这个文件或文件夹"


@pytest.mark.parametrize("name, why", [
    ("示例镇人民政府\u2028文号: 伪〔2019〕1号", "含有换行或控制字符"),
    ("洪泽区\u202e人民政府", "第 4 个字符是不可见的从右到左覆盖控制符 U+202E"),
])
def test_a_name_that_is_no_unit_name_is_not_registered(empty_site, tmp_path, name, why):
    run = import_(empty_site, report_of(tmp_path / "a.txt", name), "--register", code=1)
    assert why in run.err and "不能自动登记" in run.err
    assert (empty_site / "content/units.yaml").read_text(encoding="utf-8") == SAMPLE_UNITS


def test_a_name_too_long_for_a_unit_is_not_registered():
    assert unfit_to_register("洪泽区" * 30 + "人民政府") == "有 94 个字，不像单位名称"
    assert unfit_to_register("洪泽区人民政府") is None


def test_a_hostile_name_is_matched_as_fast_as_a_plain_one():
    """Cutting 区区区…中 into places every possible way took seconds at 60 characters (a
    regular expression repeating a place); compared with a plain name of the same length,
    generously, so a slow machine does not fail it."""
    units = [unit("hongze", "洪泽区人民政府"), unit("a", "淮安市洪泽区财政局")]

    def best(name: str) -> float:
        timings = []
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(20):
                match_unit(name, units), unit_kind(name), unit_id(name, set())
            timings.append(time.perf_counter() - start)
        return min(timings)

    hostile, plain = "区" * 58 + "中人民政府", "洪" * 58 + "中人民政府"
    assert best(hostile) < 50 * best(plain)
