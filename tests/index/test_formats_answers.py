"""Answers from an HTML page, a PDF and Markdown with front matter, indexed together with the real model."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from index.query import Retriever

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "formats"
PAGE_URL = "https://gazette.example.org/travel/night-trains-are-back"
PDF_URL = "https://harbour.example.org/keepers.pdf"
MD_URL = "https://music.example.net/instruments/glass-harmonica"
TITLES = f'["lighthouse.pdf"]\nurl = "{PDF_URL}"\nretrieved = 2026-01-02T10:00:00Z\n'


@dataclass
class Built:
    retriever: Retriever
    index: Path
    messages: list[str]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, embedder: object) -> Built:
    """The three fixtures, a scanned PDF and an article-less page in one seeds folder, indexed once."""
    root = tmp_path_factory.mktemp("formats")
    seeds = root / "seeds"
    seeds.mkdir()
    for name in ("night_trains.html", "lighthouse.pdf", "glass_harmonica.md", "scanned.pdf"):
        shutil.copy(FIXTURES / name, seeds / name)
    (seeds / "menu.html").write_text("<html><body><nav><a href='/'>Home</a></nav></body></html>")
    (seeds / "titles.toml").write_text(TITLES, encoding="utf-8")
    messages: list[str] = []
    retriever = Retriever.open(seeds, root / "index", say=messages.append)
    return Built(retriever, root / "index", messages)


def test_unreadable_files_are_one_skip_line_each(built: Built) -> None:
    """The scanned PDF and the page without an article are each reported on one line, and the rest is indexed."""
    skips = [m for m in built.messages if m.startswith("skipping")]
    assert skips == [
        "skipping seeds/menu.html: no article text found on the page",
        "skipping seeds/scanned.pdf: no text layer (a scanned PDF? run OCR on it first, e.g. with ocrmypdf)",
    ]
    assert len(built.retriever.info.documents) == 3


@pytest.mark.parametrize(
    ("question", "citation", "page", "url"),
    [
        (
            "When did electric light come to Skerry Point?",
            "[1] The Keepers of Skerry Point, p. 2 ¶1",
            2,
            PDF_URL + "#page=2",
        ),
        (
            "Who kept the station's log in a green ledger?",
            "[1] The Keepers of Skerry Point, p. 1 ¶3",
            1,
            PDF_URL + "#page=1",
        ),
        (
            "Where did the revival of sleeper trains begin?",
            "[1] The night trains are back, ¶2",
            None,
            PAGE_URL + "#:~:text=The%20revival%20began%20in%20Austria.%20In%202016%20the",
        ),
        (
            "Why do passengers choose the night train?",
            "[1] The night trains are back, ¶3",
            None,
            PAGE_URL + "#:~:text=Passengers%20give%20three%20reasons%20for%20choosing%20the%20night",
        ),
        ("Who invented the glass harmonica?", "[1] The Glass Harmonica, ¶2", None, MD_URL),
    ],
)
def test_answers_cite_the_right_paragraph_with_its_page_and_link(
    built: Built, question: str, citation: str, page: int | None, url: str
) -> None:
    """The best passage is the paragraph that answers, cited with its page (PDF) and linked to where it was published."""
    answer = built.retriever.ask(question)
    assert not answer.abstained
    best = answer.hits[0]
    assert best.citation(1) == citation
    assert (best.page, best.url) == (page, url)


def test_quotation_from_the_html_page_is_attributed_and_linked(built: Built) -> None:
    """Henrik Aalto's quotation is found in the page's ¶5, with a link to it."""
    found = built.retriever.quotes("competing with the plane on speed")
    assert found.quotes
    quote = found.quotes[0]
    assert quote.speaker == "Henrik Aalto"
    assert quote.citation(1) == "[1] The night trains are back, ¶5"
    assert quote.url == PAGE_URL + "#:~:text=%E2%80%9CWe%20are%20not%20competing%20with%20the%20plane%20on"


def test_boilerplate_and_front_matter_are_not_indexed(built: Built) -> None:
    """No chunk holds the page's navigation, banner, related links or footer, nor the Markdown front matter."""
    chunks = (built.index / "chunks.jsonl").read_text(encoding="utf-8")
    for phrase in ("cookies", "Subscribe", "Related stories", "Ferry fares", "All rights reserved", "url: https"):
        assert phrase not in chunks
    quotes = [
        json.loads(line)["text"] for line in (built.index / "quotes.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert "The Glass Harmonica" not in quotes


def built_chunks(built: Built) -> list[dict]:
    lines = (built.index / "chunks.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_manifest_lists_each_sources_metadata(built: Built) -> None:
    """The manifest keeps each source's url, author and dates, for `python -m bot sources`."""
    manifest = json.loads((built.index / "manifest.json").read_text(encoding="utf-8"))
    by_source = {s["source"]: s for s in manifest["sources"]}
    page = by_source["seeds/night_trains.html"]
    # Its chunk count (for `sources`) and its hash (what an incremental build reuses it by).
    assert page.pop("chunks") == sum(c["source"] == "seeds/night_trains.html" for c in built_chunks(built))
    assert len(page.pop("hash")) == 64
    assert page == {
        "source": "seeds/night_trains.html",
        "title": "The night trains are back",
        "paragraphs": 6,
        "url": PAGE_URL,
        "author": "Marta Lindqvist",
        "published": "2024-03-18",
    }
    assert by_source["seeds/lighthouse.pdf"]["retrieved"] == "2026-01-02T10:00:00+00:00"
    assert by_source["seeds/glass_harmonica.md"]["url"] == MD_URL
