"""Errors of the chat front ends that end the process with a clear line."""

from __future__ import annotations

from index.errors import CitebotError


class ConfigError(CitebotError):
    """A setting the command needs is missing or rejected; the process exits with status 2."""

    exit_code = 2
