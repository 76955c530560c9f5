"""Row splits: stratified random, grouped (a customer's rows on one side), out-of-time, and the
validation split for early stopping.

Every function returns positional index arrays into the frame it was given, so the
caller keeps one copy of the data and slices it.
"""

from __future__ import annotations

import re
import warnings
from itertools import pairwise

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold, StratifiedGroupKFold, train_test_split

from findeep.data.schema import FindeepWarning, parse_datetimes
from findeep.errors import ConfigError, DataError, TargetError, did_you_mean

# below this, the test and validation splits are a handful of rows: nothing to learn from
MIN_TRAINING_ROWS = 10


def check_training_rows(n_rows: int, target: str) -> None:
    """Refuse, in one line, a table with too few labelled rows to split and train on."""
    if n_rows < MIN_TRAINING_ROWS:
        raise DataError(f"{n_rows} row(s) of the data have a '{target}' value; training "
                        f"needs at least {MIN_TRAINING_ROWS} (a test split and an early-stopping "
                        "split are carved from them).")


MAX_SEED = 2**32 - 1  # what numpy and scikit-learn accept as a seed


def seed_problem(seed: object) -> str | None:
    """What is wrong with a seed numpy and scikit-learn would refuse with a traceback, or
    None (for checks that collect every problem before raising)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) \
            or not 0 <= seed <= MAX_SEED:
        return f"random_state (--seed) must be a whole number from 0 to {MAX_SEED}, however: " \
               f"{seed!r}"
    return None


def check_seed(seed: object) -> None:
    """Refuse, in one line, a seed that numpy and scikit-learn would refuse."""
    problem = seed_problem(seed)
    if problem:
        raise ConfigError(problem)


def check_fraction(value: float, name: str) -> None:
    if not 0.0 < value < 1.0:
        raise ConfigError(f"{_option_name(name)} must be between 0 and 1 (exclusive), "
                          f"however: {value}")


def _option_name(name: str) -> str:
    """A parameter as both the Python API and the command line spell it."""
    return f"{name} (--{name.replace('_', '-')})"


def check_split_sizes(n_rows: int, test_fraction: float) -> None:
    """Refuse, in one line, a test share outside (0, 1) or one that leaves too few rows on
    either side."""
    check_fraction(test_fraction, "test_fraction")
    n_test = int(np.ceil(test_fraction * n_rows))  # scikit-learn's rounding
    n_train = n_rows - n_test
    if n_test < 1 or n_train < MIN_TRAINING_ROWS:
        raise ConfigError(
            f"{_option_name('test_fraction')} {test_fraction} holds out {n_test} of the "
            f"{n_rows} rows and leaves {n_train} to train on; training needs at least "
            f"{MIN_TRAINING_ROWS}: lower it.")


def split_random(
    y: np.ndarray, *, test_fraction: float, seed: int, stratify: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Train/test positions, stratified on ``y`` when ``stratify`` (classification)."""
    check_fraction(test_fraction, "test_fraction")
    check_seed(seed)
    positions = np.arange(len(y))
    strata = y if stratify and _can_stratify(y, test_fraction) else None
    train, test = train_test_split(
        positions, test_size=test_fraction, random_state=seed, stratify=strata
    )
    return np.sort(train), np.sort(test)


# why --group-column and --time-column are not taken together (benchmark and train alike)
GROUP_AND_TIME = ("--group-column keeps each customer's rows on one side of a random split; an "
                  "out-of-time split (--time-column) already tests on later rows only, where a "
                  "customer's earlier rows are known at decision time: use one or the other.")


# a column named as an identifier of a customer (or an applicant, an account...): ends in one
# of these words, optionally followed by id / no / number / key / code
_SHARED_ID_NAME = re.compile(
    r"(^|[_\s.])(id|customer|client|account|applicant|borrower|member|user|household|person)"
    r"([_\s.]?(id|no|nr|number|key|code))?$", re.IGNORECASE)
# ... whose values repeat but are many: at least this many, and this share of the rows
SHARED_ID_MIN_VALUES = 20
SHARED_ID_MIN_SHARE = 0.05


