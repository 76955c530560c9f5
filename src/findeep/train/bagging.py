"""Cross-fitted bagging: m networks, member i early-stopped on fold i and trained on the rest.

Every training row is used to fit m - 1 members and to validate one, so no row is wasted on
validation alone and every row gets an out-of-fold prediction (what calibration is fitted
on). The members are joined in one ``BaggedNetwork`` (see ``models/bagged.py``), which every
consumer scores like a single network.

``bagging="auto"`` bags only where it fits a fit-time budget: the table is cut into
``AUTO_FOLDS`` folds, the first member is trained, and members are added while the projected
time of the whole bag (members counted one after another: ``REFERENCE_CORES``) stays within
a share of the time CatBoost (1,000 trees, its defaults) is expected to take on a table of
the same shape (the lower of two projections of it, see ``catboost_seconds``). The cost
models were fitted to quiet-machine wall seconds (``benchmarks/bagging_budget.py --quiet``,
``benchmarks/catboost_cost_s16.py``); the member projection uses the first member's epoch
count, not a clock, so the choice is the same on every run and machine. The members after
the first train side by side in forked workers where the machine has a spare core
(``train/member_processes.py``): the same bag, sooner.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from findeep.data.splits import check_enough_groups, grouped_folds
from findeep.errors import ConfigError, DataError
from findeep.models.bagged import BaggedNetwork
from findeep.train.member_processes import (
    MemberFit,
    Progress,
    train_in_processes,
    worker_count,
)
from findeep.train.trainer import (
    FitResult,
    ProgressHook,
    TensorData,
    TrainConfig,
    fit_network,
    fit_threads,
    predict_logits,
)

AUTO_FOLDS = 5  # bagging="auto": folds cut, and most members trained (AutoGluon's and RealMLP's 5)
MIN_AUTO_ROWS_PER_FOLD = 20  # fewer validation rows than this and a fold's stopping is noise
# CatBoost's wall seconds per fit on a quiet 2-core machine ~ c0 + rows * (c_num * numeric +
# c_cat * categorical), and one default network's seconds per (fit row x epoch) ~ u0 + u1 *
# d_in, counted as the rule counts it (members x the first member's epochs, so later members'
# extra epochs and a fit's fixed costs are absorbed). Both re-fitted in the tenth session to
# quiet-machine wall seconds on record (`benchmarks/bagging_budget.py --quiet`,
# results/bagging_budget_quiet.json; non-negative least squares on relative error): CatBoost
# on the 5 development tables with a quiet wall (projection / wall 0.83-1.13), the network on
# the quiet bags of loanapp, Caravan and social_insure (0.85-1.07). The seventh session's
# constants (c0 0.447, c_cat 2.63e-4; u0 5.52e-5, u1 1.49e-7) projected CatBoost 2.1-2.5x
# above its quiet wall on loanapp and Caravan (fitted to CPU x 0.78, a factor from the two
# smallest tables, where CatBoost's 2 threads do not both run) and the network 1.5-2.2x
# above: errors that cancelled into a bag level with CatBoost on loanapp (0.97-1.02x).
# The twelfth session tried a larger budget (the members after the first counted two at a
# time, both models re-fitted to the faster code with a fixed cost per member, share 0.9):
# under 0.77x CatBoost's wall on every development table, but 1.2-2.6x on 7 of 15 unseen
# tables (the cost models did not carry over), so these constants were kept (BENCHMARKS,
# "Issue 12, twelfth session").
CATBOOST_SECONDS = {"c0": 0.779, "c_num": 0.0, "c_cat": 1.03e-4}
# CatBoost's time counted as CatBoost spends it (sixteenth session, `benchmarks/
# catboost_cost_s16.py`): c0 + rows * (c_border * (borders + one_hot) / 254 + c_cat *
# (categorical - one_hot)), where borders sums min(distinct values - 1, 254) over the numeric
# columns (CatBoost quantises a column into at most 254 borders) and one_hot counts the
# categoricals of at most 2 levels, a missing value counted as one (CatBoost one-hot encodes
# those: one_hot_max_size is 2 on CPU, no counter statistics, so a yes/no column costs it one
# border). Fitted to the 7 development tables' quiet walls of one day; on 16 other real tables
# 0.51-1.53x CatBoost's wall (rms of log 0.37) where CATBOOST_SECONDS is 0.62-5.93x (5.9x on
# MEPS and its 13 yes/no columns). Used alone it let in members that return nothing where
# CATBOOST_SECONDS is low (Caravan 3 -> 4-5 members, -0.0021 AUC; CPU 1.105x), so the budget
# takes the lower of the two (seventeenth session, BENCHMARKS "the lower of two projections"):
# never more members than CATBOOST_SECONDS allows, fewer where yes/no columns make CatBoost
# fast (MEPS 2 -> 1 member: 1.71x -> 1.14x CatBoost's wall). None: CATBOOST_SECONDS alone.
CATBOOST_ONE_HOT_SECONDS: dict[str, float] | None = {
    "c0": 0.362, "c_border": 5.933e-05, "c_cat": 1.898e-04}
NETWORK_CPU_PER_ROW_EPOCH = {"u0": 4.87e-5, "u1": 3.47e-8}
# of CatBoost's projected time: the margin for the cost models' error (up to 15% either way)
# and the run-to-run spread (+-3%); the largest share whose projected quiet ratio stays
# <= 0.90 on every development table, AUC level with the seventh session's rule (BENCHMARKS,
# "Issue 12, tenth session")
BUDGET_SHARE = 0.8
# the members the budget counts as training side by side after the first: a bag of m costs
# 1 + ceil((m - 1) / REFERENCE_CORES) member-times. A constant of the rule, not the cores of
# the machine it runs on, so the members chosen are the same on every machine. 1: the members
# one after another, as the cost models above were fitted (the faster side-by-side training
# only finishes the same bag sooner)
REFERENCE_CORES = 1


def check_bagging(bagging: Any) -> int | str:
    """``bagging`` as 1 (off), m >= 2 members, or "auto"; anything else is a ConfigError."""
    if bagging == "auto":
        return "auto"
    if isinstance(bagging, str) and bagging.isdigit():
        bagging = int(bagging)
    if isinstance(bagging, bool) or not isinstance(bagging, (int, np.integer)) or bagging < 1:
        raise ConfigError("bagging must be 'auto' or a whole number of members >= 1 (1: no "
                          f"bagging), however: {bagging=}")
    return int(bagging)


def cross_fit_folds(y: np.ndarray, n_folds: int, *, seed: int, stratify: bool,
                    groups: np.ndarray | None = None) -> list[np.ndarray]:
    """``n_folds`` disjoint validation folds covering every row (stratified by class); with
    ``groups`` (one code per row), each group's rows in one fold."""
    from sklearn.model_selection import KFold, StratifiedKFold

    if len(y) < 2 * n_folds:
        raise DataError(f"bagging {n_folds} members cuts the training rows into {n_folds} "
                        f"folds, which needs at least {2 * n_folds} rows; there are {len(y)}. "
                        "Use fewer members.")
    if stratify:
        _, counts = np.unique(y, return_counts=True)
        if counts.min() < n_folds:
            raise DataError(f"bagging {n_folds} members needs at least {n_folds} rows of every "
                            f"class (one per fold); the rarest class has {int(counts.min())}. "
                            "Use fewer members.")
    if groups is not None:
        check_enough_groups(groups, n_folds, None, fewer="bag fewer members (--bagging)")
        return [valid for _, valid in grouped_folds(y, groups, n_folds=n_folds, seed=seed,
                                                     stratify=stratify)]
    if stratify:
        splitter = StratifiedKFold(n_folds, shuffle=True, random_state=seed)
    else:
        splitter = KFold(n_folds, shuffle=True, random_state=seed)
    return [valid for _, valid in splitter.split(np.zeros(len(y)), y)]


