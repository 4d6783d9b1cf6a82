"""The page environment's shortcuts (remembered verdicts, calls, templates, globals) give what
Jinja's own sandbox gives, and refuse what it refuses."""

from __future__ import annotations

import jinja2
import jinja2.sandbox
import pytest
from jinja2.exceptions import SecurityError

from generator.render.environment import template_environment

TEMPLATES = {
    "base.html": "{% block main %}{% endblock %}|{{ shared }}",
    "page.html": '{% extends "base.html" %}{% block main %}{% include "part.html" %}{% endblock %}',
    "part.html": "{{ name }}:{{ shared }}",
    "macros.html": (
        "{% macro box(x, y='d') -%}[{{ x }}{{ y }}{{ varargs | join('+') }}{{ kwargs | dictsort }}]{%- endmacro %}"
        "{% macro wrap() %}<{{ caller() }}>{% endmacro %}"
        "{{ box(1) }}{{ box(1, 2, 3, z=4) }}{{ box(y='k', x='<') }}"
        "{% call wrap() %}in{% endcall %}"
        "{% for k in d %}{{ d.get(k) }}{{ d.get('none', '-') }}{{ s.startswith(k) }}{% endfor %}"
        "{{ s.upper() }}{{ d.items() | list }}{{ '%s' | format(s) }}"
    ),
}


def environments(tmp_path):
    for name, text in TEMPLATES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    ours = template_environment([tmp_path], None)
    jinjas = jinja2.sandbox.ImmutableSandboxedEnvironment(loader=jinja2.FileSystemLoader(str(tmp_path)),
                                                          autoescape=True, undefined=jinja2.StrictUndefined)
    return ours, jinjas


@pytest.mark.parametrize("name", ["page.html", "macros.html"])
def test_the_same_text_as_jinjas_sandbox(tmp_path, name):
    ours, jinjas = environments(tmp_path)
    for env in (ours, jinjas):
        env.globals["shared"] = "g<"
    values = {"name": "n&", "d": {"a": 1, "b": "<b>"}, "s": "abc"}
    for _ in range(2):                 # the second time through the remembered verdicts and templates
        assert ours.get_template(name).render(**values) == jinjas.get_template(name).render(**values)


def test_a_global_set_after_loading_is_seen(tmp_path):
    ours, _ = environments(tmp_path)
    template = ours.get_template("page.html")
    ours.globals["shared"] = "first"
    assert template.render(name="n") == "n:first|first"
    ours.globals["shared"] = "second"
    assert template.render(name="n") == "n:second|second"
    assert template.render(name="n", shared="own") == "n:own|own"


@pytest.mark.parametrize("payload", [
    "{{ s.startswith('a') }}{{ s.format(d) }}",                # str.format after a harmless str method
    "{{ t.startswith('a') }}{{ t.format_map(d) }}",
    "{{ u.format(1) }}{{ s.format(d) }}",                      # str.format after a harmless one
    "{{ d.get('a') }}{{ d.pop('a') }}",                        # a mutating method after a harmless one
    "{{ d.get('a') }}{{ d.clear() }}",
    "{{ l.index(1) }}{{ l.append(2) }}",
])
def test_the_shortcuts_refuse_what_jinja_refuses(tmp_path, payload):
    ours, _ = environments(tmp_path)
    values = {"s": "{0.__class__}", "t": "{a.__class__}", "u": "{0}", "d": {"a": 1}, "l": [1]}
    with pytest.raises(SecurityError):
        for _ in range(2):
            ours.from_string(payload).render(**values)
    assert values["d"] == {"a": 1} and values["l"] == [1]



class _Holder:
    def __init__(self, method):
        self.method = method


def test_a_method_held_under_another_name_is_still_sandboxed(tmp_path):
    """The verdict on `holder.method` is not remembered: the next holder's may be a str.format."""
    ours, _ = environments(tmp_path)
    template = ours.from_string("{{ holder.method(arg) }}")
    assert template.render(holder=_Holder({"k": "v"}.get), arg="k") == "v"
    with pytest.raises(SecurityError):
        template.render(holder=_Holder("{0.__class__}".format), arg=1)


class _Counted:
    reads = 0

    @property
    def text(self) -> str:
        _Counted.reads += 1
        return str(_Counted.reads)       # a new str each time


def test_a_property_is_read_once_a_time(tmp_path):
    ours, _ = environments(tmp_path)
    template = ours.from_string("{{ c.text }},{{ c.text }}")
    template.render(c=_Counted())
    _Counted.reads = 0
    assert template.render(c=_Counted()) == "1,2"


def test_a_join_gives_what_jinjas_gives(tmp_path):
    ours, jinjas = environments(tmp_path)
    template = "{{ a ~ b }}|{{ a ~ m }}|{{ n ~ a }}|{{ f ~ a ~ b }}|{% set x = a ~ m %}{{ x }}{{ x | e }}"
    values = {"a": "<x>", "b": "y&", "m": jinja2.utils.markupsafe.Markup("<b>"), "n": 3, "f": 1.5}
    for _ in range(2):
        assert ours.from_string(template).render(**values) == jinjas.from_string(template).render(**values)


def _path(x):
    return f"<{x}>"


def _marked(x):
    return x


_marked.unsafe_callable = True


@jinja2.pass_context
def _asks_for_the_context(context, x):
    return f"{context['n']}{x}"


def test_a_function_is_called_as_jinja_calls_it(tmp_path):
    ours, jinjas = environments(tmp_path)
    template = "{{ f(1) }}{{ g(2) }}"
    values = {"f": _path, "g": _asks_for_the_context, "n": "n"}
    for _ in range(2):
        assert ours.from_string(template).render(**values) == jinjas.from_string(template).render(**values)
    with pytest.raises(SecurityError):
        ours.from_string("{{ f(1) }}").render(f=_marked)