def shared_identifier_columns(frame: pd.DataFrame) -> list[str]:
    """Columns named as a customer's identifier whose values repeat over rows (several rows
    of one customer) yet are many (not a category): candidates for ``--group-column``."""
    named = []
    for name in frame.columns:
        if not _SHARED_ID_NAME.search(str(name)):
            continue
        values = frame[name].dropna()
        n_unique = values.nunique()
        if (SHARED_ID_MIN_VALUES <= n_unique < len(values)
                and n_unique >= SHARED_ID_MIN_SHARE * len(values)):
            named.append(str(name))
    return named


def warn_if_shared_identifiers(frame: pd.DataFrame) -> None:
    """A customer's identifier repeated over rows, read as a feature by a random split: say
    what it costs and name ``--group-column``."""
    names = shared_identifier_columns(frame)
    if names:
        warnings.warn(
            f"column(s) {', '.join(repr(n) for n in names)} look like an identifier several rows "
            "share (a customer's rows): read as a feature, it lets a model recognise customers, "
            "and a random split tests it on customers it trained on; --group-column "
            f"{names[0]} (groups= from Python) keeps each one's rows on one side of the split "
            "and out of the inputs.", FindeepWarning, stacklevel=3)


def group_columns(frame: pd.DataFrame, group_column: str, target: str) -> list[str]:
    """The column(s) ``--group-column`` names: one column (who each row belongs to), or
    several joined by commas whose shared values mark one unit with no identifier of its own
    (a household: its site, plan and income); a name that is no column, or the target, is
    refused in one sentence."""
    names = ([group_column] if group_column in frame.columns or "," not in group_column
             else [name.strip() for name in group_column.split(",")])
    if any(not name for name in names) or len(set(names)) < len(names):
        raise ConfigError(f"group columns '{group_column}' must name each column once, "
                          "joined by commas (e.g. site,plan,income).")
    if target in names:
        raise ConfigError(f"the group column cannot be the target '{target}'; name the column "
                          "that identifies a customer (or an applicant, an account).")
    for name in names:
        if name not in frame.columns:
            raise ConfigError(f"group column '{name}' is not a column of the data."
                              + did_you_mean(name, map(str, frame.columns)))
    return names


def group_codes(frame: pd.DataFrame, group_column: str, target: str) -> np.ndarray:
    """Each row's group (``--group-column``: a customer, an applicant, an account; or the
    combination of several columns' values, a household) as a code; a missing value, an
    unknown column or the target itself is refused in one sentence."""
    names = group_columns(frame, group_column, target)
    if len(names) == 1:
        return checked_groups(frame[names[0]], len(frame), name=f"group column '{names[0]}'")
    for name in names:
        checked_groups(frame[name], len(frame), name=f"group column '{name}'")
    return frame.groupby(names, sort=False).ngroup().to_numpy()


def group_identifier_columns(frame: pd.DataFrame, group_column: str | None) -> list[str]:
    """What ``--group-column`` takes out of the models' inputs: a single column, an
    identifier a model must not look a customer up by; several columns that mark a unit
    together (a household's site, plan and income) are features and stay in."""
    return [group_column] if group_column and group_column in frame.columns else []


def checked_groups(groups: object, n_rows: int, *, name: str = "groups") -> np.ndarray:
    """A fit's ``groups`` (one value per row: who the row belongs to) as codes; a wrong
    length or a missing value is refused in one sentence (``name``: what to call them)."""
    values = pd.Series(np.asarray(groups, dtype=object).ravel())
    if len(values) != n_rows:
        raise DataError(f"{name} has {len(values)} value(s) but the data has {n_rows} rows; "
                        "give one group per row.")
    missing = int(values.isna().sum())
    if missing:
        raise DataError(f"{name} has no value on {missing:,} row(s); each row needs its group "
                        "to be kept on one side of a split: fill or drop them.")
    return pd.factorize(values)[0]


def check_enough_groups(groups: np.ndarray, n_parts: int, group_column: str | None, *,
                        fewer: str = "use fewer folds (--n-folds)") -> None:
    """``n_parts`` grouped folds (or the parts a test fraction asks for) need as many groups;
    ``fewer`` says how to ask for fewer (``group_column`` None: groups given as values)."""
    n_groups = len(np.unique(groups))
    if n_groups < n_parts:
        by = f"'{group_column}'" if group_column else "the rows' groups"
        raise ConfigError(f"{n_parts} folds grouped by {by} need at least {n_parts} groups, "
                          f"and the rows hold {n_groups}; {fewer}, or group by a column with "
                          "more values.")


