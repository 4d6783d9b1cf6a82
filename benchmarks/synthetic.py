"""A synthetic portal of N reports in gongkai's own format, for benchmarks.

Realistic: a county government, many departments and towns, several years
each (newest years first filled), a narrative of about 1,500 characters with
headings and lists, and every table filled with plausible numbers that pass
the checks (R1-R3, R5 within a report, R6 and R7 across years).

    python benchmarks/synthetic.py DIR --reports 1000
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from generator.core.form import APPLICANT_COLUMNS, OUTCOME_COLUMNS, TABLE3  # noqa: E402
from generator.importing.datafile import data_file_text  # noqa: E402

FIRST_YEAR, LAST_YEAR = 2021, 2025   # the 2021 format; older years come in with the importer
DEPARTMENT_NAMES = ["发展和改革局", "教育局", "科学技术局", "公安局", "民政局", "司法局", "财政局", "人力资源和社会保障局",
                    "自然资源和规划局", "生态环境局", "住房和城乡建设局", "交通运输局", "水利局", "农业农村局", "商务局",
                    "文化广电旅游体育局", "卫生健康局", "退役军人事务局", "应急管理局", "审计局", "市场监督管理局",
                    "统计局", "医疗保障局", "城市管理局", "行政审批局", "信访局", "数据资源管理局", "林业局"]
TOWN_SUFFIXES = ["镇人民政府", "乡人民政府", "街道办事处"]
TOWN_STEMS = "东西南北中新安和平兴福宁泰康华阳山河湖桥溪石青白云龙凤花柳松竹梅兰"
TINY_PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                         "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082")
RESULT_ROWS = [row.id for row, parents in TABLE3.rows() if parents and not row.total]


SPREAD = LAST_YEAR - FIRST_YEAR + 1  # years a unit has reports for, by default


def plan_units(reports: int, years: int = SPREAD) -> list[tuple[str, str, str, int]]:
    """(id, name, kind, years) for enough units to hold `reports` reports, `years` each (the newest)."""
    count = -(-reports // years)
    units = [("county", "示例县人民政府", "本级政府", years)]
    for n in range(1, count):
        if n % 3:
            name = f"示例县{DEPARTMENT_NAMES[n % len(DEPARTMENT_NAMES)]}" + (f"（{n}）" if n >= len(DEPARTMENT_NAMES) else "")
            units.append((f"dept-{n}", name, "政府部门", years))
        else:
            stem = TOWN_STEMS[n % len(TOWN_STEMS)] + TOWN_STEMS[(n * 7) % len(TOWN_STEMS)]
            if any(name.startswith(stem) for _, name, _, _ in units[-3 * len(TOWN_STEMS):]):
                stem += str(n)     # the stems repeat: a name two units share is a warning each
            units.append((f"town-{n}", f"{stem}{TOWN_SUFFIXES[n % 3]}", "乡镇（街道）", years))
    remaining = reports
    planned = []
    for unit_id, name, kind, unit_years in units:
        take = min(unit_years, remaining)
        planned.append((unit_id, name, kind, take))
        remaining -= take
    return [u for u in planned if u[3] > 0]


def table_values(rng: random.Random, carried: dict[str, int], in_force: int, town: bool):
    """Tables 二, 三, 四 of one year; returns them with what carries into next year."""
    t2 = {("normative", "issued"): (issued := rng.randint(0, 12)),
          ("normative", "repealed"): (repealed := rng.randint(0, min(4, in_force))),
          ("normative", "in_force"): in_force + issued - repealed,
          ("licensing", "decisions"): rng.randint(0, 3000), ("penalty", "decisions"): rng.randint(0, 800),
          ("coercion", "decisions"): rng.randint(0, 90), ("fees", "amount"): round(rng.random() * 500, 2)}
    if not town:
        t2 |= {("rules", "issued"): 0, ("rules", "repealed"): 0, ("rules", "in_force"): 0}
    t3: dict = {}
    forward_next = {}
    for column in APPLICANT_COLUMNS[:-1]:
        new = rng.randint(0, 40) if column.id == "natural" else rng.randint(0, 4)
        old = carried.get(column.id, 0)
        forward = rng.randint(0, min(2, new + old))
        done = new + old - forward
        shares = [0] * len(RESULT_ROWS)
        for _ in range(done):
            shares[min(int(rng.expovariate(0.6)), len(RESULT_ROWS) - 1)] += 1
        t3[("new", column.id)], t3[("carried_over", column.id)] = new, old
        t3[("carried_forward", column.id)] = forward
        for row_id, value in zip(RESULT_ROWS, shares):
            t3[(row_id, column.id)] = value
        t3[("results_total", column.id)] = done
        forward_next[column.id] = forward
    for row in {r for r, _ in t3}:
        t3[(row, "total")] = sum(t3[(row, c.id)] for c in APPLICANT_COLUMNS[:-1])
    t4 = {}
    for row in ("review", "direct", "after_review"):
        for column in OUTCOME_COLUMNS[:-1]:
            t4[(row, column.id)] = rng.choice([0, 0, 0, 1, 2])
        t4[(row, "total")] = sum(t4[(row, c.id)] for c in OUTCOME_COLUMNS[:-1])
    return {"二": t2, "三": t3, "四": t4}, forward_next, t2[("normative", "in_force")]


def narrative(rng: random.Random, name: str, year: int, t3) -> str:
    received = t3[("new", "total")]
    items = rng.sample(["政策解读", "重点领域信息公开", "政务新媒体", "依申请公开办理", "基层政务公开标准化",
                        "政府网站集约化", "政务公开培训", "公开目录动态更新"], 3)
    return f"""本报告由{name}根据《中华人民共和国政府信息公开条例》和《中华人民共和国政府信息公开工作年度报告格式》要求编制，统计期限自{year}年1月1日至{year}年12月31日。如对本报告有疑问，请与{name}办公室联系（电话：0000-{rng.randint(1000000, 9999999)}）。

