"""Fitting a passage into a message: the answering sentence kept whole and bold when it can be.

The passage is cut, in order, after the sentence, then before it, then inside it, each
cut at a word and marked with an ellipsis, so the reader always sees the sentence that
answers first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.core.reply import Span
from bot.discord.text import ELLIPSIS, escape_user_text


def _prefix(text: str, keep: int) -> str:
    """The first ``keep`` characters of ``text``, backed off to a word boundary when one is near."""
    if keep >= len(text):
        return text
    cut = text[:keep]
    space = cut.rfind(" ")
    if space > 0 and space >= keep - 40:
        cut = cut[:space]
    return cut.rstrip()


def _render_passage(
    before: str, strong: str, after: str, *, cut_before: bool, keep_strong: int, keep_after: int
) -> str:
    """The passage as a block quote: ``before``, ``strong`` in bold, then ``after``, cut as asked.

    Args:
        cut_before: Drop ``before`` and start with an ellipsis.
        keep_strong: Characters of ``strong`` to keep; fewer than all ends the passage there.
        keep_after: Characters of ``after`` to keep.
    """
    out = ELLIPSIS if cut_before and before.strip() else escape_user_text(before)
    if strong.strip():
        gap = " " if out and not out[-1:].isspace() and (cut_before or strong[:1].isspace()) else ""
        if keep_strong < len(strong):
            inner = escape_user_text(_prefix(strong.strip(), keep_strong)).rstrip("\\")
            return _quote_block(f"{out}{gap}**{inner}{ELLIPSIS}**")
        out += f"{gap}**{escape_user_text(strong.strip())}**"
        if strong[-1:].isspace() and after and not after[:1].isspace():
            out += " "
    if keep_after >= len(after):
        out += escape_user_text(after)
    elif keep_after > 0 and _prefix(after, keep_after).strip():
        out += escape_user_text(_prefix(after, keep_after)).rstrip("\\") + ELLIPSIS
    elif after.strip():
        out = out.rstrip() + (" " if strong.strip() else "") + ELLIPSIS
    return _quote_block(out)


def _quote_block(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines()]
    return "\n".join(f"> {line}" if line else ">" for line in lines)


def _largest(fits: Callable[[int], bool], hi: int) -> int:
    """The largest n in [0, hi] with fits(n), assuming fits is monotone and fits(0); binary search."""
    lo = 0
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def _parts(spans: Sequence[Span]) -> tuple[str, str, str]:
    """The text before the answering sentence, the sentence, and the text after it. Without one (a low-confidence
    passage) the whole passage is "after": it is cut at its end, not dropped whole as text before a sentence is."""
    strong_at = next((i for i, span in enumerate(spans) if span.strong), None)
    if strong_at is None:
        return "", "", "".join(span.text for span in spans)
    after = "".join(span.text for span in spans[strong_at + 1 :])
    return "".join(span.text for span in spans[:strong_at]), spans[strong_at].text, after


def least_room(spans: Sequence[Span]) -> int:
    """The characters the passage needs to show its answering sentence whole (without one, its first part): the
    room a citation's link may not take from it."""
    before, strong, after = _parts(spans)
    if strong.strip():
        return len(_render_passage(before, strong, after, cut_before=True, keep_strong=len(strong), keep_after=0))
    first = len(spans[0].text) if spans else 0
    return len(_render_passage("", "", after, cut_before=False, keep_strong=0, keep_after=first))


def fit_passage(spans: Sequence[Span], budget: int) -> str:
    """The passage ``spans`` in at most ``budget`` characters, keeping the answering sentence whole when it can.

    Cuts, in order: the text after the sentence, then the text before it, then the sentence itself.
    """
    before, strong, after = _parts(spans)

    def render(cut_before: bool, keep_strong: int, keep_after: int) -> str:
        return _render_passage(
            before, strong, after, cut_before=cut_before, keep_strong=keep_strong, keep_after=keep_after
        )

    full = render(False, len(strong), len(after))
    if len(full) <= budget:
        return full
    for cut_before in (False, True):
        if len(render(cut_before, len(strong), 0)) <= budget:
            keep = _largest(lambda n, cb=cut_before: len(render(cb, len(strong), n)) <= budget, len(after))
            return render(cut_before, len(strong), keep)
    if len(render(True, 0, 0)) > budget:
        return ""
    keep = _largest(lambda n: len(render(True, n, 0)) <= budget, len(strong))
    return render(True, keep, 0)