def catboost_seconds(rows: int, numeric: int, categorical: int,
                     model: dict[str, float] | None = None, *, borders: int | None = None,
                     one_hot: int = 0) -> float:
    """CatBoost's projected fit seconds for a table of this shape (1,000 trees, 2 cores).

    The library's projection is the lower of ``CATBOOST_SECONDS`` (rows, numeric and
    categorical columns) and, where ``borders`` is given (``catboost_shape``: the numeric
    columns' borders and the categoricals CatBoost one-hot encodes), of
    ``CATBOOST_ONE_HOT_SECONDS``. ``model``: one projection's constants instead
    (benchmarks replay): a model with ``c_num`` reads rows x (c_num x numeric + c_cat x
    categorical), one with ``c_border`` the one-hot-aware form (``borders`` one per numeric
    column if not given)."""
    if model is not None:
        return _projected(model, rows, numeric, categorical, borders, one_hot)
    seconds = _projected(CATBOOST_SECONDS, rows, numeric, categorical, borders, one_hot)
    if borders is None or CATBOOST_ONE_HOT_SECONDS is None:
        return seconds
    return min(seconds, _projected(CATBOOST_ONE_HOT_SECONDS, rows, numeric, categorical,
                                   borders, one_hot))


def _projected(c: dict[str, float], rows: int, numeric: int, categorical: int,
               borders: int | None, one_hot: int) -> float:
    if "c_num" in c:
        return c["c0"] + rows * (c["c_num"] * numeric + c["c_cat"] * categorical)
    borders = numeric if borders is None else borders
    return c["c0"] + rows * (c["c_border"] * (borders + one_hot) / 254
                             + c["c_cat"] * (categorical - one_hot))


