"""The link and image addresses of a rendered page as the browser reads them."""

from __future__ import annotations

import re
from html.parser import HTMLParser

DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:", "file:")
# The URL parser drops tabs and newlines anywhere, and controls and spaces at either end.
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")
_C0_OR_SPACE = "".join(map(chr, range(0x21)))


class _Addresses(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        # html.parser decodes character references in attribute values, as a browser does
        self.urls += [value or "" for name, value in attrs if name in ("href", "src", "action", "formaction")]


def addresses(html: str) -> list[str]:
    """Every href, src and action of `html`: entities decoded, then as the URL parser sees it."""
    parser = _Addresses()
    parser.feed(html)
    parser.close()
    return [_TAB_OR_NEWLINE.sub("", url).strip(_C0_OR_SPACE) for url in parser.urls]


def dangerous(html: str) -> list[str]:
    """The addresses of `html` that would run script or load arbitrary content when followed."""
    return [url for url in addresses(html) if url.lower().startswith(DANGEROUS_SCHEMES)]
