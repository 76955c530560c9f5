"""Read a table from a path, a DataFrame, an Arrow table or ``sample:NAME``."""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Sequence
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from findeep.data.schema import FindeepWarning
from findeep.errors import DataError, DataFileError
from findeep.output_paths import (  # refuse_overwrite: the data layer's callers import it here
    clear_dead_temps,
    exclusive_temp,
    refuse_overwrite,
    usual_mode,
)

TableLike = Any  # str | Path | pd.DataFrame | pyarrow.Table

_DECIMAL_SNIFF_LINES = 100_000  # lines of a semicolon file searched for a decimal comma
_TIE_LINES = 50  # lines that settle a tie between separators in the header
# a decimal comma a tab file's thousands cannot explain: not exactly three digits after it
_UNGROUPED_DECIMAL_COMMA = re.compile(r"^-?\d+,(?!\d{3}$)\d+$")
_DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")
_READERS = {".csv": "csv", ".txt": "csv", ".tsv": "tsv", ".parquet": "parquet", ".pq": "parquet"}


def read_table(source: TableLike, *, as_text: Sequence[str] = ()) -> pd.DataFrame:
    """Return ``source`` as a DataFrame with at least one row and one column.

    Accepts a CSV/TSV/Parquet path, ``sample:NAME`` (a built-in sample), a pandas
    DataFrame (returned as a copy) or anything with ``to_pandas()`` (pyarrow tables).
    ``as_text``: columns of a CSV read as the text written (an id column: account
    "00000001" stays that, not 1, and "1001" beside a blank stays "1001", not 1001.0).
    """
    if isinstance(source, pd.DataFrame):
        frame = source.copy()
        name = "the DataFrame"
    elif hasattr(source, "to_pandas") and not isinstance(source, (str, os.PathLike)):
        frame = source.to_pandas()
        name = "the Arrow table"
    elif isinstance(source, str) and source.startswith("sample:"):
        from findeep.data.samples import load_sample

        return load_sample(source.removeprefix("sample:")).frame
    elif isinstance(source, (str, os.PathLike)):
        frame = _read_path(Path(source), as_text)
        name = str(source)
    else:
        raise DataError(
            f"cannot read data from a {type(source).__name__}; "
            "pass a CSV or Parquet path, 'sample:NAME', a pandas DataFrame or an Arrow table."
        )
    if frame.shape[1] == 0:
        raise DataFileError(f"{name} has no columns.")
    if len(frame) == 0:
        raise DataFileError(f"{name} has a header but no rows.")
    check_flat(frame, name)
    return frame


def check_flat(frame: pd.DataFrame, name: str) -> None:
    """Refuse columns of lists, arrays or nested records (Parquet list/struct/map columns):
    no feature can be made of them, and they break hashing and schema inference."""
    nested = []
    for position, column in enumerate(frame.columns):
        if not pd.api.types.is_object_dtype(frame.dtypes.iloc[position]):
            continue
        values = frame.iloc[:, position].dropna()
        if len(values) and isinstance(values.iloc[0], (list, tuple, dict, set, np.ndarray)):
            nested.append(str(column))
    if nested:
        raise DataError(f"column(s) {', '.join(nested)} of {name} hold lists or nested "
                        "records, which findeep cannot use; flatten them into plain columns "
                        "or drop them.")


def unnamed_columns(frame: pd.DataFrame) -> list[str]:
    """Columns whose header was empty or blank (pandas calls an empty one 'Unnamed: N')."""
    return [str(c) for c in frame.columns
            if re.fullmatch(r"Unnamed: \d+", str(c)) or not str(c).strip()]


def _refuse_duplicate_header(path: Path, sep: str, frame: pd.DataFrame,
                             encoding: str = "utf-8-sig") -> None:
    """pandas renames a repeated header ('a', 'a' -> 'a', 'a.1'); findeep refuses it instead,
    since which 'a' a later table means is a guess."""
    if not any(re.search(r"\.\d+$", str(c)) for c in frame.columns):
        return  # the common case: nothing pandas could have renamed
    header = pd.read_csv(path, sep=sep, header=None, nrows=1, dtype=str, encoding=encoding,
                         encoding_errors="replace").iloc[0].tolist()
    named = [str(h).strip() for h in header if isinstance(h, str)]
    repeated = sorted({h for h in named if named.count(h) > 1})
    if repeated:
        raise DataFileError(f"column name(s) {', '.join(repr(h) for h in repeated)} appear more "
                            f"than once in the header of '{path}'; give each column its own "
                            "name.")


