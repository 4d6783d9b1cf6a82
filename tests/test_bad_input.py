"""Bad input never breaks the portal: one clear line per problem, nothing lost, nothing injected."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from helpers import HUAJIE, REPO, SiteCopy, generate, snapshot
from htmlurls import dangerous

NARRATIVE = HUAJIE.replace(".yaml", ".md")
PROBLEM_LINE = re.compile(r"^[^\s:]+(?::\d+)?: \S.*$")


def errors(run) -> list[str]:
    return [line for line in run.lines if not line.startswith("构建失败")]


def test_an_internal_error_is_one_line_without_traceback(site, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")
    monkeypatch.setattr("generator.build.read_inputs", broken)
    run = site.build()
    assert run.code == 2
    assert run.lines == ["内部错误：RuntimeError: boom。这是 gongkai 的缺陷，不是您的文件的问题："
                         "请设置 GONGKAI_DEBUG=1 重新运行，并把输出报告给网站技术团队。"]


@pytest.mark.parametrize("text, expected", [
    ("", "数据文件是空的：请填写发布日期和表二、表三、表四，可参考示例报告"),
    ("- 6\n- 7\n", "数据文件应由「项目: 内容」组成，而不是列表或单独的文字"),
])
def test_empty_file_and_a_list_instead_of_a_mapping(site, text, expected):
    site.write(HUAJIE, text)
    run = site.build()
    assert run.code == 1 and expected in errors(run)[0]


def test_an_impossible_date_is_explained(site):
    site.replace(HUAJIE, "发布日期: 2024-01-19", "发布日期: 2024-13-19")
    run = site.build()
    assert errors(run) == [f"{HUAJIE}:{site.line_of(HUAJIE, '发布日期')}: 「发布日期」不是有效日期：「2024-13-19」，"
                           "请写成 2024-01-19 的形式 (published)"]


def test_a_file_truncated_mid_line(site):
    text = site.read(HUAJIE)
    site.write(HUAJIE, text[: text.index("（四）无法提供") + 3])
    run = site.build()
    assert errors(run) == [f"{HUAJIE}:{site.line_of(HUAJIE, '（四）') }: YAML 语法错误（第 1 列）：缺少冒号，"
                           "或上一行的引号未闭合 (yaml)"]


def test_a_file_truncated_at_a_line_end(site):
    text = site.read(HUAJIE)
    site.write(HUAJIE, text[: text.index("    （四）无法提供")])
    run = site.build()
    assert run.code == 1
    assert all(PROBLEM_LINE.match(line) for line in errors(run))
    assert any("缺少「（四）无法提供」一组" in line for line in errors(run))
    assert any("缺少「四、结转下年度继续办理」一行" in line for line in errors(run))
    assert any("缺少「四、政府信息公开行政复议、行政诉讼情况」表格的数据" in line for line in errors(run))


def test_a_missing_table_row(site):
    text = site.read(HUAJIE)
    site.write(HUAJIE, "".join(l for l in text.splitlines(True) if "2.重复申请" not in l))
    run = site.build()
    assert errors(run) == [f"{HUAJIE}:{site.line_of(HUAJIE, '（五）不予处理:')}: 表三「（五）不予处理」下缺少"
                           "「2.重复申请」一行：请补上，没有的写 0 (label)"]


def test_control_characters_are_explained(site):
    site.write(HUAJIE, site.read(HUAJIE).replace("行政处罚: 365", "行政处罚: 3\x0065"))
    run = site.build()
    assert run.code == 1
    assert errors(run) == [f"{HUAJIE}:{site.line_of(HUAJIE, '行政处罚: 3')}: 文件中有不可见的控制字符（U+0000），"
                           "可能来自复制粘贴：请删除该字符 (yaml)"]


def test_bom_and_crlf_are_accepted_silently(site):
    for rel in (HUAJIE, NARRATIVE):
        site.path(rel).write_bytes(b"\xef\xbb\xbf" + site.read(rel).replace("\n", "\r\n").encode("utf-8"))
    run = site.build()
    assert run.code == 0 and run.err == ""


def test_gbk_files_are_read_with_a_warning(site):
    for rel in (HUAJIE, NARRATIVE):
        site.path(rel).write_bytes(site.read(rel).encode("gbk"))
    run = site.build()
    assert run.code == 0
    assert run.lines == [f"{rel}: 警告：文件是 GBK/GB18030 编码，已按 GBK 读取；请“另存为”UTF-8 编码 (encoding)"
                         for rel in (NARRATIVE, HUAJIE)]
    html = site.page("nianbao/huajie/2023.html")
    assert "通过政务新媒体“掌上永康”发布信息186条" in html and "<td class=\"num\">365</td>" in html


def test_a_file_in_no_known_encoding(site):
    site.path(NARRATIVE).write_bytes(b"\x80\xff\xfe\x81\x30 garbage")
    run = site.build()
    assert errors(run) == [f"{NARRATIVE}:1: 文件编码无法识别（既不是 UTF-8 也不是 GBK），请用记事本或 WPS "
                           "“另存为”并选择 UTF-8 编码 (encoding)"]


def test_alias_bomb_and_oversized_file_are_refused_quickly(site):
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 10)]
    site.write(HUAJIE, "\n".join(lines) + "\n")
    site.path(NARRATIVE).write_bytes(b"x" * (3 * 1024 * 1024))
    started = time.perf_counter()
    run = site.build()
    assert time.perf_counter() - started < 5
    assert run.code == 1
    assert "不支持 YAML 别名" in run.err and "文件过大（3072 KB）" in run.err


@pytest.mark.parametrize("command", ["build", "check", "import"])
def test_a_3_gb_file_is_refused_from_its_size_without_being_read(site, tmp_path, command):
    """The size is known before a byte is read or hashed: a build after a good one compares
    hashes of changed files, and `check` hashes what it checked. A sparse file costs no disk."""
    assert site.build().code == 0
    big = tmp_path / "big.html" if command == "import" else site.path(NARRATIVE)
    with open(big, "ab") as f:
        f.truncate(3 * 2**30)
    args = {"build": ["build", "--jobs", "1"], "check": ["check"],
            "import": ["import", str(big), "--unit", "huajie", "--year", "2025"]}[command]
    tracemalloc.start()
    try:
        run = generate(*args, "--site", str(site.root))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert run.code == 1 and "文件过大（3145728 KB），超过上限 2048 KB" in run.err
    assert peak < 64 * 2**20       # what a build of two reports takes; reading the file took 3 GB


def test_unit_ids_that_would_leave_the_output_folder(site):
    site.write("content/units.yaml", site.read("content/units.yaml") + "\n../evil:\n  名称: 某单位\n  类型: 政府部门\n"
               "/etc:\n  名称: 某单位\n  类型: 政府部门\n")
    run = site.build()
    lines = errors(run)
    assert len(lines) == 2 and all("单位编号「" in l and "只能用小写英文字母、数字和连字符" in l for l in lines)


@pytest.mark.parametrize("url", ["https://x.gov.cn/../../etc/", "https://x.gov.cn/a/./b/", "https://x.gov.cn/a\\b/",
                                 "https://x.gov.cn/?q=1"])
def test_a_site_address_whose_path_could_leave_the_preview_folder(site, url):
    site.replace("site.yaml", "网站地址: https://gongkai.example.org/", f"网站地址: {url}")
    run = site.build()
    assert errors(run) == [f"site.yaml:5: 「网站地址」网址的路径中不能有 ..、\\、? 或 #，实为「{url}」 (base_url)"]


@pytest.mark.parametrize("url", ["https://[x]/", "https://a]/", "https://a:x/"])
def test_a_site_address_with_a_malformed_host_is_explained(site, url):
    site.replace("site.yaml", "网站地址: https://gongkai.example.org/", f"网站地址: {url}")
    run = site.build()
    assert errors(run) == [f"site.yaml:5: 「网站地址」网址中的主机名（域名）不正确，应为如 https://www.example.gov.cn/ "
                           f"的形式，实为「{url}」 (base_url)"]


@pytest.mark.parametrize("written, shown", [("9" * 5000, "999999999999…（共 5000 个字符）"),
                                            ("3" + "0" * 12, "3000000000000"), ("[1" + "0" * 8 + "1]", "1000000001")])
def test_a_count_beyond_a_billion_is_refused_at_its_line(site, written, shown):
    """5,000 digits were an internal error (Python converts at most 4,300 to an int)."""
    site.replace(HUAJIE, "行政处罚: 365", f"行政处罚: {written}")
    run = site.build()
    assert errors(run) == [f"{HUAJIE}:{site.line_of(HUAJIE, '行政处罚: ')}: 表二「行政处罚」行「本年处理决定数量」列："
                           f"数字 {shown} 过大：件数不能超过 1000000000，请检查是否多输入了数字 (R8)"]


def test_links_out_of_the_site_are_refused(site, tmp_path):
    outside = tmp_path / "outside"
    (outside / "2023").mkdir(parents=True)
    (outside / "secret.css").write_text("/* private */")
    os.symlink(outside, site.path("content/reports/huaian-link"))
    site.path("templates/static").mkdir(parents=True)
    os.symlink(outside / "secret.css", site.path("templates/static/secret.css"))
    run = site.build()
    assert run.code == 1
    assert errors(run) == [
        "content/reports/huaian-link: 这是一个指向网站文件夹之外的链接，为安全起见不会读取：请把文件本身放进网站文件夹 (symlink)",
        "templates/static/secret.css: 这是一个指向网站文件夹之外的链接，为安全起见不会读取：请把文件本身放进网站文件夹 (symlink)",
    ]


# --- links and hard links: nothing outside the site folder is read ------------------------------

SECRET = "机密-outside-7f3a"
LINK_OUT = "这是一个指向网站文件夹之外的链接，为安全起见不会读取：请把文件本身放进网站文件夹 (symlink)"


def _plant_secret(site, rel: str) -> None:
    """Mark `rel` so that its text would show on a page (or in a message) if it were read."""
    if rel == "site.yaml":
        site.replace(rel, "网站名称: ", f"网站名称: {SECRET}")
    elif rel == "content/units.yaml":
        site.replace(rel, "名称: 花街镇人民政府", f"名称: {SECRET}")
    elif rel.endswith(".md"):
        site.write(rel, site.read(rel) + f"\n{SECRET}\n")
    else:
        site.write(rel, site.read(rel).replace("页面未找到", SECRET) if site.path(rel).exists() else SECRET)


def _secrets_in(root: Path) -> list[str]:
    return [p.as_posix() for p in root.rglob("*") if p.is_file() and SECRET.encode() in p.read_bytes()]


@pytest.mark.parametrize("link, secret", [
    ("site.yaml", "site.yaml"),
    ("content/units.yaml", "content/units.yaml"),
    ("content", NARRATIVE),
    ("content/reports", NARRATIVE),
    ("content/reports/huajie", NARRATIVE),
    ("templates", "templates/404.html"),
    ("templates/404.html", "templates/404.html"),
    ("templates/static", "templates/static/site.css"),
])
def test_a_link_out_of_the_site_anywhere_on_the_way_to_an_input_is_refused(site, tmp_path, link, secret):
    """site.yaml -> /etc/passwd, templates -> /outside ...: the folders around a file count, not
    just the file. The build fails naming the link, the published site is untouched, and
    neither it nor `check` shows a byte of what is outside."""
    shutil.copytree(REPO / "templates", site.path("templates"))
    assert site.build().code == 0
    before = snapshot(site.root / "build")
    _plant_secret(site, secret)
    outside = tmp_path / "outside" / link
    outside.parent.mkdir(parents=True)
    shutil.move(site.path(link), outside)
    os.symlink(outside, site.path(link))
    run = site.build()
    assert run.code == 1
    assert f"{link}: {LINK_OUT}" in errors(run)
    assert SECRET not in run.err and snapshot(site.root / "build") == before and not _secrets_in(site.root / "build")
    checked = generate("check", "--site", str(site.root))
    assert checked.code == 1 and f"{link}: {LINK_OUT}" in checked.lines and SECRET not in checked.err + checked.out
    assert not _secrets_in(site.root / ".gongkai-cache")


@pytest.mark.parametrize("rel", [NARRATIVE, "content/units.yaml", "templates/static/site.css"])
def test_a_hard_link_is_refused_with_the_advice_to_copy_the_file(site, tmp_path, rel):
    """A hard link cannot be told from its twin outside the site: it is refused like a link out."""
    if rel.startswith("templates"):
        site.write(rel, "body { color: #333 }\n")
    _plant_secret(site, rel)
    twin = tmp_path / "twin"
    os.link(site.path(rel), twin)
    run = site.build()
    assert run.code == 1
    assert errors(run)[0] == (f"{rel}: 这个文件是硬链接（同一文件有 2 个名字，另一个可能在网站文件夹之外），为安全起见不会读取："
                              "请删除它，再把原文件复制（而不是链接）到这里 (hardlink)")
    assert SECRET not in run.err
    assert not (site.root / "build").exists()
    twin.unlink()
    assert site.build().code == 0


def test_a_syntax_error_in_an_override_template(site):
    site.write("templates/unit.html", '{% extends "base.html" %}\n{% block main %}\n{% if %}\n{% endblock %}\n')
    run = site.build()
    assert run.code == 1
    assert errors(run)[0].startswith("templates/unit.html:3: 模板语法错误：")
    assert len(errors(run)) == 1


def test_two_pages_for_one_output_path_are_refused():
    from generator.problems import Problems
    from generator.render.pages import refuse_collisions

    problems = Problems()
    refuse_collisions([("nianbao/a/index.html", "甲"), ("nianbao/b/index.html", "丙"),
                       ("nianbao/a/index.html", "乙")], problems)
    assert [p.format() for p in problems.errors] == [
        "nianbao/a/index.html: 两个页面会写到同一个输出文件：「甲」和「乙」 (output path)"]


# --- atomic output ----------------------------------------------------------------------

@pytest.mark.slow
def test_a_build_killed_half_way_leaves_the_previous_output(tmp_path):
    sys.path.insert(0, str(REPO / "benchmarks"))
    from synthetic import make_site

    root = tmp_path / "portal"
    make_site(root, 300)
    build = [sys.executable, "-m", "generator", "build", "--site", str(root)]
    subprocess.run(build, check=True, capture_output=True)
    before = snapshot(root / "build")
    narrative = next((root / "content/reports").glob("*/2025.md"))
    narrative.write_text(narrative.read_text(encoding="utf-8") + "\n新的一段。\n", encoding="utf-8")
    shutil.rmtree(root / ".gongkai-cache")          # a full build: the whole new tree is written aside
    process = subprocess.Popen(build, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not any(root.glob(".build-new-*/nianbao/*/*.html")):      # await: pages being written
        assert process.poll() is None and time.monotonic() < deadline, "the build ended before it was killed"
        time.sleep(0.005)
    workers = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    assert workers, "the build has no worker processes to outlive it"
    process.send_signal(signal.SIGKILL)
    process.wait()
    while any(Path(f"/proc/{pid}").exists() and "Z" not in _state(pid) for pid in workers):   # await: they end with it
        assert time.monotonic() < deadline, "the killed build's workers live on"
        time.sleep(0.005)
    assert snapshot(root / "build") == before
    assert list(root.glob(".build-new-*"))                        # the half-written tree is aside, not in build/
    subprocess.run(build, check=True, capture_output=True)
    assert not list(root.glob(".build-new-*"))                    # and the next build clears it
    assert "新的一段。" in (root / "build" / narrative.relative_to(root / "content/reports").with_suffix(".html")
                          .as_posix().join(["nianbao/", ""])).read_text(encoding="utf-8")


def _state(pid: str) -> str:
    """A process's state letter (Z: ended, not yet reaped), or "Z" if it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return "Z"


