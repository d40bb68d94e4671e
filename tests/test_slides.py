"""The committed decks in slides/ and slides/ru/: rebuilt from the notebooks they match, and self-contained."""

import re
from pathlib import Path

import nbformat
import pytest

SLIDES = Path(__file__).resolve().parent.parent / "slides"
DECKS = sorted(SLIDES.glob("*.slides.html")) + sorted(SLIDES.glob("ru/*.slides.html"))  # English, then Russian


def _name(deck, root=SLIDES):
    return deck.relative_to(root).as_posix()


def normalized(html):
    """A deck's text with trailing spaces dropped (nothing else in a build varies)."""
    return "\n".join(line.rstrip() for line in html.splitlines())


def test_committed_decks_match_a_fresh_build(slides_build, tmp_path):
    fresh = {_name(path, tmp_path): path for path in slides_build.build(tmp_path)}
    assert sorted(fresh) == sorted(_name(deck) for deck in DECKS), "decks differ from the notebooks: run `make slides`"
    for deck in DECKS:
        built = fresh[_name(deck)].read_text(encoding="utf-8")
        same = normalized(deck.read_text(encoding="utf-8")) == normalized(built)
        assert same, f"slides/{_name(deck)} is older than its notebook: run `make slides` and commit it"
    for css in ("deck.css", "ru/deck.css"):  # the style sheets every deck of an edition shares
        assert (SLIDES / css).read_text(encoding="utf-8") == (tmp_path / css).read_text(encoding="utf-8")


def test_decks_load_only_files_under_slides():
    for deck in DECKS:
        html = deck.read_text(encoding="utf-8")
        for url in re.findall(r'<(?:script|link|img)[^>]* (?:src|href)="([^"#]+)"', html):
            assert not re.match(r"[a-z]+:|//", url) or url.startswith("data:"), (
                f"{_name(deck)} loads {url} from outside"
            )
            if not url.startswith("data:"):
                target = (deck.parent / url.split("?")[0]).resolve()
                inside = target.is_file() and target.is_relative_to(SLIDES)
                assert inside, f"{_name(deck)} loads {url}, which is not in slides/"


def test_russian_decks_exist_for_every_russian_notebook_and_speak_russian():
    notebooks = sorted((SLIDES.parent / "notebooks" / "ru").glob("[0-9][0-9]_*.ipynb"))
    russian = [deck for deck in DECKS if deck.parent.name == "ru"]
    assert [d.name for d in russian] == sorted([f"{nb.stem}.slides.html" for nb in notebooks] + ["lecture.slides.html"])
    for deck in russian:
        html = deck.read_text(encoding="utf-8")
        assert '<html lang="ru">' in html, deck.name
        for english in ("(continued)", "Lecture:", "A static copy", "min</li>", "## References"):
            assert english not in html, f"ru/{deck.name}: the deck's fixed text {english!r} is English"
        assert re.search("[а-яё]", html.lower()), deck.name
    if russian:
        lecture = (SLIDES / "ru" / "lecture.slides.html").read_text(encoding="utf-8")
        assert "Список литературы" in lecture and "Лекция: Зачем сжимать" in lecture


def test_both_editions_have_the_same_fixed_texts(slides_build):
    en, ru = slides_build.TEXTS["en"], slides_build.TEXTS["ru"]
    assert set(en) == set(ru) and set(en["sections"]) == set(ru["sections"]) == set(slides_build.LECTURE_MINUTES)
    for key in ("plan", "plan_line", "section_time"):
        assert sorted(re.findall(r"\{(\w+)\}", en[key])) == sorted(re.findall(r"\{(\w+)\}", ru[key])), key


def cells(*types, tags=()):
    return [
        nbformat.v4.new_markdown_cell(f"{t}", metadata={"slideshow": {"slide_type": t}, "tags": list(tags)})
        for t in types
    ]


def test_lecture_follows_the_notebooks_order_and_takes_tagged_cells(slides_build):
    names = [
        "04_factorization.ipynb",
        "00_why_compress.ipynb",
        "09_extra.ipynb",
        "02_quantization.ipynb",
        "05_structured_pruning.ipynb",
        "01_pruning.ipynb",
    ]
    ordered = sorted(names, key=slides_build.lecture_rank)
    assert [name[:2] for name in ordered] == ["00", "01", "02", "04", "05", "09"]  # the notebooks' order
    untagged = nbformat.v4.new_notebook(
        cells=cells("slide", "fragment"),
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    tagged = nbformat.v4.new_notebook(cells=cells("slide", "notes") + cells("subslide", tags=["lecture"]))
    lecture = slides_build.lecture_notebook([untagged, tagged])
    assert [c.source for c in lecture.cells] == ["slide", "fragment", "subslide"]


@pytest.mark.parametrize("language", ["en", "ru"])
def test_lecture_has_one_references_slide_at_its_end(slides_build, language):
    """Each chapter ends with its references; the lecture leaves them out and ends with all of them."""
    lecture = slides_build.decks(language)["lecture"]
    titles = [slides_build.heading(c) for c in lecture.cells if slides_build.slide_type(c) in slides_build.STARTS]
    titles = [t[1] for t in titles if t]
    found = [i for i, t in enumerate(titles) if t in slides_build.REFERENCES_HEADINGS]
    assert found == [len(titles) - 1], found
    chapter = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("## Pruning", metadata={"slideshow": {"slide_type": "slide"}}),
            nbformat.v4.new_markdown_cell("## References", metadata={"slideshow": {"slide_type": "slide"}}),
            nbformat.v4.new_markdown_cell("Say: the sources", metadata={"slideshow": {"slide_type": "notes"}}),
        ]
    )
    assert [c.source for c in slides_build.without_references(chapter).cells] == ["## Pruning"]
