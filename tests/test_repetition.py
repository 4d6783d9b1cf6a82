"""R10: a narrative repeated from the unit's report of last year, or from another unit's
report of the same year (a warning above site.yaml's 重复率上限, 50% by default).

Whole `generate check` and `build` runs on a copy of the example portal (花街镇 2023, 淮安市
2024), with a 2024 report for 花街镇 (helpers.add_next_year: its own narrative) or a copy of
花街镇's report under a new unit.
"""

from __future__ import annotations

import marshal
import re
from dataclasses import replace

from generator.build import build_site
from generator.content.repetition import MIN_SENTENCE, digest, sentences
from generator.output.manifest import read_manifest, records_changed
from helpers import (HUAJIE_MD, NEXT_MD, NEXT_YEAR_NARRATIVE, SIBLING_MD, add_2024,
                     add_sibling, copy_last_year, generate)

def check(site, *extra):
    return generate("check", "--site", str(site.root), *extra)


def r10_lines(run) -> list[str]:
    return [line for line in run.lines if line.endswith("(R10)")]


def share(line: str) -> int:
    return int(re.search(r"正文有 (\d+)% 与", line)[1])


def test_the_example_portal_has_no_r10_warning(site):
    run = check(site, "--strict")
    assert run.code == 0, run.err
    assert "R10" not in run.err


def test_last_years_narrative_with_only_the_year_changed_warns_and_names_the_passages(site):
    add_2024(site)
    copy_last_year(site)
    run = site.build()
    assert run.code == 0, run.err
    [line] = r10_lines(run)
    assert line.startswith(f"{NEXT_MD}:1: 警告：正文有 ")
    assert share(line) >= 90
    assert f"与 2023 年报告（{HUAJIE_MD}）相同，最长的重复段落：第 3–" in line
    assert "（2023.md 第 3–" in line and "「2024年,花街镇人民政府认真贯彻执行《中华人民…」" in line
    assert check(site, "--strict").code == 1          # a warning: fails only with --strict


def test_the_three_longest_passages_are_named_with_their_lines_in_both_files(site):
    add_2024(site)
    lines = site.read(HUAJIE_MD).splitlines()
    # Last year's narrative with a new line after lines 3 and 19: three passages remain.
    for number in (19, 3):
        lines.insert(number, "今年新增的一句话，内容完全不同于去年的任何一句。")
    site.write(NEXT_MD, "\n".join(lines))
    [line] = r10_lines(check(site))
    passages = line.split("最长的重复段落：")[1].removesuffix(" (R10)").split("；")
    assert [p.split("「")[0] for p in passages] == [
        "第 8–20 行（2023.md 第 7–19 行）", "第 25–49 行（2023.md 第 23–47 行）", "第 3 行（2023.md 第 3 行）"]
    assert passages[0].endswith("「按照信息公开的法定程序和公开时限要求,及时在政府…」")


def test_two_genuinely_different_narratives_give_nothing(site):
    add_2024(site)                     # its own narrative, sharing only the headings with 2023's
    run = check(site, "--strict")
    assert run.code == 0, run.err
    assert r10_lines(run) == []


def test_the_headings_citations_boilerplate_and_short_sentences_are_not_counted():
    text = ("## 一、总体情况\n"
            "本报告根据《中华人民共和国政府信息公开条例》和国办公开办函〔2021〕30号要求编制。\n"
            "报告中所列数据的统计期限自2024年1月1日起至2024年12月31日止。\n"
            "如对本报告有疑问，请与本机关联系。\n"
            "严格执行《中华人民共和国政府信息公开条例》。\n"
            "全年无差错。\n"
            "| 项目 | 数量 |\n"
            "- 全面梳理公开目录，逐项核对公开内容。\n")
    [counted] = sentences(text)
    assert (counted.line, counted.text, counted.length) == (8, "全面梳理公开目录，逐项核对公开内容。", 16)
    assert MIN_SENTENCE == 10


def test_a_change_of_numbers_or_width_is_still_the_same_sentence():
    [a] = sentences("2023年全年主动公开政务信息共计53条，其余信件均按时回复。")
    [b] = sentences("２０２４年全年主动公开政务信息共计 61 条,其余信件均按时回复;")
    [c] = sentences("二〇二四年全年主动公开政务信息共计六十一条，其余信件均按时回复。")
    [d] = sentences("2024年全年依申请公开政务信息共计53条，其余信件均按时回复。")
    assert a.key == b.key == c.key != d.key