def catboost_shape(frame: pd.DataFrame, numeric: list[str], categorical: list[str]
                   ) -> dict[str, int]:
    """What the one-hot-aware projection reads besides the row count: ``borders``, the sum
    over ``numeric`` of min(distinct values - 1, 254) (at least 1), and ``one_hot``, the
    ``categorical`` columns of at most 2 levels, a missing value counted as a level."""
    borders = sum(min(max(int(frame[name].nunique()) - 1, 1), 254) for name in numeric)
    one_hot = sum(int(frame[name].nunique(dropna=False)) <= 2 for name in categorical)
    return {"borders": borders, "one_hot": one_hot}


def member_cpu_seconds(fit_rows: int, epochs: int, d_in: int,
                       model: dict[str, float] | None = None) -> float:
    """One network's projected seconds: a fixed ``f0`` (0 where the model has none) and
    ``epochs`` epochs of ``fit_rows`` rows each;
    ``model``: other constants than ``NETWORK_CPU_PER_ROW_EPOCH`` (benchmarks replay)."""
    u = NETWORK_CPU_PER_ROW_EPOCH if model is None else model
    return u.get("f0", 0.0) + fit_rows * epochs * (u["u0"] + u["u1"] * d_in)


def member_times(members: int, cores: int | None = None) -> int:
    """A bag's projected wall time in member-times: the first member, then the rest
    ``cores`` at a time (``REFERENCE_CORES`` unless given)."""
    cores = REFERENCE_CORES if cores is None else cores
    return 1 + math.ceil((members - 1) / cores)


