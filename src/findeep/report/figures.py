"""The report's charts: matplotlib figures rendered to inline SVG text.

Why matplotlib to SVG (and not Plotly or hand-written SVG): the HTML report must open with
no request to any other host, be e-mailed and archived, and stay small. Matplotlib is the
best-kept plotting library in the scientific stack, renders offline, and its SVG keeps text
as text (``svg.fonttype = 'none'``), so a chart weighs tens of kilobytes whatever the row
count: curves are drawn from at most a few hundred points (ROC and PR curves interpolated
on a fixed grid, histograms over fixed bins), never one point per scored row. Plotly would
inline ~3.5 MB of JavaScript per file.

Colours are the Okabe-Ito palette, readable with every common colour-vision deficiency.
Every function returns SVG markup and takes plain arrays; none reads a file or a bundle.
"""

from __future__ import annotations

import io
import itertools
import re
import textwrap
import warnings
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # no display; must precede pyplot
import matplotlib.pyplot as plt
import numpy as np

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
             "#000000")
BLUE, ORANGE, GREEN, VERMILION, PURPLE, SKY = OKABE_ITO[:6]
GREY = "#7f7f7f"
CURVE_POINTS = 201  # points per ROC/PR curve, whatever the number of rows
SERIES_POINTS = 800  # points per line over dates: a 30-year daily curve keeps its shape

_STYLE = {
    "svg.fonttype": "none", "svg.hashsalt": "findeep",  # text stays text; stable ids
    "font.size": 9, "axes.titlesize": 10, "axes.spines.top": False,
    "axes.spines.right": False, "axes.prop_cycle": matplotlib.cycler(color=OKABE_ITO),
    "figure.dpi": 100,
}


def _svg(fig: plt.Figure) -> str:
    buffer = io.StringIO()
    with warnings.catch_warnings():
        # text stays text in the SVG, drawn by the reader's browser with its own fonts: a
        # column named in a script matplotlib's font lacks (收入) only sizes the layout box
        # a little off, and is no reason to warn once per glyph per chart
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font")
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buffer.getvalue()
    text = text[text.index("<svg"):]  # drop the XML prologue and doctype for inline use
    return re.sub(r"\s*<metadata>.*?</metadata>", "", text, count=1, flags=re.DOTALL)


def _figure(width: float = 4.6, height: float = 3.4) -> tuple[plt.Figure, plt.Axes]:
    with plt.rc_context(_STYLE):
        return plt.subplots(figsize=(width, height))


def roc_curve_svg(fpr: np.ndarray, tpr: np.ndarray, auc: float) -> str:
    """ROC curve against the diagonal of a random score."""
    with plt.rc_context(_STYLE):
        fig, ax = _figure()
        ax.plot(fpr, tpr, color=BLUE, lw=2, label=f"model (AUC {auc:.3f})")
        ax.plot([0, 1], [0, 1], color=GREY, ls="--", lw=1, label="random score (AUC 0.5)")
        ax.set(xlabel="false positive rate (non-events flagged)",
               ylabel="true positive rate (events caught)", xlim=(0, 1), ylim=(0, 1.01))
        ax.legend(loc="lower right", frameon=False)
        return _svg(fig)


def pr_curve_svg(recall: np.ndarray, precision: np.ndarray, event_rate: float,
                 pr_auc: float) -> str:
    """Precision-recall curve against the event rate (a random score's precision)."""
    with plt.rc_context(_STYLE):
        fig, ax = _figure()
        ax.plot(recall, precision, color=BLUE, lw=2, label=f"model (PR-AUC {pr_auc:.3f})")
        ax.axhline(event_rate, color=GREY, ls="--", lw=1,
                   label=f"random score ({event_rate:.1%})")
        ax.set(xlabel="recall (events caught)", ylabel="precision", xlim=(0, 1),
               ylim=(0, 1.01))
        ax.legend(loc="upper right", frameon=False)
        return _svg(fig)


def reliability_svg(predicted: Sequence[float], observed: Sequence[float],
                    counts: Sequence[int]) -> str:
    """Reliability diagram: observed event rate per predicted-probability bin, with the
    bin's row count written beside each point."""
    with plt.rc_context(_STYLE):
        fig, ax = _figure()
        ax.plot([0, 1], [0, 1], color=GREY, ls="--", lw=1, label="perfect calibration")
        ax.plot(predicted, observed, color=BLUE, marker="o", lw=1.5, label="model")
        for x, y, n in zip(predicted, observed, counts, strict=True):
            ax.annotate(f"{n:,}", (x, y), textcoords="offset points", xytext=(4, -10),
                        fontsize=7, color=GREY)
        top = max(1e-3, max(max(predicted), max(observed))) * 1.1
        ax.set(xlabel="mean predicted probability", ylabel="observed event rate",
               xlim=(0, min(1, top)), ylim=(0, min(1.01, top)))
        ax.legend(loc="upper left", frameon=False)
        return _svg(fig)


