"""The live panels of notebooks 01, 02 and 04: each move computes for real, on any model, with the
student's own function, and a burst of moves ends on the last value."""

import re

import pytest
import torch
from torch import nn

import coursekit
from coursekit import factorization, kmeans_fast, pruning, quantization, train, widgets
from coursekit.experiments import baselines


def fresh_model():
    """A freshly initialized network with other layer sizes than the course's."""
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 48), nn.ReLU(), nn.Linear(48, 24), nn.ReLU(), nn.Linear(24, 10))


def error_of(model, limit=None):
    return train.evaluate(model, limit=limit)


def one_line(panel):
    """The panel's label: one short line, no traceback."""
    text = panel.widget.children[len(panel.controls)].value
    assert "Traceback" not in text and "\n" not in text
    return text


@pytest.fixture(scope="module")
def prune_panel():
    return widgets.pruning_panel()


@pytest.mark.parametrize("sparsity, scope", [(0, "layer"), (60, "layer"), (90, "global"), (99, "layer")])
def test_pruning_move_is_the_pruned_networks_test_error(prune_panel, sparsity, scope):
    shown = prune_panel.update(sparsity=sparsity, scope=scope)
    model = baselines.pretrained("lenet_300_100")
    masks = (pruning.layerwise_masks if scope == "layer" else pruning.global_masks)(model, sparsity / 100)
    pruning.apply_masks(model, masks)
    assert shown["error"] == pytest.approx(error_of(model), abs=1e-6)
    assert shown["nonzero_weights"] == sum(int(m.count_nonzero()) for m in masks.values())
    assert shown["test_images"] == 10_000
    label = one_line(prune_panel)
    assert "live" in label and "10,000 test images" in label


def test_pruning_panel_labels_the_precomputed_curve(prune_panel):
    prune_panel.update(sparsity=90, scope="layer")
    label = one_line(prune_panel)
    assert "precomputed, retrained at 90%" in label and "no retraining" in label


def test_a_burst_of_50_moves_ends_on_the_last_value(prune_panel):
    slider = prune_panel.controls["sparsity"]
    runs = prune_panel.worker.runs
    for value in range(30, 80):  # 50 moves, faster than they compute
        slider.value = value
    assert prune_panel.wait(timeout=60)
    computed = prune_panel.worker.runs - runs
    assert 1 <= computed < 50  # intermediate values were dropped, not queued
    expected = prune_panel.update(sparsity=79)
    assert prune_panel.shown["sparsity"] == 79
    assert prune_panel.shown["error"] == expected["error"]
    slider.value = 0
    assert prune_panel.wait(timeout=60)
    assert prune_panel.shown["sparsity"] == 0


def test_students_magnitude_mask_gives_the_same_panel(prune_panel):
    def magnitude_mask(weight, sparsity):
        return pruning.smallest_mask(weight.abs(), sparsity)

    mine = widgets.pruning_panel(prune=magnitude_mask)
    for scope in ("layer", "global"):
        assert mine.update(sparsity=85, scope=scope)["error"] == prune_panel.update(sparsity=85, scope=scope)["error"]
    assert "your prune function" in one_line(mine)


@pytest.mark.parametrize(
    "prune, says",
    [
        (lambda weight, sparsity: torch.ones(3), "returned shape (3,)"),
        (lambda weight, sparsity: torch.ones_like(weight, dtype=torch.complex64), "complex"),
        (lambda weight, sparsity: "mask", "not a tensor"),
        (lambda weight, sparsity: 2 * torch.ones_like(weight), "other than 0 and 1"),
        (lambda weight, sparsity: 1 / 0, "raised ZeroDivisionError"),
    ],
)
def test_a_wrong_student_function_gets_one_line_and_the_slider_keeps_working(prune, says):
    panel = widgets.pruning_panel(fresh_model(), prune=prune, images=500)
    assert says in panel.update(sparsity=50)["problem"]
    assert says in one_line(panel) and "cannot compute" in one_line(panel)
    panel.controls["sparsity"].value = 70
    assert panel.wait(timeout=60)
    assert says in panel.shown["problem"]


def test_a_model_without_a_prunable_layer_gets_one_line():
    for make in (widgets.pruning_panel, widgets.quantization_panel, widgets.factorization_panel):
        panel = make(nn.Sequential(nn.Flatten(), nn.ReLU()))
        assert "no layer" in panel.shown["problem"]
        slider = next(iter(panel.controls.values()))
        slider.value = slider.max
        assert panel.wait(timeout=60)
        assert "no layer" in one_line(panel)


def test_a_model_that_does_not_take_mnist_gets_one_line():
    panel = widgets.pruning_panel(nn.Sequential(nn.Linear(10, 2)))
    assert "failed on 10000x1x28x28 MNIST test images" in panel.shown["problem"]


def test_panels_work_on_a_freshly_initialized_sequential():
    model = fresh_model()
    shown = widgets.pruning_panel(model, images=1000).update(sparsity=50, scope="global")
    pruned = fresh_model()
    pruning.apply_masks(pruned, pruning.global_masks(pruned, 0.5))
    assert shown["error"] == pytest.approx(error_of(pruned, limit=1000), abs=1e-6)
    assert shown["test_images"] == 1000

    shown = widgets.quantization_panel(model, images=1000).update(bits=3, init="density")
    quantized = fresh_model()
    quantization.quantize_model_(quantized, 3, init="density", kmeans=kmeans_fast.kmeans_1d)
    assert shown["error"] == pytest.approx(error_of(quantized, limit=1000), abs=1e-6)

    shown = widgets.factorization_panel(model, images=1000).update(rank=25)
    assert shown["ranks"] == {"fc1": 12, "fc2": 6}  # fc3, the classifier, stays dense
    factorized = factorization.factorize_network(fresh_model(), shown["ranks"])
    assert shown["error"] == pytest.approx(error_of(factorized, limit=1000), abs=1e-4)
    assert shown["parameters"] == sum(p.numel() for p in factorized.parameters())


