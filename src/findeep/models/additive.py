"""An additive path beside a network: a per-column model, fitted in closed form, weighted by
cross-fitted validation (binary classification: part of ``default`` with ``bagging="auto"``
since issue 12's fifteenth session, ``pipeline.additive_by_default``; elsewhere
``model_options={"additive": True}``, and ``{"additive": False}`` turns it off).

Why: on small tables whose signal is a sum of smooth per-column effects, the network's
interactions overfit where a generalised additive model does not (BENCHMARKS, issue 12,
thirteenth session: on social_insure a spline logistic regression matches CatBoost while
`default` trails it by 0.027). The path is such a model in findeep's own basis:

- every numeric column's scaled value and its piecewise-linear bin fills (the clamped
  quantile-bin encoding `default` embeds its numerics with: a linear spline basis), and the
  one-hot levels of categoricals with at most ``MAX_LEVELS`` codes (wider ones are left to
  the network, whose embeddings share strength across levels);
- since issue 12's thirtieth session (``FORM`` 2), the bin fills enter at ``BIN_SCALE`` of
  their size, so the L2 penalty bends the curve ``1 / BIN_SCALE**2`` times harder than it
  tilts the line (a smoothing penalty, as a GAM's), and each numeric column also enters on
  its own scale (``RawScale``: the value before quantile scaling, robust-standardised): a
  risk that is linear in the amount itself, as in logistic regression on the raw columns,
  is one weight instead of a curve made of bins. Bundles saved with the first form
  (``FORM`` 1: bins at full size, no raw column) load and score as they were trained;
- one logistic regression on that basis (scikit-learn, L2 with ``C``, Newton-Cholesky),
  fitted once on the training rows: a convex fit, no epochs;
- blended in logit space: ``(1 - w) * network + w * additive``, the same additive logit
  added to each of the network's members. The weight ``w`` (``WEIGHTS``) is the one whose
  blend ranks the out-of-fold rows of the cross-fitted bag best; ``w = 0`` leaves the
  network alone (no wrapper is kept).

``AdditiveBlend`` keeps the network contract (``embed`` / ``forward_embedded`` /
``embedding_slots``, as ``MonotoneNetwork`` does), so scoring, calibration, bundles, ONNX and
explanations handle it like any network.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from findeep.errors import ConfigError
from findeep.models.tabm_ple import PiecewiseLinearEncoding

N_BINS = 16  # as default's numeric encoding
FORM = 2  # the basis a new path is fitted on (module doc); 1 = bundles saved before it
BIN_SCALE = 0.3  # form 2: the bin fills' size in the basis (their L2 penalty x 1/0.09)
RAW_KNOTS = 32  # form 2: pieces of the map from a scaled value back to its own scale
RAW_CLIP = 1e6  # form 2: own-scale values past a million IQRs from the median are clipped
# (the widest on issue 12's 23 tables is 83,000, a loanapp column: none is clipped)
MAX_LEVELS = 16  # categoricals one-hot in the path; wider ones are the network's alone
C = 1.0  # inverse L2 strength of the path's logistic regression
WEIGHTS = (0.0, 0.25, 0.5, 0.75)  # the path's candidate shares of the blended logit
# form 2's candidate bin sizes, chosen with the share on the out-of-fold rows
# (``blend_choice``). Issue 12's thirty-second session tried (0.3, 0.01) -- 0.01 makes the
# path all but a line in each column, logistic regression on the basis -- with the path
# alone (share 1) among the shares: over 22 tables -0.0004 AUC a table, credit_cards
# -0.0068, so reverted by the rule declared before the run (BENCHMARKS, "the path's
# smoothing chosen with its share"); a saved bundle's ``bin_scale`` is still read
SMOOTHINGS = (BIN_SCALE,)
# a wider basis is not fitted: the Newton fit's Hessian grows with the square of the width
# and its solve with the cube (2,975 columns x 5,000 rows: 16 s a fit; 8,500 columns took
# 7:44 on 300 rows, and 34,000 asked for 8.6 GiB); issue 12's panel stays well under it
MAX_BASIS_COLUMNS = 3_000
# the path's Newton fit reads at most this many rows (a seeded draw, each row weighted by
# rows / FIT_ROWS so the loss and its fixed L2 penalty keep their balance): its Hessian costs
# rows x width^2, so on taller tables it was as long as the network's whole fit (a streamed
# 400,000-row table: 28 s of 62); a few hundred basis columns are estimated as well from
# 65,536 rows. Issue 12's tables fit the path on at most ~24,000 rows: unchanged
FIT_ROWS = 65_536


def basis_width(n_num: int, cardinalities: list[int], *, n_bins: int = N_BINS,
                max_levels: int = MAX_LEVELS, form: int = FORM) -> int:
    """How many basis columns an ``AdditivePath`` on these columns has.

    >>> basis_width(2, [3, 40]), basis_width(2, [3, 40], form=1)
    (39, 37)
    """
    per_numeric = n_bins + (2 if form >= 2 else 1)
    return n_num * per_numeric + sum(int(c) for c in cardinalities if c <= max_levels)


class RawScale(nn.Module):
    """``(B, d_num) -> (B, d_num)``: each scaled value mapped back to its column's own scale,
    robust-standardised (training median 0, interquartile range 1).

    The map is piecewise linear through ``knots + 1`` points spread evenly over the training
    rows' scaled range, each point the mean raw value there, and flat beyond the range (the
    training minimum and maximum). A column without two distinct training values maps to 0.

    >>> z = np.linspace(-2, 2, 101)[:, None]
    >>> raw = RawScale(n_num=1, x_num_train=z, x_raw_train=np.exp(z))
    >>> out = raw(torch.tensor([[-2.0], [0.0], [9.0]], dtype=torch.float32))[:, 0]
    >>> [round(float(v), 2) for v in out]  # exp(-2), exp(0), exp(2), less the median, / IQR
    [-0.37, 0.0, 2.72]
    """

    def __init__(self, *, n_num: int, knots: int = RAW_KNOTS,
                 x_num_train: np.ndarray | None = None,
                 x_raw_train: np.ndarray | None = None) -> None:
        super().__init__()
        self.knots = knots
        low = torch.zeros(n_num)
        step = torch.ones(n_num)
        values = torch.zeros(n_num, knots + 1)  # the map's value at each knot
        if x_num_train is not None and x_raw_train is not None:
            for j in range(n_num):
                scaled = np.asarray(x_num_train[:, j], dtype=np.float64)
                raw = np.asarray(x_raw_train[:, j], dtype=np.float64)
                first, last = float(scaled.min()), float(scaled.max())
                if not last > first:
                    continue
                q1, median, q3 = np.quantile(raw, [0.25, 0.5, 0.75])
                with np.errstate(over="ignore", invalid="ignore"):
                    spread = (q3 - q1) or (raw.max() - raw.min()) / 2 or 1.0
                    # clipped, so an outlier far past float32 (1e40 beside an IQR of 1) is a
                    # large number, not an infinity that would turn the fit's basis to NaN
                    standard = np.clip(np.nan_to_num((raw - median) / spread), -RAW_CLIP,
                                       RAW_CLIP)
                distinct, where = np.unique(scaled, return_inverse=True)
                mean_raw = np.bincount(where, standard) / np.bincount(where)
                grid = np.linspace(first, last, knots + 1)
                values[j] = torch.as_tensor(np.interp(grid, distinct, mean_raw),
                                            dtype=torch.float32)
                low[j], step[j] = first, (last - first) / knots
        self.register_buffer("low", low)
        self.register_buffer("step", step)
        self.register_buffer("values", values)

    def forward(self, x_num: torch.Tensor) -> torch.Tensor:
        # which piece each value falls in and how far into it: one lookup per value instead
        # of a fill per piece (the clamped-fill form made batch scoring 20% slower)
        position = (x_num - self.low) / self.step
        piece = torch.clamp(torch.floor(position), 0.0, float(self.knots - 1))
        within = torch.clamp(position - piece, 0.0, 1.0)  # flat beyond the training range
        index = piece.long() + torch.arange(x_num.shape[1], device=x_num.device) \
            * (self.knots + 1)
        flat = self.values.flatten()
        start, end = flat[index], flat[index + 1]
        return start + (end - start) * within


class AdditivePath(nn.Module):
    """``(B, d_num), (B, n_cat) -> (B,)``: a linear model on the additive basis.

    >>> x = np.random.default_rng(0).normal(size=(80, 2)).astype("float32")
    >>> path = AdditivePath(n_num=2, cardinalities=[3], x_num_train=x)
    >>> path(torch.zeros(4, 2), torch.zeros(4, 1, dtype=torch.long)).shape
    torch.Size([4])
    """

    def __init__(self, *, n_num: int, cardinalities: list[int],
                 x_num_train: np.ndarray | None = None, n_bins: int = N_BINS,
                 max_levels: int = MAX_LEVELS, form: int = FORM,
                 x_raw_train: np.ndarray | None = None, bin_scale: float | None = None
                 ) -> None:
        """``x_raw_train`` (form 2): the training rows' numeric inputs before scaling, gaps
        imputed as the preprocessor imputes them (``TabularPreprocessor.unscaled``).
        ``bin_scale`` (form 2): the bin fills' size, ``BIN_SCALE`` unless given."""
        super().__init__()
        if form not in (1, 2) or isinstance(form, bool):  # a bundle's record is checked here
            raise ConfigError(f"the additive path's form is 1 or 2, however: {form!r}")
        self.n_num, self.n_bins, self.form = n_num, n_bins, form
        self.encoding = PiecewiseLinearEncoding(n_num=n_num, n_bins=n_bins,
                                                x_num_train=x_num_train)
        if bin_scale is not None and (form < 2 or isinstance(bin_scale, bool) or not (
                isinstance(bin_scale, (int, float)) and 0.0 < bin_scale <= 1.0)):
            raise ConfigError("the additive path's bin_scale is a number in (0, 1] with "
                              f"form 2, however: {bin_scale!r} with form {form}")
        self.bin_scale = float(bin_scale if bin_scale is not None else BIN_SCALE) \
            if form >= 2 else 1.0
        self.raw = RawScale(n_num=n_num, x_num_train=x_num_train,
                            x_raw_train=x_raw_train) if form >= 2 else None
        self.one_hot = [j for j, c in enumerate(cardinalities) if c <= max_levels]
        self.levels = [int(cardinalities[j]) for j in self.one_hot]
        self.width = basis_width(n_num, cardinalities, n_bins=n_bins, max_levels=max_levels,
                                 form=form)
        self.linear = nn.Linear(self.width, 1)
        nn.init.zeros_(self.linear.weight)
        nn.init.zeros_(self.linear.bias)

    def basis(self, x_num: torch.Tensor, x_cat: torch.Tensor) -> torch.Tensor:
        """``(B, width)``: scaled values, bin fills, one-hot levels, then (form 2) the values
        on their own scale."""
        fills = self.encoding(x_num).flatten(1)
        parts = [x_num, fills * self.bin_scale if self.bin_scale != 1.0 else fills]
        for j, count in zip(self.one_hot, self.levels, strict=True):
            codes = torch.arange(count, device=x_cat.device)
            parts.append((x_cat[:, j:j + 1] == codes).to(x_num.dtype))
        if self.raw is not None:
            parts.append(self.raw(x_num))
        return torch.cat(parts, dim=1)

    def basis_slots(self) -> list[tuple[str, int]]:
        """For each basis column, the input column it comes from."""
        slots = [("num", j) for j in range(self.n_num)]
        slots += [("num", j) for j in range(self.n_num) for _ in range(self.n_bins)]
        slots += [("cat", j) for j, count in zip(self.one_hot, self.levels, strict=True)
                  for _ in range(count)]
        if self.raw is not None:
            slots += [("num", j) for j in range(self.n_num)]
        return slots

    def forward(self, x_num: torch.Tensor, x_cat: torch.Tensor) -> torch.Tensor:
        return self.linear(self.basis(x_num, x_cat))[:, 0]

    def fit(self, x_num: np.ndarray, x_cat: np.ndarray, y: np.ndarray,
            sample_weight: np.ndarray | None = None) -> AdditivePath:
        """Fit the path's weights on these rows (labels 0/1) by L2 logistic regression; on
        more than ``FIT_ROWS`` rows, on a seeded draw of that many, weighted up."""
        from sklearn.linear_model import LogisticRegression
        from threadpoolctl import threadpool_limits

        y = np.asarray(y)
        if len(y) > FIT_ROWS:  # a seeded draw of rows, weighted up to the whole table's loss
            rows = np.sort(np.random.default_rng(0).choice(len(y), FIT_ROWS, replace=False))
            scale = len(y) / FIT_ROWS
            x_num, x_cat, y = x_num[rows], x_cat[rows], y[rows]
            sample_weight = (np.full(FIT_ROWS, scale) if sample_weight is None
                             else np.asarray(sample_weight)[rows] * scale)
        if np.unique(y).size < 2:  # nothing to separate: the path stays at zero
            return self
        with torch.no_grad():
            basis = self.basis(torch.as_tensor(x_num), torch.as_tensor(x_cat)).double().numpy()
        # a basis column that is zero on every fitting row has weight exactly 0 at the L2
        # optimum, so it is left out of the fit: the same model, and on columns with few
        # distinct values (codes, counts, flags) most bin fills are such columns (591 of
        # Caravan's 1,013)
        used = np.flatnonzero(np.abs(basis).sum(axis=0) > 0)
        # Newton-Cholesky: a handful of Newton steps reach the penalised optimum (within 1%
        # of a logit on the tables measured) where L-BFGS at its default tolerance stopped
        # 0.07-0.6 logits short in 10-20x the time; one BLAS thread, as a second one only
        # adds CPU on matrices this small (BENCHMARKS, issue 12, fourteenth session)
        model = LogisticRegression(C=C, max_iter=200, solver="newton-cholesky")
        with threadpool_limits(1, user_api="blas"):
            model.fit(basis[:, used], np.asarray(y).astype(int), sample_weight=sample_weight)
        coef = np.zeros((1, basis.shape[1]))
        coef[:, used] = model.coef_
        with torch.no_grad():
            self.linear.weight.copy_(torch.as_tensor(coef, dtype=torch.float32))
            self.linear.bias.copy_(torch.as_tensor(model.intercept_, dtype=torch.float32))
        return self


