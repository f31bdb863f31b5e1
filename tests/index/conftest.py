"""Shared fixtures of the index tests: the real model, loaded once a session.

Every test that uses ``embedder`` (directly or through another fixture) is marked ``model``
by tests/conftest.py, so ``make test-fast`` leaves it out.
"""

from __future__ import annotations

import pytest

from index.embed import Embedder


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The bundled all-MiniLM-L6-v2, loaded offline (the real tokenizer and model)."""
    return Embedder()
