"""Eligibility rules (``age >= 21 and region != 'north'``) read as data, never run as code.

A rule is kept in a bundle as text and applied wherever the bundle scores, so it must not
be able to do more than compare columns: pandas' ``DataFrame.eval`` would let a rule edited
into a bundle reach Python objects (``@pd.io.common.os.system(...)``). Here a rule is parsed
with Python's ``ast`` and only this grammar is evaluated, over whole columns at once:

- column names (a name with spaces in backticks: ```monthly income` > 2000``), numbers,
  strings, ``True``/``False``;
- arithmetic on numbers ``+ - * / // %`` and a leading ``-``;
- comparisons ``== != < <= > >=``, chained (``21 <= age < 70``), and ``in`` / ``not in``
  a list of values (``region in ['north', 'south']``);
- ``and``, ``or``, ``not`` and their element-wise spellings ``&``, ``|``, ``~``, with
  parentheses; ``&`` and ``|`` bind as ``and`` and ``or`` do, after the comparisons
  (``age > 30 & age < 60`` is ``(age > 30) and (age < 60)``, as pandas reads it — in
  Python's own grammar it would be ``age > (30 & age) < 60``, true for everyone).

Anything else (a call, an attribute, an index, ``@``, a lambda) is one ``ConfigError``
naming what is not allowed, before any row is read.
"""

from __future__ import annotations

import ast
import io
import operator
import re
import tokenize
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from findeep.errors import ConfigError

_BACKTICKED = re.compile(r"`([^`]+)`")
_ARITHMETIC: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
    ast.BitAnd: operator.and_, ast.BitOr: operator.or_,
}
_COMPARISONS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge,
}
_WORDS = {ast.Call: "a function call", ast.Attribute: "an attribute", ast.Pow: "'**'",
          ast.Subscript: "an index", ast.Lambda: "a lambda", ast.NamedExpr: "an assignment"}


def parse_rule(rule: str) -> tuple[ast.expr, dict[str, str]]:
    """(the rule's expression tree, backtick placeholder -> column name), or one
    ``ConfigError`` naming what the grammar does not allow."""
    columns: dict[str, str] = {}

    def placeholder(match: re.Match[str]) -> str:
        name = f"__column_{len(columns)}__"
        columns[name] = match.group(1)
        return name

    text = _BACKTICKED.sub(placeholder, rule.strip())
    try:
        tree = ast.parse(_words_for_bitwise(text), mode="eval").body
    except (SyntaxError, tokenize.TokenError):
        raise ConfigError(f"eligibility rule {rule!r} is not a comparison findeep can read "
                          "(e.g. 'age >= 21 and region != \"north\"').") from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            what = _WORDS.get(type(node), f"'{type(node).__name__}'")
            raise ConfigError(f"eligibility rule {rule!r} uses {what}, which a rule may not: "
                              "it compares columns with numbers and text, combined with "
                              "and / or / not.")
        if isinstance(node, ast.Constant) and not isinstance(node.value, (int, float, str)):
            raise ConfigError(f"eligibility rule {rule!r} holds {node.value!r}: a rule's "
                              "values are numbers, text, True or False.")
    return tree, columns


def _words_for_bitwise(text: str) -> str:
    """``&`` and ``|`` spelt ``and`` and ``or`` (found as tokens, so text inside quotes is
    kept), which puts them after the comparisons as pandas' ``eval`` does."""
    lines = text.splitlines(keepends=True)
    starts = np.cumsum([0, *map(len, lines)])
    spots = [(int(starts[row - 1]) + col, value)
             for kind, value, (row, col), *_ in
             tokenize.generate_tokens(io.StringIO(text).readline)
             if kind == tokenize.OP and value in ("&", "|")]
    for at, value in reversed(spots):
        text = f"{text[:at]} {'and' if value == '&' else 'or'} {text[at + 1:]}"
    return text


