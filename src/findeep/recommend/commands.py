"""``findeep recommend train|predict|benchmark``: parse, one library call, one summary."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from findeep.console import ForceOpt, friendly, metrics_table, out

recommend_app = typer.Typer(
    name="recommend", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    help="Next-best-offer: rank which product each customer is most likely to take next, "
         "from a customer table and a holdings table; evaluate out of time.")

CustomersArg = Annotated[str, typer.Argument(
    metavar="CUSTOMERS",
    help="Customer table (CSV or Parquet): one row per customer, or per customer per month.")]
EventsOpt = Annotated[str | None, typer.Option(
    "--events", help="Holdings table: customer id, product, date (one row per product held "
                     "per month; see --events-mean).")]
IdOpt = Annotated[str, typer.Option("--customer-id", help="Customer id column (both tables).")]
ProductOpt = Annotated[str, typer.Option(help="Product column of the events table.")]
DateOpt = Annotated[str, typer.Option(
    help="Date column of the events table (and of the customer table, when it has one).")]
CustomerDateOpt = Annotated[str | None, typer.Option(
    help="The customer table's date column, when named differently from --date-column.")]
EventsMeanOpt = Annotated[str, typer.Option(
    "--events-mean", help="held: a row = product held that month; acquired: taken up then, "
                          "held from then on.")]
LagsOpt = Annotated[int, typer.Option(help="Months of past holdings used as features.")]
TrainMonthsOpt = Annotated[int, typer.Option(help="Labelled months to train on (latest).")]
EligibleOpt = Annotated[list[str] | None, typer.Option(
    "--eligibility", "--eligible",  # the estimator's name; --eligible kept as an alias
    help="Offer a product only where a rule holds, e.g. 'mortgage: age >= 21' (repeatable; "
         "rules for one product must all hold).")]
SeedOpt = Annotated[int, typer.Option(  # the estimators' name; --seed kept as an alias
    "--random-state", "--seed", help="Seed for initialisation and batches.")]
KOpt = Annotated[int, typer.Option("--k", help="Offers per customer the metrics judge (@k).")]
HEADLINE_LABELS = {"map_all@k": "MAP@k, all customers", "map_adders@k": "MAP@k, adders only",
                   "ndcg@k": "NDCG@k (adders)", "recall@k": "Recall@k (adders)",
                   "coverage@k": "catalogue coverage", "mean_product_auc": "mean product AUC",
                   "mean_product_ece": "mean product ECE", "fit_seconds": "fit seconds",
                   "customers_per_second": "customers ranked/s"}


def _params(customer_id: str, product: str, date_column: str, customer_date_column: str | None,
            events_mean: str, lags: int, train_months: int, eligible: list[str] | None,
            seed: int, quiet: bool, **extra: Any) -> dict[str, Any]:
    from findeep.recommend.panel import parse_eligibility

    return {"customer_id": customer_id, "product": product, "date_column": date_column,
            "customer_date_column": customer_date_column, "events_mean": events_mean, "lags": lags,
            "train_months": train_months, "eligibility": parse_eligibility(eligible) or None,
            "random_state": seed, "verbose": 0 if quiet else 1,
            **{k: v for k, v in extra.items() if v is not None}}


@recommend_app.command()
@friendly
def train(
    customers: CustomersArg, events: EventsOpt = None,
    customer_id: IdOpt = "customer_id", product: ProductOpt = "product",
    date_column: DateOpt = "month", customer_date_column: CustomerDateOpt = None,
    events_mean: EventsMeanOpt = "held",
    model: Annotated[str, typer.Option(help="network or popularity.")] = "network",
    lags: LagsOpt = 2, train_months: TrainMonthsOpt = 6, eligible: EligibleOpt = None,
    max_epochs: Annotated[int | None, typer.Option(help="Epoch limit for the network.")] = None,
    k: KOpt = 7, seed: SeedOpt = 0,
    out_dir: Annotated[Path, typer.Option("--out", help="Bundle directory to write.")] = Path(
        "findeep-recommend"),
    force: ForceOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Rank the last month out of time beside popularity, then save the refitted model."""
    from findeep.recommend.jobs import train_recommender

    report = train_recommender(
        customers, events, out=out_dir, force=force, k=k, model=model,
        **_params(customer_id, product, date_column, customer_date_column, events_mean, lags,
                  train_months, eligible, seed, quiet, max_epochs=max_epochs))
    evaluation = report["evaluation"]
    if evaluation is not None:
        compared = ("popularity (the baseline itself)" if report["model"] == "popularity"
                    else f"{report['model']} vs popularity")
        out.print(metrics_table(
            f"{compared}: trained on months before "
            f"{evaluation['test_month'][:7]}, ranked for it ({evaluation['test_customers']:,} "
            f"customers), @k={k}", {name: _timings_as_text(values) for name, values
                                      in evaluation["models"].items()},
            [*HEADLINE_LABELS], labels=HEADLINE_LABELS))
    else:
        out.print(f"{report['months']} month(s): too few for an out-of-time check; the model "
                  "was fitted without one.", highlight=False)
    fit = report["training"].get("fit")
    if fit:
        stopped = (" (early stopping kept the first epoch: the network learned little beyond "
                   "it; compare it with popularity above)" if fit["best_epoch"] == 1 else "")
        out.print(f"best epoch {fit['best_epoch']} of {fit['epochs_run']} by validation "
                  f"MAP@k{stopped}", highlight=False)
    out.print(f"saved {report['model']} ({len(report['products'])} products, refitted on "
              f"{report['training']['rows']:,} customer-months through "
              f"{report['training']['last_month']}) to {report['bundle']}", highlight=False)


