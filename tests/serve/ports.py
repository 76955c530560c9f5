"""A free local port for the tests that bind one (the range serving tests may use)."""

from __future__ import annotations

import socket

import pytest

PORTS = range(18200, 18300)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing is bound to now."""
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.skip(f"no free port from {PORTS.start} to {PORTS.stop - 1}")
