"""The READMEs' results tables are the data's: each block equals what `coursekit.experiments.tables`
writes from data/ (refresh them with `python -m coursekit.experiments.tables --write`)."""

import pytest

from coursekit.experiments import DATA, tables

ROOT = DATA.parent


@pytest.mark.parametrize("language", sorted(tables.READMES))
def test_every_results_table_matches_the_data(language):
    text = (ROOT / tables.READMES[language]).read_text(encoding="utf-8")
    for name, table in tables.tables(language).items():
        shown = tables.in_readme(text, name)
        assert shown is not None, f"{tables.READMES[language]} has no results:{name} block"
        assert shown == table, (
            f"{tables.READMES[language]}'s {name} table differs from the data: "
            "run `python -m coursekit.experiments.tables --write`"
        )


def test_a_stale_number_is_caught(tmp_path):
    readme = tmp_path / "README.md"
    table = tables.tables()["pruning"]
    readme.write_text(f"<!-- results:pruning -->\n{table}\n<!-- /results:pruning -->\n", encoding="utf-8")
    stale = readme.read_text(encoding="utf-8").replace("x)", "0x)", 1)
    assert tables.in_readme(stale, "pruning") != table
    readme.write_text(stale, encoding="utf-8")
    assert tables.write(readme, "en") == ["pruning"]
    assert tables.in_readme(readme.read_text(encoding="utf-8"), "pruning") == table


def test_the_english_readme_links_the_russian_one():
    head = (ROOT / "README.md").read_text(encoding="utf-8")[:600]
    assert "README.ru.md" in head