# --- property: any mutation of the example ends in a good build or clean error lines ----------

TOKENS = [":", "- ", "[", "]", "{", "}", ",", '"', "'", "\t", "\n", "#", "&a ", "*a", "!", "|", ">", "%", "@", "`",
          "六", "6件", "-1", "0.5", "1,000.5", "null", "~", "true", "<script>alert(1)</script>", "[x](javascript:x)",
          "[x](&#106;avascript:x)", "![x](java&#x09;script:x)", "[x][r]\n\n[r]: javascript&colon;x", "&#58;",
          "\u3000", "１２", "\ufeff", "\x00", "\x1b", "    ", "## 一、总体情况", "## 七、其他", "<<: *a", "？？", "\r",
          "2024-13-45", "2024-02-30", "9" * 5000, "[" * 600, "{a: " * 100, "https://[x]/", "https://a]/", "\u202e",
          "\u200b", "\ufeff\ufeff", "1" + "0" * 12]
FILES = [HUAJIE, NARRATIVE, "content/units.yaml", "site.yaml"]


@st.composite
def mutations(draw):
    rel = draw(st.sampled_from(FILES))
    edits = draw(st.lists(st.tuples(st.sampled_from(["insert", "delete", "replace_line", "drop_line", "dup_line",
                                                     "truncate"]),
                                    st.floats(0, 1), st.sampled_from(TOKENS)), min_size=1, max_size=3))
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "gbk"]))
    return rel, edits, encoding


