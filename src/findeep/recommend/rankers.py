"""The network and the baselines a practitioner runs, behind one small interface.

Every ranker has ``fit(train, valid)`` on ``Design``s and ``score(design) -> (n, P)``
(higher = offer first; probabilities for the network, popularity and LightGBM). Held
products are masked by the caller, never by a ranker.

- ``network``: ``NextProductNet`` over findeep's preprocessing of the customer columns plus
  the holdings vector (see network.py, training.py).
- ``popularity``: each product's share of eligible customers who took it in the training
  months (the "most added products" list every bank starts from).
- ``lightgbm``: one LightGBM classifier per product on the same features, trained on the
  customers eligible for it (the Santander competition winners' recipe).
- ``als``: implicit-feedback matrix factorisation (the ``implicit`` library's ALS) on the
  customer x product holdings matrix at t; scores are factor dot products. It sees only
  holdings, never customer columns; a customer holding nothing has all-zero scores, so
  ties are broken by how often each product is held (the usual cold-start fallback).
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np
import pandas as pd
import torch

from findeep.data.schema import FindeepWarning, infer_schema
from findeep.errors import ConfigError, DataError, did_you_mean
from findeep.features.tabular import ScoringRules, TabularPreprocessor, TransformReport
from findeep.recommend.panel import Design
from findeep.train.progress import epoch_progress
from findeep.train.trainer import TrainConfig

RANKERS = ("network", "popularity", "lightgbm", "als")
NETWORK_DEFAULTS = {"max_epochs": 30, "batch_size": 512, "learning_rate": 2e-3,
                    "weight_decay": 3e-4, "patience": 4}


def check_ranker(name: str) -> None:
    if name not in RANKERS:
        raise ConfigError(f"unknown model {name!r}; choose from {', '.join(RANKERS)}."
                          + did_you_mean(name, RANKERS))


def make_ranker(name: str, *, random_state: int = 0, verbose: int = 0,
                options: dict[str, Any] | None = None) -> Any:
    check_ranker(name)
    options = dict(options or {})
    if name == "network":
        return NetworkRanker(random_state=random_state, verbose=verbose, **options)
    if name == "popularity":
        return PopularityRanker()
    if name == "lightgbm":
        return LightGBMRanker(random_state=random_state)
    return ALSRanker(random_state=random_state)


def _require_labels(design: Design) -> np.ndarray:
    if design.labels is None or len(design) == 0:
        raise DataError("there are no labelled customer-months to learn from: training needs "
                        "at least two consecutive months of holdings.")
    return design.labels


class PopularityRanker:
    def fit(self, train: Design, valid: Design | None = None) -> PopularityRanker:
        labels = _require_labels(train)
        eligible = train.eligible.sum(axis=0)
        self.rates_ = labels.sum(axis=0) / np.maximum(eligible, 1)
        return self

    def score(self, design: Design) -> np.ndarray:
        return np.broadcast_to(self.rates_, (len(design), len(self.rates_))).copy()


def feature_frame(design: Design) -> pd.DataFrame:
    """Customer columns (categoricals as pandas categories) + holdings, for tree models."""
    from findeep.recommend.panel import holding_feature_names

    lags = design.holdings.shape[1] // len(design.products) - 1
    frame = design.frame.copy()
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            frame[column] = frame[column].astype(str).astype("category")
    holdings = pd.DataFrame(design.holdings, columns=[
        n.replace(":", "__") for n in holding_feature_names(design.products, lags)])
    return pd.concat([frame.reset_index(drop=True), holdings], axis=1)


class LightGBMRanker:
    """One binary LightGBM per product (default settings, 200 trees), eligible rows only."""

    def __init__(self, *, random_state: int = 0, n_estimators: int = 200) -> None:
        self.random_state = random_state
        self.n_estimators = n_estimators

    def fit(self, train: Design, valid: Design | None = None) -> LightGBMRanker:
        try:
            import lightgbm as lgb
        except ImportError:
            raise ConfigError("the lightgbm baseline needs LightGBM: pip install "
                              "'findeep[baselines]'.") from None
        labels = _require_labels(train)
        x = feature_frame(train)
        self.categories_ = {c: x[c].cat.categories for c in x.columns
                            if isinstance(x[c].dtype, pd.CategoricalDtype)}
        self.models_: list[Any] = []
        for j in range(len(train.products)):
            rows = train.eligible[:, j]
            y = labels[rows, j]
            if y.sum() == 0 or y.sum() == len(y):
                self.models_.append(float(y.mean()) if len(y) else 0.0)
                continue
            model = lgb.LGBMClassifier(n_estimators=self.n_estimators, learning_rate=0.05,
                                       num_leaves=31, min_child_samples=20, subsample=1.0,
                                       random_state=self.random_state, n_jobs=2, verbose=-1)
            model.fit(x[rows], y)
            self.models_.append(model)
        return self

    def score(self, design: Design) -> np.ndarray:
        x = feature_frame(design)
        for column, categories in self.categories_.items():
            x[column] = pd.Categorical(x[column].astype(str), categories=categories)
        out = np.zeros((len(design), len(self.models_)))
        for j, model in enumerate(self.models_):
            out[:, j] = model if isinstance(model, float) else model.predict_proba(x)[:, 1]
        return out


class ALSRanker:
    """``implicit``'s ALS on the holdings at t of the customers being scored."""

    def __init__(self, *, random_state: int = 0, factors: int = 16, iterations: int = 15,
                 regularization: float = 0.05, alpha: float = 10.0) -> None:
        self.random_state = random_state
        self.factors = factors
        self.iterations = iterations
        self.regularization = regularization
        self.alpha = alpha

    def _model(self) -> Any:
        try:
            from implicit.cpu.als import AlternatingLeastSquares
        except ImportError:
            raise ConfigError("the als baseline needs the implicit library: pip install "
                              "'findeep[recommend]'.") from None
        return AlternatingLeastSquares(factors=self.factors, iterations=self.iterations,
                                       regularization=self.regularization, alpha=self.alpha,
                                       random_state=self.random_state, num_threads=1)

    def fit(self, train: Design, valid: Design | None = None) -> ALSRanker:
        from scipy.sparse import csr_matrix
        from threadpoolctl import threadpool_limits

        held = train.held
        with threadpool_limits(1, "blas"):  # implicit's advice: its own loop, one BLAS thread
            self.model_ = self._model()
            self.model_.fit(csr_matrix(held.astype(np.float32)), show_progress=False)
        self.item_factors_ = np.asarray(self.model_.item_factors)
        self.held_share_ = held.mean(axis=0)
        return self

    def score(self, design: Design) -> np.ndarray:
        """Each customer's factors are recomputed from their holdings, items fixed."""
        from scipy.sparse import csr_matrix

        held = csr_matrix(design.held.astype(np.float32))
        users = self.model_.recalculate_user(np.arange(len(design)), held)
        scores = np.asarray(users, dtype=np.float64) @ self.item_factors_.T
        return scores + 1e-9 * self.held_share_  # breaks exact ties (no holdings) only


