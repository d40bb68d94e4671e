"""Checks of the arguments the public functions take: a bad one is one ``ValueError`` that names the
argument and the allowed range (``k must be an integer from 1 to 300, got 0``).

Numpy integers count as integers and numpy floats as numbers; ``bool`` is not a number here, so
``True`` is never taken for 1.
"""

import math
import numbers
import operator

import numpy as np


def _range(low, high, kind):
    if low is not None and high is not None:
        return f"{kind} from {low} to {high}"
    return f"{kind} >= {low}" if low is not None else f"{kind} <= {high}" if high is not None else kind


def integer(value, name, low=None, high=None):
    """``value`` as a Python int if it is an integer in ``low .. high`` (``None``: no bound)."""
    allowed = _range(low, high, "an integer")
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    try:
        number_ = operator.index(value)
    except TypeError:
        raise ValueError(f"{name} must be {allowed}, got {value!r} ({type(value).__name__})") from None
    if (low is not None and number_ < low) or (high is not None and number_ > high):
        raise ValueError(f"{name} must be {allowed}, got {number_}")
    return number_


def number(value, name, low=None, high=None, above=None, below=None):
    """``value`` as a float if it is a finite number with ``low <= value <= high`` and
    ``above < value < below`` (``None``: no bound)."""
    parts = [f">= {low}" if low is not None else "", f"> {above}" if above is not None else ""]
    parts += [f"<= {high}" if high is not None else "", f"< {below}" if below is not None else ""]
    allowed = "a finite number " + " and ".join(p for p in parts if p) if any(parts) else "a finite number"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.number)):
        raise ValueError(f"{name} must be {allowed.strip()}, got {value!r} ({type(value).__name__})")
    x = float(value)
    if not math.isfinite(x) or any(
        bad for bad in (low is not None and x < low, high is not None and x > high,
                        above is not None and x <= above, below is not None and x >= below)
    ):  # fmt: skip
        raise ValueError(f"{name} must be {allowed.strip()}, got {value!r}")
    return x


def integers(values, name, low=None, high=None):
    """``values`` as a 1-D int64 array if every entry is an integer in ``low .. high`` (integral
    floats accepted)."""
    allowed = _range(low, high, "integers")
    try:
        array = np.asarray(values)
    except (ValueError, TypeError):
        raise ValueError(f"{name} must be a 1-D sequence of {allowed}") from None
    if array.ndim != 1:
        raise ValueError(f"{name} must be a 1-D sequence of {allowed}, got an array of shape {array.shape}")
    if array.size == 0:
        return np.zeros(0, dtype=np.int64)
    if np.issubdtype(array.dtype, np.floating):
        bad = ~np.isfinite(array) | (array != np.round(array))
        if bad.any():
            raise ValueError(f"{name} must hold {allowed}, got {array[np.flatnonzero(bad)[0]]}")
    elif not np.issubdtype(array.dtype, np.integer) or array.dtype == bool:
        raise ValueError(f"{name} must hold {allowed}, got {array.dtype} values")
    bad = np.zeros(array.shape, dtype=bool)
    if low is not None:
        bad |= array < low
    if high is not None:
        bad |= array > high
    if bad.any():
        raise ValueError(f"{name} must hold {allowed}, got {array[np.flatnonzero(bad)[0]]}")
    return array.astype(np.int64)


def finite(tensor, name):
    """Refuse an array or tensor with a nan or an infinity in it; returns it."""
    values = tensor.detach().cpu().numpy() if hasattr(tensor, "detach") else np.asarray(tensor)
    if np.issubdtype(values.dtype, np.number) and not np.isfinite(values).all():
        raise ValueError(f"{name} must be finite: it holds nan or inf")
    return tensor


def choice(value, name, options):
    """``value`` if it is one of ``options``."""
    if isinstance(value, (list, dict, set)) or value not in options:
        raise ValueError(f"{name} must be one of {list(options)}, got {value!r}")
    return value


def boolean(value, name):
    """``value`` as a bool if it is ``True``/``False`` (numpy's too): ``"no"`` is not ``True``."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r} ({type(value).__name__})")
    return bool(value)