class AdditiveBlend(nn.Module):
    """``inner``'s logits blended with an additive path's: ``(B, d_num), (B, n_cat) -> (B, k, 1)``.

    >>> from findeep.models.tabm_ple import TabMPLE
    >>> x = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
    >>> inner = TabMPLE(n_num=3, cardinalities=[], n_out=1, k=2, x_num_train=x)
    >>> net = AdditiveBlend(inner, weight=0.5, x_num_train=x)
    >>> net(torch.zeros(5, 3), torch.zeros(5, 0, dtype=torch.long)).shape
    torch.Size([5, 2, 1])
    """

    def __init__(self, inner: nn.Module, *, weight: float,
                 x_num_train: np.ndarray | None = None,
                 path: AdditivePath | None = None, form: int = FORM,
                 bin_scale: float | None = None) -> None:
        super().__init__()
        config = dict(getattr(inner, "config", {}))
        if config.get("n_out", 1) != 1:
            raise ValueError("the additive path applies to binary classification (one "
                             f"output), however: n_out={config.get('n_out')}")
        self.inner = inner
        self.k = int(getattr(inner, "k", 1))
        self.additive = path if path is not None else AdditivePath(
            n_num=int(config["n_num"]), cardinalities=list(config["cardinalities"]),
            x_num_train=x_num_train, form=form, bin_scale=bin_scale)
        self.register_buffer("share", torch.tensor(float(weight)))  # the path's w
        # form 1 is written as before it had a number, and form 2's bin size only where it
        # is not BIN_SCALE, so a bundle's document is unchanged where the path is
        record = {"weight": float(weight)} | (
            {"form": self.additive.form} if self.additive.form != 1 else {}) | (
            {"bin_scale": self.additive.bin_scale}
            if self.additive.form >= 2 and self.additive.bin_scale != BIN_SCALE else {})
        self.config: dict[str, Any] = {**config, "additive": record}
        if hasattr(inner, "attribution_steps"):
            self.attribution_steps = int(inner.attribution_steps)

    @property
    def row_cost(self) -> float:
        return float(getattr(self.inner, "row_cost", self.k))

    def embed(self, x_num: torch.Tensor, x_cat: torch.Tensor) -> torch.Tensor:
        """``(B, d_inner + width)``: the network's embedded vector, then the additive basis."""
        return torch.cat([self.inner.embed(x_num, x_cat), self.additive.basis(x_num, x_cat)],
                         dim=1)

    def forward_embedded(self, z: torch.Tensor) -> torch.Tensor:
        inner, basis = z[:, :-self.additive.width], z[:, -self.additive.width:]
        additive = self.additive.linear(basis)  # (B, 1)
        return (1.0 - self.share) * self.inner.forward_embedded(inner) \
            + self.share * additive.unsqueeze(1)

    def forward(self, x_num: torch.Tensor, x_cat: torch.Tensor) -> torch.Tensor:
        additive = self.additive(x_num, x_cat)[:, None, None]  # (B, 1, 1)
        return (1.0 - self.share) * self.inner(x_num, x_cat) + self.share * additive

    def embedding_slots(self) -> list[tuple[str, int]]:
        return [*self.inner.embedding_slots(), *self.additive.basis_slots()]


