"""`generate init DIR`: a new site with site.yaml, the default templates and one example report."""

from __future__ import annotations

import shutil
from pathlib import Path

from generator.render import default_templates_dir

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
演示站点: true
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


class InitRefused(Exception):
    """The target folder cannot take a new site; the message is Chinese."""


def example_content_dir() -> Path:
    """The example portal's content/, shipped inside the package as generator/example."""
    here = Path(__file__).resolve().parent
    installed = here / "example"
    return installed if installed.is_dir() else here.parent / "content"


def init_site(target: Path) -> int:
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InitRefused(f"{target} 已存在且不是空文件夹，为免覆盖已有文件，请指定一个新的或空的文件夹")
    templates = default_templates_dir()
    report_dir = target / "content" / "reports" / EXAMPLE_UNIT
    report_dir.mkdir(parents=True)
    shutil.copytree(templates, target / "templates", ignore=shutil.ignore_patterns("__pycache__", "__init__.py"))
    (target / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    (target / "content" / "units.yaml").write_text(UNITS_YAML, encoding="utf-8")
    example = example_content_dir() / "reports" / EXAMPLE_UNIT
    for suffix in (".yaml", ".md"):
        shutil.copyfile(example / f"{EXAMPLE_YEAR}{suffix}", report_dir / f"{EXAMPLE_YEAR}{suffix}")
    return sum(1 for p in target.rglob("*") if p.is_file())