def auto_members(first: FitResult, *, fit_rows: int, d_in: int, rows: int, numeric: int,
                 categorical: int, max_members: int = AUTO_FOLDS, share: float | None = None,
                 catboost_model: dict[str, float] | None = None,
                 network_model: dict[str, float] | None = None,
                 cores: int | None = None, borders: int | None = None,
                 one_hot: int = 0) -> int:
    """How many members ``bagging="auto"`` trains, given the first member's fit.

    The most members (at most ``max_members``) whose projected wall time — each member as
    long as the first, the members after it ``REFERENCE_CORES`` at a time — stays within
    ``BUDGET_SHARE`` of CatBoost's projected fit time on the table (a member trains on one
    thread); at least 1. The first member's epochs are counted over the rows each held
    (``FitResult.epoch_rows``: on a taller table a round of part of ``fit_rows``). ``share``,
    the two cost models and ``cores`` default to the library's constants (a benchmark may
    replay the rule under others); ``borders`` and ``one_hot`` as ``catboost_shape`` counts
    them.
    """
    if first.epoch_rows:  # a taller table's epochs are rounds of part of the rows
        fit_rows = min(fit_rows, first.epoch_rows)
    return members_for_epochs(first.epochs_run, fit_rows=fit_rows, d_in=d_in, rows=rows,
                              numeric=numeric, categorical=categorical,
                              max_members=max_members, share=share,
                              catboost_model=catboost_model, network_model=network_model,
                              cores=cores, borders=borders, one_hot=one_hot)


def members_for_epochs(epochs: int, *, fit_rows: int, d_in: int, rows: int, numeric: int,
                       categorical: int, max_members: int = AUTO_FOLDS,
                       share: float | None = None,
                       catboost_model: dict[str, float] | None = None,
                       network_model: dict[str, float] | None = None,
                       cores: int | None = None, borders: int | None = None,
                       one_hot: int = 0) -> int:
    """``auto_members`` for a first member that ran ``epochs`` epochs (the same rule: it
    reads nothing else of the fit). With the fewest epochs a fit can run it says, before any
    training, whether the budget could ever afford a second member (``sure_of_one_member``)."""
    share = BUDGET_SHARE if share is None else share
    budget = share * catboost_seconds(rows, numeric, categorical, catboost_model,
                                      borders=borders, one_hot=one_hot)
    per_member = member_cpu_seconds(fit_rows, epochs, d_in, network_model)
    if per_member <= 0:
        return max_members
    fitting = [m for m in range(2, max_members + 1)
               if member_times(m, cores) * per_member <= budget]
    return max(fitting, default=1)


def sure_of_one_member(min_epochs: int, **shape: Any) -> bool:
    """True when ``auto_members`` would keep one member even if the first stopped after
    ``min_epochs`` (the fewest early stopping allows: patience + 1): the budget cannot afford
    a second member on this table whatever the first one does, so a bag of one is known
    before any training. ``shape``: ``members_for_epochs``'s keywords."""
    return members_for_epochs(min_epochs, **shape) == 1


@dataclass
class BagResult:
    """A cross-fitted bag: the network to score with and what calibration needs."""

    network: nn.Module  # a BaggedNetwork, or the single member when only one was trained
    out_of_fold_logits: torch.Tensor  # (n_covered, k, n_out): each row by the member it validated
    covered_rows: np.ndarray  # rows with an out-of-fold prediction (all of them for a full bag)
    members: list[FitResult] = field(default_factory=list)
    n_folds: int = 0
    one_network_recipe: TrainConfig | None = None  # the recipe of a bag known to be one member

    def summary(self) -> dict[str, Any]:
        """JSON-ready: the bag's shape and each member's fit."""
        out: dict[str, Any] = {
            "members": len(self.members), "folds": self.n_folds,
            "member_fits": [{"best_epoch": r.best_epoch, "epochs_run": r.epochs_run,
                             "best_score": r.best_score, "seconds": r.seconds}
                            for r in self.members]}
        if self.one_network_recipe is not None:
            out["one_network_recipe"] = {
                "learning_rate": self.one_network_recipe.learning_rate,
                "patience": self.one_network_recipe.patience}
        return out


BuildMember = Callable[[int, np.ndarray], nn.Module]  # (member index, its fit rows) -> network
# (the first member's network, its fit rows) -> a recipe to train it alone on, or None
OneNetworkRecipe = Callable[[nn.Module, int], TrainConfig | None]


