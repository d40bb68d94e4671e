"""What every chapter counts in a network, written once: its layers, the weight each layer computes
with, parameters, FLOPs and bytes.

Every method module (pruning, quantization, factorization, structured, compressed) reads a model
through these functions, so "the weights of fc1" or "the FLOPs of conv2" mean the same thing in
every chapter.
"""

import torch
from torch import nn

__all__ = [
    "layers",
    "weight",
    "weights",
    "count_parameters",
    "nonzero_weights",
    "nonzero_parameters",
    "layer_flops",
    "flops",
    "dense_bytes",
    "csr_bytes",
]


def layers(model):
    """The weight layers of ``model`` (every ``nn.Conv2d`` and ``nn.Linear``) by the papers' names,
    in order: ``{"conv1": module, ..., "fc1": module, ...}``.

    Conv2d layers are ``conv1, conv2, ...`` and Linear layers ``fc1, fc2, ...`` (LWC Tables 2-3
    call LeNet-5's ``fc1`` "ip1").
    """
    named, counts = {}, {"conv": 0, "fc": 0}
    for module in model.modules():
        kind = "conv" if isinstance(module, nn.Conv2d) else "fc" if isinstance(module, nn.Linear) else None
        if kind:
            counts[kind] += 1
            named[f"{kind}{counts[kind]}"] = module
    return named


def weight(module, name="weight"):
    """The tensor ``module`` computes with, detached: ``weight_orig * weight_mask`` when it is
    pruned by ``torch.nn.utils.prune`` (``module.weight`` is only refreshed on the next forward
    pass), the parametrized value when it is parametrized (e.g. shared weights), else the weight.
    ``name="bias"`` gives the bias the same way.
    """
    if hasattr(module, f"{name}_orig") and hasattr(module, f"{name}_mask"):
        return (getattr(module, f"{name}_orig") * getattr(module, f"{name}_mask")).detach()
    return getattr(module, name).detach()


def weights(model):
    """``{layer name: weight tensor}`` of every weight layer (the weights it computes with)."""
    return {name: weight(module) for name, module in layers(model).items()}


def count_parameters(model):
    """Number of scalar parameters (weights and biases) of ``model``, pruned ones included."""
    return sum(p.numel() for p in model.parameters())


def nonzero_weights(model):
    """``{layer name: (nonzero weights, all weights)}``; biases are not counted (never pruned)."""
    return {name: (int(w.count_nonzero()), w.numel()) for name, w in weights(model).items()}


def nonzero_parameters(model):
    """Nonzero weights plus all biases: the "params" column of LWC Table 1 after pruning."""
    biases = sum(m.bias.numel() for m in layers(model).values() if m.bias is not None)
    return sum(nz for nz, _ in nonzero_weights(model).values()) + biases


@torch.inference_mode()
def layer_flops(model, input_shape=(1, 1, 28, 28)):
    """``{layer name: FLOPs per input}`` of the dense model, counted as in LWC Tables 2-3:
    2 x multiply-adds; a conv's weight is used once per output position. ``input_shape`` is the
    shape of one input (an MNIST image by default). A masked (not shrunk) layer costs as much as
    a dense one: the shapes are what count."""
    flops_of, hooks = {}, []

    def _count(name, module, out):
        positions = out[0, 0].numel() if out.dim() == 4 else 1  # output positions of a conv, 1 for a linear
        flops_of[name] = 2 * module.weight.numel() * positions

    for name, module in layers(model).items():
        hooks.append(module.register_forward_hook(lambda m, args, out, name=name: _count(name, m, out)))
    try:
        device = next(model.parameters()).device
        model.eval()(torch.zeros(*input_shape, device=device))
    finally:
        for hook in hooks:
            hook.remove()
    return flops_of


def flops(model, input_shape=(1, 1, 28, 28)):
    """FLOPs of one input through ``model`` (LeNet-5: 4,586,000; LeNet-300-100: 532,400)."""
    return sum(layer_flops(model, input_shape).values())


def dense_bytes(tensor, value_bytes=4):
    """Bytes to store ``tensor`` densely (float32 by default)."""
    return tensor.numel() * value_bytes


def csr_bytes(weight, value_bytes=4, index_bytes=4):
    """Bytes to store ``weight`` in compressed sparse row form (scipy/PyTorch CSR).

    A conv weight ``out x in x kh x kw`` is stored as the matrix ``out x (in*kh*kw)``: one value
    and one column index per nonzero, plus ``rows + 1`` row pointers.
    """
    matrix = weight.reshape(weight.shape[0], -1)
    nnz = int(matrix.count_nonzero())
    return nnz * (value_bytes + index_bytes) + (matrix.shape[0] + 1) * index_bytes
