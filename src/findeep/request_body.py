"""A request body read up to a size limit, for findeep's two web apps (the tabular and
recommendation server in ``serve/``, the text server in ``text/serve.py``).

Each app turns the two failures into its own error body, so this module raises plain
exceptions: ``BodyTooLarge`` as soon as the body is known to exceed the limit (from its
``Content-Length``, or while it streams in, so a 1 GB body is never held), ``ClientGone``
when the client closes the connection mid-body, and ``BodyTooSlow`` when the whole body has
not arrived within ``BODY_SECONDS`` (a client that opens a request and trickles or stalls
its body would otherwise hold the connection for ever; each app answers 408).
"""

from __future__ import annotations

import asyncio
from typing import Any

DEFAULT_MAX_BYTES = 8 * 2**20  # 8 MiB: ~10,000 tabular records of a few dozen fields
# the whole body within this many seconds: 8 MiB arrives in under a second on a LAN and in
# ~13 s at 5 Mbit/s; a body that takes longer is a stalled (or hostile) client
BODY_SECONDS = 30.0
WARNING_HEADER = "X-Findeep-Warning"  # what a request's scoring absorbed (unknown fields...)


def header_text(text: str) -> str:
    """Header values must be printable ASCII here (latin-1, and no control characters:
    uvicorn drops the connection on a newline in a header); field names may be neither."""
    ascii_text = text.encode("ascii", "backslashreplace").decode("ascii")
    return "".join(c if 32 <= ord(c) < 127 else f"\\x{ord(c):02x}" for c in ascii_text)


class BodyTooLarge(Exception):
    """The body exceeds ``max_bytes``."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"the request body exceeds this server's limit of {max_bytes:,} "
                         "bytes; send fewer records per request.")
        self.max_bytes = max_bytes


class BodyTooSlow(Exception):
    """The body did not arrive within ``seconds``."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the request body did not arrive within {seconds:g} s; send it "
                         "whole, or split it into smaller requests.")
        self.seconds = seconds


class ClientGone(Exception):
    """The client closed the connection before sending the whole body."""

    def __init__(self) -> None:
        super().__init__("the client closed the connection before sending the whole request "
                         "body.")


async def read_bounded(request: Any, max_bytes: int, *,
                       seconds: float | None = None) -> bytes:
    """A Starlette ``request``'s body, refusing (``BodyTooLarge``) as soon as it is known to
    exceed ``max_bytes``, and (``BodyTooSlow``) once ``seconds`` (``BODY_SECONDS`` when not
    given) pass before it is whole."""
    from starlette.requests import ClientDisconnect

    seconds = BODY_SECONDS if seconds is None else seconds

    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise BodyTooLarge(max_bytes)
    chunks = []
    size = 0
    try:
        # a deadline on this task (no second task, as wait_for would make): ~free per request
        async with asyncio.timeout(seconds):
            async for chunk in request.stream():
                size += len(chunk)
                if size > max_bytes:
                    raise BodyTooLarge(max_bytes)
                chunks.append(chunk)
    except ClientDisconnect:
        raise ClientGone() from None
    except TimeoutError:
        raise BodyTooSlow(seconds) from None
    return b"".join(chunks)
