"""Optional dependencies: which extra brings which packages, and one clear error when absent.

The core install (``pip install "torch==2.13.0" -e .``) runs every command in the README
that does not name an extra; a command that needs one says which in one line
(``ConfigError``, exit code 2 in the CLI) instead of an ImportError traceback. Why each
extra is optional: docs/ARCHITECTURE.md, "Core install and extras".
"""

from __future__ import annotations

import importlib.util

from findeep.errors import ConfigError

# extra -> the importable modules it provides (pyproject.toml lists the distributions)
EXTRAS: dict[str, tuple[str, ...]] = {
    "serve": ("fastapi", "uvicorn"),
    "onnx": ("onnx", "onnxruntime"),
    "baselines": ("lightgbm", "xgboost", "catboost"),
}


def missing_modules(extra: str) -> list[str]:
    """The modules of ``extra`` that cannot be imported here."""
    return [name for name in EXTRAS[extra] if importlib.util.find_spec(name) is None]


def require_extra(extra: str, purpose: str) -> None:
    """Raise ``ConfigError`` naming the extra to install when ``extra`` is not installed."""
    missing = missing_modules(extra)
    if missing:
        raise ConfigError(f"{purpose} needs the '{extra}' extra ({', '.join(missing)} not "
                          f"installed): pip install 'findeep[{extra}]'.")