def blend_choice(network_logits: np.ndarray, additive_logits: dict[float, np.ndarray],
                 y: np.ndarray, weights: tuple[float, ...] = WEIGHTS) -> tuple[float, float]:
    """``(bin_scale, share)``: of the paths ``additive_logits`` holds (bin size -> their
    out-of-fold logits, in order of preference) and the shares in ``weights``, the blend that
    ranks these rows best by ROC-AUC; ties go to the earlier path, then the smaller share.
    ``network_logits`` is ``(n, k)``, one column per member."""
    from sklearn.metrics import roc_auc_score

    first = next(iter(additive_logits))
    if np.unique(y).size < 2:
        return first, 0.0
    network = np.asarray(network_logits, dtype=float).reshape(len(y), -1)
    scored = []
    for scale, logits in additive_logits.items():
        for w in weights:
            blended = (1.0 - w) * network + w * np.asarray(logits)[:, None]
            probabilities = 1.0 / (1.0 + np.exp(-blended))
            scored.append((roc_auc_score(y, probabilities.mean(axis=1)), scale, w))
    best = max(score for score, _, _ in scored)
    _, scale, share = next(c for c in scored if c[0] >= best - 1e-12)
    return (first, 0.0) if share == 0.0 else (scale, share)


def wrap_additive(inner: nn.Module, options: dict[str, Any] | None,
                  x_num_train: np.ndarray | None = None) -> nn.Module:
    """``inner`` in an ``AdditiveBlend`` when a saved config holds ``additive``; else as is.
    A record without ``form`` was saved before forms were numbered: form 1."""
    if not options:
        return inner
    return AdditiveBlend(inner, weight=float(options["weight"]), x_num_train=x_num_train,
                         form=options.get("form", 1), bin_scale=options.get("bin_scale"))
