"""The committed decks in slides/: rebuilt from the notebooks they match, and self-contained."""

import re
from pathlib import Path

import nbformat

SLIDES = Path(__file__).resolve().parent.parent / "slides"
DECKS = sorted(SLIDES.glob("*.slides.html"))


def normalized(html):
    """A deck's text with trailing spaces dropped (nothing else in a build varies)."""
    return "\n".join(line.rstrip() for line in html.splitlines())


def test_committed_decks_match_a_fresh_build(slides_build, tmp_path):
    fresh = {path.name: path for path in slides_build.build(tmp_path)}
    assert sorted(fresh) == [deck.name for deck in DECKS], "decks differ from the notebooks: run `make slides`"
    for deck in DECKS:
        same = normalized(deck.read_text(encoding="utf-8")) == normalized(fresh[deck.name].read_text(encoding="utf-8"))
        assert same, f"slides/{deck.name} is older than its notebook: run `make slides` and commit it"
    css = "deck.css"  # the style sheets every deck shares
    assert (SLIDES / css).read_text(encoding="utf-8") == (tmp_path / css).read_text(encoding="utf-8")


def test_decks_load_only_files_under_slides():
    for deck in DECKS:
        html = deck.read_text(encoding="utf-8")
        for url in re.findall(r'<(?:script|link|img)[^>]* (?:src|href)="([^"#]+)"', html):
            assert not re.match(r"[a-z]+:|//", url) or url.startswith("data:"), f"{deck.name} loads {url} from outside"
            if not url.startswith("data:"):
                assert (SLIDES / url.split("?")[0]).is_file(), f"{deck.name} loads {url}, which is not in slides/"


def cells(*types, tags=()):
    return [
        nbformat.v4.new_markdown_cell(f"{t}", metadata={"slideshow": {"slide_type": t}, "tags": list(tags)})
        for t in types
    ]


def test_lecture_follows_the_lecture_order_and_takes_tagged_cells(slides_build):
    names = [
        "04_factorization.ipynb",
        "00_why_compress.ipynb",
        "09_extra.ipynb",
        "02_quantization.ipynb",
        "05_structured_pruning.ipynb",
        "01_pruning.ipynb",
    ]
    ordered = sorted(names, key=slides_build.lecture_rank)
    assert [name[:2] for name in ordered] == ["00", "01", "05", "02", "04", "09"]
    untagged = nbformat.v4.new_notebook(
        cells=cells("slide", "fragment"),
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    tagged = nbformat.v4.new_notebook(cells=cells("slide", "notes") + cells("subslide", tags=["lecture"]))
    lecture = slides_build.lecture_notebook([untagged, tagged])
    assert [c.source for c in lecture.cells] == ["slide", "fragment", "subslide"]
