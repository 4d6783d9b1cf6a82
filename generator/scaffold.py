"""`generate init DIR`: a new site with site.yaml, one example report and an empty templates/
(the default theme stays in the package, so upgrades reach the site: see generator.theme)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from generator.inputs.fields import PLACEHOLDER
from generator.content.publishing import today as publishing_today
from generator.problems import CommandFailed
from generator.render.environment import shipped_folder

EXAMPLE_UNIT = "huajie"
EXAMPLE_YEAR = 2023

SITE_YAML = """\
# 网站配置。带 # 的行是说明，不影响网站。
网站名称: 某某县人民政府门户网站
# 网站地址：网站发布后的完整网址，用于生成 sitemap.xml。
# 网站地址: https://www.example.gov.cn/
网站简介: 政府信息公开工作年度报告
主办单位: 某某县人民政府办公室
联系方式: 电话 0000-0000000
网站标识码: "0000000000"
ICP备案号: 某ICP备00000000号
公安备案号: 某公网安备 00000000000000号
# 党政机关网站标识：开办单位取得的标识链接，图片放在 templates/static/ 中（不加载外部脚本）。
# 党政机关网站标识:
#   链接: https://bszs.conac.cn/sitename?method=show&id=…
#   图片: static/conac.png
演示站点: true        # 演示用：每页标明“本网站仅用于演示”。正式网站请删去这一行
"""

UNITS_YAML = """\
# 单位名录：每个发布年报的单位登记一次。
# 单位编号（如 huajie）只用小写英文字母、数字和连字符，也是 content/reports/ 下的文件夹名。
huajie:
  名称: 花街镇人民政府
  类型: 乡镇（街道）     # 本级政府 / 政府部门 / 乡镇（街道）
  组织机构代码: "002599133"
  上级单位:             # 上级单位的编号，没有则留空
  排序: 10
"""


TEMPLATES_NOTE_FILE = "说明.txt"
TEMPLATES_NOTE = """\
这个文件夹放本网站自己的模板和静态文件。它现在是空的：网站使用 gongkai 自带的默认模板，
升级 gongkai 后，默认模板的改进（如手机上的表格、长者模式）会自动用到本网站。

要改某一个文件，只需放一个同名文件到这里，它就代替默认的那一个，其他文件仍用默认的：

  generate theme list                  列出默认模板的全部文件
  generate theme copy report.html      把默认的 report.html 复制到这里，再修改它
  generate theme copy static/site.css  静态文件同样（放在 static/ 下）
  generate theme diff                  升级 gongkai 后，查看这里的文件与新的默认文件有何不同

只复制确实要改的文件：复制过来的文件不再随 gongkai 升级。模板在沙箱中运行，说明见 README 的
“A site's own templates”。本说明文件不会发布到网站上。
"""


class InitRefused(CommandFailed):
    """The target folder cannot take a new site (or report); the message is Chinese."""


def example_content_dir() -> Path:
    """The example portal's content/, shipped inside the package as generator/example."""
    return shipped_folder("example", "content")


