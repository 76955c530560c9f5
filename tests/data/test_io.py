from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from findeep.data.io import read_table, write_table
from findeep.errors import BundleError, DataFileError
from findeep.testing import make_credit_frame


def test_reads_csv_parquet_dataframe_and_arrow_alike(tmp_path: Path) -> None:
    """The four accepted inputs give the same table."""
    frame = pd.DataFrame({"a": [1.0, 2.0, None], "b": ["x", "y", "z"]})
    frame.to_csv(tmp_path / "t.csv", index=False)
    frame.to_parquet(tmp_path / "t.parquet", index=False)
    for source in (tmp_path / "t.csv", str(tmp_path / "t.parquet"), frame,
                   pa.Table.from_pandas(frame)):
        pd.testing.assert_frame_equal(read_table(source).reset_index(drop=True), frame,
                                      check_dtype=False)


def test_sample_prefix_loads_built_in_credit_data() -> None:
    """sample:credit is the 4,454-row modeldata credit table without row numbers."""
    frame = read_table("sample:credit")
    assert frame.shape == (4454, 14)
    assert "rownames" not in frame.columns and "Status" in frame.columns


@pytest.mark.parametrize(("content", "message"), [
    (None, "does not exist"), ("", "is empty"), ("a,b,target\n", "has a header but no rows"),
])
def test_unusable_files_raise_one_clear_error(tmp_path: Path, content: str | None,
                                              message: str) -> None:
    """Missing, empty and header-only files raise DataFileError naming the problem."""
    path = tmp_path / "data.csv"
    if content is not None:
        path.write_text(content)
    with pytest.raises(DataFileError, match=message):
        read_table(path)


def test_corrupt_parquet_is_reported_as_unreadable(tmp_path: Path) -> None:
    """A file that is not Parquet inside gives 'cannot read', not a pyarrow traceback."""
    path = tmp_path / "data.parquet"
    path.write_bytes(b"this is not parquet at all")
    with pytest.raises(DataFileError, match="cannot read"):
        read_table(path)


def test_write_table_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    """An existing output survives unless force is given."""
    path = tmp_path / "scores.csv"
    path.write_text("keep me\n")
    with pytest.raises(BundleError, match="already exists"):
        write_table(pd.DataFrame({"a": [1]}), path)
    assert path.read_text() == "keep me\n"
    write_table(pd.DataFrame({"a": [1]}), path, force=True)
    assert pd.read_csv(path)["a"].tolist() == [1]


def test_spreadsheet_exports_in_european_locales_read_like_plain_csv(tmp_path) -> None:
    """Semicolon-separated files, with decimal commas or points, and a UTF-8 BOM, give the
    same table as a plain CSV; semicolons inside a comma CSV's values change nothing."""
    from findeep.testing import make_credit_frame

    frame = make_credit_frame(300, seed=2)
    frame["purpose"] = frame["purpose"].astype(str) + ";x"  # a value holding a semicolon
    plain = tmp_path / "plain.csv"
    frame.to_csv(plain, index=False)
    expected = read_table(plain)
    assert expected["purpose"].str.endswith(";x").all()
    frame = frame.assign(purpose=frame["purpose"].str.removesuffix(";x") + "-x")
    expected = expected.assign(purpose=expected["purpose"].str.removesuffix(";x") + "-x")
    for name, options in [("comma_decimals.csv", {"sep": ";", "decimal": ","}),
                          ("point_decimals.csv", {"sep": ";"}),
                          ("bom.csv", {"encoding": "utf-8-sig"})]:
        frame.to_csv(tmp_path / name, index=False, **options)
        got = read_table(tmp_path / name)
        pd.testing.assert_frame_equal(got, expected, check_dtype=False)
        assert pd.api.types.is_float_dtype(got["utilization"]), name


def test_a_directory_of_parquet_files_reads_as_one_table(tmp_path: Path) -> None:
    """What streamed training reads, evaluate and report read too (whole, in file order);
    a directory without Parquet files is still one clear error."""
    frame = make_credit_frame(300, seed=4)
    (tmp_path / "parts").mkdir()
    frame.iloc[:100].to_parquet(tmp_path / "parts" / "a.parquet")
    frame.iloc[100:].to_parquet(tmp_path / "parts" / "b.parquet")
    pd.testing.assert_frame_equal(read_table(tmp_path / "parts"), frame.reset_index(drop=True),
                                  check_dtype=False)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataFileError, match="is a directory"):
        read_table(tmp_path / "empty")


