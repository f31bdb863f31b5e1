"""The one way the render scripts put generated text into a doc: between two marker lines."""

from __future__ import annotations


def replace_between(doc: str, begin: str, end: str, body: str, name: str) -> str:
    """``doc`` with everything between the ``begin`` and ``end`` markers replaced by a blank line and ``body``.

    Raises:
        SystemExit: ``doc`` (called ``name`` in the message) lacks either marker.
    """
    head, found, rest = doc.partition(begin)
    _, ended, tail = rest.partition(end)
    if not (found and ended):
        raise SystemExit(f"{name}: the markers are missing ({begin} ... {end})")
    return f"{head}{begin}\n\n{body}\n{end}{tail}"