def score_histogram_svg(edges: np.ndarray, by_class: dict[str, np.ndarray]) -> str:
    """Score distributions of each class (share of that class's rows per bin)."""
    with plt.rc_context(_STYLE):
        fig, ax = _figure()
        for (name, counts), colour in zip(by_class.items(), (BLUE, ORANGE, GREEN, VERMILION,
                                                              PURPLE, SKY), strict=False):
            share = counts / max(counts.sum(), 1)
            ax.stairs(share, edges, color=colour, lw=1.8, label=name)
        ax.set(xlabel="predicted event probability", ylabel="share of the class's rows")
        ax.legend(frameon=False)
        return _svg(fig)


def gains_svg(cumulative_rows: Sequence[float], events_caught: Sequence[float],
              others_caught: Sequence[float], lift: Sequence[float]) -> str:
    """Gains chart (cumulative events and non-events caught by depth, KS the widest gap)
    beside the lift per band."""
    with plt.rc_context(_STYLE):
        fig, (left, right) = plt.subplots(1, 2, figsize=(8.4, 3.4))
        depth = np.r_[0.0, cumulative_rows]
        caught, others = np.r_[0.0, events_caught], np.r_[0.0, others_caught]
        left.plot(depth, caught, color=BLUE, marker="o", ms=3, label="events caught")
        left.plot(depth, others, color=ORANGE, marker="o", ms=3, label="non-events caught")
        left.plot([0, 1], [0, 1], color=GREY, ls="--", lw=1, label="random")
        gap = int(np.argmax(caught - others))
        left.vlines(depth[gap], others[gap], caught[gap], color=VERMILION, lw=2,
                    label=f"widest gap at a band edge {caught[gap] - others[gap]:.3f}")
        left.set(xlabel="share of rows, riskiest first", ylabel="cumulative share caught",
                 xlim=(0, 1), ylim=(0, 1.01))
        left.legend(frameon=False, loc="lower right")
        bands = np.arange(1, len(lift) + 1)
        right.bar(bands, lift, color=BLUE)
        right.axhline(1.0, color=GREY, ls="--", lw=1)
        right.set(xlabel="score band (1 = riskiest)", ylabel="lift over the event rate",
                  xticks=bands)
        return _svg(fig)


def confusion_svg(matrix: np.ndarray, labels: Sequence[str]) -> str:
    """Confusion matrix: counts, with each cell's share of its actual class."""
    with plt.rc_context(_STYLE):
        fig, ax = _figure(3.6 + 0.3 * len(labels), 3.0 + 0.3 * len(labels))
        shares = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
        ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
        for (i, j), count in np.ndenumerate(matrix):
            ax.text(j, i, f"{count:,}\n{shares[i, j]:.0%}", ha="center", va="center",
                    color="white" if shares[i, j] > 0.6 else "black", fontsize=8)
        ax.set(xticks=range(len(labels)), yticks=range(len(labels)), xlabel="predicted",
               ylabel="actual")
        ax.set_xticklabels(labels)
        ax.set_yticklabels(labels)
        ax.spines[:].set_visible(False)
        return _svg(fig)


def per_class_roc_svg(curves: dict[str, tuple[np.ndarray, np.ndarray, float]]) -> str:
    """One-vs-rest ROC curve of each class."""
    with plt.rc_context(_STYLE):
        fig, ax = _figure()
        for (name, (fpr, tpr, auc)), colour in zip(curves.items(), OKABE_ITO * 4,
                                                    strict=False):
            ax.plot(fpr, tpr, color=colour, lw=1.6, label=f"{name} (AUC {auc:.3f})")
        ax.plot([0, 1], [0, 1], color=GREY, ls="--", lw=1)
        ax.set(xlabel="false positive rate", ylabel="true positive rate", xlim=(0, 1),
               ylim=(0, 1.01))
        ax.legend(frameon=False, loc="lower right", fontsize=7)
        return _svg(fig)


def predicted_vs_actual_svg(predicted: np.ndarray, actual: np.ndarray) -> str:
    """Predicted against actual values (a sample of rows), with the identity line."""
    with plt.rc_context(_STYLE):
        fig, ax = _figure()
        ax.scatter(actual, predicted, s=5, alpha=0.4, color=BLUE, linewidths=0)
        low = float(min(np.min(actual), np.min(predicted)))
        high = float(max(np.max(actual), np.max(predicted)))
        ax.plot([low, high], [low, high], color=GREY, ls="--", lw=1)
        ax.set(xlabel="actual", ylabel="predicted")
        return _svg(fig)