def test_quantization_moves_are_exact_cold_or_memoized():
    panel = widgets.quantization_panel()
    for bits, init in ((2, "linear"), (5, "kmeans++")):
        cold = panel.update(bits=bits, init=init)
        warm = panel.update(bits=bits, init=init)
        model = baselines.pretrained("lenet_300_100")
        quantization.quantize_model_(model, bits, init=init, kmeans=kmeans_fast.kmeans_1d)
        assert cold["error"] == warm["error"] == pytest.approx(error_of(model), abs=1e-6)
    assert "precomputed, fine-tuned" in one_line(panel)


def test_students_kmeans_is_used_and_checked():
    model = fresh_model()
    mine = widgets.quantization_panel(model, kmeans=quantization.kmeans_1d, images=500)
    ours = widgets.quantization_panel(model, images=500)
    assert mine.update(bits=2)["error"] == ours.update(bits=2)["error"]
    wrong = widgets.quantization_panel(
        model, kmeans=lambda x, k, init: (torch.zeros(k), torch.zeros(len(x))), images=500
    )
    assert "dtype torch.float32" in wrong.shown["problem"]


def test_factorization_move_and_students_factors():
    panel = widgets.factorization_panel()
    shown = panel.update(rank=10)
    assert shown["ranks"] == {"fc1": 30, "fc2": 10}
    model = factorization.factorize_network(baselines.pretrained("lenet_300_100"), shown["ranks"])
    assert shown["error"] == pytest.approx(error_of(model), abs=2e-4)
    mine = widgets.factorization_panel(factors=factorization.low_rank)
    assert mine.update(rank=10)["error"] == pytest.approx(shown["error"], abs=2e-4)
    wrong = widgets.factorization_panel(factors=lambda w, r: (torch.zeros(2, 2), torch.zeros(2, 2)))
    assert "expected A (300, 300)" in wrong.shown["problem"]  # the slider starts at full rank


def test_lenet5_panel_says_how_many_images_it_uses():
    from coursekit.widgets import _live

    panel = widgets.pruning_panel("lenet5")
    assert panel.shown["test_images"] == _live.IMAGES["lenet5"]
    assert f"{_live.IMAGES['lenet5']:,} test images" in one_line(panel)


@pytest.fixture
def russian():
    coursekit.set_language("ru")
    yield
    coursekit.set_language("en")


def _check_figures_and_texts(language):
    from coursekit import plots

    for make, move in (
        (widgets.pruning_panel, dict(sparsity=90)),
        (widgets.quantization_panel, dict(bits=3)),
        (widgets.factorization_panel, dict(rank=20)),
    ):
        panel = make()
        shown = panel.update(**move)
        assert "problem" not in shown
        assert plots.check_layout(panel.figure) == [], f"{make.__name__} in {language}"
        titles = [ax.get_title() for ax in panel.figure.axes]
        assert any("LeNet-300-100" in title for title in titles) and not any("lenet_300_100" in t for t in titles)
        legend = [t.get_text() for t in panel.figure.legends[0].get_texts()]
        assert len(legend) == 2 and any(("precomputed" if language == "en" else "предвычислено") in t for t in legend)
        yield panel


def test_panels_are_readable_in_english():
    for panel in _check_figures_and_texts("en"):
        assert "test error" in one_line(panel)


def test_panels_speak_russian(russian):
    for panel in _check_figures_and_texts("ru"):
        label = one_line(panel)
        assert "ошибка на тесте" in label and "test error" not in label
        assert "вживую" in label and "live" not in label.replace("вживую", "")
        for control in panel.widget.children:  # what a Russian reader sees beside each control
            options = [option[0] if isinstance(option, tuple) else option for option in getattr(control, "options", ())]
            description = getattr(control, "description", "")
            shown = options + [description] * bool(description)
            assert all(re.search("[а-яё]", text) or text == "kmeans++" for text in shown), shown
    panel = widgets.pruning_panel(fresh_model(), prune=lambda weight, sparsity: 1 / 0, images=500)
    assert "не удаётся вычислить" in one_line(panel) and "вызвала исключение ZeroDivisionError" in one_line(panel)


def test_the_evaluation_copy_pools_exactly_as_the_model():
    from coursekit.widgets import _live

    x = torch.randn(7, 3, 13, 11)
    for pool in (nn.MaxPool2d(2), nn.MaxPool2d(3), nn.MaxPool2d((2, 2), stride=2)):
        assert _live._StridedMax.size_of(pool)
        assert torch.equal(_live._StridedMax(_live._StridedMax.size_of(pool))(x), pool(x))
    for pool in (nn.MaxPool2d(2, stride=1), nn.MaxPool2d(2, padding=1), nn.MaxPool2d(2, ceil_mode=True)):
        assert _live._StridedMax.size_of(pool) is None  # left as it is
    evaluator = _live.Evaluator(baselines.pretrained("lenet5"), images=400)
    assert any(isinstance(m, _live._StridedMax) for m in evaluator.model.modules())
    assert evaluator.error(evaluator.weights) == pytest.approx(error_of(baselines.pretrained("lenet5"), 400), abs=1e-9)


def test_the_panel_picture_is_the_figure():
    import io

    import numpy as np
    from PIL import Image

    panel = widgets.factorization_panel(fresh_model(), images=200)
    panel.update(rank=30)
    picture = np.asarray(Image.open(io.BytesIO(panel.widget.children[-1].value)))
    assert np.array_equal(picture, np.asarray(panel.figure.canvas.buffer_rgba())[:, :, :3])
