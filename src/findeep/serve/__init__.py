"""Serve a trained tabular bundle over HTTP: ``create_app(bundle)`` -> FastAPI app.

Importing this package loads no model; ``create_app`` does, once, at start-up. Without
the ``serve`` extra, importing it raises one ``ConfigError`` naming the extra.
"""

from findeep.extras import require_extra

require_extra("serve", "serving a model over HTTP")

# the check above must run before these imports

from findeep.serve.app import create_app  # noqa: E402
from findeep.serve.server import run_server  # noqa: E402

__all__ = ["create_app", "run_server"]
