"""Keyed hashes of people's ids, answer ids, and the key that groups repeated questions.

A chat id is never stored. What is stored is HMAC-SHA-256 of it, keyed with a random
secret that the first migration puts in the database itself: every process of one
installation computes the same hash for the same person (so a second vote replaces the
first, and a rate limit is shared), while the hash means nothing outside the database,
and a table of hashed ids cannot be reversed by hashing every possible id without it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata

__all__ = ["IdHasher", "new_answer_id", "new_secret", "question_key"]

SECRET_BYTES = 32


def new_secret() -> str:
    """A fresh installation secret, as 64 hex digits."""
    return secrets.token_hex(SECRET_BYTES)


def new_answer_id() -> str:
    """A short random id for an answer: 11 URL-safe characters (64 random bits).

    Buttons carry it (``vote:<id>:up`` is 19 characters; Discord allows 100).
    """
    return secrets.token_urlsafe(8)


def question_key(question: str) -> str:
    """A 32-hex-digit key equal for questions that differ only in case, spacing or end punctuation."""
    text = unicodedata.normalize("NFKC", question).casefold()
    text = " ".join(text.split()).strip(" ?!.")
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class IdHasher:
    """Hashes chat ids with the installation's secret.

    Args:
        secret: The installation secret (hex), from the ``installation`` table.
    """

    def __init__(self, secret: str) -> None:
        self._key = bytes.fromhex(secret)

    def __call__(self, user_id: object) -> str:
        """The 64-hex-digit keyed hash of ``user_id`` (an int and its decimal string hash alike)."""
        return hmac.new(self._key, str(user_id).encode(), hashlib.sha256).hexdigest()
