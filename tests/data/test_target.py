from __future__ import annotations

import pandas as pd
import pytest

from findeep.data.target import infer_target, locate_target
from findeep.errors import TargetError


def test_credit_labels_make_bad_the_event_class() -> None:
    """good/bad is binary, sorted as scikit-learn does, with 'bad' as the event."""
    spec = infer_target(pd.Series(["good"] * 8 + ["bad"] * 2), "Status")
    assert (spec.task, spec.classes, spec.event_class) == ("binary", ["bad", "good"], "bad")


def test_task_is_inferred_from_values() -> None:
    """Floats are regression, few integer codes multiclass, two values binary."""
    assert infer_target(pd.Series([0.1, 2.5, 3.3, 4.0]), "rate").task == "regression"
    assert infer_target(pd.Series([0, 1, 2, 1, 0]), "grade").task == "multiclass"
    assert infer_target(pd.Series([0, 1, 1, 0]), "default").task == "binary"


@pytest.mark.parametrize(("values", "task", "message"), [
    (["a", "a", "a"], "auto", "single class"),
    (["x", "y", "z"], "regression", "not numeric"),
])
def test_unlearnable_targets_are_refused(values: list[str], task: str, message: str) -> None:
    """Single-class and non-numeric regression targets raise TargetError."""
    with pytest.raises(TargetError, match=message):
        infer_target(pd.Series(values), "y", task)


def test_absent_target_suggests_close_matches() -> None:
    """A misspelt target name gets a 'did you mean'."""
    with pytest.raises(TargetError, match="Did you mean 'Status'"):
        locate_target(pd.DataFrame({"Status": [1], "Income": [2]}), "status")


@pytest.mark.parametrize("values", [pd.Series([], dtype=object), pd.Series([None, None]),
                                    pd.Series([float("nan")] * 3)])
def test_a_target_with_no_value_is_refused_in_one_sentence(values: pd.Series) -> None:
    """An empty or all-missing target is a TargetError saying 0 rows have a value."""
    with pytest.raises(TargetError, match=r"0 row\(s\) have a 'y' value"):
        infer_target(values, "y")


def test_labels_differing_only_in_spaces_or_case_are_refused_not_four_classes() -> None:
    """'Yes'/'No' with a few 'Yes '/'No ' trained silently as a four-class target."""
    with pytest.raises(TargetError, match=r"differ only in spaces or letter case \('Yes' and "
                                          r"'Yes '; 'No' and 'No '\)"):
        infer_target(pd.Series(["Yes", "No", "Yes ", "No ", "Yes"]), "default")
    with pytest.raises(TargetError, match="'Bad' and 'bad'"):
        infer_target(pd.Series(["good", "bad", "Bad"]), "status")


def test_labels_read_as_text_match_number_labels_and_unknown_ones_are_quoted() -> None:
    """A model trained on 0/1 scored labels '0'/'1' (a CSV read as text) as 'not seen in
    training: 0, 1' — the very labels it was trained on, unquoted."""
    spec = infer_target(pd.Series([0, 1, 0, 1]), "default")
    assert spec.encode(pd.Series(["0", "1", "1.0"])).tolist() == [0, 1, 1]
    with pytest.raises(TargetError, match=r"not seen in training: 'x' \(the model was trained "
                                          r"on 0, 1\)"):
        spec.encode(pd.Series(["x", "1"]))
    words = infer_target(pd.Series(["good", "bad"] * 2), "status")
    with pytest.raises(TargetError, match="'good '"):
        words.encode(pd.Series(["good ", "bad"]))


def test_near_balanced_unnamed_classes_say_which_is_the_event_and_how_to_name_the_other():
    """Labels paid / lost at ~50/50: the rarer is the event, which flips PDs, --monotone and
    --lgd if it is the wrong one; the fit says so (once), naming how to pick the other.
    Write-off labels are read as the event."""
    import warnings

    from findeep.data.schema import FindeepWarning

    labels = pd.Series(["paid"] * 495 + ["lost"] * 505)
    with pytest.warns(FindeepWarning, match=r"the rarer one, 'paid' \(49.5% of rows\).*"
                                            r"if the event is 'lost', train again with "
                                            r"--event-class lost \(event_class='lost'\)"):
        assert infer_target(labels, "outcome", warn=True).event_class == "paid"
    with warnings.catch_warnings():  # and doing so is quiet: the user chose
        warnings.simplefilter("error", FindeepWarning)
        assert infer_target(labels, "outcome", warn=True, event_class="lost").event_class \
            == "lost"
    with warnings.catch_warnings():
        warnings.simplefilter("error", FindeepWarning)
        infer_target(labels, "outcome")  # the checks before a fit stay quiet
        rare = pd.Series(["paid"] * 900 + ["lost"] * 100)  # a clear minority: no doubt
        assert infer_target(rare, "outcome", warn=True).event_class == "lost"
        written_off = pd.Series(["paid"] * 400 + ["write-off"] * 600)
        assert infer_target(written_off, "outcome", warn=True).event_class == "write-off"


def test_a_streamed_fit_takes_the_rarer_class_as_the_event_as_in_memory():
    """The streamed fit counted each distinct label once, so the event was the first label
    in sorted order ('lost' of lost 700 / paid 300), not the rarer one as in memory."""
    from collections import Counter

    from findeep.streamed import _infer_streamed_target

    spec = _infer_streamed_target(pd.DataFrame(), Counter({"paid": 300, "lost": 700}), "y",
                                  "auto")
    in_memory = infer_target(pd.Series(["paid"] * 300 + ["lost"] * 700), "y")
    assert spec.event_class == in_memory.event_class == "paid"


@pytest.mark.parametrize("values", [
    pd.Series([1, 0, 1, 1]), pd.Series([1.0, 0.0, 1.0, 1.0]), pd.Series([True, False, True, True]),
    pd.Series(["1", "0", "1", "1"], dtype="string"),
    pd.Series(["1", "0", "1", "1"], dtype="category"),
    pd.Series([1, "0", 1.0, "1.0"], dtype=object)], ids=str)
def test_labels_of_every_column_type_get_the_codes_each_label_gets_alone(values) -> None:
    """Typed columns are coded once per distinct label (a million labels in ~11 ms, from
    0.9 s a label at a time); the codes are each label's own, and a missing label is refused
    in one sentence whatever the column's type."""
    spec = infer_target(pd.Series([0, 1, 0, 1]), "default")
    assert spec.encode(values).tolist() == [1, 0, 1, 1]
    assert [spec.encode(pd.Series([v], dtype=object))[0] for v in values] == [1, 0, 1, 1]
    with_gap = pd.concat([values, values.iloc[:0].reindex([99])])
    with pytest.raises(TargetError, match="not seen in training"):
        spec.encode(with_gap)