def residual_histogram_svg(edges: np.ndarray, counts: np.ndarray) -> str:
    """Distribution of residuals (actual - predicted)."""
    with plt.rc_context(_STYLE):
        fig, ax = _figure()
        ax.stairs(counts, edges, fill=True, color=BLUE, alpha=0.8)
        ax.axvline(0, color=GREY, ls="--", lw=1)
        ax.set(xlabel="residual (actual - predicted)", ylabel="rows")
        return _svg(fig)


def horizontal_bars_svg(labels: Sequence[str], values: Sequence[float], xlabel: str, *,
                        errors: tuple[Sequence[float], Sequence[float]] | None = None,
                        reference: float | None = None,
                        colours: Sequence[str] | None = None) -> str:
    """Bars, one per label, top to bottom in the given order (importance, PSI, groups)."""
    with plt.rc_context(_STYLE):
        fig, ax = _figure(4.8, 0.9 + 0.28 * len(labels))
        positions = np.arange(len(labels))[::-1]
        xerr = None
        if errors is not None:
            low, high = np.asarray(errors[0], float), np.asarray(errors[1], float)
            middle = np.asarray(values, float)
            xerr = np.vstack([np.maximum(middle - low, 0), np.maximum(high - middle, 0)])
        ax.barh(positions, values, xerr=xerr, color=list(colours) if colours else BLUE,
                ecolor=GREY, capsize=2)
        if reference is not None:
            ax.axvline(reference, color=GREY, ls="--", lw=1)
        ax.set(yticks=positions, xlabel=xlabel)
        ax.set_yticklabels(labels)
        return _svg(fig)


def dependence_svg(lines: dict[str, tuple[Sequence[object], Sequence[float]]],
                   ylabel: str) -> str:
    """Partial dependence: the average score along each column (one small panel each)."""
    with plt.rc_context(_STYLE):
        fig, axes = plt.subplots(1, len(lines), figsize=(2.9 * len(lines), 2.6),
                                 squeeze=False, sharey=True)
        for ax, (column, (grid, score)) in zip(axes[0], lines.items(), strict=True):
            numeric = all(isinstance(v, int | float | np.number) for v in grid)
            if numeric:
                ax.plot(np.asarray(grid, float), score, color=BLUE, lw=1.8)
                ax.xaxis.set_major_locator(plt.MaxNLocator(4))  # ticks that do not collide
            else:
                ax.bar([str(v) for v in grid], score, color=BLUE)
                ax.tick_params(axis="x", labelrotation=45)
            # a panel is ~2.9 inches: long column names wrap instead of running into the next
            ax.set(xlabel="\n".join(textwrap.wrap(str(column), 28)) or str(column))
        axes[0][0].set_ylabel(ylabel)
        fig.tight_layout()
        return _svg(fig)


