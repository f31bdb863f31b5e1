"""What a chat admin is told when the sources library refuses: a fix that can be done from chat.

The library's errors (index/errors.py, bot/core/library.py) name the command line's fixes:
"`python -m bot sources` lists them", "run `python -m bot index`", a setting to change. In chat
those mean nothing: a chat admin can list the sources (``/sources``, ``/citebot sources``) or
ask whoever runs the bot. :func:`chat_reason` words a refusal for chat; the command line keeps
``str(error)``. A problem only the bot's operator can fix (the index, the model, the seeds
folder) is said briefly, and its full line, which names the fix, goes to the bot's log.
"""

from __future__ import annotations

import logging

from bot.core import library
from index.errors import (
    CitebotError,
    FetchError,
    IndexCorruptError,
    IndexLocationError,
    IndexMissingError,
    IndexStaleError,
    IndexWriteError,
    ModelExportError,
    ModelLoadError,
    NoSourcesError,
    RemoveSourceError,
    SourceEditError,
)

__all__ = ["chat_reason"]

log = logging.getLogger(__name__)

# Problems of the bot's own machine, by what chat is told of them.
_OPERATOR = (
    (IndexMissingError, "the bot has no index yet"),
    (IndexStaleError, "the bot's index is out of date"),
    (IndexCorruptError, "the bot's index is damaged"),
    (IndexWriteError, "the bot cannot write its index"),
    (IndexLocationError, "the bot's index folder is misplaced"),
    (NoSourcesError, "the bot's sources folder holds no documents"),
    ((ModelLoadError, ModelExportError), "the bot cannot load its embedding model"),
    (SourceEditError, "the bot cannot change its sources folder"),
)
_ASK = "whoever runs the bot can fix it (its log says how)"
_LEFT_ALONE = "so it is left alone; only whoever runs the bot can remove its file"


def chat_reason(error: CitebotError, sources: str = "the sources list") -> str:
    """``error`` as one line for a chat admin, naming what they can do instead of a command to run.

    Args:
        error: What the library raised.
        sources: How chat lists the sources here (``/sources``, ``/citebot sources``).
    """
    if isinstance(error, RemoveSourceError):
        return _not_removed(error, sources)
    from index.fetch import PRIVATE_HINT  # here: fetching (httpx) is imported only when a page is

    if isinstance(error, FetchError) and error.fix == PRIVATE_HINT:
        return f"cannot fetch {error.url}: {error.reason}; chat adds pages from public addresses only"
    for kinds, said in _OPERATOR:
        if isinstance(error, kinds):
            log.warning("%s", error)  # the command-line line, which names the fix, for whoever runs the bot
            return f"{said}; {_ASK}"
    return str(error)


def _not_removed(error: RemoveSourceError, sources: str) -> str:
    head = f"cannot remove {error.name}"
    if error.reason == library.UNKNOWN:
        return f"{head}: {library.UNKNOWN}; {sources} lists them"
    if error.reason == library.NOT_ADDED:
        return f"{head}: it was put in the sources folder on the bot's machine, not added, {_LEFT_ALONE}"
    if error.reason == library.CHANGED:
        return f"{head}: its file was changed on the bot's machine since it was added, {_LEFT_ALONE}"
    return str(error)
