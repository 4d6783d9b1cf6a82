"""The Jinja environment every page renders in: sandboxed, autoescaping, strict about
undefined names, with the fast escape and the compiled-template cache.

Where the templates come from: the site's own templates/ first, then the defaults
shipped with the package.
"""

from __future__ import annotations

import importlib.resources
from collections import ChainMap
from pathlib import Path
from types import BuiltinMethodType, FunctionType, MethodType

import jinja2
import jinja2.runtime
import jinja2.sandbox
import markupsafe
from jinja2.exceptions import SecurityError
from jinja2.runtime import Macro, markup_join

try:
    from markupsafe._speedups import _escape_inner     # MarkupSafe 3's escaping, in C
except ImportError:
    _escape_inner = None

from generator.inputs.source import link_out_of


def template_environment(dirs: list[Path], compiled: Path | None) -> jinja2.Environment:
    """The environment for templates in `dirs` (first found wins); compiled: the folder that
    keeps compiled templates between builds (None: none kept)."""
    bytecode_cache = _TemplateCache(str(compiled)) if compiled is not None else None
    env = SandboxedEnvironment(
        loader=jinja2.FileSystemLoader([str(d) for d in dirs]),
        bytecode_cache=_SandboxedBytecode(bytecode_cache) if bytecode_cache else None,
        auto_reload=False,    # one build, one version of each template (and no stat per page)
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.template_class = _Template
    return env


def default_templates_dir() -> Path:
    """The templates shipped with the package (the repository's templates/ in a checkout)."""
    return shipped_folder("templates", "templates")


def shipped_folder(packaged: str, in_checkout: str) -> Path:
    """A folder shipped inside the package as generator/<packaged> (pyproject maps the
    repository's templates/ and content/ there), or in a checkout the repository's <in_checkout>/.

    Anchored on the package, not on this module's file, so it survives the module moving.
    Not importlib.resources.files("generator.templates"): in an editable install that
    mapped folder cannot be imported under the regular package `generator`, and installed
    it is a MultiplexedPath (a namespace package), which Jinja and shutil cannot use."""
    package = Path(str(importlib.resources.files("generator"))).resolve()
    installed = package / packaged
    return installed if installed.is_dir() else package.parent / in_checkout


_NUMBERS = frozenset({int, float})


def escape_output(value) -> str:
    """What markupsafe.escape gives, as a plain str: the text of a `{{ }}` is joined into the
    page at once, and making it Markup first (a Python-level subclass call) cost 0.8 µs of
    markupsafe.escape's 0.9, at some 260 expressions a report."""
    if value.__class__ is str:
        return _escape_inner(value)
    if value.__class__ in _NUMBERS:      # digits, signs, points: nothing to escape, and hasattr's
        return str(value)                # failed lookup costs 0.3 µs (15 a unit, 图解 bar widths)
    if hasattr(value, "__html__"):
        return value.__html__()
    return _escape_inner(str(value))


def joined_text(parts: tuple) -> str:
    """What Jinja's markup_join (the `~` of an autoescaping template) gives: plain strings are
    joined as they are, anything else goes through markup_join (str() of a number, Markup kept
    Markup). Some 17 a unit (`root ~ "index.html"`), at 0.72 µs each, 0.2 here."""
    for part in parts:
        if part.__class__ is not str:
            return markup_join(parts)
    return "".join(parts)


class _Template(jinja2.Template):
    """A compiled template whose `{{ }}` escape with escape_output, and whose `~` join with
    joined_text. Jinja's compiled code calls `escape` for the output of expressions and for
    nothing else; should a Jinja or MarkupSafe release change that, the standard escape and
    markup_join stay (the same bytes, a little slower)."""

    @classmethod
    def _from_namespace(cls, environment, namespace, globals):
        if _escape_inner is not None and namespace.get("escape") is markupsafe.escape:
            namespace["escape"] = escape_output
        if namespace.get("markup_join") is markup_join:
            namespace["markup_join"] = joined_text
        return super()._from_namespace(environment, namespace, globals)

    def new_context(self, vars=None, shared=False, locals=None):
        """Jinja's context, given the globals as one dict rather than their ChainMap (the
        template's own over the environment's): Jinja copies them into every page's context and
        their names into every include's, and a ChainMap is read key by key in Python, 8 µs of a
        page's 210."""
        return jinja2.runtime.new_context(self.environment, self.name, self.blocks, vars, shared,
                                          _flattened(self.globals), locals)


def _flattened(globals):
    """A ChainMap as one dict, with the same keys, in the same order, holding the same values:
    the environment's own dict when the template has no globals of its own (always, in a
    build), rather than a copy of its 25 for every page and include (1 µs each, 13 a unit)."""
    if type(globals) is not ChainMap:
        return globals
    if len(globals.maps) == 2 and not globals.maps[0]:
        return globals.maps[1]
    flat = {}
    for mapping in reversed(globals.maps):
        flat.update(mapping)
    return flat


class _TemplateCache(jinja2.FileSystemBytecodeCache):
    """Compiled templates kept between builds (keyed by their source, so never stale):
    compiling them was a fifth of a one-report rebuild. Unwritable: simply not kept.
    Loading one executes it, so it is kept in the user's private cache, never in the site."""

    def dump_bytecode(self, bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


_FORMAT_METHODS = ("format", "format_map")
# The sandbox returns a safe attribute as it is, but for a method, which may be a str.format under
# any name (it is then wrapped): a method's verdict is remembered only for the types whose objects
# have no attributes of their own, whose methods are always their class's.
_METHOD_TYPES = (MethodType, BuiltinMethodType)
_FIXED_TYPES = frozenset({str, markupsafe.Markup, dict, list, tuple})


def _plain_callable(obj, kind: type) -> bool:
    """A built-in method but str.format, or a Python function without attributes of its own (the
    url globals: report_url, unit_url…): neither is marked unsafe (unsafe_callable, alters_data)
    nor asks for the context (jinja_pass_arg), as only an attribute set on it could say, and
    Jinja reads five (some 7 calls a unit: 0.73 µs a call, 0.36 without)."""
    if kind is BuiltinMethodType:
        return obj.__name__ not in _FORMAT_METHODS
    return kind is FunctionType and not obj.__dict__


class SandboxedEnvironment(jinja2.sandbox.ImmutableSandboxedEnvironment):
    """Every page, not only sites' own templates: a site folder is data and must not run code
    on the build machine, a page may extend or include both kinds, and `generate theme copy`
    gives a site its own copy of any default. Measured: pages render in 1.35x the time, a full build of
    1,000 reports (one core, no search index) takes 7% more CPU. No attributes starting with _
    (so no __globals__, __subclasses__ ...), no function internals, and no methods that change
    the lists, dicts or sets the pages share."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._safe: dict[tuple[type, str, type], bool] = {}
        self._plain: set[tuple[type, str, type]] = set()
        self._loaded: dict[tuple[str, str | None], jinja2.Template] = {}

    def get_template(self, name, parent=None, globals=None):
        """Jinja's, remembered by name: a build uses one version of each template (auto_reload is
        off), and Jinja's own cache (a weak reference and a locked LRU list a lookup) cost 0.5 µs
        an include or extends, some 6 a page."""
        if globals is not None or self.auto_reload or not isinstance(name, str):
            return super().get_template(name, parent, globals)
        template = self._loaded.get((name, parent))
        if template is None:
            template = self._loaded[name, parent] = super().get_template(name, parent)
        return template

    def is_safe_attribute(self, obj, attr: str, value) -> bool:
        """Jinja's verdict, remembered: it depends only on the attribute's name and the types
        of the object and the value, and working it out was most of the sandbox's cost."""
        key = (type(obj), attr, type(value))
        safe = self._safe.get(key)
        if safe is None:
            safe = self._safe[key] = super().is_safe_attribute(obj, attr, value)
        return safe

    def getattr(self, obj, attribute: str):
        """Jinja's sandboxed `obj.attribute`, with its verdict remembered: an attribute found safe
        and plain (not str.format, which the sandbox wraps) for these types is returned at once.
        Some 120 attribute reads a page went through the whole check (7% of a cold build's CPU).
        Remembered by types, not by `result is value`: a property (Figure.text) makes a new
        object each time, and went through the check, read twice, on every page."""
        try:
            value = getattr(obj, attribute)
        except AttributeError:          # an item (a dict's key), or undefined: as Jinja does it
            return super().getattr(obj, attribute)
        key = (type(obj), attribute, type(value))
        if key in self._plain:
            return value
        result = super().getattr(obj, attribute)       # raises for an unsafe attribute
        if attribute not in _FORMAT_METHODS and (type(value) not in _METHOD_TYPES or type(obj) in _FIXED_TYPES):
            self._plain.add(key)
        return result

    def call(self, context, obj, /, *args, **kwargs):
        """Jinja's sandboxed call, shorter for a macro and a plain callable (_plain_callable):
        neither can be marked unsafe nor ask for the context (a macro takes the evaluation
        context, given here as Jinja does), which Jinja works out with five attribute lookups a
        call (some 20 calls a page).
        str.format stays Jinja's: releases before 3.1.5 sandbox it as it is called."""
        kind = type(obj)
        if kind is Macro:
            args = (context.eval_ctx, *args)
        elif not _plain_callable(obj, kind):
            return super().call(context, obj, *args, **kwargs)
        kwargs.pop("_block_vars", None)
        kwargs.pop("_loop_vars", None)
        try:
            return obj(*args, **kwargs)
        except StopIteration:          # as Jinja does it
            return self.undefined("value was undefined because a callable raised a StopIteration exception")

    def unsafe_undefined(self, obj, attribute: str):
        """Stop at once (Jinja returns an undefined value, whose error would not say why)."""
        raise SecurityError(f"access to attribute {attribute!r} of {type(obj).__name__!r} object is unsafe")


class _SandboxedBytecode(jinja2.BytecodeCache):
    """The bytecode cache, with the sandbox in its keys: a template compiled by an unsandboxed
    environment (an earlier gongkai, or another tool) calls functions without the sandbox's
    checks, and Jinja keys its cache by the template's name and source only."""

    def __init__(self, cache: jinja2.BytecodeCache):
        self.cache = cache

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return self.cache.get_cache_key(f"sandboxed:{name}", filename)

    def load_bytecode(self, bucket) -> None:
        self.cache.load_bytecode(bucket)

    def dump_bytecode(self, bucket) -> None:
        self.cache.dump_bytecode(bucket)


def template_dirs(root: Path) -> list[Path]:
    """The site's own templates/ (unless it links out of the site), then the shipped defaults."""
    dirs = []
    own = root / "templates"
    if own.is_dir() and link_out_of(root, "templates") is None:    # a link out: refused by the loader
        dirs.append(own.resolve())
    default = default_templates_dir().resolve()
    if default not in dirs:
        dirs.append(default)
    return dirs