def test_european_amounts_in_a_decimal_comma_file_read_as_numbers(tmp_path):
    """'€1.200,50' in a semicolon file stayed text, so each amount became its own category
    (test AUC 0.713 against 0.784 with the amounts as numbers); now they read as amounts,
    and a text column of codes beside them is left alone."""
    from findeep.data.number_text import numbers_of
    from findeep.data.schema import infer_schema

    path = tmp_path / "amounts.csv"
    rows = [f"{i};€{1 + i % 9}.{i:03d},{i % 100:02d};{i % 7},{i % 10}%;A{i % 4};"
            f"{'yes' if i % 3 else 'no'}" for i in range(60)]
    path.write_text("id;balance;rate;branch;defaulted\n" + "\n".join(rows) + "\n")
    frame = read_table(path)
    np.testing.assert_allclose(numbers_of(frame["balance"])[:2], [1000.0, 2001.01])
    np.testing.assert_allclose(numbers_of(frame["rate"])[:2], [0.0, 0.011])
    kinds = {c.name: c.kind for c in infer_schema(frame.drop(columns=["defaulted"]),
                                                  warn=False).columns}
    assert kinds["balance"] == kinds["rate"] == "numeric" and kinds["branch"] == "categorical"
    assert frame["branch"].tolist()[:2] == ["A0", "A1"]


def test_a_column_of_dot_decimals_in_a_decimal_comma_file_keeps_its_decimals(tmp_path):
    """A semicolon file with '49.175,00' amounts and a ratio written '0.3366', '0.126': the
    ratio's dots are decimal points in every row ('0.126' read as 126 declined applicants),
    the amounts' dots still group thousands."""
    from findeep.data.number_text import numbers_of

    path = tmp_path / "mixed.csv"
    path.write_text("income;debt_ratio;amount\n49.175,00;0.3366;1.200\n52.000,50;0.126;15.300\n"
                    "1.000,00;0.5;900\n")
    frame = read_table(path)
    np.testing.assert_allclose(numbers_of(frame["income"]), [49175.0, 52000.5, 1000.0])
    np.testing.assert_allclose(numbers_of(frame["debt_ratio"]), [0.3366, 0.126, 0.5])
    np.testing.assert_allclose(numbers_of(frame["amount"]), [1200.0, 15300.0, 900.0])


def test_spreadsheet_exports_from_windows_and_french_locales_read_as_meant(tmp_path) -> None:
    """What Excel writes beyond plain UTF-8 CSV: a tab-delimited .txt, a semicolon header
    whose quoted names hold commas, decimal commas first seen after line 200, thousands
    grouped by (narrow) no-break spaces or apostrophes, trailing empty columns, Windows-1252
    and UTF-16 text — each read as the table it is, never as one column or an identifier."""
    import warnings

    tab = tmp_path / "tab.txt"
    pd.DataFrame({"a": [1.5, 2.5], "y": [0, 1]}).to_csv(tab, sep="\t", index=False)
    assert list(read_table(tab).columns) == ["a", "y"]

    quoted = tmp_path / "quoted.csv"
    quoted.write_text('"Nom, prénom";"Revenu, net";défaut\n"A, B";1,5;0\n"C, D";2,5;1\n')
    table = read_table(quoted)
    assert list(table.columns) == ["Nom, prénom", "Revenu, net", "défaut"]
    assert table["Revenu, net"].tolist() == [1.5, 2.5]

    late = tmp_path / "late.csv"
    late.write_text("fee;y\n" + "0;0\n" * 250 + "3,603;1\n")
    assert read_table(late)["fee"].iloc[-1] == 3.603

    grouped = tmp_path / "grouped.csv"
    incomes = ["52\u202f201,43", "1\u00a0250,00", "12 345,5", "7'500,25", "980,00"]
    pd.DataFrame({"revenu": incomes, "y": [0, 1, 0, 1, 0]}).to_csv(grouped, sep=";",
                                                                   index=False)
    from findeep.data.number_text import numbers_of

    assert numbers_of(read_table(grouped)["revenu"]).tolist() == [
        52201.43, 1250.0, 12345.5, 7500.25, 980.0]

    trailing = tmp_path / "trailing.csv"
    trailing.write_text("a,y,,\n1,0,,\n2,1,,\n")
    with pytest.warns(UserWarning, match="2 column\\(s\\) .* no header and no value"):
        assert list(read_table(trailing).columns) == ["a", "y"]

    frame = pd.DataFrame({"bank": ["Société Générale", "Crédit Agricole"], "y": [0, 1]})
    frame.to_csv(tmp_path / "cp1252.csv", index=False, encoding="cp1252")
    with pytest.warns(UserWarning, match="not UTF-8; it was read as Windows-1252"):
        assert read_table(tmp_path / "cp1252.csv")["bank"].tolist() == frame["bank"].tolist()
    frame.to_csv(tmp_path / "utf16.txt", index=False, encoding="utf-16", sep="\t")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert read_table(tmp_path / "utf16.txt")["bank"].tolist() == frame["bank"].tolist()