def mutate(text: str, edits) -> str:
    for op, where, token in edits:
        at = int(where * len(text))
        lines = text.split("\n")
        line = min(int(where * len(lines)), len(lines) - 1)
        if op == "insert":
            text = text[:at] + token + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + 1 + len(token):]
        elif op == "replace_line":
            lines[line] = token
            text = "\n".join(lines)
        elif op == "drop_line":
            text = "\n".join(lines[:line] + lines[line + 1:])
        elif op == "dup_line":
            text = "\n".join(lines[:line + 1] + lines[line:])
        else:
            text = text[:at]
    return text


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    root = tmp_path_factory.mktemp("pristine")
    site = SiteCopy(root)
    assert site.build().code == 0
    return root


@pytest.mark.slow
@settings(max_examples=int(os.environ.get("GONGKAI_FUZZ_EXAMPLES", 60)), deadline=None,
          derandomize=not os.environ.get("GONGKAI_FUZZ_EXAMPLES"), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutation=mutations())
@example(mutation=(NARRATIVE, [("insert", 0.5, "[x](&#106;avascript:x)")], "utf-8"))
@example(mutation=(NARRATIVE, [("insert", 0.3, "![x](java&#x09;script:x)")], "gbk"))
def test_mutated_input_ends_in_a_build_or_clean_error_lines(pristine, tmp_path_factory, mutation):
    import shutil

    rel, edits, encoding = mutation
    root = tmp_path_factory.mktemp("mutant")
    shutil.rmtree(root)
    shutil.copytree(pristine, root, symlinks=True)
    site = SiteCopy.__new__(SiteCopy)
    site.root = root
    before = snapshot(root / "build")
    text = mutate(site.read(rel), edits)
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    site.path(rel).write_bytes(data)
    run = site.build()
    assert run.code in (0, 1), run.err
    assert "Traceback" not in run.err and "内部错误" not in run.err, run.err
    assert not list(root.glob(".build-new-*"))
    if run.code == 1:
        assert snapshot(root / "build") == before
        problems = [line for line in run.lines if not line.startswith("构建失败")]
        assert problems and all(PROBLEM_LINE.match(line) for line in problems), run.err
    else:
        assert (root / "build/nianbao/index.html").is_file() and (root / "build/index.html").is_file()
        for page in (root / "build").rglob("*.html"):
            html = page.read_text(encoding="utf-8")
            assert "<script>alert" not in html and not dangerous(html), page


