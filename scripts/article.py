"""The sample article's passages, as the render scripts cite them in their examples.

Both chat platforms' examples quote the IBM article in seeds/. A passage is named by its
paragraph number and the opening of its answering sentence, and its text is read from the
article, so that a paragraph number in a doc is always the one a citation would give.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from index.links import paragraph_link
from index.types import Hit

ARTICLE = Path(__file__).resolve().parents[1] / "seeds" / "000_a7265f2ac828b9b1.txt"
TITLE = "IBM quits facial recognition"
SENTENCE_END = re.compile(r"[.!?]”?(?=\s|$)")


@cache
def paragraphs() -> tuple[str, ...]:
    """The article's paragraphs, numbered from 1 as citations count them."""
    return tuple(p.strip() for p in ARTICLE.read_text(encoding="utf-8").split("\n\n") if p.strip())


def passage(number: int, opening: str, url: str | None) -> Hit:
    """Paragraph ``number`` of the article, answering with its sentence starting ``opening``; cited as a link
    that lands on the paragraph when the article is said to be published at ``url``."""
    text = paragraphs()[number - 1]
    start = text.index(opening)
    found = SENTENCE_END.search(text, start)
    end = found.end() if found else len(text)
    return Hit(
        text=text,
        source=f"seeds/{ARTICLE.name}",
        document=TITLE,
        paragraph=number,
        score=0.0,
        sentence=text[start:end],
        sentence_start=start,
        url=paragraph_link(url, text) if url else None,
        ref=(number, 0),
    )