## 一、总体情况

{year}年，{name}坚持以人民为中心，严格落实《条例》各项规定，围绕中心工作推进政务公开，不断提升公开质量和实效。

### （一）主动公开

全年通过政府网站主动公开政府信息{rng.randint(50, 3000)}条，发布政策解读{rng.randint(1, 40)}篇，通过政务新媒体发布信息{rng.randint(50, 2000)}条。重点做好以下工作：

1. 及时公开{items[0]}相关信息，做到应公开尽公开；
2. 持续深化{items[1]}工作，公开内容更加全面；
3. 规范{items[2]}管理，提升信息发布的及时性。

### （二）依申请公开

全年共收到政府信息公开申请{received}件，均在法定期限内答复。进一步规范受理、审查、答复等环节，提高答复的规范性和针对性。

### （三）政府信息管理

严格执行公开前保密审查制度，落实“先审查、后公开”要求，全年未发生泄密事件，动态更新政府信息公开目录。

### （四）政府信息公开平台建设

持续优化政府网站政府信息公开专栏，加强政务新媒体日常管理，做好栏目内容保障和更新维护工作。

### （五）监督保障

将政务公开工作纳入年度绩效考核，组织业务培训{rng.randint(1, 6)}次，本年度未发生责任追究情况。

## 五、存在的主要问题及改进情况

### （一）存在的主要问题

1、{items[0]}的深度和广度有待提升。部分信息发布不够及时。
2、政务公开队伍力量仍需加强。业务培训覆盖面不够。

### （二）改进情况

1、加强{items[0]}工作。建立健全常态化工作机制。
2、强化队伍建设。定期开展业务培训，提升工作人员能力水平。

## 六、其他需要报告的事项

本年度未收取信息处理费。
"""


def make_site(root: Path, reports: int, seed: int = 2025, years: int = SPREAD) -> int:
    """Write a synthetic site of `reports` reports into `root` (replaced), `years` a unit (1: all
    of the last year, a province's portal in a single year). Returns the count."""
    if root.exists():
        shutil.rmtree(root)
    rng = random.Random(seed)
    (root / "content" / "reports").mkdir(parents=True)
    (root / "site.yaml").write_text("网站名称: 示例县人民政府门户网站（基准测试）\n网站地址: https://bench.example.org/\n"
                                    "主办单位: 示例县人民政府办公室\n"
                                    # the footer items inspections check: a real portal has them all
                                    "联系方式: 电话 0000-0000000\n网站标识码: \"0000000000\"\n"
                                    "ICP备案号: 某ICP备00000000号\n公安备案号: 某公网安备 00000000000000号\n"
                                    "党政机关网站标识:\n  链接: https://bszs.conac.cn/sitename?method=show&id=0\n"
                                    "  图片: static/conac.png\n", encoding="utf-8")
    # The 党政机关网站标识 image as a real portal has it: the site's own file (a missing one is a
    # broken link on every page, and the link check's warnings would be what the benchmark measures).
    (root / "templates" / "static").mkdir(parents=True)
    (root / "templates" / "static" / "conac.png").write_bytes(TINY_PNG)
    units_yaml, written = [], 0
    for order, (unit_id, name, kind, unit_years) in enumerate(plan_units(reports, years), start=1):
        units_yaml.append(f"{unit_id}:\n  名称: {name}\n  类型: {kind}\n  排序: {order}\n")
        folder = root / "content" / "reports" / unit_id
        folder.mkdir()
        carried, in_force = {}, rng.randint(5, 60)
        for year in range(LAST_YEAR - unit_years + 1, LAST_YEAR + 1):
            tables, carried, in_force = table_values(rng, carried, in_force, kind == "乡镇（街道）")
            title = f"{name}{year}年政府信息公开工作年度报告"
            metadata = {"发布日期": f"{year + 1}-01-{rng.randint(10, 28)}", "发布机构": name,
                        "主题分类": "综合政务\\\\政务公开"}
            omit = frozenset({"rules"}) if kind == "乡镇（街道）" else frozenset()
            (folder / f"{year}.yaml").write_text(data_file_text(title, year, metadata, tables, omit), encoding="utf-8")
            (folder / f"{year}.md").write_text(narrative(rng, name, year, tables["三"]), encoding="utf-8")
            written += 1
    (root / "content" / "units.yaml").write_text("\n".join(units_yaml), encoding="utf-8")
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--years", type=int, default=SPREAD, choices=range(1, SPREAD + 1),
                        help=f"years a unit has reports for (default {SPREAD}; 1: every report of {LAST_YEAR})")
    args = parser.parse_args()
    print(f"{make_site(args.dir, args.reports, years=args.years)} reports written to {args.dir}")


if __name__ == "__main__":
    main()
