"""The Russian edition stays in step with the English one.

- the message catalogue (coursekit/i18n.py, plus the widgets' entries): every key has an English
  and a Russian text with the same ``{fields}``;
- the twin notebooks (notebooks/NN_*.ipynb and notebooks/ru/NN_*.ipynb): the same cells (types,
  slide types, tags, nbgrader metadata) and, cell by cell, the same code once string literals and
  comments are dropped (``tokenize``), so a fix made to one edition cannot skip the other; the
  Russian markdown is in Russian; each edition calls ``coursekit.set_language`` with its language.
"""

import importlib
import io
import re
import tokenize
from pathlib import Path

import nbformat
import pytest

import coursekit
from coursekit import i18n


@pytest.fixture
def russian():
    """Russian for one test, English again afterwards."""
    coursekit.set_language("ru")
    yield
    coursekit.set_language("en")


def _full_catalogue():
    """The catalogue with every module that extends it imported (the widgets' texts)."""
    try:
        importlib.import_module("coursekit.widgets._messages")
    except ModuleNotFoundError as error:
        if error.name != "coursekit.widgets._messages":
            raise
    return i18n.CATALOGUE


def test_every_key_has_both_languages_with_the_same_fields():
    wrong = i18n.problems(_full_catalogue())
    assert not wrong, "fix these catalogue entries:\n" + "\n".join(wrong)


def test_a_missing_or_different_translation_is_caught():
    assert i18n.problems({"k": {"en": "{a} of {b}"}}) == ["'k' has no ru text"]
    assert i18n.problems({"k": {"en": "{a} of {b}", "ru": ""}}) == ["'k' has no ru text"]
    assert i18n.problems({"k": {"en": "{a} of {b:,}", "ru": "{b} из {a}"}}) == []  # order and format may differ
    assert len(i18n.problems({"k": {"en": "{a} of {b}", "ru": "{a} из {c}"}})) == 1
    with pytest.raises(ValueError, match="no ru"):
        i18n.extend({"test.incomplete": {"en": "only English"}})
    assert "test.incomplete" not in i18n.CATALOGUE


def test_english_is_the_default_and_the_language_switches(russian):
    assert i18n.language() == "ru"
    assert coursekit.message("check.not_done", exercise="x") == "x: ещё не сделано"
    coursekit.set_language("en")
    assert coursekit.message("check.not_done", exercise="x") == "x: not done yet"
    with pytest.raises(ValueError, match="unknown language 'de'"):
        coursekit.set_language("de")


# ---------------------------------------------------------------- the twin notebooks

ROOT = Path(__file__).resolve().parent.parent
ENGLISH = ROOT / "notebooks"
RUSSIAN = ENGLISH / "ru"
TWINS = [(ENGLISH / path.name, path) for path in sorted(RUSSIAN.glob("[0-9][0-9]_*.ipynb"))]
# What a translation may change in a code cell: string literals (f-strings whole, their {fields}
# included), comments, and line breaks inside brackets. Indentation and statement ends are code.
_FREE = {tokenize.STRING, tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER}
_FSTRING = tuple(
    getattr(tokenize, name) for name in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END") if hasattr(tokenize, name)
)  # Python 3.12+: f-strings are split into tokens
CYRILLIC = re.compile("[А-Яа-яЁё]")
# Markdown text that need not be translated: code spans and blocks, math, link targets, HTML tags.
_UNTRANSLATED = re.compile(r"```.*?```|`[^`]*`|\$\$.*?\$\$|\$[^$]*\$|\]\([^)]*\)|<[^>]+>|https?://\S+", re.S)


def code_tokens(source):
    """The code of a cell without what a translation may change: a list of (token type, text);
    INDENT/DEDENT/NEWLINE by type only. IPython lines (%magic, !shell) are kept as text."""
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        lines.append("pass  # " + stripped if stripped.startswith(("%", "!")) else line)
    tokens, depth = [], 0
    for token in tokenize.generate_tokens(io.StringIO("\n".join(lines) + "\n").readline):
        if token.type in _FSTRING:
            depth += {"FSTRING_START": 1, "FSTRING_END": -1}.get(tokenize.tok_name[token.type], 0)
            continue
        if depth or token.type in _FREE:
            continue
        text = "" if token.type in (tokenize.INDENT, tokenize.DEDENT, tokenize.NEWLINE) else token.string
        tokens.append((tokenize.tok_name[token.type], text))
    magics = [line.lstrip() for line in source.splitlines() if line.lstrip().startswith(("%", "!"))]
    return tokens + [("MAGIC", m) for m in magics]


def code_difference(english, russian):
    """Where two code cells differ once literals and comments are dropped: a short text, or None."""
    a, b = code_tokens(english), code_tokens(russian)
    if a == b:
        return None
    at = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    show = lambda tokens: " ".join(text or kind for kind, text in tokens[max(0, at - 4) : at + 4])  # noqa: E731
    return f"English ... {show(a)} ...  vs  Russian ... {show(b)} ..."


def _shape(cell):
    """What both editions of a cell share besides their code: type, slide type, tags, nbgrader metadata."""
    return (
        cell.cell_type,
        cell.metadata.get("slideshow", {}).get("slide_type"),
        sorted(cell.metadata.get("tags", [])),
        cell.metadata.get("nbgrader"),
    )


def test_every_english_notebook_has_a_russian_twin():
    english = sorted(p.name for p in ENGLISH.glob("[0-9][0-9]_*.ipynb"))
    russian = sorted(p.name for p in RUSSIAN.glob("[0-9][0-9]_*.ipynb"))
    assert russian == english, f"notebooks/ru/ lacks {sorted(set(english) - set(russian))}"


