"""Templates run in Jinja's sandbox: a site folder is data and never runs code on the build machine."""

from __future__ import annotations

import shutil
from pathlib import Path

import jinja2
import jinja2.sandbox
import pytest

from helpers import REPO, generate
from generator.content.loader import load_site
from generator.render import pages as render
from generator.render import environment
from generator.render.environment import escape_output

# Each payload would create the file MARKER if the template could reach Python's internals.
RUN = "('touch MARKER')"
IMPORT = "['__builtins__']['__import__']('os').system" + RUN
PAYLOADS = {
    "cycler": "{{ cycler.__init__.__globals__.os.popen" + RUN + ".read() }}",
    "subclasses": "{% for c in ''.__class__.__mro__[1].__subclasses__() %}{% if c.__name__ == 'Popen' %}"
                  "{{ c(['touch', 'MARKER']) }}{% endif %}{% endfor %}",
    "self": "{{ self.__init__.__globals__" + IMPORT + " }}",
    "lipsum": "{{ lipsum.__globals__" + IMPORT + " }}",
    "config-style": "{{ site.__class__.__init__.__globals__" + IMPORT + " }}",
    "a global function": "{{ report_url.__globals__" + IMPORT + " }}",
    "subscript": "{{ cycler['__init__']['__globals__']['os'].popen" + RUN + ".read() }}",
    "attr filter": "{{ (cycler | attr('__init__') | attr('__globals__'))['os'].popen" + RUN + ".read() }}",
    "str.format": "{{ '{0.__init__.__globals__[os]}'.format(cycler) }}",
}


def with_line(template: str, payload: str) -> tuple[str, int]:
    """The template with the payload as a line of its main block, and that line's number."""
    lines = template.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if "{% block main %}" in line) + 1
    lines.insert(at, f"<p>{payload}</p>\n")
    return "".join(lines), at + 1


@pytest.mark.parametrize("template", ["404.html", "report.html"])
@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_a_site_template_cannot_reach_python(site, template, payload, monkeypatch):
    monkeypatch.chdir(site.root)                        # where the payloads would write MARKER
    text, line = with_line((REPO / "templates" / template).read_text(encoding="utf-8"), payload)
    site.write(f"templates/{template}", text)
    run = site.build()
    assert not (site.root / "MARKER").exists()
    assert run.code == 1, run.err
    assert "内部错误" not in run.err
    errors = [l for l in run.lines if l.startswith(f"templates/{template}:{line}: ")]
    assert errors and errors[0].endswith("(template)"), run.err
    assert "模板不能访问 Python 的内部对象（网站模板在沙箱中运行）" in errors[0]
    assert not (site.root / "build").exists()


def test_check_reports_the_same_error(site, monkeypatch):
    monkeypatch.chdir(site.root)
    text, line = with_line((REPO / "templates" / "404.html").read_text(encoding="utf-8"), PAYLOADS["cycler"])
    site.write("templates/404.html", text)
    run = generate("check", "--site", str(site.root))
    assert run.code == 1 and f"templates/404.html:{line}: 模板不能访问 Python 的内部对象" in run.err, run.err
    assert not (site.root / "MARKER").exists()


def test_a_template_cannot_change_the_data_other_pages_share(site):
    text, line = with_line((REPO / "templates" / "report.html").read_text(encoding="utf-8"),
                           "{{ format_names.clear() }}")
    site.write("templates/report.html", text)
    run = site.build()
    assert run.code == 1 and f"templates/report.html:{line}: 模板不能访问" in run.err, run.err


def test_the_documented_variables_and_filters_still_work(site):
    site.write("templates/404.html", '{% extends "base.html" %}{% block main %}<p id="own">'
               "{{ site.name | upper }} {{ column_title }} {{ '%s-%d' | format('a', 3) }} "
               "{{ range(3) | join(',') }} {{ {'k': 1}.items() | list }} {{ 'a,b'.split(',') }}"
               "</p>{% endblock %}\n")
    run = site.build()
    assert run.code == 0, run.err
    assert "<p id=\"own\">政府信息公开年报示例门户 政府信息公开年报 a-3 0,1,2 [(&#39;k&#39;, 1)] [&#39;a&#39;, &#39;b&#39;]</p>" \
        in site.page("404.html")


def test_a_harmless_site_template_folder_changes_no_byte(site, built_example):
    """A site with the default templates as its own, as `generate init` makes it."""
    copy_default_templates(site)
    assert site.build().code == 0
    assert published(site.root / "build") == published(built_example)


def test_the_sandbox_gives_the_same_bytes_as_the_unsandboxed_environment(site, monkeypatch, tmp_path):
    assert site.build().code == 0
    sandboxed = published(site.root / "build")
    monkeypatch.setattr(environment, "SandboxedEnvironment", jinja2.Environment)
    shutil.rmtree(site.root / ".gongkai-cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))   # no templates compiled in the sandbox
    shutil.rmtree(site.root / "build")
    assert site.build().code == 0
    assert published(site.root / "build") == sandboxed


def test_the_sandbox_keeps_the_fast_escape(site):
    loaded, problems = load_site(site.root)
    renderer = render.Renderer(site.root, loaded.config, loaded.units, problems)
    assert isinstance(renderer.env, jinja2.sandbox.SandboxedEnvironment)
    template = renderer.env.get_template("report.html")
    assert template.root_render_func.__globals__["escape"] is escape_output


def copy_default_templates(site) -> None:
    shutil.copytree(REPO / "templates", site.root / "templates")


def published(folder: Path) -> dict[str, bytes]:
    """Every output file but the search index (Pagefind names some of its files at random)."""
    files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert len(files) > 10
    return {name: data for name, data in files.items() if not name.startswith("pagefind/")}
