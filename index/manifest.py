"""The shape of ``manifest.json``, checked whenever it is read (a helper of index/store.py).

A manifest that is valid JSON but wrongly shaped (a field missing, ``files`` a list, a
``built_at`` that is no date) is a damaged index: reading it raises
:class:`~index.errors.IndexCorruptError`, which ``python -m bot index`` repairs by rebuilding,
never a ``KeyError`` deep inside a query.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

log = logging.getLogger(__name__)


def _iso_datetime(value: str) -> str:
    datetime.fromisoformat(value)  # raises ValueError on anything else
    return value


class _Shape(BaseModel):
    # Unknown fields are kept: a newer citebot may add some, and inspecting them is harmless.
    model_config = ConfigDict(extra="allow", strict=True)


class FileFacts(_Shape):
    bytes: int = Field(ge=0)
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")


class SourceFacts(_Shape):
    source: str
    title: str
    paragraphs: int = Field(ge=0)


class CalibrationFacts(_Shape):
    null_mean: float
    null_std: float = Field(ge=0)


class AnyVersion(_Shape):
    """What every format version's manifest has: enough to tell it is stale, and list its files."""

    format_version: int | None = None
    content_hash: str | None = None
    files: dict[str, FileFacts] = Field(default_factory=dict)


class Manifest(AnyVersion):
    """The manifest of the current format version, as :func:`index.store.write_index` writes it."""

    format_version: int
    content_hash: str
    model: str
    dimension: int = Field(gt=0)
    chunk_tokens: int = Field(gt=0)
    chunks: int = Field(ge=0)
    sentences: int = Field(ge=0)
    quotes: int = Field(ge=0)
    sources: list[SourceFacts]
    skipped: list[str] = Field(default_factory=list)
    calibration: CalibrationFacts
    built_at: Annotated[str, AfterValidator(_iso_datetime)]


def problem(data: Any, current_version: int) -> str | None:
    """What is wrong with a parsed manifest, in a few words, or None when it is well formed.

    The current format version is checked in full; another version only in what every version
    shares, since such an index is rebuilt as out of date rather than read.
    """
    if not isinstance(data, dict):
        return "it is not a JSON object"
    schema = Manifest if data.get("format_version") == current_version else AnyVersion
    try:
        schema.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "its top level"
        return f"{where}: {first['msg'].lower()}"
    return None
