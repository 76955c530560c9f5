"""Run every command of the README's command list once, in-process, on small data.

Executed by ``tests/test_base_install.py`` with the Python of a virtual environment that
holds findeep's core install only. Prints one JSON list: per command its arguments, exit
code, stdout, stderr and, if it raised, the exception's type (a traceback would be a bug).
Usage: ``python run_readme_commands.py WORKDIR``.
"""

from __future__ import annotations

import json
import shlex
import sys
import traceback
from pathlib import Path

from typer.testing import CliRunner

from findeep.cli import app
from findeep.data.io import read_table
from findeep.models.registry import MODELS
from findeep.testing import make_credit_frame, make_price_panel

work = Path(sys.argv[1])
work.mkdir(parents=True, exist_ok=True)
# small data: the credit sample's first rows, a dated credit table, a short price panel
read_table("sample:credit").head(400).to_csv(work / "holdout.csv", index=False)
make_credit_frame(500, seed=0).to_parquet(work / "loans.parquet")
make_price_panel(n_assets=3, n_days=300, seed=0).to_csv(work / "prices.csv", index=False)
(work / "card.yaml").write_text("owner: credit risk team\nintended_use: a smoke test\n")
for spec in MODELS.values():  # `demo` has no epoch option: one epoch keeps it to seconds
    spec.training["max_epochs"] = 1


def w(name: str) -> str:
    return str(work / name)


FAST = ["--max-epochs", "2", "--quiet"]
COMMANDS: list[list[str]] = [
    ["datasets"],
    ["profile", w("loans.parquet"), "--target", "default"],
    ["train", "sample:credit", "--out", w("credit-model"), *FAST],
    ["train", w("loans.parquet"), "--target", "default", "--time-column", "applied_on",
     "--out", w("oot-model"), *FAST],
    ["train", w("loans.parquet"), "--target", "default", "--group-column", "region", "--out",
     w("grouped-model"), *FAST],
    ["train", w("loans.parquet"), "--target", "default", "--drop", "region", "--out",
     w("dropped-model"), *FAST],
    ["train", "sample:credit", "--model", "default+catboost", "--out", w("blend-model"), *FAST],
    ["train", "sample:loans", "--model", "default+catboost", "--out", w("rate-model"), *FAST],
    ["predict", w("credit-model"), w("holdout.csv"), "--out", w("scores.csv"),
     "--id-column", "Seniority", "--threshold", "0.2"],
    ["evaluate", w("credit-model"), w("holdout.csv")],
    ["evaluate", w("credit-model"), w("holdout.csv"), "--lgd", "0.45", "--exposure", "Amount",
     "--policy-out", w("policy.json")],
    ["predict", w("credit-model"), w("holdout.csv"), "--policy", w("policy.json"), "--out",
     w("decisions.csv")],
    ["benchmark", w("holdout.csv"), "--target", "Status", "--n-folds", "2", "--models",
     "seed-mlp,logreg,lightgbm,xgboost,catboost", "--out", w("runs/holdout.json"), "--quiet"],
    ["benchmark", w("holdout.csv"), "--target", "Status", "--n-folds", "2", "--models",
     "default+catboost", "--quiet"],
    ["benchmark", w("loans.parquet"), "--target", "default", "--group-column", "region",
     "--n-folds", "2", "--models", "seed-mlp,logreg", "--out", w("runs/loans.json"), "--quiet"],
    ["tally", w("runs/holdout.json"), w("runs/loans.json"), "--model", "seed-mlp", "--against",
     "logreg,best-baseline", "--report", w("tally.html")],
    ["benchmark", w("loans.parquet"), "--target", "default", "--time-column", "applied_on",
     "--walk-forward", "--n-folds", "2", "--models", "seed-mlp,logreg", "--quiet"],
    ["explain", w("credit-model"), w("holdout.csv"), "--top", "4", "--out", w("reasons.csv")],
    ["explain", w("credit-model"), w("holdout.csv"), "--surrogate", "--depth", "4"],
    ["importance", w("credit-model"), w("holdout.csv"), "--n-repeats", "2"],
    ["dependence", w("credit-model"), w("holdout.csv"), "--column", "Income"],
    ["drift", w("credit-model"), w("holdout.csv")],
    ["fairness", w("credit-model"), w("holdout.csv"), "--protected", "Marital"],
    ["report", w("credit-model"), w("holdout.csv"), "--out", w("report.html"),
     "--max-rows", "200"],
    ["report", w("credit-model"), w("holdout.csv"), "--out", w("card.md"), "--card-only",
     "--card-info", w("card.yaml")],
    ["serve", w("credit-model")],
    ["export", w("credit-model"), "--format", "onnx", "--out", w("credit.onnx")],
    ["forecast", "train", w("prices.csv"), "--date-column", "date", "--asset-column", "asset",
     "--model", "gru", "--walk-forward", "--refit-every", "100", "--out", w("prices-gru"),
     *FAST],
    ["forecast", "backtest", w("prices-gru"), w("prices.csv"), "--cost-bps", "5"],
    ["forecast", "report", w("prices-gru"), w("prices.csv"), "--out", w("prices.html")],
    ["demo", "--out", w("demo"), "--quiet"],
]

# the application families' README lines, verbatim (their data files are absent here, so
# most stop at a one-line error: what this proves is that they import and fail cleanly on
# the core install); the pricing generator runs for real on 200 rows
README = Path(__file__).resolve().parents[2] / "README.md"
block = README.read_text().split("## Command line", 1)[1].split("```bash", 1)[1].split("```")[0]
for line in block.splitlines():
    words = shlex.split(line.split("#")[0])
    if len(words) > 2 and words[1] in ("text", "recommend", "pricing", "spark"):
        COMMANDS.append([w("pricer-data.parquet") if word == "heston.parquet" else
                         "200" if word == "300000" else word for word in words[1:]])

results = []
runner = CliRunner()
for args in COMMANDS:
    result = runner.invoke(app, args)
    raised = result.exception if not isinstance(result.exception, SystemExit) else None
    results.append({
        "args": args, "exit_code": result.exit_code, "stdout": result.stdout,
        "stderr": result.stderr,
        "exception": None if raised is None else "".join(
            traceback.format_exception(type(raised), raised, raised.__traceback__)),
    })
print(json.dumps(results))
