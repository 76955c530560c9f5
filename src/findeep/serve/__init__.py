"""Serve a trained tabular bundle over HTTP: ``create_app(bundle)`` -> FastAPI app.

Importing this package loads no model; ``create_app`` does, once, at start-up.
"""

from findeep.serve.app import create_app
from findeep.serve.server import run_server

__all__ = ["create_app", "run_server"]