def rule_problem(rule: str) -> str | None:
    """What is wrong with ``rule`` (``parse_rule``'s sentence without its full stop), or None,
    for checks that name every problem in one sentence."""
    try:
        parse_rule(rule)
    except ConfigError as exc:
        return str(exc).rstrip(".")
    return None


def evaluate_rule(frame: pd.DataFrame, rule: str) -> np.ndarray:
    """The rows of ``frame`` where ``rule`` holds, as a boolean array; ``ConfigError`` when
    the rule is not of the grammar, names a column ``frame`` lacks, or is not True/False."""
    tree, columns = parse_rule(rule)

    def value(node: ast.expr) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            name = columns.get(node.id, node.id)
            if name not in frame.columns:
                raise ConfigError(f"eligibility rule {rule!r} cannot be evaluated on the "
                                  f"customer table: it has no column '{name}'.")
            return frame[name]
        if isinstance(node, (ast.List, ast.Tuple)):
            return [value(item) for item in node.elts]
        if isinstance(node, ast.BoolOp):
            parts = [_as_bool(value(item)) for item in node.values]
            combine = operator.and_ if isinstance(node.op, ast.And) else operator.or_
            result = parts[0]
            for part in parts[1:]:
                result = combine(result, part)
            return result
        if isinstance(node, ast.UnaryOp):
            operand = value(node.operand)
            if isinstance(node.op, (ast.Not, ast.Invert)):
                return ~_as_bool(operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            left, right = value(node.left), value(node.right)
            if not (_is_number(left) and _is_number(right)):
                raise ConfigError(f"eligibility rule {rule!r} does arithmetic on text or a "
                                  "list; a rule computes with numbers only.")
            return _ARITHMETIC[type(node.op)](_as_bool(left), _as_bool(right))
        if isinstance(node, ast.Compare):
            left, result = value(node.left), None
            for op, right_node in zip(node.ops, node.comparators, strict=True):
                right = value(right_node)
                if isinstance(op, (ast.In, ast.NotIn)):
                    if not isinstance(right, list) or not isinstance(left, pd.Series):
                        raise ConfigError(f"eligibility rule {rule!r}: 'in' takes a column "
                                          "on its left and a list of values on its right.")
                    part = left.isin(right).to_numpy()
                    part = ~part if isinstance(op, ast.NotIn) else part
                else:
                    part = _as_bool(_COMPARISONS[type(op)](left, right))
                result = part if result is None else result & part
                left = right
            return result
        raise ConfigError(f"eligibility rule {rule!r} cannot be evaluated.")  # parse_rule bars it

    try:
        allowed = value(tree)
    except ConfigError:
        raise
    except (TypeError, ValueError, ZeroDivisionError) as exc:
        raise ConfigError(f"eligibility rule {rule!r} cannot be evaluated on the customer "
                          f"table: {exc}") from None
    allowed = np.asarray(allowed)
    if allowed.dtype != bool or allowed.shape != (len(frame),):
        raise ConfigError(f"eligibility rule {rule!r} must give True/False per customer row.")
    return allowed


def _is_number(values: Any) -> bool:
    """A number, a column of numbers or of True/False (``&`` and ``|`` combine those)."""
    if isinstance(values, pd.Series):
        return pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)
    if isinstance(values, np.ndarray):
        return values.dtype.kind in "biuf"
    return isinstance(values, (int, float))


def _as_bool(values: Any) -> Any:
    """A comparison's result as a boolean array (missing compares as False); scalars kept."""
    if isinstance(values, pd.Series):
        if values.dtype != bool and not pd.api.types.is_bool_dtype(values):
            return values
        return values.fillna(False).to_numpy(dtype=bool)
    return values


_ALLOWED = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.Invert, ast.USub,
    ast.UAdd, ast.BinOp, *_ARITHMETIC, ast.Compare, *_COMPARISONS, ast.In, ast.NotIn,
    ast.Name, ast.Load, ast.Constant, ast.List, ast.Tuple,
)