def init_site(target: Path) -> int:
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InitRefused(f"{target} 已存在且不是空文件夹，为免覆盖已有文件，请指定一个新的或空的文件夹")
    report_dir = target / "content" / "reports" / EXAMPLE_UNIT
    report_dir.mkdir(parents=True)
    (target / "templates").mkdir()
    (target / "templates" / TEMPLATES_NOTE_FILE).write_text(TEMPLATES_NOTE, encoding="utf-8")
    (target / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    (target / "content" / "units.yaml").write_text(UNITS_YAML, encoding="utf-8")
    example = example_content_dir() / "reports" / EXAMPLE_UNIT
    for suffix in (".yaml", ".md"):
        shutil.copyfile(example / f"{EXAMPLE_YEAR}{suffix}", report_dir / f"{EXAMPLE_YEAR}{suffix}")
    return sum(1 for p in target.rglob("*") if p.is_file())


# --- generate new UNIT YEAR -------------------------------------------------------------

NARRATIVE_SKELETON = """\
本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《中华人民共和国政府信息公开工作年度报告格式》（国办公开办函〔2021〕30号）要求编制。报告所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。如对本报告有疑问，请与{name}联系（地址：{placeholder}，电话：{placeholder}，电子邮箱：{placeholder}）。

## 一、总体情况

{placeholder}概述本年度政府信息公开工作的总体情况。

### （一）主动公开

{placeholder}

### （二）依申请公开

{placeholder}

### （三）政府信息管理

{placeholder}

### （四）政府信息公开平台建设

{placeholder}

### （五）监督保障

{placeholder}（包括工作考核、社会评议和责任追究结果情况）

## 五、存在的主要问题及改进情况

### （一）存在的主要问题

{placeholder}

### （二）改进情况

{placeholder}（包括上一年度报告所列问题的改进情况）

## 六、其他需要报告的事项

{placeholder}如：本年度未收取信息处理费。
"""
def new_report(root: Path, unit_id: str, year: int, today=None, aggregate: bool = False
               ) -> tuple[list[Path], list[str]]:
    """Start a report: data file with every official row (or, with `aggregate`, 范围: 汇总 and no
    tables, so that the build sums the members'), narrative with the headings.

    Returns the files written and notes for the editor (what was pre-filled, which units are
    summed, or that --aggregate exists), or raises InitRefused.
    """
    from generator.content.loader import REPORTS_DIR
    from generator.importing.datafile import AGGREGATE_HEADER, data_file_text, new_report_metadata
    from generator.inputs.config import load_units
    from generator.problems import Problems

    problems = Problems()
    units = load_units(root, problems)
    if problems.errors:
        raise InitRefused("单位名录有错误，请先改正", problems)
    unit = units.get(unit_id)
    if unit is None:
        known = "、".join(units) or "（无）"
        raise InitRefused(f"单位「{unit_id}」不在单位名录 content/units.yaml 中。已登记的单位：{known}")
    today = today or publishing_today()
    if year < 2008:
        raise InitRefused(f"年份「{year}」不合理：年报从 2008 年开始")
    if year > today.year:
        raise InitRefused(f"{year} 年还没有到（今天是 {today.isoformat()}）：年度报告总结已经过去的一年，"
                          f"在次年年初编写，如现在新建的应是 {today.year - 1} 年的报告。请检查年份")
    members = sorted((u for u in units.values() if u.parent == unit_id), key=lambda u: (u.order, u.id))
    if aggregate and not members:
        raise InitRefused(f"{unit.name}（{unit_id}）没有下属单位，无法汇总：content/units.yaml 中没有哪个单位的"
                          f"「上级单位」是 {unit_id}。请先在各下属单位下写「上级单位: {unit_id}」，"
                          "或不加 --aggregate，新建本单位自己的报告")
    folder = root / REPORTS_DIR / unit_id
    data, narrative = folder / f"{year}.yaml", folder / f"{year}.md"
    existing = [p for p in (data, narrative, folder / f"{year}.yml") if p.exists()]
    if existing:
        raise InitRefused(f"{existing[0].relative_to(root).as_posix()} 已存在，不会覆盖")

    title = f"{unit.name}{year}年政府信息公开工作年度报告"
    metadata = new_report_metadata(unit.name, today, aggregated=aggregate) | undecided_metadata(root, unit, year)
    if aggregate:
        text = data_file_text(title, year, metadata, {}, forms=(), header=AGGREGATE_HEADER)
        notes = [_summed_note(root / REPORTS_DIR, members, year)]
    else:
        tables, note, omit_rows = _carried_over(root, folder, unit, year)
        text = _with_key_figures_example(data_file_text(title, year, metadata, tables, omit_rows))
        notes = [note] if note else []
        if members:     # a hint, not a question: `new` runs in scripts too, without a terminal
            notes.append(f"提示：{unit.name}有下属单位（{_names(members)}）。如果这份报告要汇总它们的数字，"
                         f"请删去刚新建的两个文件，改用 generate new --aggregate {unit_id} {year}："
                         "表格由各下属单位的报告相加得出，不必填写")
    folder.mkdir(parents=True, exist_ok=True)
    data.write_text(text, encoding="utf-8")
    narrative.write_text(NARRATIVE_SKELETON.format(year=year, name=unit.name, placeholder=PLACEHOLDER),
                         encoding="utf-8")
    return [data, narrative], notes


def undecided_metadata(root: Path, unit, year: int) -> dict[str, str]:
    """The metadata `new` cannot know, left 【待填写】 (so the report stays a draft until filled):
    the dates (today is rarely the day last year's report is published), and the 流水号 of a
    索引号 otherwise made from site.yaml's 索引号格式 (or the usual 组织机构代码/年份-流水号) and
    the unit's 组织机构代码, with 年份 the year of publication."""
    from generator.content.publication import PLACEHOLDERS
    from generator.importing.datafile import yaml_scalar
    from generator.inputs.config import load_site_config
    from generator.problems import Problems

    fields = {"发布日期": f"{PLACEHOLDER}   # 定稿时填写实际发布日期，如 {year + 1}-01-20",
              "成文日期": f"{PLACEHOLDER}   # 如 {year + 1}-01-18"}
    config = load_site_config(root, Problems())
    template = config.index_format if config is not None and config.index_format else "组织机构代码/年份-流水号"
    words = {"组织机构代码": unit.code, "统一社会信用代码": unit.code, "年份": str(year + 1), "流水号": PLACEHOLDER,
             "*": PLACEHOLDER}
    if unit.code:
        index_no = re.sub("|".join(map(re.escape, PLACEHOLDERS)), lambda word: words[word.group()], template)
        fields["索引号"] = f"{yaml_scalar(index_no)}   # 按 site.yaml 的索引号格式；{PLACEHOLDER}处填本单位的流水号"
    return fields


KEY_FIGURES_EXAMPLE = """# 图解数字（可选）：正文中提到的要点数字，显示在图解页。要用时删去下面各行开头的“# ”并改成本单位的数字：
# 图解数字:
#   - 名称: 主动公开政务信息
#     数值: 53
#     单位: 条
"""


def _with_key_figures_example(text: str) -> str:
    """The data file with a commented 图解数字 example after the metadata, before the tables."""
    before, tables = text.split("\n\n二、", 1)
    return f"{before}\n\n{KEY_FIGURES_EXAMPLE}\n二、{tables}"


def _carried_over(root: Path, folder: Path, unit, year: int):
    """From last year's report, if there is one: R6, this year's 二、上年结转 (its 四); R7, table
    二's 现行有效件数 (its 现行有效, before this year's 制发 and 废止). (tables, note, rows left out)."""
    from generator.content.checks import complete_totals
    from generator.content.reports import parse_report
    from generator.importing.datafile import carried_over_from
    from generator.inputs.source import load_yaml
    from generator.problems import Problems

    previous = folder / f"{year - 1}.yaml"
    if not previous.exists():
        return {}, None, frozenset()
    problems = Problems()
    doc = load_yaml(previous, previous.relative_to(root).as_posix(), problems)
    report = parse_report(doc, unit, year - 1, problems) if doc is not None else None
    if report is not None and report.summed and not problems.errors:
        return {}, (f"{year - 1} 年报告是汇总报告（范围: 汇总，表格自动相加），未预填「二、上年结转」："
                    "请按它的表三「四、结转下年度继续办理」（各下属单位之和，见它的网页）填写"), frozenset()
    if report is None or "三" not in report.tables or problems.errors:
        return {}, f"{year - 1} 年报告有错误，未能预填「二、上年结转」", frozenset()
    complete_totals(report.tables["三"])
    note = f"已按 {year - 1} 年报告的「四、结转下年度继续办理」填好「二、上年结转」（R6）"
    tables = {"三": carried_over_from(dict(report.tables["三"].values))}
    in_force = _in_force(report.tables.get("二"))
    if in_force:
        tables["二"] = in_force
        note += "，按它的表二填好「现行有效件数」（R7：本年制发、废止后请相应增减）"
    # as last year: a town makes no 规章
    omit_rows = frozenset() if report.tables["二"].has_row("rules") else frozenset({"rules"})
    return tables, note, omit_rows


def _in_force(table) -> dict:
    """Last year's 现行有效件数 of table 二 (the 2021 form's), as this year's starting figures."""
    from generator.core.form import TABLE2

    if table is None or table.form is not TABLE2:
        return {}
    return {(row.id, "in_force"): table.value(row.id, "in_force")
            for row, _ in table.rows() if row.columns[-1].id == "in_force"}


def _summed_note(reports_dir: Path, members: list, year: int) -> str:
    """Which units the 汇总 adds up, and which of them have no report of that year yet."""
    missing = [u for u in members if not (reports_dir / u.id / f"{year}.yaml").exists()]
    note = f"表格将由 {_names(members)} 的 {year} 年报告相加得出"
    return note + (f"（尚无 {year} 年报告：{_names(missing)}）" if missing else "")


def _names(units: list) -> str:
    return "、".join(u.name for u in units)
