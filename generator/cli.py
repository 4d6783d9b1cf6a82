"""The `generate` command.

Editors never see a traceback: problems print one per line as
`file:line: 中文说明 (rule)`, and anything unexpected prints one line saying
it is an internal error and how to report it (GONGKAI_DEBUG=1 shows the trace).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from generator import __version__
from generator.problems import BuildFailed, Problems
from generator.write import OutputRefused

EXIT_OK, EXIT_PROBLEMS, EXIT_INTERNAL = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="generate",
        description="gongkai：政府信息公开工作年度报告门户网站生成工具",
    )
    parser.add_argument("--version", action="version", version=f"gongkai {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="命令")

    build = commands.add_parser("build", help="生成网站到输出文件夹（默认 build/）")
    build.add_argument("--site", type=Path, default=Path("."), help="网站文件夹（默认当前文件夹）")
    build.add_argument("--out", type=Path, default=None, help="输出文件夹（默认 网站文件夹/build）")

    init = commands.add_parser("init", help="新建一个网站：site.yaml、默认模板和一份示例报告")
    init.add_argument("dir", type=Path, help="新网站的文件夹（应为空或不存在）")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_OK
    try:
        if args.command == "build":
            return _build(args)
        if args.command == "init":
            return _init(args)
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


def _build(args) -> int:
    from generator.build import DEFAULT_OUT, build_site

    started = time.perf_counter()
    root = args.site
    out = args.out if args.out is not None else root / DEFAULT_OUT
    try:
        result = build_site(root, out)
    except BuildFailed as failed:
        print_problems(failed.problems)
        errors = len(failed.problems.errors)
        print(f"构建失败：共 {errors} 个错误。输出文件夹 {out} 保持原样，未写入任何文件。", file=sys.stderr)
        return EXIT_PROBLEMS
    except OutputRefused as refused:
        print(f"构建失败：{refused}", file=sys.stderr)
        return EXIT_PROBLEMS
    print_problems(result.problems)
    elapsed = time.perf_counter() - started
    print(f"已生成 {result.reports} 份报告、{result.files} 个文件到 {out}（用时 {elapsed:.1f} 秒）")
    return EXIT_OK


def _init(args) -> int:
    from generator.scaffold import InitRefused, init_site

    try:
        written = init_site(args.dir)
    except InitRefused as refused:
        print(f"无法新建网站：{refused}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"已在 {args.dir} 新建网站（{written} 个文件）。下一步：cd {args.dir} && generate build")
    return EXIT_OK


def print_problems(problems: Problems) -> None:
    for problem in problems.sorted():
        print(problem.format(), file=sys.stderr)