def fit_bag(build_member: BuildMember, x_num: np.ndarray, x_cat: np.ndarray,
            y: np.ndarray, folds: list[np.ndarray], *, task: str, config: TrainConfig,
            n_members: int | str, weight: np.ndarray | None = None,
            device: torch.device | str = "cpu", progress: Progress | None = None,
            choose_members: Callable[[FitResult, int, int], int] | None = None,
            one_network_recipe: OneNetworkRecipe | None = None) -> BagResult:
    """Train member i on every fold but i, early-stopped on fold i (seed ``config.seed + i``).

    With ``n_members="auto"``, ``choose_members(first_fit, its fit rows, d_in)`` says how many
    to train once the first is done, unless ``one_network_recipe(first network, its fit rows)``
    gives a recipe before it trains: then the bag is that one member, trained on that recipe
    (``sure_of_one_member``: where the budget can never afford a second).
    """
    planned = len(folds) if n_members == "auto" else int(n_members)
    alone: list[TrainConfig] = []  # the one-network recipe, once the first member took it

    def fit_rows_of(i: int) -> np.ndarray:
        return np.setdiff1d(np.arange(len(y)), folds[i])

    def train_member(i: int, hook: ProgressHook | None = None) -> MemberFit:
        valid_rows, fit_rows = folds[i], fit_rows_of(i)
        torch.manual_seed(config.seed + i)  # weight initialisation
        network = build_member(i, fit_rows)
        recipe = config
        if i == 0 and n_members == "auto" and one_network_recipe is not None:
            single = one_network_recipe(network, len(fit_rows))
            if single is not None:
                alone.append(single)
                recipe = single
        train = TensorData.from_numpy(x_num[fit_rows], x_cat[fit_rows], y[fit_rows], task=task,
                                      weight=None if weight is None else weight[fit_rows],
                                      device=device)
        valid = TensorData.from_numpy(x_num[valid_rows], x_cat[valid_rows], y[valid_rows],
                                      task=task, device=device)
        result = fit_network(network, train, valid, task=task,
                             config=replace(recipe, seed=config.seed + i), on_epoch_end=hook)
        network.cpu().eval()
        out_of_fold = predict_logits(network, torch.from_numpy(x_num[valid_rows]),
                                     torch.from_numpy(x_cat[valid_rows]))
        return network, result, out_of_fold

    def train_here(i: int) -> MemberFit:
        if progress is None:
            return train_member(i)
        with progress(i, planned) as hook:
            return train_member(i, hook)

    def rebuild(i: int, weights: dict[str, torch.Tensor]) -> nn.Module:
        torch.manual_seed(config.seed + i)
        network = build_member(i, fit_rows_of(i))
        network.load_state_dict(weights, strict=True)
        return network.eval()

    fits = {0: train_here(0)}
    if alone:
        planned = 1
    elif n_members == "auto" and choose_members is not None:
        first_network, first_fit, _ = fits[0]
        planned = min(planned, choose_members(first_fit, len(fit_rows_of(0)),
                                              len(first_network.embedding_slots())))
    rest = list(range(1, planned))
    if rest:
        threads = fit_threads(fits[0][0], len(fit_rows_of(1)), config, torch.device(device))
        workers = worker_count(len(rest), threads, device)
        if workers > 1:
            fits.update(train_in_processes(train_member, rebuild, rest, workers,
                                           progress=progress, planned=planned))
            # the global generator as a sequential fit leaves it (training draws nothing
            # from it unless dropout or input noise is on)
            torch.manual_seed(config.seed + planned - 1)
    for i in rest:
        if i not in fits:
            fits[i] = train_here(i)
    networks = [fits[i][0] for i in range(planned)]
    results = [fits[i][1] for i in range(planned)]
    out_of_fold = [fits[i][2] for i in range(planned)]
    covered = np.concatenate(folds[:len(networks)])
    joined = networks[0] if len(networks) == 1 else BaggedNetwork(networks)
    return BagResult(joined, torch.cat(out_of_fold), covered, results, len(folds),
                     alone[0] if alone else None)