@pytest.mark.parametrize("english, russian", TWINS, ids=[r.name for _, r in TWINS])
def test_twins_have_the_same_cells_and_the_same_code(english, russian):
    en, ru = (nbformat.read(path, as_version=4).cells for path in (english, russian))
    assert len(en) == len(ru), f"{russian.name}: {len(ru)} cells in Russian, {len(en)} in English"
    for number, (a, b) in enumerate(zip(en, ru), start=1):
        assert _shape(a) == _shape(b), f"{russian.name} cell {number}: English {_shape(a)} vs Russian {_shape(b)}"
        if a.cell_type == "code":
            difference = code_difference(a.source, b.source)
            assert not difference, f"{russian.name} cell {number}: the code differs: {difference}"


# What a Russian text may keep in English: a quotation ("...", «...»), a parenthesis (the English
# term at first use), an italic paper title, and a run of capitalized words (authors, titles).
_QUOTED = re.compile(r'"[^"\n]*(?:\n[^"\n]*)?"|«[^»]*»|\([^()]*\)|\*[^*\n]+(?:\n[^*\n]+)?\*')
_ENGLISH_RUN = re.compile(r"\b[A-Za-z][a-z]{2,}(?:[ ,;:'-]+[A-Za-z][a-z]{2,}){2,}\b")


def english_sentences(text):
    """Runs of three or more English words in a Russian text, outside code, math, quotations,
    parentheses, italics and names: what a Russian reader would meet untranslated."""
    prose = _QUOTED.sub(" ", _UNTRANSLATED.sub(" ", text))
    return [run for run in _ENGLISH_RUN.findall(prose) if not all(w[0].isupper() for w in re.findall(r"\w+", run))]


def _printed(cell):
    """What a code cell printed (its stream outputs and plain-text results)."""
    texts = [o.get("text", "") for o in cell.get("outputs", [])]
    texts += [o.get("data", {}).get("text/plain", "") for o in cell.get("outputs", [])]
    return "".join("".join(t) if isinstance(t, list) else t for t in texts)


@pytest.mark.parametrize("english, russian", TWINS, ids=[r.name for _, r in TWINS])
def test_russian_text_and_outputs_are_russian(english, russian):
    for number, cell in enumerate(nbformat.read(russian, as_version=4).cells, start=1):
        if cell.cell_type == "markdown" and "Список литературы" not in cell.source:  # references: titles
            text = cell.source
        elif cell.cell_type == "code":
            text = _printed(cell)
        else:
            continue
        assert not english_sentences(text), f"{russian.name} cell {number} in English: {english_sentences(text)}"


def test_an_english_sentence_is_caught_and_a_term_or_a_title_is_not():
    assert english_sentences("- Scores are normalized per layer, then pruned.")
    assert english_sentences("осталось 3 веса; weights pruned per layer")
    for allowed in (
        "низкоранговое разложение (low-rank factorization)",
        'сравнивает со "SVD, which is inexpensive but has a poor compression rate"',
        "Han, Pool, Tran, Dally 2015; *Learning both Weights and Connections*",
        "`prune the smallest weights`, $\\text{error rate}$",
    ):
        assert not english_sentences(allowed), allowed


@pytest.mark.parametrize("english, russian", TWINS, ids=[r.name for _, r in TWINS])
def test_each_edition_chooses_its_language(english, russian):
    calls = {}
    for path in (english, russian):
        code = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
        calls[path] = re.findall(r"set_language\(\s*['\"](\w+)['\"]", code)
    assert calls[english] == ["en"], f"{english.name}: set_language('en') once in the setup cell, got {calls[english]}"
    assert calls[russian] == ["ru"], f"{russian.name}: set_language('ru') once in the setup cell, got {calls[russian]}"


def test_a_code_difference_is_caught_and_a_translation_is_not():
    english = 'x = f(1, label="error")  # the error\nprint(f"{x:.2f} left")\nif x:\n    y = 2\n'
    russian = 'x = f(1, label="ошибка")  # ошибка\nprint(f"осталось {x:.2f}")\nif x:\n    y = 2\n'
    assert code_difference(english, russian) is None
    assert code_difference(english, russian.replace("f(1,", "f(2,"))  # another argument
    assert code_difference(english, russian.replace("    y = 2\n", "    y = 2\nz = 3\n"))  # a line more
    assert code_difference("if x:\n    a\n    b\n", "if x:\n    a\nb\n")  # the same tokens, another block
    assert code_difference("%matplotlib inline\nx\n", "%matplotlib widget\nx\n")
    assert code_difference('print(\n    "a"\n)\n', 'print("а")\n') is None  # line breaks inside brackets


# ---------------------------------------------------------------- README.ru.md's glossary

TERMS = {  # issue 18: the terms as Russian ML courses use them
    "прореживание": "pruning",
    "квантование": "quantization",
    "разделение весов": "weight sharing",
    "кодирование Хаффмана": "Huffman coding",
    "низкоранговое разложение": "low-rank factorization",
    "дообучение": "retraining / fine-tuning",
}


def test_the_glossary_holds_the_terms_the_notebooks_use():
    readme = (ROOT / "README.ru.md").read_text(encoding="utf-8")
    glossary = readme.split("## Словарь терминов", 1)[1]
    rows = {
        row.split("|")[1].strip(): row.split("|")[2].strip() for row in glossary.splitlines() if row.count("|") >= 4
    }
    for russian, english in TERMS.items():
        assert rows.get(russian) == english, f"README.ru.md's glossary: {russian} | {english} |"
    text = " ".join(
        cell.source.lower() for path in sorted(RUSSIAN.glob("*.ipynb")) for cell in nbformat.read(path, 4).cells
    )
    unused = [term for term in TERMS if term.lower() not in text]
    assert not unused, f"glossary terms the Russian notebooks never use: {unused}"
