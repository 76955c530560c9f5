"""The tally as a report (``findeep tally --report out.html``): the counts and their
sentences, then per opponent one chart of every table's paired difference with its spread,
coloured by where it stands, each with the numbers behind it."""

from __future__ import annotations

import shlex
from datetime import UTC, datetime
from typing import Any

import numpy as np

import findeep
from findeep.evaluate.comparison import HIGHER_IS_BETTER
from findeep.report import figures
from findeep.report.benchmark_report import metric_cell
from findeep.report.document import Document, Figure, Section, Table

# level bars a light grey, so the whiskers (drawn in figures.GREY) stay visible across them
STANDING_COLOURS = {"ahead": figures.GREEN, "behind": figures.VERMILION, "level": "#c7c7c7",
                    "no estimate": "#ebebeb"}


def build_tally_report(tallies: list[Any], command: list[str]) -> Document:
    """The report of ``evaluate.tally.tally``'s result; ``command`` reproduces it."""
    first = tallies[0]
    sections = [_counts_section(tallies)]
    sections += [_opponent_section(one) for one in tallies]
    sections.append(Section("reproduce", "Reproduce", [f"`{shlex.join(command)}`"]))
    return Document(
        title=f"Tally: {first.model} over {len(first.tables)} tables",
        subtitle=(f"{first.metric}; each table's models on that table's own folds; written "
                  f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} by findeep "
                  f"{findeep.__version__}."),
        sections=sections)


def _counts_section(tallies: list[Any]) -> Section:
    rows = [[f"`{one.against}`", str(one.count("ahead")), str(one.count("level")),
             str(one.count("behind")), one.mean_text, one.average_standing,
             f"{one.faster_on} of {len(one.tables)}", f"{one.fit_ratio:.2f}x"]
            for one in tallies]
    return Section("tally", "The tally", [
        Table(["against", "ahead", "level", "behind", "mean ± s.e. a table", "on the average",
               "fitted faster", "fit time, all tables"], rows),
        "**Verdicts** (a table counts as ahead or behind only beyond one standard deviation of "
        "its per-fold differences; the average only beyond two standard errors over tables):",
        "\n".join(f"- {one.verdict()}" for one in tallies)])


def _opponent_section(one: Any) -> Section:
    names = [t.table for t in one.tables]
    means = [t.difference for t in one.tables]
    spread = [t.std if np.isfinite(t.std) else 0.0 for t in one.tables]
    shown = [m if np.isfinite(m) else 0.0 for m in means]
    direction = "" if one.metric in HIGHER_IS_BETTER else " (a loss, flipped)"
    return Section(f"against-{one.against}", f"Against {one.against}", [Figure(
        f"against-{one.against}", f"{one.model} minus {one.against}, table by table",
        f"Each bar is one table's mean per-fold difference in {one.metric}{direction}, "
        f"positive where {one.model} is better; the whiskers one standard deviation of the "
        "per-fold differences either side. Green: ahead beyond the noise, vermilion: behind "
        "beyond it, grey: level.",
        figures.horizontal_bars_svg(
            names, shown, f"{one.metric}: {one.model} − {one.against}",
            errors=([m - s for m, s in zip(shown, spread, strict=True)],
                    [m + s for m, s in zip(shown, spread, strict=True)]), reference=0.0,
            colours=[STANDING_COLOURS[t.standing] for t in one.tables]),
        Table(["table", "faced", "difference", "std", "standing", "fit s: mine / theirs"],
              [[t.table, f"`{t.opponent}`", metric_cell(t.difference, signed=True),
                metric_cell(t.std), t.standing,
                f"{t.fit_seconds:.1f} / {t.opponent_fit_seconds:.1f}"]
               for t in one.tables]))])
