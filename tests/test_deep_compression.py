"""The pipeline's bookkeeping, the CLI, and the committed compressed files."""

import json

import pytest
import torch

import coursekit
from coursekit import __main__ as cli
from coursekit import compressed, deep_compression, models, pruning


def test_schedule_shrinks_the_kept_fraction_geometrically():
    steps = pruning.geometric_schedule({"fc1": 0.96, "fc2": 0.0}, 2)
    assert [round(1 - s["fc1"], 6) for s in steps] == [0.2, 0.04]
    assert [s["fc2"] for s in steps] == [0.0, 0.0]


def test_layer_rows_count_bits_by_hand():
    model = models.build("lenet_300_100")
    with torch.no_grad():
        for _, module in compressed.weight_layers(model):
            module.weight.zero_()
        model[5].weight[0, :4] = torch.tensor([1.0, 1.0, 2.0, 1.0])  # 4 kept, 2 shared values, no gap > 1
    rows, totals = deep_compression.layer_rows(model, {"fc1": 3, "fc2": 3, "fc3": 1})
    fc3 = rows[2]
    assert fc3["layer"] == "fc3" and fc3["weights %"] == pytest.approx(0.4)
    # fixed width: 4 entries x (1 + 5) bits + 2 x 32-bit codebook, over 1000 x 32 bits
    assert fc3["rate P+Q %"] == pytest.approx(100 * (4 * 6 + 64) / 32000)
    # Huffman: weight symbols 1,1,2,1 -> 1 bit each; gaps all 1 -> one symbol, 1 bit each
    assert fc3["weight bits P+Q+H"] == 1 and fc3["index bits P+Q+H"] == 1
    assert rows[-1]["layer"] == "total" and totals["nonzeros"] == 4


@pytest.mark.parametrize("name", ["lenet_300_100", "lenet5"])
def test_committed_files_reload_to_their_recorded_error(name):
    path = deep_compression.COMPRESSED_DIR / f"{name}.dc"
    report = json.loads(path.with_suffix(".json").read_text())
    model = coursekit.load_compressed(path)
    assert path.stat().st_size == report["file_bytes"]
    assert deep_compression.dense_bytes(name) / path.stat().st_size >= 50
    assert coursekit.train.evaluate(model) == report["test_error"]["file, reloaded"]


def test_cli_inspect(capsys, tmp_path):
    cli.main(["inspect", str(deep_compression.COMPRESSED_DIR / "lenet_300_100.dc")])
    out = capsys.readouterr().out
    assert "fc1" in out and "50." in out
    (tmp_path / "bad.dc").write_bytes(b"CKDC\x01")
    with pytest.raises(SystemExit, match="bad.dc: only 5 bytes"):
        cli.main(["inspect", str(tmp_path / "bad.dc")])
