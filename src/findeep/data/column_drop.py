"""Columns the user leaves out of every model (``--drop``): a leak, an identifier findeep did
not recognise, an attribute a lending decision may not use.

Dropped before anything else reads the table, so no schema, split, screen or model sees them;
the names are checked first, so a misspelt one fails in one sentence instead of leaving the
column in, and a column another option gives a role (the target, the clock, the customer, the
row weight) is refused rather than silently taken from it.
"""

from __future__ import annotations

import pandas as pd

from findeep.errors import ConfigError, did_you_mean


def drop_columns(frame: pd.DataFrame, names: list[str] | None, *,
                 roles: list[tuple[str, str | None]]) -> tuple[pd.DataFrame, list[str]]:
    """``frame`` without the columns ``names``, and those names (each once, in order).
    ``roles`` pairs an option (``target``, ``--time-column``…) with the column it names; such
    a column cannot also be dropped."""
    if not names:
        return frame, []
    wanted = list(dict.fromkeys(name.strip() for name in names))
    if any(not name for name in wanted):
        raise ConfigError("--drop names columns separated by commas, e.g. --drop "
                          "recoveries,closed_date; an empty name was given.")
    columns = [str(c) for c in frame.columns]
    for name in wanted:
        if name not in columns:
            raise ConfigError(f"--drop names column '{name}', which is not in the data."
                              + did_you_mean(name, columns))
    for option, column in roles:
        if column is not None and column in wanted:
            raise ConfigError(f"column '{column}' is the {option} column; --drop leaves out "
                              "input columns only: name another column there.")
    kept = frame.drop(columns=[c for c in frame.columns if str(c) in wanted])
    if kept.shape[1] == 0:
        raise ConfigError("--drop leaves no column in the data.")
    return kept, wanted