def test_a_semicolon_file_with_possible_thousands_dots_is_named(tmp_path) -> None:
    """'4.057' beside '428' in a semicolon file with no decimal comma read as 4.057 and 428,
    scrambling the column's order without a word; the file cannot tell, so it warns."""
    dotted = tmp_path / "dotted.csv"
    dotted.write_text("id;amount;y\nL1;4.057;0\nL2;428;1\nL3;12.500;0\nL4;1.250;1\n")
    with pytest.warns(UserWarning, match=r"'amount' of semicolon file .*\(4.057 = 4057\)"):
        assert read_table(dotted)["amount"].tolist() == [4.057, 428.0, 12.5, 1.25]
    rates = tmp_path / "rates.csv"
    rates.write_text("id;rate;y\nL1;4.5;0\nL2;3;1\nL3;0.125;0\n")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_table(rates)  # decimals under 1 or of one or two places: plain decimals


def test_ids_space_grouped_counts_and_utf16_headers_in_spreadsheet_exports(tmp_path) -> None:
    """An id column read as text is never rewritten as a European amount ('12.345.678' came
    out 12345678); '1 234' without any decimal comma in its column stays text no more; a
    UTF-16 file's repeated header is refused as a UTF-8 one's is."""
    path = tmp_path / "eu.csv"
    pd.DataFrame({"id": ["12.345.678", "1.001", "7"], "n": ["1 234", "12\u00a0345", "7"],
                  "amount": ["1,5", "2,5", "3,5"]}).to_csv(path, sep=";", index=False)
    table = read_table(path, as_text=["id"])
    assert table["id"].tolist() == ["12.345.678", "1.001", "7"]
    from findeep.data.number_text import numbers_of

    assert numbers_of(table["n"]).tolist() == [1234.0, 12345.0, 7.0]
    repeated = tmp_path / "repeated.csv"
    pd.DataFrame([[1, 2, 3]], columns=["a", "b", "a"]).to_csv(repeated, index=False,
                                                             encoding="utf-16")
    with pytest.raises(DataFileError, match="'a' appear more than once"):
        read_table(repeated)


def test_tab_files_from_european_excel_and_headers_with_commas_read_as_meant(tmp_path) -> None:
    """A French Excel 'Text (Tab delimited)' export writes decimal commas (its amounts were
    read as identifiers); a tab header holding as many commas as tabs was split on commas.
    A tab file's '1,234' stays a thousands separator."""
    from findeep.data.number_text import numbers_of

    european = tmp_path / "eu.txt"
    pd.DataFrame({"income": ["38357,15", "41002,5", "29980,75"], "y": [0, 1, 0]}).to_csv(
        european, sep="\t", index=False)
    assert read_table(european)["income"].tolist() == [38357.15, 41002.5, 29980.75]
    names = tmp_path / "names.txt"
    names.write_text("Surname, first\tAmount\nDupont, Jean\t5\nLee\t6\n")
    assert read_table(names).to_dict("list") == {"Surname, first": ["Dupont, Jean", "Lee"],
                                                 "Amount": [5, 6]}
    american = tmp_path / "us.txt"
    pd.DataFrame({"amount": ["1,234", "12,500", "7"], "y": [0, 1, 0]}).to_csv(
        american, sep="\t", index=False)
    assert numbers_of(read_table(american)["amount"]).tolist() == [1234.0, 12500.0, 7.0]