def grouped_folds(y: np.ndarray, groups: np.ndarray, *, n_folds: int, seed: int,
                  stratify: bool) -> list[tuple[np.ndarray, np.ndarray]]:
    """``n_folds`` folds with every group's rows in one test fold, stratified on ``y`` as
    far as the groups allow when ``stratify`` (classification)."""
    if stratify:
        splitter = StratifiedGroupKFold(n_folds, shuffle=True, random_state=seed)
        return list(splitter.split(np.zeros(len(y)), y, groups))
    return list(GroupKFold(n_folds, shuffle=True, random_state=seed)
                .split(np.zeros(len(y)), groups=groups))


def split_grouped(y: np.ndarray, groups: np.ndarray, *, test_fraction: float, seed: int,
                  stratify: bool, group_column: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Train/test positions with every group's rows on one side: the test part is the first
    of ``round(1 / test_fraction)`` grouped folds, so it holds about ``test_fraction`` of the
    rows (whole groups, so not exactly)."""
    check_fraction(test_fraction, "test_fraction")
    check_seed(seed)
    n_parts = max(2, round(1 / test_fraction))
    check_enough_groups(groups, n_parts, group_column,
                        fewer="use a larger test (or validation) fraction: the held-out part "
                              f"is one of {n_parts} grouped folds")
    train, test = grouped_folds(y, groups, n_folds=n_parts, seed=seed, stratify=stratify)[0]
    return np.sort(train), np.sort(test)


def check_test_classes_trained(labels: np.ndarray, train: np.ndarray, test: np.ndarray,
                               target: str) -> None:
    """A class found only among the test rows could be neither learned nor scored: refuse
    the table in one line, before training (a class too rare to stratify lands there)."""
    untrained = sorted(set(labels[test].tolist()) - set(labels[train].tolist()), key=str)
    if untrained:
        values, counts = np.unique(labels, return_counts=True)
        count = dict(zip(values.tolist(), counts.tolist(), strict=True))
        named = ", ".join(f"{label!r} ({count[label]} row(s))" for label in untrained[:5])
        raise TargetError(
            f"target '{target}': class(es) {named} fell only into the test split, so no "
            "model could learn them; give every class at least 2 rows, or drop or merge the "
            "rare ones.")


def _can_stratify(y: np.ndarray, fraction: float) -> bool:
    _, counts = np.unique(y, return_counts=True)
    return bool(counts.min() >= 2 and counts.min() * fraction >= 1)


def parse_times(values: pd.Series) -> pd.Series:
    """A split's clock: numbers as they are, anything else as naive UTC datetimes
    (``parse_datetimes``; unreadable values missing)."""
    if pd.api.types.is_numeric_dtype(values):
        return values
    return parse_datetimes(values)


def time_values(frame: pd.DataFrame, time_column: str) -> pd.Series:
    """The time column as datetimes (or numbers), with a clear error when it cannot be read."""
    if time_column not in frame.columns:
        raise DataError(
            f"time column '{time_column}' is not in the data."
            + did_you_mean(time_column, map(str, frame.columns))
        )
    return read_times(frame[time_column], f"time column '{time_column}'")


def read_times(values: pd.Series, what: str = "times", *,
               allow_missing: bool = False) -> pd.Series:
    """``values`` as a split's clock (``parse_times``: text dates read as dates, never sorted
    as text), with one sentence naming ``what`` when a value is no date or (unless
    ``allow_missing``) is missing."""
    parsed = parse_times(values)
    bad = parsed.isna() & values.notna()
    if bad.any():
        example = values[bad].iloc[0]
        raise DataError(f"{what} has {int(bad.sum())} value(s) that are not dates, "
                        f"e.g. {example!r}.")
    if parsed.isna().any() and not allow_missing:
        raise DataError(f"{what} has {int(parsed.isna().sum())} missing value(s); an "
                        "out-of-time split needs a date on every row.")
    return parsed


def period_end(times: pd.Series) -> str | float:
    """The latest time as JSON can hold it: ISO text for dates, a number otherwise."""
    last = times.max()
    if isinstance(last, (int, float, np.number)):
        return float(last)
    stamp = pd.Timestamp(last)
    return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()


def rows_dated_by(frame: pd.DataFrame, time_column: str, last: str | float) -> int | None:
    """How many rows are dated on or before ``last`` (a ``period_end``); None when the
    column is absent or its values cannot be compared with ``last``."""
    if time_column not in frame.columns:
        return None
    values = frame[time_column]
    try:
        if isinstance(last, str):
            return int((parse_times(values) <= pd.Timestamp(last)).sum())
        return int((pd.to_numeric(values, errors="coerce") <= last).sum())
    except (TypeError, ValueError):  # e.g. a stored end that is not a date, or text vs numbers
        return None


def split_out_of_time(
    times: pd.Series, *, test_fraction: float
) -> tuple[np.ndarray, np.ndarray]:
    """Train on the earlier rows, test on the latest ``test_fraction``.

    Rows sharing the cut-off time all go to the test side, so no training row is
    dated at or after any test row.
    """
    check_fraction(test_fraction, "test_fraction")
    order = np.argsort(times.to_numpy(), kind="stable")
    n_test = max(1, round(len(order) * test_fraction))
    sorted_times = times.to_numpy()[order]
    cutoff = sorted_times[len(order) - n_test]
    is_test = times.to_numpy() >= cutoff
    train, test = np.flatnonzero(~is_test), np.flatnonzero(is_test)
    if len(train) == 0:
        raise DataError(
            "the out-of-time split left no training rows: more than "
            f"{test_fraction:.0%} of rows share the latest date."
        )
    if len(test) > 1.5 * n_test:
        warnings.warn(
            f"the out-of-time split holds {len(test) / len(order):.0%} of rows out, not "
            f"{test_fraction:.0%}: rows sharing the cut-off date ({cutoff}) all go to the later "
            "side, so no earlier side row is dated on or after it.",
            FindeepWarning, stacklevel=3)
    return train, test


def walk_forward_splits(
    times: pd.Series, *, n_folds: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Expanding-window out-of-time folds: fold i trains on every row dated before block i
    and tests on block i, the rows being cut into ``n_folds + 1`` time-ordered blocks of
    about equal size (the first block only ever trains).

    Rows sharing a date never straddle a cut: a block starts at a date and takes every row
    dated from it up to the next block's date. With too few distinct dates for that many
    blocks, it says so rather than returning overlapping or empty folds.
    """
    if not isinstance(n_folds, int) or n_folds < 2:
        raise ConfigError(f"walk-forward needs at least 2 folds, however: {n_folds=}")
    values = times.to_numpy()
    ordered = np.sort(values, kind="stable")
    # each block's first date: the date at the block's share of the sorted rows
    starts = [ordered[round(len(ordered) * b / (n_folds + 1))] for b in range(1, n_folds + 1)]
    distinct = np.unique(np.asarray(starts))
    if len(distinct) < n_folds or distinct[0] == ordered[0]:
        raise DataError(
            f"the time column has too few distinct dates ({len(np.unique(ordered))}) for "
            f"{n_folds} walk-forward folds: rows sharing a date cannot be split; use fewer "
            "folds or a single out-of-time split.")
    folds = []
    for start, end in pairwise([*distinct, None]):
        test = values >= start if end is None else (values >= start) & (values < end)
        folds.append((np.flatnonzero(values < start), np.flatnonzero(test)))
    return folds