def csv_dialect(path: Path, encoding: str = "utf-8-sig") -> tuple[str, str]:
    """``sniff_dialect``'s answer, kept per file version: scoring reads a file's dialect to
    read it and again to write its scores back alike (``write_table(like=...)``), and a
    semicolon file without a decimal comma is scanned up to 100,000 lines each time."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size, encoding)
    if key not in _DIALECTS:
        if len(_DIALECTS) >= 64:
            _DIALECTS.clear()
        _DIALECTS[key] = sniff_dialect(path, encoding)
    return _DIALECTS[key]


_DIALECTS: dict[tuple[str, int, int, str], tuple[str, str]] = {}


def sniff_dialect(path: Path, encoding: str = "utf-8-sig") -> tuple[str, str]:
    """(separator, decimal mark) of a CSV: the separator the header is split by — a comma,
    a semicolon (a spreadsheet export in a European locale) or a tab (a spreadsheet's "Text
    (Tab delimited)" .txt) — counted outside quoted names ("Nom, prénom" is one name), a
    tie going to the one every one of the first lines holds as often; in a semicolon or tab
    file, a decimal comma (``52000,5``) anywhere in its first 100,000 lines makes the
    decimal mark a comma, and such numbers are read as numbers too (in a tab file only a
    comma that cannot be a thousands separator counts: "1,234" alone leaves it a point).

    ``64,001`` in a semicolon file is read as 64.001, though it may be 64001 written with a
    thousands separator; the file alone cannot tell. Scoring compares each numeric column
    with the scale the model was trained on and names one that sits 100x or more off it
    (``features.tabular.ScoringRules``)."""
    with path.open(encoding=encoding, errors="replace") as stream:
        header = stream.readline().rstrip("\r\n")
        counts = _separator_counts(header)
        best = max(counts.values())
        tied = [sep for sep, count in counts.items() if count == best and count > 0]
        first_lines = [line.rstrip("\r\n") for line in islice(stream, _TIE_LINES)]
        if len(tied) > 1:  # the separator every line holds as often as the header does
            steady = [sep for sep in tied if all(_separator_counts(line)[sep] == best
                                                 for line in first_lines if line.strip())]
            tied = steady or tied
        # a tie the lines cannot settle keeps the comma, as a header without any does
        sep = tied[0] if len(tied) == 1 else ","
        if sep == ",":
            return sep, "."
        decimal_comma = _decimal_comma_cell if sep == ";" else _unambiguous_decimal_comma
        lines = (*first_lines, *islice(stream, _DECIMAL_SNIFF_LINES))
        for line in lines:
            cells = (cell.strip().strip('"') for cell in line.rstrip("\r\n").split(sep))
            if any(decimal_comma(cell) for cell in cells):
                return sep, ","
    return sep, "."


def _decimal_comma_cell(cell: str) -> bool:
    """A semicolon file's decimal comma: "52000,5", "€1.200,50", "12,5%"."""
    return bool(_DECIMAL_COMMA.match(cell)) or _european_amount(cell)


def _unambiguous_decimal_comma(cell: str) -> bool:
    """A decimal comma no thousands separator explains (a tab file's, where "1,234" may be
    either): "38357,15", "1.234,56" — never three digits alone after the comma."""
    if _UNGROUPED_DECIMAL_COMMA.match(cell):
        return True
    found = _EUROPEAN_NUMBER.search(cell)
    return found is not None and "," in found.group(0) and "." in found.group(0)


def _separator_counts(line: str) -> dict[str, int]:
    """Commas, semicolons and tabs outside quoted text."""
    unquoted = re.sub(r'"[^"]*"', "", line)
    return {sep: unquoted.count(sep) for sep in (",", ";", "\t")}


def _european_amount(cell: str) -> bool:
    """A cell with a decimal comma inside an amount ("€1.200,50", "12,5%")."""
    found = _EUROPEAN_NUMBER.search(cell)
    return found is not None and "," in found.group(0)


# in a decimal-comma file: an amount with dots between groups of three digits and an
# optional decimal comma ("1.200,50"), or a plain decimal comma ("1200,5")
_EUROPEAN_NUMBER = re.compile(r"(?<![\d.,])(?:\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+,\d+)(?![\d.,])")
_SPACE_GROUPED = re.compile(r"(?<![\d.,])\d{1,3}(?:[ \u00a0\u202f']\d{3})+(?=,\d|(?![\d.,]))")
_DECIMAL_COMMA_ONLY = re.compile(r"(?<![\d.,])\d+,\d+(?![\d.,])")
_DOTTED_DIGITS = re.compile(r"\d+(?:\.\d+)+")  # digit runs joined by dots: "1.200", "0.126"
_THOUSANDS_GROUPED = re.compile(r"[1-9]\d{0,2}(?:\.\d{3})+")  # "1.200", "12.345.678"


def european_amounts(frame: pd.DataFrame, keep: Sequence[str] = ()) -> pd.DataFrame:
    """A decimal-comma file's text columns of amounts written the European way ("€1.200,50",
    "1.200,50 EUR", "12,5%"), which pandas' decimal mark alone leaves as text, rewritten with
    a decimal point ("€1200.50") so they read as the numbers they mean (``number_text``). A
    column changes only when every present value then reads as a number; the columns in
    ``keep`` (an id read as text) never do."""
    from findeep.data.number_text import MISSING_WORDS, parse_number

    for name in frame.columns:
        if name in keep:
            continue
        values = frame[name]
        if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
            continue
        present = values.dropna()
        if present.empty or not all(isinstance(v, str) for v in present.head(1_000)):
            continue
        # French and Swiss exports group thousands with a (narrow) no-break space or an
        # apostrophe ("52 201,43", "52'201,43"): those separators go first
        original = present.astype(str)
        texts = original.str.replace(_SPACE_GROUPED, lambda m: re.sub(
            r"[ \u00a0\u202f']", "", m.group(0)), regex=True)
        if not texts.str.contains(r"\d[.,]\d", regex=True).any():
            # no separator left to read; "1 234" made "1234" still changes the column
            if not texts.equals(original) and all(
                    t.strip().lower() in MISSING_WORDS or parse_number(t) is not None
                    for t in pd.unique(texts)):
                frame[name] = values.where(values.isna(), texts.reindex(values.index))
            continue
        # a column reads its dots one way: thousands groups only when every dotted number
        # in it can be one ("0.126" and "0.3366" cannot), else decimal points
        pattern = _EUROPEAN_NUMBER if _dots_group_thousands(texts) else _DECIMAL_COMMA_ONLY
        rewritten = texts.str.replace(pattern, lambda m: m.group(0).replace(
            ".", "").replace(",", "."), regex=True)
        distinct = pd.unique(rewritten)
        if all(t.strip().lower() in MISSING_WORDS or parse_number(t) is not None
               for t in distinct):
            frame[name] = values.where(values.isna(), rewritten.reindex(values.index))
    return frame


def _dots_group_thousands(texts: pd.Series) -> bool:
    """Whether every number written with dots in ``texts`` can be thousands groups."""
    runs = pd.unique(texts.str.findall(_DOTTED_DIGITS).explode().dropna())
    return all(_THOUSANDS_GROUPED.fullmatch(run) for run in runs)


def _read_path(path: Path, as_text: Sequence[str] = ()) -> pd.DataFrame:
    if not path.exists():
        raise DataFileError(f"data file '{path}' does not exist.")
    if path.is_dir():
        from findeep.data.stream import ParquetSource, is_parquet_source

        if not is_parquet_source(path):
            raise DataFileError(f"'{path}' is a directory; pass a CSV or Parquet file.")
        # a directory of Parquet files, read whole
        frames = [frame for _, frame in ParquetSource(path).iter_frames()]  # schemas checked
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    kind = _READERS.get(path.suffix.lower())
    if kind is None:
        raise DataFileError(
            f"cannot tell the format of '{path}' from its extension '{path.suffix}'; "
            "use .csv, .tsv or .parquet."
        )
    if path.stat().st_size == 0:
        raise DataFileError(f"data file '{path}' is empty.")
    try:
        if kind == "parquet":
            return pd.read_parquet(path)
        encoding = _encoding(path)
        sep, decimal = ("\t", ".") if kind == "tsv" else csv_dialect(path, encoding)
        options = {"sep": sep, "decimal": decimal, "low_memory": False,
                   "dtype": dict.fromkeys(as_text, str) or None}
        try:
            frame = pd.read_csv(path, encoding=encoding, **options)
        except UnicodeDecodeError:  # not UTF-8: Excel's "CSV (Comma delimited)" on Windows
            try:
                frame = pd.read_csv(path, encoding="cp1252", **options)
            except UnicodeDecodeError:
                raise DataFileError(f"cannot read '{path}' as csv: it is neither UTF-8 nor "
                                    "Windows-1252 text (is it a CSV file?).") from None
            warnings.warn(f"'{path}' is not UTF-8; it was read as Windows-1252, the encoding "
                          "Excel's 'CSV (Comma delimited)' writes on Windows (save it as 'CSV "
                          "UTF-8' to be sure of accented text).", FindeepWarning, stacklevel=4)
        _refuse_duplicate_header(path, sep, frame, encoding)
        frame = _without_empty_unnamed(frame, path)
        if sep == ";" and decimal == ".":
            _warn_dotted_thousands(frame, path)
        return european_amounts(frame, keep=as_text) if decimal == "," else frame
    except pd.errors.EmptyDataError:
        raise DataFileError(f"data file '{path}' is empty.") from None
    except DataFileError:
        raise
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataFileError(f"cannot read '{path}' as {kind}: {first_line}") from None


def _encoding(path: Path) -> str:
    """UTF-16 where the file starts with its byte-order mark (Excel's 'Unicode Text'), else
    UTF-8 (a UTF-8 byte-order mark skipped)."""
    with path.open("rb") as stream:
        start = stream.read(2)
    return "utf-16" if start in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"


def _warn_dotted_thousands(frame: pd.DataFrame, path: Path) -> None:
    """A semicolon file with no decimal comma is read with decimal points; a column whose
    fractional values carry at most three decimals, three in some, beside whole numbers
    ("4.057", "12.500" and "428") may be thousands written with a dot (4,057): the file
    cannot tell, so say so."""
    suspects: list[str] = []
    example = ""
    for name in frame.columns:
        values = frame[name]
        if values.dtype.kind != "f":
            continue
        present = values.dropna().to_numpy()
        fractional = present[present != np.round(present)]
        if fractional.size == 0 or fractional.size == present.size:
            continue
        thousandths = fractional * 1000
        three = np.abs(fractional * 100 - np.round(fractional * 100)) > 1e-6
        # at most three decimals each (a dot group loses its trailing zeros: 12.500 is 12.5),
        # exactly three in one at least, and none under 1 (0.125 is no thousands group)
        if (np.all(np.abs(thousandths - np.round(thousandths)) < 1e-6) and three.any()
                and fractional.min() >= 1):
            suspects.append(str(name))
            example = example or f"{fractional[three][0]:.3f}"
    if suspects:
        grouped = f"{round(float(example) * 1000):,}".replace(",", "")
        warnings.warn(f"column(s) {', '.join(repr(n) for n in suspects[:5])} of semicolon file "
                      f"'{path}' mix whole numbers with values of three decimals (like "
                      f"{example}): if the dot groups thousands ({example} = {grouped}), "
                      "re-save the file with decimal commas or without thousands separators; "
                      "they were read with decimal points.", FindeepWarning, stacklevel=5)


def _without_empty_unnamed(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Drop columns with no header and no value — the trailing separators a spreadsheet
    writes after the last used column (',,' at every line end) — saying so."""
    empty = [c for c in unnamed_columns(frame) if frame[c].isna().all()]
    if empty:
        warnings.warn(f"{len(empty)} column(s) of '{path}' with no header and no value (a "
                      "spreadsheet's trailing separators) were left out.", FindeepWarning,
                      stacklevel=4)
        frame = frame.drop(columns=empty)
    return frame


def ids_as_written(source: TableLike, frame: pd.DataFrame, column: str | None) -> Any:
    """``frame[column]`` as the text written in a CSV ``source`` (an id column the model also
    reads as a number: branch "0006" stays "0006" in the output), else as ``frame`` holds
    it; None without a column."""
    if column is None:
        return None
    values = frame[column]
    if values.dtype.kind in "OUST" or not isinstance(source, (str, os.PathLike)):
        return values.to_numpy()
    path = Path(source)
    kind = _READERS.get(path.suffix.lower())
    if kind not in ("csv", "tsv") or not path.is_file():
        return values.to_numpy()
    encoding = _encoding(path)
    sep = "\t" if kind == "tsv" else csv_dialect(path, encoding)[0]
    try:
        text = pd.read_csv(path, sep=sep, usecols=[column], dtype=str, encoding=encoding,
                           encoding_errors="replace")[column]
    except (ValueError, OSError):  # what the main read managed, it keeps
        return values.to_numpy()
    return text.to_numpy() if len(text) == len(frame) else values.to_numpy()


def warn_empty_rows(frame: pd.DataFrame, data: TableLike) -> None:
    """Rows with no value in any column — a spreadsheet's blank lines below the table — are
    scored like applicants whose every value is missing: say how many."""
    empty = frame.isna().all(axis=1).to_numpy()
    if empty.any():
        where = np.flatnonzero(empty)
        warnings.warn(f"{int(empty.sum()):,} row(s) of {_data_name(data)} have no value in any "
                      f"column (the first is row {int(where[0]) + 1:,} of the data); each is "
                      "scored as an applicant whose every value is missing — drop blank lines "
                      "before scoring.", FindeepWarning, stacklevel=3)


def _data_name(data: TableLike) -> str:
    return f"'{data}'" if isinstance(data, (str, os.PathLike)) else "the data"


def check_output(path: str | os.PathLike[str], *, force: bool = False) -> str:
    """The output format of ``path`` (csv, tsv or parquet), or an error naming the problem.

    Jobs call this before their work, so a bad ``--out`` fails in a second, not after it.
    """
    path = Path(path)
    kind = _READERS.get(path.suffix.lower())
    if kind is None:
        raise DataError(f"cannot tell the output format of '{path}'; use .csv or .parquet.")
    refuse_overwrite(path, force=force)
    return kind


def spreadsheet_dialect(like: Any) -> tuple[str, str] | None:
    """(separator, decimal mark) of the CSV file ``like`` names where a spreadsheet in a
    European locale wrote it (``csv_dialect``: semicolons, or decimal commas), else None (a
    plain comma CSV, Parquet, a DataFrame, a sample)."""
    if not isinstance(like, str | os.PathLike) or str(like).startswith("sample:"):
        return None
    path = Path(like)
    if path.suffix.lower() != ".csv" or not path.is_file() or path.stat().st_size == 0:
        return None
    dialect = csv_dialect(path, _encoding(path))
    return None if dialect == (",", ".") else dialect


def dialect_note(dialect: tuple[str, str] | None) -> str:
    """" (';' separators, decimal commas, as the input)" for a mirrored dialect, else ""."""
    if dialect is None:
        return ""
    sep, decimal = dialect
    parts = [{"\t": "tab", ";": "';'"}.get(sep, repr(sep)) + " separators"]
    if decimal == ",":
        parts.append("decimal commas")
    return f" ({', '.join(parts)}, as the input)"


def written_as(out: str | os.PathLike[str], data: Any) -> str:
    """``dialect_note`` for a scores file ``out`` written from ``data`` (``write_table``)."""
    if Path(out).suffix.lower() != ".csv":
        return ""
    return dialect_note(spreadsheet_dialect(data))


def write_table(frame: pd.DataFrame, path: str | os.PathLike[str], *, force: bool = False,
                like: Any = None) -> Path:
    """Write CSV or Parquet (by extension) atomically; keep an existing file unless ``force``.

    A CSV written from a table read from a spreadsheet's European-locale CSV (``like``, the
    input's path: semicolons, decimal commas) is written in that dialect, with a UTF-8
    byte-order mark so the spreadsheet reads accents too: the scores open in the columns
    and with the decimal mark the input had (``spreadsheet_dialect``)."""
    path = Path(path)
    kind = check_output(path, force=force)
    path.parent.mkdir(parents=True, exist_ok=True)
    clear_dead_temps(path)  # what a killed write of it left
    tmp = exclusive_temp(path)
    dialect = spreadsheet_dialect(like) if kind == "csv" else None
    try:
        if kind == "parquet":
            frame.to_parquet(tmp, index=False)
        elif dialect is not None:
            frame.to_csv(tmp, index=False, sep=dialect[0], decimal=dialect[1],
                         encoding="utf-8-sig")
        else:
            frame.to_csv(tmp, index=False, sep="\t" if kind == "tsv" else ",")
        usual_mode(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def has_infinite(frame: pd.DataFrame) -> list[str]:
    """Names of numeric columns that hold +inf or -inf."""
    bad = []
    for name in frame.select_dtypes(include="number").columns:
        column = frame[name]
        if pd.api.types.is_float_dtype(column):  # only floats hold infinities
            # one column at a time: no float64 copy of the whole table
            values = column.to_numpy(dtype=float, na_value=np.nan)
            if np.isinf(values).any():
                bad.append(str(name))
    return bad
