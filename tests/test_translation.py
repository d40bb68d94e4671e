"""The Russian edition stays in step with the English one.

- the message catalogue (coursekit/i18n.py, plus the widgets' entries): every key has an English
  and a Russian text with the same ``{fields}``;
"""

import importlib

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
