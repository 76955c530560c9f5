"""Render a ``Document`` to Markdown or to one self-contained HTML page (Jinja2 templates,
one per format, over the same structure).

The HTML page has its CSS inline and its charts as inline SVG: opening it makes no request
to any other host, so it can be e-mailed and archived as one file.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any, Literal

import jinja2
from markupsafe import Markup, escape

from findeep.report.document import Document, Figure, Table

Format = Literal["markdown", "html"]


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "-" if value != value else f"{value:.4f}"
    return str(value)


def _is_number(value: Any) -> bool:
    """Numbers, and text that shows one (``'84.5%'``, ``'1,317'``), align right."""
    if isinstance(value, int | float):
        return True
    try:
        float(str(value).rstrip("%").replace(",", ""))
    except ValueError:
        return False
    return True


def numeric_columns(table: Table) -> list[bool]:
    return [bool(table.rows) and all(_is_number(r[j]) for r in table.rows)
            for j in range(len(table.header))]


def markdown_table(header: list[str], rows: list[list[Any]]) -> str:
    """A GitHub-flavoured Markdown table; numbers right-aligned, floats to 4 places."""
    table = Table(list(header), [list(r) for r in rows])
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---:" if n else "---" for n in numeric_columns(table)) + "|"]
    lines += ["| " + " | ".join(markdown_text(_cell(v)).replace("|", "\\|") for v in row)
              + " |" for row in rows]
    return "\n".join(lines)


def markdown_text(text: str) -> str:
    """``text`` with every ``<`` that could open an HTML tag, and every ``[`` that could open
    a link or an image (``![x](http://…)``), outside code spans, escaped, so a value from the
    data (a category ``<img onerror=…>``, a column named ``[login](http://…)``) is shown,
    never run or fetched, where the Markdown is rendered; a lone ``*`` (a group named
    ``C_*x*``) is escaped so it never turns text italic, while the report's own ``**bold**``
    stays; "< 30 rows", "[0.1, 0.2]" and code spans stay as written."""
    parts = str(text).split("`")
    for i in range(0, len(parts), 2):  # outside code spans
        parts[i] = _LONE_STAR.sub(r"\\*", _LINK_START.sub(r"\\[", _TAG_START.sub("&lt;",
                                                                                 parts[i])))
    return "`".join(parts)


_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_LINK_START = re.compile(r"\[(?=[^\]]*\]\()")  # "[text](" : a link, or an image after "!"
# a lone asterisk (a group named "C_*x*" would turn italic); "**bold**" is the report's own
_LONE_STAR = re.compile(r"(?<![*\\])\*(?!\*)")


def _inline_markdown(text: str) -> Markup:
    """The little Markdown a line uses (``code``, **bold**), as escaped HTML."""
    html = str(escape(text))
    html = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html)
    html = re.sub(r"`(.+?)`", r"<code>\1</code>", html)
    return Markup(html)


def _is_wide(svg: str) -> bool:
    """Charts wider than half the page get a row of their own."""
    found = re.search(r'width="([0-9.]+)pt"', svg[:400])
    return bool(found) and float(found.group(1)) > 400


def _paragraph(text: str) -> Markup:
    """A Markdown paragraph as HTML: a bulleted list when every line starts with '- '."""
    lines = text.splitlines()
    if lines and all(line.startswith("- ") for line in lines):
        items = "".join(f"<li>{_inline_markdown(line[2:])}</li>" for line in lines)
        return Markup(f"<ul>{items}</ul>")
    if len(lines) > 1 and all(line.startswith("- ") for line in lines[1:]):  # a lead-in
        items = "".join(f"<li>{_inline_markdown(line[2:])}</li>" for line in lines[1:])
        return Markup(f"<p>{_inline_markdown(lines[0])}</p><ul>{items}</ul>")
    return Markup(f"<p>{_inline_markdown(text)}</p>")


def _labelled(svg: str, title: str) -> str:
    """The chart's title as its accessible name (screen readers otherwise read out every
    tick label in a row)."""
    label = str(escape(title))
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("findeep.report", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",),
                                            default_for_string=False),
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined)
    env.filters.update(markdown_table=lambda t: markdown_table(t.header, t.rows),
                       cell=_cell, inline=_inline_markdown, paragraph=_paragraph,
                       labelled=_labelled, md_text=markdown_text,
                       is_wide=_is_wide, numeric_columns=numeric_columns)
    env.tests.update(table=lambda b: isinstance(b, Table), figure=lambda b: isinstance(b, Figure))
    return env


def render(document: Document, fmt: Format) -> str:
    """The document as Markdown or HTML text."""
    name = {"markdown": "report.md.j2", "html": "report.html.j2"}[fmt]
    sections = sorted(document.sections, key=lambda s: not s.alert)  # alerts first, stable
    return _environment().get_template(name).render(
        document=document, sections=sections, svg=Markup)
