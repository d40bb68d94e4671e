"""The README's results tables, written from the results in ``data/`` (never by hand).

    python -m coursekit.experiments.tables            # print every table
    python -m coursekit.experiments.tables --write    # refresh README.md and README.ru.md in place

A README holds each table between ``<!-- results:NAME -->`` and ``<!-- /results:NAME -->``;
``tests/test_readme.py`` fails when a table there differs from what the data gives, so the README's
numbers cannot drift from ``results.json`` and its siblings. Errors are percentages of the 10,000
test images (unless a row says otherwise) with one binomial standard error, ``sqrt(p (1 - p) / n)``.
"""

import argparse
import re
import sys

from .. import papers
from . import DATA, load_json

READMES = {"en": "README.md", "ru": "README.ru.md"}
NAMES = {"lenet_300_100": "LeNet-300-100", "lenet5": "LeNet-5"}

# The few words of the tables, in both languages (numbers and network names are shared).
WORDS = {
    "en": {
        "network": "network",
        "lr": "learning rate (chosen on val)",
        "epoch": "epoch kept (lowest val error)",
        "val": "val error",
        "test": "test error",
        "paper": "paper",
        "params": "parameters",
        "goal": "goal",
        "met": "met",
        "missed": "missed",
        "file": "file on disk",
        "ratio": "smaller",
        "chosen": "chosen on val",
        "none": "none within 0.1 points",
        "maps": "maps kept (conv1, conv2)",
        "flops": "FLOPs",
        "pruning_goal": ">= 12x fewer parameters, test error <= +0.1 points",
        "dc_goal": ">= 50x smaller, test error <= +0.1 points",
        "within": "test error <= +0.1 points",
        "points": "points",
        "size": "size",
        "of_rank": "of the rank",
        "baseline": "baseline",
        "pq": "pruning + quantization",
    },
    "ru": {
        "network": "сеть",
        "lr": "скорость обучения (выбрана на валидации)",
        "epoch": "эпоха (наименьшая ошибка на валидации)",
        "val": "ошибка на валидации",
        "test": "ошибка на тесте",
        "paper": "статья",
        "params": "параметры",
        "goal": "цель",
        "met": "достигнута",
        "missed": "не достигнута",
        "file": "файл на диске",
        "ratio": "меньше",
        "chosen": "выбор на валидации",
        "none": "нет в пределах 0,1 п.",
        "maps": "оставлено карт (conv1, conv2)",
        "flops": "FLOPs",
        "pruning_goal": "параметров >= в 12 раз меньше, ошибка на тесте <= +0,1 п.",
        "dc_goal": "файл >= в 50 раз меньше, ошибка на тесте <= +0,1 п.",
        "within": "ошибка на тесте <= +0,1 п.",
        "points": "п.",
        "size": "размер",
        "of_rank": "ранга",
        "baseline": "базовая сеть",
        "pq": "прореживание + квантование",
    },
}


def _percent(p, se=None):
    """0.0142, 0.0012 -> '1.42% ± 0.12'."""
    return f"{100 * p:.2f}%" + ("" if se is None else f" ± {100 * se:.2f}")


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows])


def baselines(w):
    rows = []
    for name in NAMES:
        info = load_json("baselines", f"{name}.json")
        paper = papers.LWC_TABLE1[name]["error"][0]
        rows.append(
            [
                NAMES[name],
                info["lr"],
                f"{info['epochs']} / {info['schedule_epochs']}",
                _percent(info["val_error"]),
                _percent(info["test_error"], info["test_error_se"]),
                _percent(paper),
            ]
        )
    return _table([w["network"], w["lr"], w["epoch"], w["val"], w["test"], w["paper"]], rows)


def pruning(w):
    results = load_json("pruning", "results.json")
    rows = []
    for name in NAMES:
        final = results[name]["final"]
        before, after = final["parameters"]
        paper = papers.LWC_TABLE1[name]
        goal = final["goal"]
        rows.append(
            [
                NAMES[name],
                f"{_percent(final['baseline_error'])} -> {_percent(final['test_error'], final['test_error_se'])}",
                f"{_percent(paper['error'][0])} -> {_percent(paper['error'][1])}",
                f"{before:,} -> {after:,} ({before / after:.1f}x)",
                f"{w['met'] if goal['met'] else w['missed']} ({100 * goal['increase']:+.2f} {w['points']})",
            ]
        )
    header = [w["network"], w["test"], w["paper"], w["params"], f"{w['goal']}: {w['pruning_goal']}"]
    return _table(header, rows)