def test_a_sibling_units_copied_narrative_warns_naming_that_unit(site):
    add_sibling(site, site.read(HUAJIE_MD).replace("花街镇", "小桥镇"))
    assert sorted(r10_lines(check(site))) == [
        f"{HUAJIE_MD}:1: 警告：正文有 100% 与 小桥镇人民政府 2023 年报告（{SIBLING_MD}）相同，最长的重复段落："
        f"第 3–47 行（2023.md 第 3–47 行）「2023年,花街镇人民政府认真贯彻执行《中华人民…」 (R10)",
        f"{SIBLING_MD}:1: 警告：正文有 100% 与 花街镇人民政府 2023 年报告（{HUAJIE_MD}）相同，最长的重复段落："
        f"第 3–47 行（2023.md 第 3–47 行）「2023年,小桥镇人民政府认真贯彻执行《中华人民…」 (R10)"]


def test_another_units_report_of_another_year_is_not_compared(site):
    add_2024(site)
    add_sibling(site, site.read(NEXT_MD))          # 小桥镇 2023 with 花街镇's 2024 narrative
    assert r10_lines(check(site)) == []


def test_an_incremental_build_that_rereads_one_unit_still_sees_the_copy(site):
    add_sibling(site, site.read(HUAJIE_MD).replace("花街镇", "小桥镇"))
    assert len(r10_lines(site.build())) == 2
    assert len(r10_lines(site.build())) == 2          # nothing changed: both still named, from the manifest
    # Only 小桥镇 is read again: 花街镇's narrative is compared from the manifest.
    site.write(SIBLING_MD, site.read(SIBLING_MD) + "\n本年度新增一段说明，与其他单位的报告均不相同。\n")
    result = build_site(site.root)
    assert not result.full and result.changed == [SIBLING_MD]
    warned = sorted(p.file for p in result.problems.items if p.rule == "R10")
    assert warned == [HUAJIE_MD, SIBLING_MD]
    # 小桥镇 writes its own text: both warnings go, 花街镇's though its unit was not read.
    site.write(SIBLING_MD, NEXT_YEAR_NARRATIVE.read_text(encoding="utf-8"))
    result = build_site(site.root)
    assert not result.full and result.changed == [SIBLING_MD]
    assert [p for p in result.problems.items if p.rule == "R10"] == []


def test_the_limit_is_set_in_site_yaml(site):
    add_2024(site)
    copy_last_year(site)
    site.write("site.yaml", site.read("site.yaml") + "\n重复率上限: 100\n")
    assert r10_lines(check(site)) == []
    site.write("site.yaml", site.read("site.yaml").replace("重复率上限: 100", "重复率上限: 120"))
    run = check(site)
    assert run.code == 1
    assert any("重复率上限" in line and "应为 1 到 100 之间的整数" in line for line in run.lines), run.err


def test_a_rebuild_with_nothing_changed_takes_the_warnings_from_the_manifest(site, monkeypatch):
    """The pass is not run again when no unit's record changed, the first rebuild after a cold
    build included (its records come from the workers, the next ones from the manifest file)."""
    add_sibling(site, site.read(HUAJIE_MD).replace("花街镇", "小桥镇"))
    assert len(r10_lines(site.build())) == 2

    def not_again(*args, **kwargs):
        raise AssertionError("R10 ran again with no fingerprint changed")

    monkeypatch.setattr("generator.content.repetitionupdate.repeated_text", not_again)
    monkeypatch.setattr("generator.content.repetitionupdate.repeated_again", not_again)
    assert len(r10_lines(site.build())) == 2


def test_the_fingerprints_digest_depends_on_their_values_only():
    prints = [("huajie", 2023, "content/reports/huajie/2023.md", bytes(range(20)))]
    rebuilt = [("".join(["hua", "jie"]), 2023, "content/reports/huajie/" + str(2023) + ".md", bytes(range(20)))]
    assert digest(prints) == digest(marshal.loads(marshal.dumps(prints))) == digest(rebuilt)
    assert digest(prints) != digest([prints[0][:3] + (bytes(range(1, 21)),)])


def test_warnings_found_again_are_saved_for_the_next_rebuild(site):
    """A manifest whose R10 digest is out of date (an upgrade changed how it is taken) is saved
    again once the pass has run, though no unit changed: else every rebuild runs it again."""
    add_sibling(site, site.read(HUAJIE_MD).replace("花街镇", "小桥镇"))
    site.build()
    previous = read_manifest(site.root, site.root / "build")
    current = replace(previous, repetition=("a digest of another version", []))
    assert not records_changed(previous, replace(previous))
    assert records_changed(previous, current)