# --- the file system says no: a full disk, links out of the site ------------------------------

@pytest.fixture
def full_disk(monkeypatch):
    """Call with a pattern: from then on, writing a file whose path matches it fails as on a full
    disk (tests run as root, so a read-only folder cannot be made with chmod)."""
    import builtins
    import errno
    import io

    real_open, real_os_open = builtins.open, os.open
    writing = os.O_WRONLY | os.O_RDWR | os.O_CREAT

    def refuse(pattern: str) -> None:
        def open_(file, mode="r", *args, **kwargs):
            if set(mode) & set("wxa+") and not isinstance(file, int) and re.search(pattern, os.fspath(file)):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), os.fspath(file))
            return real_open(file, mode, *args, **kwargs)

        def os_open(path, flags, *args, **kwargs):      # files written with os.write (write.FullTree, write_aside)
            if flags & writing and re.search(pattern, os.fspath(path)):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), os.fspath(path))
            return real_os_open(path, flags, *args, **kwargs)
        monkeypatch.setattr(builtins, "open", open_)
        monkeypatch.setattr(io, "open", open_)
        monkeypatch.setattr(os, "open", os_open)
    return refuse


def test_a_full_disk_at_the_manifest_leaves_the_output_as_it_was(site, full_disk, monkeypatch):
    assert site.build().code == 0
    before = snapshot(site.root / "build")
    site.replace(NARRATIVE, "## 五、", "新的一段。\n\n## 五、")
    full_disk(r"manifest-")
    run = site.build()
    assert run.code == 1 and "磁盘已满" in run.err and "保持原样" in run.err, run.err
    assert "内部错误" not in run.err and "Traceback" not in run.err
    assert snapshot(site.root / "build") == before
    monkeypatch.undo()
    assert site.build().code == 0 and "新的一段。" in site.page("nianbao/huajie/2023.html")