def split_validation(
    y: np.ndarray, train_positions: np.ndarray, *, fraction: float, seed: int, stratify: bool,
    times: pd.Series | None = None, groups: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Carve an early-stopping validation set out of the training rows only.

    With ``times`` given, validation is the latest training rows (out-of-time again); with
    ``groups`` (one code per row), whole groups (a customer's rows) on one side.
    """
    if times is not None:
        fit, valid = split_out_of_time(times.iloc[train_positions].reset_index(drop=True),
                                       test_fraction=fraction)
    elif groups is not None:
        fit, valid = split_grouped(y[train_positions], groups[train_positions],
                                   test_fraction=fraction, seed=seed, stratify=stratify,
                                   group_column=None)
    else:
        fit, valid = split_random(y[train_positions], test_fraction=fraction, seed=seed,
                                  stratify=stratify)
    return train_positions[fit], train_positions[valid]


def warn_if_dated(frame: pd.DataFrame, datetime_columns: list[str]) -> None:
    """Random splits of dated rows let the model train on the future: say so."""
    if datetime_columns:
        warnings.warn(
            f"the data has date column(s) {', '.join(datetime_columns)} but the split is random; "
            "pass --time-column for an out-of-time test (with `findeep benchmark`, also "
            "--walk-forward), the honest split for credit.",
            FindeepWarning,
            stacklevel=3,
        )
