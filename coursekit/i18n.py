"""The language of what coursekit tells a student, chosen once per notebook: English or Russian.

    import coursekit
    coursekit.set_language("ru")          # in a notebook's setup cell; English is the default
    coursekit.message("check.passed", exercise="magnitude_mask", cases=13)
    # -> 'magnitude_mask: пройдено случаев: 13'

Every text lives in one catalogue, ``CATALOGUE``: ``{key: {"en": text, "ru": text}}``. A text is a
``str.format`` template; both languages of a key use the same ``{fields}``. The checks' texts are
below; the widgets add theirs with ``extend`` (coursekit/widgets/_messages.py).
tests/test_translation.py fails when a key lacks a language or the fields of its languages differ.
"""

import string

LANGUAGES = ("en", "ru")
_language = "en"


def set_language(language):
    """Choose the language of coursekit's messages for this Python process: ``"en"`` or ``"ru"``."""
    global _language
    if language not in LANGUAGES:
        raise ValueError(message("language.unknown", language=language, choices=", ".join(LANGUAGES)))
    _language = language


def language():
    """The language chosen by ``set_language`` (``"en"`` until then)."""
    return _language


def message(key, **fields):
    """The text of ``key`` in the chosen language, its ``{fields}`` filled in."""
    return CATALOGUE[key][_language].format(**fields)


def fields(text):
    """The names of the ``{fields}`` of a template: ``fields("{a} of {b:,}") == {"a", "b"}``."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def problems(entries):
    """What is wrong with catalogue ``entries``: a key without one of the languages (or with an
    empty text), or languages whose ``{fields}`` differ. A list of sentences, empty when all is well."""
    found = []
    for key, texts in entries.items():
        missing = [lang for lang in LANGUAGES if not texts.get(lang)]
        if missing:
            found.append(f"{key!r} has no {' and no '.join(missing)} text")
            continue
        names = {lang: fields(texts[lang]) for lang in LANGUAGES}
        if len({frozenset(n) for n in names.values()}) > 1:
            found.append(f"{key!r}: the fields differ between languages: {names}")
    return found


def extend(entries):
    """Add ``{key: {"en": ..., "ru": ...}}`` entries to the catalogue (the widgets' texts).

    Raises ``ValueError`` when an entry is incomplete, or a key is already there with other texts."""
    wrong = problems(entries)
    clashes = [k for k in entries if k in CATALOGUE and CATALOGUE[k] != entries[k]]
    if clashes:
        wrong.append(f"keys already in the catalogue with other texts: {clashes}")
    if wrong:
        raise ValueError("; ".join(wrong))
    CATALOGUE.update(entries)


# ---------------------------------------------------------------- the catalogue
# Keys: "<area>.<what>". Checks of the exercises (coursekit/checks.py) first; the widgets' texts are
# added by coursekit/widgets/_messages.py through ``extend``.

CATALOGUE = {
    # ---- errors
    "language.unknown": {
        "en": "unknown language {language!r}: choose one of {choices}",
        "ru": "неизвестный язык {language!r}: выберите один из {choices}",
    },
    # ---- checks: the line a check prints
    "check.passed": {
        "en": "{exercise}: passed {cases} cases",
        "ru": "{exercise}: пройдено случаев: {cases}",
    },
    "check.not_done": {
        "en": "{exercise}: not done yet",
        "ru": "{exercise}: ещё не сделано",
    },
    "check.fails": {
        "en": "{exercise}: case {number} of {cases} fails. Input: {input}. {problem}.",
        "ru": "{exercise}: случай {number} из {cases} не проходит. Вход: {input}. {problem}.",
    },
    "check.hint": {
        "en": " Hint: {hint}",
        "ru": " Подсказка: {hint}",
    },
    "check.raised": {
        "en": "{exercise}: case {number} of {cases} raised {error}: {text}. Input: {input}.",
        "ru": "{exercise}: случай {number} из {cases} вызвал исключение {error}: {text}. Вход: {input}.",
    },
}