@pytest.mark.parametrize("cached", [True, False], ids=["incremental", "full"])
def test_a_full_disk_at_a_page_leaves_the_output_as_it_was(site, full_disk, monkeypatch, cached):
    assert site.build().code == 0
    before = snapshot(site.root / "build")
    site.replace(NARRATIVE, "## 五、", "新的一段。\n\n## 五、")
    if not cached:
        shutil.rmtree(site.root / ".gongkai-cache")
    full_disk(r"huajie/2023\.html$")
    run = site.build()
    assert run.lines[-1].startswith("构建失败：") and "2023.html：磁盘已满" in run.err, run.err
    assert run.code == 1 and "内部错误" not in run.err and "保持原样" in run.err
    assert snapshot(site.root / "build") == before
    assert not [p.name for p in site.root.iterdir() if p.name.startswith(".build-")]
    monkeypatch.undo()
    assert site.build().code == 0 and "新的一段。" in site.page("nianbao/huajie/2023.html")


def outside_folder(tmp_path) -> tuple:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / ".gitignore").write_text("keep me\n", encoding="utf-8")
    return outside, {p.name: p.read_bytes() for p in outside.iterdir()}


def test_a_cache_folder_linked_out_of_the_site_is_refused(site, tmp_path):
    outside, before = outside_folder(tmp_path)
    (site.root / ".gongkai-cache").symlink_to(outside)
    run = site.build()
    assert run.code == 1 and "缓存文件夹" in run.err and "内部错误" not in run.err, run.err
    assert {p.name: p.read_bytes() for p in outside.iterdir()} == before
    assert not (site.root / "build").exists()