class NetworkRanker:
    """The multi-label network; preprocessing fitted on the training design only."""

    def __init__(self, *, random_state: int = 0, verbose: int = 0,
                 model_options: dict[str, Any] | None = None, **train_options: Any) -> None:
        self.random_state = random_state
        self.verbose = verbose
        self.model_options = dict(model_options or {})
        unknown = set(train_options) - set(TrainConfig.__dataclass_fields__)
        if unknown:
            raise ConfigError(f"unknown training option(s): {', '.join(sorted(unknown))}.")
        self.train_options = {**NETWORK_DEFAULTS, **train_options}

    def inputs(self, design: Design, *, warn: bool = False
               ) -> tuple[np.ndarray, np.ndarray, TransformReport]:
        """The network's inputs, the customer columns read as training read them (dates in
        its order), and the ``TransformReport`` of what the rows held that the model cannot
        score as meant (values that are not numbers, a column with no value, a column far
        off its training scale, categories never seen); ``warn``: also say it, as tabular
        scoring does."""
        rules = None
        if self.schema_ is not None:
            self.schema_.check_scoring_frame(design.frame)
            rules = ScoringRules(day_first=self.schema_.day_first,
                                 scale=self.preprocessor_.training_scale())
        x_num, x_cat, report = self.preprocessor_.transform(design.frame, rules)
        if warn and rules is not None:
            for message in [*report.reading_messages(rules.scale), report.category_message()]:
                if message:
                    warnings.warn(message, FindeepWarning, stacklevel=4)
        return (np.concatenate([x_num, design.holdings], axis=1).astype(np.float32), x_cat,
                report)

    def fit(self, train: Design, valid: Design | None = None) -> NetworkRanker:
        from findeep.recommend.network import NextProductNet
        from findeep.recommend.training import as_tensors, fit_multilabel

        labels = _require_labels(train)
        if valid is None or valid.labels is None or len(valid) == 0:
            raise DataError("the network needs a validation month for early stopping: "
                            "give it at least three months of data.")
        if len(train.frame.columns):
            self.schema_ = infer_schema(train.frame, warn=False)
            self.preprocessor_ = TabularPreprocessor().fit(train.frame, self.schema_)
        else:
            self.schema_ = None
            self.preprocessor_ = TabularPreprocessor()
        x_num, x_cat, _ = self.inputs(train)
        n_customer_num = x_num.shape[1] - train.holdings.shape[1]
        torch.manual_seed(self.random_state)
        self.network_ = NextProductNet(
            n_customer_num=n_customer_num, n_holdings=train.holdings.shape[1],
            cardinalities=self.preprocessor_.cardinalities, n_products=len(train.products),
            x_num_train=x_num[:, :n_customer_num], **self.model_options)
        rates = labels.sum(axis=0) / np.maximum(train.eligible.sum(axis=0), 1)
        self.network_.set_product_prior(rates)
        v_num, v_cat, _ = self.inputs(valid)
        config = TrainConfig(**self.train_options, seed=self.random_state, device="cpu",
                             verbose=self.verbose)
        started = time.perf_counter()
        with epoch_progress("training next-product network", config.max_epochs,
                            self.verbose) as hook:
            self.fit_result_ = fit_multilabel(
                self.network_, as_tensors(x_num, x_cat, labels, train.eligible),
                as_tensors(v_num, v_cat, valid.labels, valid.eligible), config=config,
                on_epoch_end=hook)
        self.fit_seconds_ = time.perf_counter() - started
        sample = np.random.default_rng(self.random_state).permutation(len(x_num))[:4096]
        with torch.no_grad():
            self.baseline_embedding_ = self.network_.embed(
                torch.as_tensor(x_num[sample]), torch.as_tensor(x_cat[sample])).mean(0).numpy()
        return self

    def score(self, design: Design) -> np.ndarray:
        """Probabilities; warns of what the customer columns held (``inputs``)."""
        return self.score_reported(design, warn=True)[0]

    def score_reported(self, design: Design, *, warn: bool = False
                       ) -> tuple[np.ndarray, TransformReport]:
        """(probabilities (n, P), what scoring had to absorb): the server returns the
        report as response fields instead of warning."""
        from findeep.recommend.training import score_logits

        x_num, x_cat, report = self.inputs(design, warn=warn)
        self.last_unseen_ = report.unseen_categories
        with torch.no_grad():
            scores = score_logits(self.network_, torch.as_tensor(x_num),
                                  torch.as_tensor(x_cat)).numpy().astype(np.float64)
        return scores, report