def thinned_positions(series: Sequence[np.ndarray], points: int = SERIES_POINTS) -> np.ndarray:
    """Positions to draw of lines sharing one date axis, at most about ``points``: the dates
    cut into equal buckets, each keeping the first date and every line's lowest and highest
    (NaN-aware), so a drawdown's trough or a curve's peak is drawn where the table says it
    is; the last date is kept too."""
    n = len(series[0]) if series else 0
    if n <= points:
        return np.arange(n)
    per_bucket = 1 + 2 * len(series)
    edges = np.linspace(0, n, max(points // per_bucket, 1) + 1).round().astype(int)
    keep = {0, n - 1}
    for start, stop in itertools.pairwise(edges):
        if stop <= start:
            continue
        keep.add(int(start))
        for values in series:
            chunk = np.asarray(values[start:stop], dtype=float)
            if np.isfinite(chunk).any():
                keep.update((start + int(np.nanargmin(chunk)), start + int(np.nanargmax(chunk))))
    return np.array(sorted(keep))


def time_series_svg(dates: np.ndarray, series: dict[str, np.ndarray], ylabel: str, *,
                    fill_below_zero: bool = False, reference: float | None = None,
                    colours: Sequence[str] | None = None) -> str:
    """Lines over dates (equity curves, drawdown, rolling IC), thinned to about
    ``SERIES_POINTS`` dates keeping every line's extremes (``thinned_positions``);
    ``colours``: one per line, so a line keeps its colour from chart to chart."""
    if len(dates) > SERIES_POINTS:
        keep = thinned_positions([np.asarray(v) for v in series.values()])
        dates = dates[keep]
        series = {name: np.asarray(values)[keep] for name, values in series.items()}
    with plt.rc_context(_STYLE):
        fig, ax = _figure(8.4, 3.0)
        for (name, values), colour in zip(series.items(), colours or OKABE_ITO, strict=False):
            ax.plot(dates, values, color=colour, lw=1.4, label=name)
            if fill_below_zero:
                ax.fill_between(dates, values, 0, color=colour, alpha=0.25, lw=0)
        if reference is not None:
            ax.axhline(reference, color=GREY, ls="--", lw=1)
        ax.set(ylabel=ylabel)
        if len(series) > 1:
            ax.legend(frameon=False)
        fig.autofmt_xdate()
        return _svg(fig)


def scatter_svg(x: np.ndarray, y: np.ndarray, xlabel: str, ylabel: str) -> str:
    """Points with a zero cross (forecast against realised)."""
    with plt.rc_context(_STYLE):
        fig, ax = _figure()
        ax.scatter(x, y, s=5, alpha=0.4, color=BLUE, linewidths=0)
        ax.axhline(0, color=GREY, lw=0.8)
        ax.axvline(0, color=GREY, lw=0.8)
        ax.set(xlabel=xlabel, ylabel=ylabel)
        return _svg(fig)


def timeline_svg(folds: Sequence[tuple[np.datetime64, np.datetime64, np.datetime64]]) -> str:
    """Walk-forward folds on a timeline: each fold's training period and test block."""
    with plt.rc_context(_STYLE):
        fig, ax = _figure(8.4, 0.8 + 0.25 * len(folds))
        for i, (train_start, test_start, test_end) in enumerate(folds):
            row = len(folds) - 1 - i
            ax.barh(row, test_start - train_start, left=train_start, color=SKY, height=0.6,
                    label="training" if i == 0 else None)
            ax.barh(row, test_end - test_start, left=test_start, color=VERMILION, height=0.6,
                    label="test" if i == 0 else None)
        ax.set(yticks=range(len(folds)), ylabel="fold")
        ax.set_yticklabels([str(len(folds) - i) for i in range(len(folds))])
        ax.legend(frameon=False, loc="upper left", ncols=2)
        fig.autofmt_xdate()
        return _svg(fig)


def profit_curve_svg(approval_rate: np.ndarray, profit: np.ndarray, best_rate: float,
                     best_profit: float) -> str:
    """Profit against the share of applicants approved, the best cut-off marked."""
    with plt.rc_context(_STYLE):
        fig, ax = _figure()
        ax.plot(approval_rate, profit, color=BLUE, lw=1.8, label="profit of the cut-off")
        ax.scatter([best_rate], [best_profit], color=VERMILION, zorder=3,
                   label=f"best: approve {best_rate:.0%}")
        ax.axhline(0, color=GREY, lw=0.8)
        ax.set(xlabel="share of applicants approved (lowest scores first)", ylabel="profit",
               xlim=(0, 1))
        ax.legend(frameon=False)
        return _svg(fig)


def fold_dots_svg(models: Sequence[str], values: Sequence[Sequence[float]], xlabel: str
                  ) -> str:
    """One row per model, top to bottom in the given order: each fold's value a dot (one
    colour per fold, the same fold the same colour in every row, so paired differences show
    as shifts of one colour), the mean a black tick."""
    with plt.rc_context(_STYLE):
        fig, ax = _figure(4.8, 0.9 + 0.34 * len(models))
        positions = np.arange(len(models))[::-1]
        n_folds = max((len(v) for v in values), default=0)
        colours = list(itertools.islice(itertools.cycle(OKABE_ITO), n_folds))
        for position, row in zip(positions, values, strict=True):
            row = np.asarray(row, dtype=float)
            shown = np.isfinite(row)
            ax.scatter(row[shown], np.full(shown.sum(), position), s=22, zorder=3,
                       c=[colours[i] for i in np.flatnonzero(shown)])
            if shown.any():
                ax.plot([row[shown].mean()] * 2, [position - 0.3, position + 0.3], color="black",
                        lw=2, zorder=4)
        ax.set(yticks=positions, xlabel=xlabel, ylim=(-0.6, len(models) - 0.4))
        ax.set_yticklabels(models)
        ax.grid(axis="x", color="#e5e5e5", lw=0.6)
        if 1 < n_folds <= len(OKABE_ITO):  # which colour is which fold
            handles = [ax.scatter([], [], s=22, c=colour, label=f"fold {i + 1}")
                       for i, colour in enumerate(colours)]
            ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0),
                      ncol=n_folds, frameon=False, handletextpad=0.1, columnspacing=0.8)
        return _svg(fig)
