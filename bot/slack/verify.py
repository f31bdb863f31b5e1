"""Checking that an HTTP request comes from Slack, and saying so quietly when it does not.

Slack signs each request: ``X-Slack-Signature`` is ``v0=`` and the HMAC-SHA256, with
the signing secret, of ``v0:<X-Slack-Request-Timestamp>:<body>``; a timestamp more
than five minutes off is refused, so a captured request cannot be replayed later.
This is done here rather than by bolt's ``RequestVerification``, which logs every
refused body at INFO (anyone could fill the log, or forge lines in it with a newline)
and answers a non-numeric timestamp with a 500 and a traceback. A refused request gets
``401`` and one log line (method, path, size, reason; never the body), at most
:data:`BURST` lines a minute, then a count of the rest.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

__all__ = ["BURST", "MAX_SKEW", "RefusalLog", "SignatureCheck"]

MAX_SKEW = 300  # seconds a request's timestamp may be off: Slack's own rule
BURST = 10  # refused requests logged one by one per window; a flood is counted instead
WINDOW = 60.0  # seconds


class SignatureCheck:
    """Checks Slack's signature on a request.

    Args:
        secret: The app's signing secret.
        clock: Returns the time in seconds since the epoch; defaults to ``time.time``.
    """

    def __init__(self, secret: str, *, clock: Callable[[], float] = time.time) -> None:
        self._secret = secret.encode()
        self._clock = clock

    def headers_fault(self, timestamp: str | None, signature: str | None) -> str | None:
        """Why the headers alone refuse the request (checked before the body is read), or None."""
        if not timestamp or not signature:
            return "unsigned"
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
            return "bad timestamp"
        if abs(self._clock() - int(timestamp)) > MAX_SKEW:
            return "stale timestamp"
        if not signature.startswith("v0="):
            return "bad signature"
        return None

    def fault(self, timestamp: str | None, signature: str | None, body: bytes) -> str | None:
        """Why the request is refused, or None when Slack signed it within the last five minutes."""
        reason = self.headers_fault(timestamp, signature)
        if reason is not None:
            return reason
        base = b"v0:" + str(timestamp).encode() + b":" + body
        expected = "v0=" + hmac.new(self._secret, base, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected.encode(), str(signature).encode("utf-8", "replace")):
            return "bad signature"
        return None


class RefusalLog:
    """One warning per refused request, at most ``burst`` per ``window`` seconds; the rest are counted.

    Args:
        burst: Lines per window. Defaults to :data:`BURST`.
        window: Seconds. Defaults to one minute.
        clock: Returns the time in seconds; defaults to ``time.monotonic``.
    """

    def __init__(
        self, burst: int = BURST, window: float = WINDOW, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.burst = burst
        self.window = window
        self._clock = clock
        self._started = clock()
        self._logged = 0
        self._held = 0

    def refused(self, method: str, path: str, size: int, reason: str) -> None:
        """Log one refused request (when the window has room), never its body."""
        now = self._clock()
        if now - self._started >= self.window:
            if self._held:
                log.warning(
                    "slack refused %d more request(s) in %.0f s, not logged one by one", self._held, self.window
                )
            self._started, self._logged, self._held = now, 0, 0
        if self._logged >= self.burst:
            self._held += 1
            return
        self._logged += 1
        # The path is one the server routes (a constant); method and reason are ours: no caller text.
        log.warning("slack refused a request: %s %s, %d bytes, %s", method, path, size, reason)
