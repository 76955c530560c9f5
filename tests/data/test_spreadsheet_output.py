"""Scores written back in the dialect the input came in: a European-locale spreadsheet's CSV
(semicolons, decimal commas) gets its scores as the same kind of CSV, so they open in the
right columns with the right decimal mark; a plain CSV, Parquet or a sample are written as
before. The CLI line says when it did so."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cli_helpers import run
from findeep.data.io import read_table
from findeep.testing import make_credit_frame


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("spreadsheet")
    frame = make_credit_frame(800, seed=2).drop(columns=["applied_on"])
    frame["region"] = np.where(frame.index % 3 == 0, "Île-de-France", "Nord")  # an accent
    plain, european = folder / "plain.csv", folder / "european.csv"
    frame.to_csv(plain, index=False)
    frame.to_csv(european, index=False, sep=";", decimal=",")
    model = folder / "model"
    result = run("train", plain, "--target", "default", "--max-epochs", "2", "--bagging", "1",
                 "-q", "--out", model)
    assert result.exit_code == 0, result.output
    return {"plain": plain, "european": european, "model": model, "folder": folder}


def test_scores_of_a_european_csv_come_back_in_its_dialect(tables):
    out_plain, out_eu = tables["folder"] / "s-plain.csv", tables["folder"] / "s-eu.csv"
    plain = run("predict", tables["model"], tables["plain"], "--out", out_plain, "--force")
    european = run("predict", tables["model"], tables["european"], "--out", out_eu, "--force",
                   "--id-column", "region")  # text with an accent, copied into the scores
    assert plain.exit_code == european.exit_code == 0, european.output
    assert "as the input" not in plain.stdout
    assert "(';' separators, decimal commas, as the input)" in " ".join(european.stdout.split())
    raw = out_eu.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the byte-order mark a spreadsheet reads UTF-8 by
    text = raw.decode("utf-8-sig")
    header = text.splitlines()[0]
    assert ";" in header and "," not in header
    assert "Île-de-France" in text
    first = text.splitlines()[1].split(";")
    probability = first[header.split(";").index("probability_1")]
    assert "," in probability and "." not in probability  # 0,1234 not 0.1234
    # the same scores as from the plain CSV, read back either way
    expected = pd.read_csv(out_plain)["probability_1"].to_numpy()
    np.testing.assert_allclose(pd.read_csv(out_eu, sep=";", decimal=",")["probability_1"],
                               expected, rtol=1e-6)
    np.testing.assert_allclose(read_table(out_eu)["probability_1"], expected, rtol=1e-6)
    assert not out_plain.read_bytes().startswith(b"\xef\xbb\xbf")


def test_parquet_output_and_reason_codes_follow_their_own_rules(tables):
    parquet = tables["folder"] / "s.parquet"
    assert run("predict", tables["model"], tables["european"], "--out", parquet,
               "--force").exit_code == 0
    assert pd.read_parquet(parquet)["probability_1"].dtype.kind == "f"
    reasons = tables["folder"] / "reasons.csv"
    result = run("explain", tables["model"], tables["european"], "--top", "2", "--out",
                 reasons, "--force")
    assert result.exit_code == 0, result.output
    header = reasons.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.count(";") >= 3 and "," not in header


def test_write_table_mirrors_only_a_spreadsheet_csv(tables, tmp_path):
    """The mechanism every scoring job uses (`write_table(like=DATA)`): a European CSV's
    dialect is mirrored; a plain CSV, a DataFrame, a sample and Parquet inputs are not."""
    from findeep.data.io import write_table, written_as

    frame = pd.DataFrame({"id": ["a", "b"], "score": [0.25, 0.5]})
    for like, expected in ((tables["european"], "id;score\na;0,25\n"),
                           (tables["plain"], "id,score\na,0.25\n"),
                           (frame, "id,score\na,0.25\n"), ("sample:credit", "id,score\na,0.25\n")):
        out = write_table(frame, tmp_path / "out.csv", force=True, like=like)
        assert out.read_text(encoding="utf-8-sig").startswith(expected), like
    assert written_as(tmp_path / "x.csv", tables["european"]) == (
        " (';' separators, decimal commas, as the input)")
    assert written_as(tmp_path / "x.parquet", tables["european"]) == ""
