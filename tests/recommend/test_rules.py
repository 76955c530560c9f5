"""Eligibility rules are data: the grammar a risk team writes works, and a rule edited into a
bundle to run code is refused on load, at scoring and in the API — nothing is executed."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import findeep
from cli_helpers import assert_one_line_error, rewrite_bundle_document, run
from findeep.errors import BundleError, ConfigError
from findeep.recommend import NextProductRecommender
from findeep.recommend.bundle import save_recommender
from findeep.recommend.panel import eligibility_mask, parse_eligibility
from findeep.recommend.rules import evaluate_rule
from findeep.testing import make_bank_customers

FRAME = pd.DataFrame({"age": [20, 40, 70, np.nan], "region": ["north", "south", "east", None],
                      "debt": [1.0, 5.0, 2.0, 1.0], "monthly income": [2.0, 10.0, 1.0, 3.0]})


@pytest.mark.parametrize(("rule", "expected"), [
    ("age >= 21", [False, True, True, False]),
    ("21 <= age < 70", [False, True, False, False]),
    ("age >= 21 and region != 'east'", [False, True, False, False]),
    ("age < 21 or region == 'east'", [True, False, True, False]),
    ("not age >= 21", [True, False, False, True]),
    ("(age >= 21) & ~(region == 'east')", [False, True, False, False]),
    ("region in ['north', 'south']", [True, True, False, False]),
    ("region not in ('north',)", [False, True, True, True]),
    ("debt / `monthly income` < 0.6", [True, True, False, True]),
    ("-debt > -2 and age > 10 - 1", [True, False, False, False]),
])
def test_the_rule_grammar_reads_as_pandas_would(rule, expected) -> None:
    """Comparisons (chained), in-lists, arithmetic, backticked names, and/or/not and &|~;
    a missing value compares as False, as in pandas."""
    np.testing.assert_array_equal(evaluate_rule(FRAME, rule), expected)


@pytest.mark.parametrize(("rule", "fragment"), [
    ("age >= 21 and @pd.io.common.os.system('id') == 0", "is not a comparison"),
    ("__import__('os').system('id') == 0", "a function call"),
    ("age.__class__ == 1", "an attribute"),
    ("region[0] == 'n'", "an index"),
    ("age ** 10 ** 10 > 1", "'**'"),
    ("(lambda: 1)() == 1", "a function call"),
    ("region * 100000000 == 'x'", "arithmetic on text"),
    ("age == None", "None"),
    ("salary > 3", "no column 'salary'"),
    ("age", "True/False per customer row"),
])
def test_anything_but_the_grammar_is_one_config_error(rule, fragment) -> None:
    with pytest.raises(ConfigError, match="eligibility rule") as raised:
        evaluate_rule(FRAME, rule)
    assert fragment in str(raised.value)


def test_a_rule_edited_into_a_bundle_to_run_code_is_refused_and_never_run(tmp_path) -> None:
    """The walkthrough's exploit: a popularity bundle whose rule calls os.system through
    pandas' '@'. Loading refuses it (Python and CLI, one line), and nothing is written."""
    bank = make_bank_customers(300, 6, seed=2)
    model = NextProductRecommender(model="popularity",
                                   eligibility={"mortgage": "age >= 21"}).fit(
        bank.customers, bank.holdings)
    bundle = tmp_path / "nbo"
    save_recommender(model, bundle)
    planted = tmp_path / "PWNED"
    meta = json.loads((bundle / "bundle.json").read_text())
    meta["params"]["eligibility"] = {
        "mortgage": f"age >= 21 and @pd.io.common.os.system('touch {planted}') == 0"}
    rewrite_bundle_document(bundle, meta)
    with pytest.raises(BundleError, match="eligibility rule findeep will not run"):
        findeep.load(bundle)
    bank.customers.to_parquet(tmp_path / "customers.parquet")
    bank.holdings.to_parquet(tmp_path / "holdings.parquet")
    result = run("recommend", "predict", bundle, tmp_path / "customers.parquet", "--events",
                 tmp_path / "holdings.parquet", "--out", tmp_path / "offers.csv")
    assert_one_line_error(result, "eligibility rule findeep will not run")
    assert not planted.exists() and not (tmp_path / "offers.csv").exists()


def test_a_rule_outside_the_grammar_is_refused_before_training() -> None:
    with pytest.raises(ConfigError, match="a function call"):
        NextProductRecommender(model="popularity",
                               eligibility={"mortgage": "len(region) > 2"}).fit(
            pd.DataFrame({"customer_id": [1]}), pd.DataFrame())
    result = run("recommend", "train", "customers.csv", "--events", "events.csv",
                 "--customer-id", "id", "--product", "product", "--out", "nbo",
                 "--eligible", "mortgage: open('x') == 1")
    assert_one_line_error(result, "a function call")


def test_several_rules_for_one_product_must_all_hold() -> None:
    """--eligibility given twice for one product: both rules hold (and), the second never
    silently replacing the first, whatever the first's own and/or."""
    rules = parse_eligibility(["mortgage: age >= 21 or vip == 1", "loan: income > 0",
                               "mortgage: age < 70"])
    assert rules == {"mortgage": "(age >= 21 or vip == 1) and (age < 70)", "loan": "income > 0"}
    frame = pd.DataFrame({"age": [18, 30, 80, 18], "vip": [0, 0, 1, 1], "income": 1})
    mask = eligibility_mask(frame, ["loan", "mortgage"], rules)
    assert mask[:, 1].tolist() == [False, True, False, True]


def test_ampersand_and_bar_bind_after_the_comparisons_as_pandas_reads_them():
    """'age > 30 & age < 60' was read with Python's precedence, age > (30 & age) < 60, true
    for everyone: a loan offered to the 23- and 66-year-olds the rule excludes (and the
    meaning bundles written when rules ran through DataFrame.eval had)."""
    frame = pd.DataFrame({"age": [20, 40, 70], "segment": ["student", "a & b", "x"]})
    rules = ["age > 30 & age < 60", "age >= 30 & segment != 'student' | segment == 'a & b'",
             "~(age > 30) | age > 65", "(age > 30) & (age < 60)"]
    for rule in rules:
        np.testing.assert_array_equal(evaluate_rule(frame, rule),
                                      frame.eval(rule).to_numpy(), err_msg=rule)
    assert evaluate_rule(frame, "age > 30 & age < 60").tolist() == [False, True, False]
