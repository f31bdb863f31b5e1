"""`make bench` for source formats: the sweeps behind two constants, and reading times per format.

1. ``index.formats.pdf.BLOCK_GAP``: PDFs generated from the SQuAD articles' paragraphs at line
   spacings of 1.0-2.0 times the font size and paragraph spacings of a quarter to a whole line;
   the share of paragraphs read back as exactly one block each, for each value of the constant.
2. ``index.links.FRAGMENT_WORDS``: over the article and the SQuAD articles, the share of
   paragraphs whose first N words start nothing earlier in their document (so the text
   fragment lands on the right paragraph without adding words), and the links' mean length.
3. Time to read each fixture format (median of repeated reads; the first read, which imports
   trafilatura or pypdf, is reported apart).

Figures, not assertions.  .venv/bin/python bench/formats_bench.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index import links
from index.documents import parse_document
from index.formats import pdf, read_document
from tests.fixtures.formats.make_pdf import SIZE, build, page_stream

SQUAD = sorted((ROOT / "eval" / "squad" / "seeds").glob("*.txt"))
ARTICLES = [ROOT / "seeds" / "000_a7265f2ac828b9b1.txt", *SQUAD]
FIXTURES = ROOT / "tests" / "fixtures" / "formats"
LEADINGS = (1.0, 1.15, 1.2, 1.35, 1.5, 2.0)  # line spacing, times the font size
GAPS = (0.25, 0.5, 1.0)  # extra space after a paragraph, times the line spacing
BLOCK_GAPS = (1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.8)
WORDS = (3, 4, 5, 6, 8, 10, 12)


def _paragraphs(path: Path) -> list[str]:
    doc = parse_document(path.name, path.read_text(encoding="utf-8"))
    return [" ".join(doc.text[p.start : p.end].split()) for p in doc.paragraphs if p.number != doc.title_paragraph]


def _win_ansi(text: str) -> bool:
    # The generated PDFs use the standard fonts' WinAnsiEncoding, which matches Latin-1 outside 0x80-0x9F.
    return all(ord(c) < 0x80 or 0xA0 <= ord(c) <= 0xFF for c in text)


def sweep_block_gap() -> None:
    """Share of paragraphs read back as exactly one block, per BLOCK_GAP and page layout."""
    paragraphs = [p for path in SQUAD for p in _paragraphs(path)[:6] if _win_ansi(p)]
    pages = [paragraphs[i : i + 3] for i in range(0, len(paragraphs), 3)]
    print(f"\nPDF text blocks: {len(paragraphs)} SQuAD paragraphs, 3 a page; share read back whole")
    print(f"{'line x size, gap x line':>24} " + " ".join(f"{g:>6}" for g in BLOCK_GAPS))
    shipped = pdf.BLOCK_GAP
    worst = dict.fromkeys(BLOCK_GAPS, 1.0)
    for leading in LEADINGS:
        for gap in GAPS:
            line = leading * SIZE
            raw = build([page_stream(page, None, leading=line, gap=gap * line) for page in pages], "<< >>")
            row = []
            for value in BLOCK_GAPS:
                pdf.BLOCK_GAP = value
                doc = read_document("bench.pdf", raw)
                found = {doc.text[p.start : p.end] for p in doc.paragraphs}
                share = sum(p in found for p in paragraphs) / len(paragraphs)
                worst[value] = min(worst[value], share)
                row.append(f"{share:6.2f}")
            print(f"{f'{leading:g} x, {gap:g} x':>24} " + " ".join(row))
    pdf.BLOCK_GAP = shipped
    print(f"{'worst':>24} " + " ".join(f"{worst[g]:6.2f}" for g in BLOCK_GAPS), f"(shipped: {shipped})")


def sweep_fragment_words() -> None:
    """Share of paragraphs whose first N words are unique before them, and mean link length (with growth)."""
    documents = [_paragraphs(path) for path in ARTICLES]
    total = sum(len(d) for d in documents)
    print(f"\nText fragments: {total} paragraphs of {len(documents)} articles")
    print(f"{'first N words':>14} {'unique':>7} {'mean fragment chars':>20}")
    for n in WORDS:
        unique = 0
        lengths = []
        for paragraphs in documents:
            for i, paragraph in enumerate(paragraphs):
                earlier = "\n\n".join(paragraphs[:i])
                opening = " ".join(paragraph.split()[:n])
                unique += opening.casefold() not in " ".join(earlier.split()).casefold()
                lengths.append(len(links.text_fragment(links.first_words(paragraph, earlier, words=n))))
        print(f"{n:>14} {unique / total:7.3f} {statistics.mean(lengths):20.1f}")
    print(f"(shipped: {links.FRAGMENT_WORDS} words, grown up to {links.MAX_FRAGMENT_WORDS} until unique)")


def reading_times() -> None:
    """Milliseconds to read each fixture: the first read (imports) and the median of 20 more."""
    print("\nReading a source (ms): first read, then median of 20")
    for name in ("glass_harmonica.md", "night_trains.html", "lighthouse.pdf"):
        raw = (FIXTURES / name).read_bytes()
        started = time.perf_counter()
        read_document(f"seeds/{name}", raw)
        first = (time.perf_counter() - started) * 1000
        times = []
        for _ in range(20):
            started = time.perf_counter()
            read_document(f"seeds/{name}", raw)
            times.append((time.perf_counter() - started) * 1000)
        print(f"{name:>20} {first:8.1f} {statistics.median(times):8.2f}  ({len(raw):,} bytes)")


if __name__ == "__main__":
    sweep_block_gap()
    sweep_fragment_words()
    reading_times()
