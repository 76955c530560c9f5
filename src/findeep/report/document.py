"""The report as data: sections of paragraphs, tables and figures, rendered to Markdown or
HTML by ``render.py`` from this one structure, so the two formats cannot disagree.

A figure always carries the numbers behind it as a table; Markdown shows that table where
HTML shows the chart with the table beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Table:
    """A table: a header row and data rows; ``caption`` becomes a sub-heading."""

    header: list[str]
    rows: list[list[Any]]
    caption: str | None = None


@dataclass
class Figure:
    """A chart (inline SVG): a short title, a caption saying what it shows, and the
    numbers behind it."""

    key: str
    title: str
    caption: str
    svg: str
    table: Table


@dataclass
class Section:
    """One ``##`` section: blocks in order (str = a Markdown paragraph, Table, Figure).

    ``alert`` marks a section that must be read first (a failed honesty check).
    """

    key: str
    title: str
    blocks: list[str | Table | Figure] = field(default_factory=list)
    alert: bool = False

    def add(self, *blocks: str | Table | Figure) -> Section:
        self.blocks.extend(blocks)
        return self


@dataclass
class Document:
    """A whole report: a title, a line saying what was scored, and sections."""

    title: str
    subtitle: str
    sections: list[Section]

    @property
    def figures(self) -> list[Figure]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Figure)]