def deep_compression(w):
    rows = []
    for name in NAMES:
        report = load_json("deep_compression", f"{name}.json")
        errors, se, goal = report["test_error"], report["test_error_se"], report["goal"]
        paper = papers.DC_TABLE1[name]
        rows.append(
            [
                NAMES[name],
                f"{report['dense_bytes']:,} B -> {report['file_bytes']:,} B ({report['ratio']:.1f}x)",
                f"{_percent(errors['baseline'])} -> {_percent(errors['file, reloaded'], se['file, reloaded'])}",
                f"{paper['kb'][0]:.0f} KB -> {paper['kb'][1]:.0f} KB ({paper['rate']}x), "
                f"{_percent(paper['error'][0])} -> {_percent(paper['error'][1])}",
                f"{w['met'] if goal['met'] else w['missed']} ({100 * goal['increase']:+.2f} {w['points']})",
            ]
        )
    return _table([w["network"], w["file"], w["test"], w["paper"], f"{w['goal']}: {w['dc_goal']}"], rows)


def quantization(w):
    goal = load_json("quantization", "lenet_300_100.json")["goal"]
    if goal["size_percent"] is None:  # no pruned + quantized point within the tolerance on validation
        return _table([w["chosen"], w["size"]], [[f"LeNet-300-100, {w['pq']}", w["none"]]])
    row = [
        f"LeNet-300-100, {w['pq']}",
        f"{goal['size_percent']:.2f}% ({goal['rate']:.1f}x)",
        _percent(goal["val_error"]),
        _percent(goal["test_error"], goal["test_error_se"]),
        f"{_percent(goal['baseline_error'])} ({w['baseline']})",
        f"{w['met'] if goal['met'] else w['missed']} ({100 * goal['increase']:+.2f} {w['points']})",
    ]
    return _table([w["chosen"], w["size"], w["val"], w["test"], w["test"], w["goal"]], [row])


def factorization(w):
    rows = []
    for name in NAMES:
        results = load_json("factorization", f"{name}.json")
        chosen = results.get("chosen")
        if not chosen or chosen.get("fraction") is None:
            rows.append([NAMES[name], w["none"], "", "", "", ""])
            continue
        ranks = ", ".join(f"{layer} {rank}" for layer, rank in chosen["ranks"].items())
        rows.append(
            [
                NAMES[name],
                f"{100 * chosen['fraction']:.0f}% {w['of_rank']} ({ranks})",
                f"{chosen['bytes']:,} B",
                _percent(chosen["val_error"]),
                _percent(chosen["test_error"], chosen["test_error_se"]),
                f"{w['met'] if chosen['met'] else w['missed']} ({100 * chosen['increase']:+.2f} {w['points']})",
            ]
        )
    return _table([w["network"], w["chosen"], w["size"], w["val"], w["test"], f"{w['goal']}: {w['within']}"], rows)


def structured(w):
    trajectories = load_json("structured", "trajectories.json")  # the chosen step, fine-tuned one epoch
    payoff, taylor = trajectories["payoff"], trajectories["lenet5"]["taylor"]
    start, chosen = taylor[0], taylor[payoff["step"]]
    maps = ", ".join(f"{start['kept'][layer]} -> {kept}" for layer, kept in payoff["kept"].items())
    return _table(
        [w["network"], w["maps"], w["flops"], w["val"], w["test"]],
        [
            [
                "LeNet-5",
                maps,
                f"{start['flops'] / 1e6:.2f} M -> {chosen['flops'] / 1e6:.2f} M "
                f"({start['flops'] / chosen['flops']:.1f}x)",
                f"{_percent(start['val_error'])} -> {_percent(payoff['val_error'])}",
                _percent(payoff["test_error"], payoff["test_error_se"]),
            ]
        ],
    )


TABLES = {
    "baselines": baselines,
    "pruning": pruning,
    "quantization": quantization,
    "deep_compression": deep_compression,
    "factorization": factorization,
    "structured": structured,
}


def tables(language="en"):
    """``{name: markdown table}`` for every table, its words in ``language`` ("en" or "ru")."""
    return {name: make(WORDS[language]) for name, make in TABLES.items()}


def block(name):
    """The regular expression of a README's block ``name`` (its markers and what lies between)."""
    return re.compile(rf"(<!-- results:{name} -->)\n?(.*?)\n?(<!-- /results:{name} -->)", re.S)


def in_readme(text, name):
    """The table a README ``text`` holds in block ``name``, or ``None`` if it has no such block."""
    found = block(name).search(text)
    return found.group(2) if found else None


def write(readme, language):
    """Replace every block of ``readme`` (a path) with the table the data gives; return the names written."""
    text = readme.read_text(encoding="utf-8")
    written = []
    for name, table in tables(language).items():
        if in_readme(text, name) is not None:
            text = block(name).sub(lambda m, t=table: f"{m.group(1)}\n{t}\n{m.group(3)}", text)
            written.append(name)
    readme.write_text(text, encoding="utf-8")
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="refresh the tables in README.md and README.ru.md")
    args = parser.parse_args(argv)
    if not args.write:
        for name, table in tables().items():
            print(f"<!-- results:{name} -->\n{table}\n<!-- /results:{name} -->\n")
        return
    root = DATA.parent
    for language, filename in READMES.items():
        readme = root / filename
        if readme.exists():
            print(f"{filename}: {', '.join(write(readme, language)) or 'no results blocks'}")


if __name__ == "__main__":
    sys.exit(main())
