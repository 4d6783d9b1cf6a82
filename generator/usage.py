"""argparse in Chinese: its headings, -h, and its usage errors, with the option probably meant,
as everything else editors read from `generate` (see generator.cli)."""

from __future__ import annotations

import argparse
import difflib
import re

EXIT_USAGE = 2


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


class ChineseParser(argparse.ArgumentParser):
    """argparse with its headings, -h and its errors in Chinese, like everything else editors read."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, add_help=False, formatter_class=_Formatter, **kwargs)
        self._optionals.title = "选项"
        self._positionals.title = "参数"
        self.add_argument("-h", "--help", action="help", help="显示本帮助")

    def error(self, message: str):
        """A usage mistake: what is wrong in Chinese, then the usage and where the help is."""
        self.refuse(in_chinese(message))

    def refuse(self, what: str):
        self.exit(EXIT_USAGE, f"{self.prog}：{what}\n{self.format_usage()}用 {self.prog} --help 查看全部选项和说明。\n")


# argparse's messages (Python 3.11), each with its Chinese
_ARGPARSE_MESSAGES = [
    (r"the following arguments are required: (.*)", lambda m: f"缺少 {m[1]}"),
    (r"argument (\S+): invalid choice: '?([^']*)'? \(choose from (.*)\)",
     lambda m: f"{m[1]} 不能是「{m[2]}」，可选的有：{m[3].replace(chr(39), '')}"),
    (r"argument (\S+): invalid int value: '(.*)'", lambda m: f"{m[1]} 应为整数，实为「{m[2]}」"),
    (r"argument (\S+): expected one argument", lambda m: f"{m[1]} 后面要写一个值"),
    (r"argument (\S+): ignored explicit argument '(.*)'", lambda m: f"{m[1]} 后面不需要写值（写了「{m[2]}」）"),
    (r"ambiguous option: (\S+) could match (.*)", lambda m: f"{m[1]} 不能确定是哪个选项：可能是 {m[2]}"),
    (r"unrecognized arguments: (.*)", lambda m: f"不认识的参数：{m[1]}"),
]


def in_chinese(message: str) -> str:
    for pattern, chinese in _ARGPARSE_MESSAGES:
        match = re.fullmatch(pattern, message)
        if match:
            return chinese(match)
    return f"命令行有误（{message}）"


def refuse_extra(parser: argparse.ArgumentParser, args, extra: list[str]) -> None:
    """Arguments the command does not take: named, with the option probably meant."""
    command = parser.commands.get(" ".join(filter(None, (args.command, getattr(args, "action", None)))), parser)
    options = [o for action in command._actions for o in action.option_strings]
    hints = []
    for word in extra:
        if word.startswith("-"):
            close = difflib.get_close_matches(word, options, n=1, cutoff=0.5)
            hints.append(f"没有选项 {word}" + (f"，是否想写 {close[0]}？" if close else ""))
        else:
            hints.append(f"不需要「{word}」" + (f"：要指定网站文件夹，请写 --site {word}" if "--site" in options else ""))
    command.refuse("；".join(hints))