def test_a_cache_subfolder_or_lock_file_linked_out_of_the_site_is_refused(site, tmp_path):
    outside, before = outside_folder(tmp_path)
    assert site.build().code == 0
    (fragments,) = (site.root / ".gongkai-cache").glob("opendata-*")
    shutil.rmtree(fragments)
    fragments.symlink_to(outside)
    site.replace(HUAJIE, "行政处罚: 365", "行政处罚: 366")        # a number: the open data is written
    run = site.build()
    assert run.code == 1 and "缓存文件夹" in run.err and "内部错误" not in run.err, run.err
    fragments.unlink()
    lock = site.root / ".build.lock"
    assert not lock.exists()                                  # removed when released
    lock.symlink_to(outside / ".gitignore")
    run = site.build()
    assert run.code == 1 and "锁文件" in run.err and "内部错误" not in run.err, run.err
    assert {p.name: p.read_bytes() for p in outside.iterdir()} == before


# --- leftovers of killed builds ------------------------------------------------------------

@pytest.mark.parametrize("kind", ["new", "pending", "search", "old"])
def test_staging_folders_of_a_killed_build_are_removed_by_the_next(site, kind):
    leftover = site.root / f".build-{kind}-k1ll3d"
    (leftover / "2023").mkdir(parents=True)
    (leftover / "2023/pagefind.js").write_text("half written", encoding="utf-8")
    assert site.build().code == 0
    assert not leftover.exists()


def test_an_output_folder_that_cannot_be_made_is_said_in_words(site, tmp_path):
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    run = site.build("--out", str(tmp_path / "a-file/build"))
    assert run.code == 1 and "内部错误" not in run.err and "保持原样" in run.err, run.err
