"""The `generate` command.

Editors never see a traceback: every command fails the same way, by raising
CommandFailed, and prints through print_failure: its problems one per line as
`file:line: 中文说明 (rule)`, then one summary line. Anything unexpected prints one
line saying it is an internal error and how to report it (GONGKAI_DEBUG=1 shows the trace).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from generator import __version__
from generator.problems import NOTE, CommandFailed, Problem, Problems
from generator.usage import ChineseParser, refuse_extra

EXIT_OK, EXIT_PROBLEMS, EXIT_INTERNAL = 0, 1, 2

# The start of a failed command's summary line, unless the failure names its own.
FAILED = {"build": "构建失败", "check": "检查未通过", "serve": "预览失败", "new": "无法新建报告",
          "import": "导入失败", "init": "无法新建网站", "theme": "主题操作失败"}


def _parser() -> argparse.ArgumentParser:
    parser = ChineseParser(prog="generate", description="gongkai：政府信息公开工作年度报告门户网站生成工具")
    parser.add_argument("--version", action="version", version=f"gongkai {__version__}", help="显示版本号")
    commands = parser.add_subparsers(dest="command", metavar="命令", title="命令", parser_class=ChineseParser)

    build = commands.add_parser("build", help="生成网站到输出文件夹（默认 build/）")
    build.add_argument("--site", type=Path, default=Path("."), help="网站文件夹（默认当前文件夹）")
    build.add_argument("--out", type=Path, default=None, help="输出文件夹（默认 网站文件夹/build）")
    build.add_argument("--jobs", type=int, default=None, help="同时使用的处理器核数（默认全部）")
    build.add_argument("-q", "--quiet", action="store_true", help="只输出问题，不显示进度和结果")
    build.add_argument("--strict", action="store_true", help="有警告（如站内搜索索引生成失败）也算未通过")
    build.add_argument("--drafts", action="store_true", help="草稿也一起生成（页面上标明“草稿”），供内部审阅")
    build.add_argument("--include-future", action="store_true", help="发布日期还没到的报告也一起生成")
    build.add_argument("--base-url", default=None, metavar="网址", help=BASE_URL_HELP)

    check = commands.add_parser("check", help="检查全部文件（与 build 相同的校验），不写入任何文件")
    check.add_argument("--site", type=Path, default=Path("."), help="网站文件夹（默认当前文件夹）")
    check.add_argument("--strict", action="store_true", help="有警告也算未通过")
    check.add_argument("--report", type=Path, default=None, metavar="文件",
                       help="另外写出全站的自查表（HTML 网页）；写 - 则把自查表以 JSON 输出到标准输出")
    check.add_argument("--base-url", default=None, metavar="网址", help=BASE_URL_HELP)

    serve = commands.add_parser("serve", help="本地预览：生成网站，保存文件后自动重新生成并刷新浏览器")
    serve.add_argument("--site", type=Path, default=Path("."), help="网站文件夹（默认当前文件夹）")
    serve.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1，只有本机可访问；0.0.0.0 等其他地址会让同一网络中的任何人看到草稿）")
    serve.add_argument("--port", type=int, default=8000, help="端口（默认 8000）")
    serve.add_argument("--open", action="store_true", help="启动后用浏览器打开")

    new = commands.add_parser("new", help="新建一份报告：数据文件（全部官方行）和正文提纲")
    new.add_argument("unit", metavar="单位编号", help="单位编号，如 huajie（见 content/units.yaml）")
    new.add_argument("year", type=int, metavar="年度", help="报告年度，如 2024")
    new.add_argument("--site", type=Path, default=Path("."), help="网站文件夹（默认当前文件夹）")
    new.add_argument("--aggregate", action="store_true",
                     help="汇总报告（范围: 汇总）：不写表格，由下属单位（上级单位是本单位）的报告相加得出")

    imp = commands.add_parser("import", help="导入已发布的报告（门户网页的文字、另存的 HTML 网页或 PDF），照原样存档")
    imp.add_argument("files", type=Path, nargs="+", metavar="文件或文件夹",
                     help="已发布报告的文字（.txt）、网页（.htm、.html）或 PDF（.pdf，须有文字层），"
                          "或存放它们的文件夹（含子文件夹）")
    imp.add_argument("--site", type=Path, default=Path("."), help="网站文件夹（默认当前文件夹）")
    imp.add_argument("--unit", default=None, help="单位编号（报告标题中没有单位名称时需要）")
    imp.add_argument("--year", type=int, default=None, help="报告年度（报告标题中没有年份时需要）")
    imp.add_argument("--force", action="store_true", help="覆盖网站中已有的同一份报告")
    imp.add_argument("--register", action="store_true",
                     help="单位名录中没有的单位自动登记到 content/units.yaml（编号取名称的拼音），登记后请核对")
    imp.add_argument("--keep-going", action="store_true",
                     help="有文件不能导入时，照样导入其余没有错误的文件（默认一个有错就全部不导入）")

    init = commands.add_parser("init", help="新建一个网站：site.yaml、一份示例报告和空的 templates/（默认模板随 gongkai 升级）")
    init.add_argument("dir", type=Path, help="新网站的文件夹（应为空或不存在）")

    theme = commands.add_parser("theme", help="默认模板：列出、复制到网站中修改、与网站自己的模板比较")
    actions = theme.add_subparsers(dest="action", metavar="操作", title="操作", parser_class=ChineseParser, required=True)
    listing = actions.add_parser("list", help="列出默认模板的全部文件")
    copy = actions.add_parser("copy", help="把选定的默认文件复制到网站的 templates/，作为修改的起点")
    copy.add_argument("names", nargs="+", metavar="文件", help="默认模板中的文件名，如 report.html、static/site.css")
    copy.add_argument("--force", action="store_true", help="覆盖网站中已有的同名文件")
    diff = actions.add_parser("diff", help="网站自己的每个模板与当前默认模板的差别（升级 gongkai 后查看）")
    for action in (listing, copy, diff):
        action.add_argument("--site", type=Path, default=Path("."), help="网站文件夹（默认当前文件夹）")
    parser.commands = {**commands.choices, **{f"theme {name}": action for name, action in actions.choices.items()}}
    return parser


BASE_URL_HELP = "本次使用的网站地址，代替 site.yaml 的「网站地址」（如测试站与正式站），如 https://www.example.gov.cn/nianbao/"


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        refuse_extra(parser, args, extra)
    if args.command is None:
        parser.print_help()
        return EXIT_OK
    try:
        if args.command != "init" and not (args.command == "theme" and args.action == "list"):
            refuse_if_not_a_site(args.site)
        if args.command == "build":
            return _build(args)
        if args.command == "init":
            return _init(args)
        if args.command == "check":
            return _check(args)
        if args.command == "new":
            return _new(args)
        if args.command == "import":
            return _import(args)
        if args.command == "theme":
            return _theme(args)
        if args.command == "serve":
            from generator.serve import serve
            return serve(args.site, host=args.host, port=args.port, open_browser=args.open)
    except CommandFailed as failed:
        print_failure(failed, FAILED[args.command])
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except Exception as exc:  # never a traceback for an editor
        if os.environ.get("GONGKAI_DEBUG"):
            raise
        print(f"内部错误：{type(exc).__name__}: {exc}。这是 gongkai 的缺陷，不是您的文件的问题："
              "请设置 GONGKAI_DEBUG=1 重新运行，并把输出报告给网站技术团队。", file=sys.stderr)
        return EXIT_INTERNAL
    parser.error(f"未知命令 {args.command}")
    return EXIT_INTERNAL


def refuse_if_not_a_site(folder: Path) -> None:
    """A command run outside a site folder says so first, naming the folder it looked in
    (and a folder above that is a site), rather than listing what it could not find there."""
    from generator.inputs.config import SITE_FILE

    if (folder / SITE_FILE).is_file() or (folder / SITE_FILE).is_symlink():
        return                      # a link out of the site is refused, with its own message, when read
    here = folder.resolve()
    above = next((p for p in here.parents if (p / SITE_FILE).is_file()), None)
    hint = (f"上一级的 {above} 是网站文件夹：请在那里运行，或加 --site {above}" if above is not None else
            "请在网站文件夹（有 site.yaml 的文件夹）中运行，或用 --site 指定它；新建网站用 generate init 文件夹")
    raise CommandFailed(f"这里不是网站文件夹（其中没有 {SITE_FILE}）：{here}。{hint}")


def _build(args) -> int:
    from generator.build import DEFAULT_OUT, STRICT_FAILED, build_site
    from generator.content.publishing import Publishing

    started = time.perf_counter()
    root = args.site
    out = args.out if args.out is not None else root / DEFAULT_OUT
    progress = None if args.quiet or not sys.stderr.isatty() else _Progress(started)
    publishing = Publishing(drafts=args.drafts, future=args.include_future)
    result = build_site(root, out, jobs=args.jobs, progress=progress, publishing=publishing, base_url=args.base_url,
                        strict=args.strict)
    if progress:
        progress.clear()
    print_problems(result.problems)
    elapsed = time.perf_counter() - started
    if not args.quiet:
        what = "全部重新生成" if result.full else f"更新了 {result.files} 个有变化的文件" if result.files else "没有变化"
        print(f"{result.reports} 份报告：{what}，输出在 {out}（用时 {elapsed:.1f} 秒）")
    # Warnings found after the output changed (the search index of an incremental build);
    # the ones found before fail the build with the output untouched (build_site).
    if args.strict and result.problems.warnings:   # the warnings are printed above, before the result
        raise CommandFailed(f"共 {len(result.problems.warnings)} 个警告。"
                            "网站已生成；没有记下的部分（如站内搜索索引）下次构建会重试。", heading=STRICT_FAILED)
    return EXIT_OK


class _Progress:
    """「已处理 1200/10000 份报告，用时 3 秒」 on one terminal line, once a build passes a second."""

    def __init__(self, started: float):
        self.started = started
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        elapsed = time.perf_counter() - self.started
        if elapsed > 1:
            print(f"\r已处理 {done}/{total} 份报告，用时 {elapsed:.0f} 秒", end="", file=sys.stderr, flush=True)
            self.shown = True

    def clear(self) -> None:
        if self.shown:
            print("\r\033[K", end="", file=sys.stderr, flush=True)


def _init(args) -> int:
    from generator.scaffold import init_site

    written = init_site(args.dir)
    print(f"已在 {args.dir} 新建网站（{written} 个文件）。下一步：cd {args.dir} && generate build")
    return EXIT_OK


def _theme(args) -> int:
    from generator.theme import copy_defaults, default_files, overrides_diff, site_files

    if args.action == "list":
        own = set(site_files(args.site))
        for name in default_files():
            print(f"{name}（本网站已有自己的）" if name in own else name)
        return EXIT_OK
    if args.action == "copy":
        for rel in copy_defaults(args.site, args.names, force=args.force):
            print(f"已复制 {rel}：它代替默认的同名文件，此后不再随 gongkai 升级")
        return EXIT_OK
    diff, orphans = overrides_diff(args.site)
    sys.stdout.write(diff)
    for rel in orphans:
        print(f"注意：{rel} 不代替任何默认文件：它是本网站新增的文件（如图片，或模板 include 的片段）；"
              "若本想代替默认文件，请检查文件名（generate theme list 列出默认文件），或 gongkai 已不再有这个文件")
    if not diff and not orphans:
        print("网站没有与默认模板不同的文件：全部使用当前的默认模板")
    return EXIT_OK


def _check(args) -> int:
    from generator.build import check_site

    checked = check_site(args.site, base_url=args.base_url)
    problems = checked.problems
    errors, warnings = len(problems.errors), len(problems.warnings)
    strict = "（--strict：警告也算未通过）" if args.strict and warnings and not errors else ""
    counts = f"{checked.reports} 份报告，{errors} 个错误，{warnings} 个警告{strict}。"
    if args.report is not None:       # written whatever the check found: that is when it is needed
        _write_review(args.site, args.report, checked)
    if errors or (args.strict and warnings):
        raise CommandFailed(counts, problems)
    print_problems(problems)
    # With --report -, stdout is the JSON alone, so that a script can read it.
    print(f"检查通过：{counts}", file=sys.stderr if str(args.report) == "-" else sys.stdout)
    return EXIT_OK


def _write_review(root: Path, target: Path, checked) -> None:
    from generator.output.review import review_html, review_json, review_sheet

    config, units, files = checked.inputs
    if config is None:              # site.yaml unreadable: its problems say why, there is nothing to list
        return
    sheet = review_sheet(root.resolve(), config, units, files, checked.problems)
    if str(target) == "-":
        sys.stdout.write(review_json(sheet, config))
        return
    try:
        target.write_text(review_html(sheet, config), encoding="utf-8")
    except OSError as exc:
        raise CommandFailed(f"无法写入自查表 {target}：{exc.strerror or exc}", checked.problems) from None
    print(f"自查表已写入 {target}（{len(sheet.rows)} 份报告）", file=sys.stderr)


def _new(args) -> int:
    from generator.scaffold import new_report

    written, notes = new_report(args.site, args.unit, args.year, aggregate=args.aggregate)
    for path in written:
        print(f"已新建 {path}")
    for note in notes:
        print(note)
    what = "数据文件中的元数据" if args.aggregate else "数据文件中的数字"
    print(f"请填写{what}和正文中的「【待填写】」，用 generate serve 边写边预览。"
          "这份报告是草稿：定稿后删去数据文件中的「草稿: true」，generate build 才会发布它。")
    return EXIT_OK


def _import(args) -> int:
    from generator.core.form import FORMAT_NAMES
    from generator.importer import ImportFailed, import_reports
    from generator.importing.summary import summary_lines

    try:
        run = import_reports(args.site, args.files, unit_id=args.unit, year=args.year, force=args.force,
                             register=args.register, keep_going=args.keep_going)
    except ImportFailed as failed:
        if failed.run is not None:
            print("\n".join(summary_lines(failed.run, written=False)))
        raise
    for item in run.imported:
        for line, note in item.report.notes:
            print(Problem(NOTE, item.source, line, f"注意：{note}").format())
        print(f"已导入 {item.source} -> {'、'.join(item.files)}（{item.unit.name} {item.year} 年，"
              f"{FORMAT_NAMES[item.report.format]}，按原样发布）")
    print("\n".join(summary_lines(run, written=True)))
    problems = Problems(run.refused.items + run.checks.items)
    if run.refused.errors:
        refused = len({problem.file for problem in run.refused.errors})
        raise CommandFailed(f"{refused} 个文件未导入，其余 {len(run.imported)} 份已导入（见导入小结）。",
                            problems, heading="部分导入")
    if problems.errors:
        raise CommandFailed("导入的报告有错误，生成网站前请先改正。", problems, heading="")
    print_problems(problems)
    return EXIT_OK


def print_failure(failed: CommandFailed, heading: str) -> None:
    """A failed command: its problems, then its summary, after its own heading if it names one."""
    print_problems(failed.problems)
    heading = failed.heading if failed.heading is not None else heading
    print(f"{heading}：{failed.summary}" if heading else failed.summary, file=sys.stderr)


def print_problems(problems: Problems) -> None:
    for problem in problems.sorted():
        print(problem.format(), file=sys.stderr)
