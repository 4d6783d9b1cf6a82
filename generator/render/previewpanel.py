"""The preview's 提醒 panel: the last build's warnings on every page `generate serve` shows.

Editors watch the page, not the terminal, so the warnings `check` prints (R7, R9, R10, R11,
【待填写】 ...) are shown in the browser too: a small fixed 「N 条提醒」 button that opens the
list, each line exactly as `check` prints it. A report's page (its 图解, its unit's page) lists
that report's (unit's) own warnings first, then the rest of the site's: an editor fixes the
report in front of them, and still sees what else the build found.

Only the preview adds it, to the page as it is sent: nothing of it is ever written to a build.
Its style and script are files of the preview's own origin (SHEET, SCRIPT), not inline, so a
page's Content-Security-Policy (script-src 'self') lets them in, as it does livereload.js.
Every line is escaped: it quotes the editor's text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import jinja2

from generator.content.loader import REPORTS_DIR
from generator.core.paths import COLUMN_DIR
from generator.problems import Problem

STYLE_PATH = "/.gongkai-preview.css"     # dot names: no page a build writes can take them
SCRIPT_PATH = "/.gongkai-preview.js"
PANEL_CLASS = "gongkai-preview-warnings"

# A report's pages (its page, its 图解) and its unit's page, with what the site folder calls them.
_REPORT_PAGE = re.compile(rf"{COLUMN_DIR}/([^/]+)/(\d{{4}})(?:-tujie)?\.html")
_UNIT_PAGE = re.compile(rf"{COLUMN_DIR}/([^/]+)/(?:index\.html)?")
MAX_LISTED = 200            # lines per group: the terminal and `check` have them all

PANEL = jinja2.Environment(autoescape=True).from_string("""
<aside class="{{ panel_class }}" aria-label="预览提醒">
<details>
<summary>{{ summary }}</summary>
<div class="{{ panel_class }}-list" tabindex="0">
{% for heading, count, lines in groups %}<h2>{{ heading }}（{{ count }} 条）</h2>
<ol>{% for where, text in lines %}
<li><code>{{ where }}</code>: {{ text }}</li>{% endfor %}
</ol>
{% if count > lines | length %}<p>另有 {{ count - lines | length }} 条，见 generate check 或预览的终端输出。</p>
{% endif %}{% endfor %}<p>提醒不妨碍生成，与 generate check 列出的警告相同，只在预览中显示，不会出现在生成的网站上。改正后保存，本页会自动刷新。</p>
</div>
</details>
</aside>
<script src="{{ script }}"></script>
""")

# Dark amber on pale yellow, the button white on dark amber (both above 7:1); rem, so the
# page's 字体 control scales it; the list opens above its button; never printed.
SHEET = f"""\
.{PANEL_CLASS} {{ position: fixed; right: 0.5rem; bottom: 0.5rem; z-index: 1000; max-width: calc(100vw - 1rem);
  font-size: 1rem; line-height: 1.6; color: #1f1f1f; text-align: left; }}
.{PANEL_CLASS} details {{ display: flex; flex-direction: column-reverse; align-items: flex-end; }}
.{PANEL_CLASS} summary {{ padding: 0.375rem 0.875rem; cursor: pointer; background: #7a4a00; color: #fff;
  border: 2px solid #fff; border-radius: 0.375rem; box-shadow: 0 0 0 1px #7a4a00, 0 0.125rem 0.5rem rgba(0, 0, 0, 0.3); }}
.{PANEL_CLASS} summary:focus-visible {{ outline: 3px solid #c2410c; outline-offset: 2px; }}
.{PANEL_CLASS}-list {{ width: 40rem; max-width: 100%; max-height: 60vh; overflow: auto; margin-bottom: 0.5rem;
  padding: 0.5rem 1rem; background: #fff8e1; border: 2px solid #7a4a00; border-radius: 0.375rem;
  box-shadow: 0 0.125rem 0.5rem rgba(0, 0, 0, 0.3); }}
.{PANEL_CLASS}-list:focus-visible {{ outline: 3px solid #c2410c; }}
.{PANEL_CLASS} h2 {{ margin: 0.5rem 0 0.25rem; font-size: 1rem; color: #5c3700; }}
.{PANEL_CLASS} ol {{ margin: 0; padding-left: 1.5rem; }}
.{PANEL_CLASS} li {{ margin: 0.25rem 0; overflow-wrap: anywhere; }}
.{PANEL_CLASS} code {{ font-size: 0.9375rem; background: #fff; }}
.{PANEL_CLASS} p {{ margin: 0.5rem 0 0; font-size: 0.875rem; text-indent: 0; }}
html {{ scroll-padding-bottom: 4rem; }}
body {{ padding-bottom: 4rem; }}
@media print {{ .{PANEL_CLASS} {{ display: none; }} body {{ padding-bottom: 0; }} }}
"""

# The page reloads after every save: an editor who opened the list keeps it open while fixing.
SCRIPT = f"""\
(function () {{
  var key = "gongkai-preview-warnings-open";
  var panel = document.querySelector(".{PANEL_CLASS} details");
  if (!panel) return;
  try {{ panel.open = sessionStorage.getItem(key) === "1"; }} catch (e) {{}}
  panel.addEventListener("toggle", function () {{
    try {{ sessionStorage.setItem(key, panel.open ? "1" : "0"); }} catch (e) {{}}
  }});
}})();
"""


@dataclass(frozen=True)
class Focus:
    """What a page is about: its own warnings are those of files starting with `prefix`."""
    prefix: str
    heading: str          # 本报告 or 本单位


def focus_of(page: str) -> Focus | None:
    """The report or unit a page (a path in the site, such as nianbao/huajie/2023.html) shows."""
    report = _REPORT_PAGE.fullmatch(page)
    if report:
        return Focus(f"{REPORTS_DIR}/{report.group(1)}/{report.group(2)}.", "本报告")
    unit = _UNIT_PAGE.fullmatch(page)
    if unit:
        return Focus(f"{REPORTS_DIR}/{unit.group(1)}/", "本单位")
    return None


def panel_html(warnings: list[Problem], page: str) -> str:
    """The panel for `page`: its own warnings first (on a report's or a unit's page), then the
    rest of the site's, at most MAX_LISTED of them (a large portal may have thousands)."""
    focus = focus_of(page)
    own, rest = [], []
    for problem in warnings:
        (own if focus is not None and problem.file.startswith(focus.prefix) else rest).append(problem)
    total = f"全站共 {len(warnings)} 条"
    if focus is None:
        summary, groups = f"{len(warnings)} 条提醒", [("全站的提醒", rest)]
    else:
        summary = f"{focus.heading} {len(own)} 条提醒（{total}）" if own else f"{focus.heading}没有提醒（{total}）"
        groups = [(f"{focus.heading}的提醒", own), ("其他文件的提醒", rest)]
    return PANEL.render(panel_class=PANEL_CLASS, summary=summary, script=SCRIPT_PATH,
                        groups=[(heading, len(listed), [_lines(p) for p in listed[:MAX_LISTED]])
                                for heading, listed in groups if listed])


def _lines(problem: Problem) -> tuple[str, str]:
    """(file:line, the rest): together, word for word what `check` prints."""
    where = problem.file if problem.line is None else f"{problem.file}:{problem.line}"
    return where, problem.format().removeprefix(f"{where}: ")


def with_panel(page: bytes, panel: str) -> bytes:
    """The page with the panel at the end of its body and the panel's style in its head."""
    link = f'<link rel="stylesheet" href="{STYLE_PATH}">'.encode()
    page = page.replace(b"</head>", link + b"</head>", 1)
    end = page.rfind(b"</body>")
    at = end if end >= 0 else len(page)
    return page[:at] + panel.encode() + page[at:]
