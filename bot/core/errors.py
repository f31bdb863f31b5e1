"""Errors of the chat front ends that end the process with a clear line."""

from __future__ import annotations

from index.errors import CitebotError


class ConfigError(CitebotError):
    """A setting the command needs is missing or rejected; the process exits with status 2."""

    exit_code = 2


class ServiceUnreachableError(CitebotError):
    """The chat service cannot be reached (network, DNS); the process exits with status 1."""

    def __init__(self, service: str, reason: str) -> None:
        super().__init__(f"cannot reach {service} ({reason}): check the network connection, then start again")