@recommend_app.command()
@friendly
def predict(
    bundle: Annotated[Path, typer.Argument(
        metavar="BUNDLE", help="A bundle written by 'findeep recommend train'.")],
    customers: CustomersArg, events: EventsOpt = None,
    top: Annotated[int, typer.Option(help="Offers per customer.")] = 7,
    reasons: Annotated[int, typer.Option(
        help="Also list up to N inputs that raised each offer's score (network only).")] = 0,
    as_of: Annotated[str | None, typer.Option(
        help="Rank as of this month (default: the latest month of the data).")] = None,
    out_file: Annotated[Path, typer.Option("--out", help="Offers file, .csv or .parquet.")] = Path(
        "offers.csv"),
    force: ForceOpt = False,
) -> None:
    """Rank the products each customer does not hold; write the top ones per customer."""
    from findeep.recommend.jobs import predict_offers

    summary = predict_offers(bundle, customers, out_file, events=events, top=top,
                             reasons=reasons, as_of=as_of, force=force)
    extra = (f"; {summary['no_offer']:,} customer(s) had no product left to offer"
             if summary["no_offer"] else "")
    basis = {"events": "holdings from --events",
             "product columns": "holdings from the customer table's product columns",
             "none": "no holdings given: every customer scored as holding nothing"}[
        summary["holdings"]]
    when = (f"as of {summary['month']}" if summary["month"] is not None
            else "undated (no --events and no date column in the customer table)")
    out.print(f"wrote {summary['rows']:,} offers for {summary['customers']:,} customers {when}, "
              f"{basis}{extra} -> {out_file}", highlight=False)


@recommend_app.command()
@friendly
def benchmark(
    customers: CustomersArg, events: EventsOpt = None,
    customer_id: IdOpt = "customer_id", product: ProductOpt = "product",
    date_column: DateOpt = "month", customer_date_column: CustomerDateOpt = None,
    events_mean: EventsMeanOpt = "held",
    models: Annotated[str, typer.Option(
        help="Comma-separated: network, popularity, lightgbm, als.")
    ] = "network,popularity,lightgbm,als",
    test_months: Annotated[int, typer.Option(
        help="Walk forward over the last N months (each trained on the months before).")] = 3,
    lags: LagsOpt = 2, train_months: TrainMonthsOpt = 6, eligible: EligibleOpt = None,
    max_epochs: Annotated[int | None, typer.Option(help="Epoch limit for the network.")] = None,
    k: KOpt = 7, seed: SeedOpt = 0,
    out_file: Annotated[Path | None, typer.Option(
        "--out", help="Also write the results: .json (every fold) or .csv/.parquet.")] = None,
    force: ForceOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Every model on the same out-of-time months: MAP@k (both conventions), NDCG, recall."""
    from findeep.recommend.jobs import benchmark_recommenders

    names = [m.strip() for m in models.split(",") if m.strip()]
    result = benchmark_recommenders(
        customers, events, models=names, n_test_months=test_months, k=k, out=out_file,
        force=force, **_params(customer_id, product, date_column, customer_date_column,
                               events_mean, lags, train_months, eligible, seed, quiet,
                               max_epochs=max_epochs))
    folds = result["folds"]
    cells = {name: {key: _mean_std(values, key) for key in HEADLINE_LABELS}
             for name, values in result["summary"].items()}
    out.print(metrics_table(
        f"walk-forward over {len(folds)} month(s) ({folds[0]['test_month'][:7]} to "
        f"{folds[-1]['test_month'][:7]}), each trained on the months before; mean ± std, @k={k}",
        cells, [*HEADLINE_LABELS], labels=HEADLINE_LABELS))
    out.print("MAP@k, all customers: customers adding nothing score 0 (Kaggle); adders only: "
              "the recommender-library convention.", highlight=False)
    if "als" in cells:
        out.print("ECE n/a for als: it gives scores (factor dot products), not probabilities, "
                  "so it has no calibration to measure.", highlight=False)
    if "verdict" in result:
        out.print(result["verdict"], highlight=False)


def _mean_std(values: dict[str, float], key: str) -> str | None:
    if key not in values:
        return None
    mean, std = values[key], values.get(f"{key}_std", 0.0)
    if mean != mean:  # NaN: undefined in every fold (ALS's ECE; no adders)
        return "n/a"
    if key in TIMINGS:
        return _timing(mean)
    return f"{mean:.4f} ± {std:.4f}"


TIMINGS = ("fit_seconds", "customers_per_second")


def _timing(value: float) -> str:
    """Seconds and rates as train and benchmark both show them: 31,843.3, not 31843.2847."""
    return f"{value:,.1f}"


def _timings_as_text(values: dict[str, Any]) -> dict[str, Any]:
    return {key: _timing(value) if key in TIMINGS and isinstance(value, int | float) else value
            for key, value in values.items()}
