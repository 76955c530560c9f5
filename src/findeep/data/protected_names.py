"""Input columns named like a basis a credit decision may not rest on.

ECOA / Regulation B and the EU's and UK's equality law alike forbid credit decisions on race
or ethnicity, colour, religion, national origin and sex; those are named here. Marital
status and age are not: ECOA bars the first and limits the second, but scorecards elsewhere
use both lawfully (the credit sample holds `Marital` and `Age`), so they are for the fairness
report to compare, not for a warning on every such table.
A model trained on such a column — or on a proxy that is named like one — cites it in its
reason codes ("race = B raised the risk most"), so training says so, once, by name. The
check reads names only: a proxy that is not named like one (a postcode) is for the fairness
report to find.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# whole words (split on non-letters and case changes) of a column name; phrases whose one
# word alone names ordinary things (a car's colour, a national account) only as phrases
_PROHIBITED = {
    "race": "race", "racial": "race", "ethnicity": "ethnicity", "ethnic": "ethnicity",
    "religion": "religion", "religious": "religion", "sex": "sex", "gender": "sex",
    "nationality": "national origin",
}
_PHRASES = {("national", "origin"): "national origin", ("skin", "colour"): "colour",
            ("skin", "color"): "colour", ("country", "of", "birth"): "national origin"}


def _words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(name))
    return [w.lower() for w in re.split(r"[^A-Za-z]+", spaced) if w]


def prohibited_basis_columns(names: Iterable[str]) -> dict[str, str]:
    """Column -> the basis its name suggests, for names holding one as a whole word or
    phrase (``race_proxy``, ``applicantSex``, ``national_origin``; not ``racetrack_visits``,
    ``car_color`` or ``is_national_account``)."""
    found = {}
    for name in names:
        words = _words(name)
        basis = next((_PROHIBITED[w] for w in words if w in _PROHIBITED), None)
        for phrase, meaning in _PHRASES.items():
            if basis is None and any(tuple(words[i:i + len(phrase)]) == phrase
                                     for i in range(len(words))):
                basis = meaning
        if basis is not None:
            found[str(name)] = basis
    return found


def prohibited_basis_message(names: Iterable[str]) -> str | None:
    """The one warning for a training table, or None."""
    found = prohibited_basis_columns(names)
    if not found:
        return None
    listed = ", ".join(f"'{c}' ({b})" for c, b in found.items())
    return (f"input column(s) named like a basis credit decisions may not rest on: {listed}. "
            "The model will use them and its reason codes will cite them; for a credit "
            f"decision leave them out (findeep train --drop {','.join(found)}) and compare "
            "groups with 'findeep fairness --protected' instead.")
