"""Checks of the arguments the public functions take: a bad one is one ``ValueError`` that names the
argument and the allowed range (``k must be an integer from 1 to 300, got 0``).

Numpy integers count as integers and numpy floats as numbers; ``bool`` is not a number here, so
``True`` is never taken for 1.

The texts come from the message catalogue (coursekit/i18n.py, keys ``arguments.*``), so after
``coursekit.set_language("ru")`` the same error reads ``k: ожидается целое число от 1 до 300, получено 0``.
"""

import math
import numbers
import operator

import numpy as np

from .i18n import message


def _range(low, high, kind):
    """``kind`` with its bounds: "an integer from 1 to 8", "an integer >= 1", "integers <= 5"."""
    if low is not None and high is not None:
        return message("arguments.from_to", kind=kind, low=low, high=high)
    if low is not None:
        return f"{kind} >= {low}"
    if high is not None:
        return f"{kind} <= {high}"
    return kind


def _number_range(low, high, above, below):
    """A finite number with its bounds: "a finite number >= 0 and <= 1"."""
    bounds = [f">= {low}" if low is not None else "", f"> {above}" if above is not None else ""]
    bounds += [f"<= {high}" if high is not None else "", f"< {below}" if below is not None else ""]
    bounds = [bound for bound in bounds if bound]
    allowed = message("arguments.a_finite_number")
    if bounds:
        allowed += " " + f" {message('arguments.and')} ".join(bounds)
    return allowed


def _wrong_value(name, allowed, value):
    """The error for a value of the right type out of range: "bits must be an integer from 1 to 8, got 9"."""
    return ValueError(message("arguments.must_be", name=name, allowed=allowed, value=repr(value)))


def _wrong_type(name, allowed, value):
    """The error for a value of the wrong type: "k must be an integer, got '3' (str)"."""
    kind = type(value).__name__
    return ValueError(message("arguments.must_be_of_type", name=name, allowed=allowed, value=repr(value), type=kind))


def _wrong_entry(name, allowed, array, bad):
    """The error naming the first entry ``bad`` marks: "counts must hold integers >= 0, got -1"."""
    first = array[np.flatnonzero(bad)[0]]
    return ValueError(message("arguments.must_hold", name=name, allowed=allowed, value=first))


def integer(value, name, low=None, high=None):
    """``value`` as a Python int if it is an integer in ``low .. high`` (``None``: no bound)."""
    allowed = _range(low, high, message("arguments.an_integer"))
    if isinstance(value, (bool, np.bool_)):
        raise _wrong_value(name, allowed, value)
    try:
        number_ = operator.index(value)
    except TypeError:
        raise _wrong_type(name, allowed, value) from None
    if (low is not None and number_ < low) or (high is not None and number_ > high):
        raise _wrong_value(name, allowed, number_)
    return number_


def number(value, name, low=None, high=None, above=None, below=None):
    """``value`` as a float if it is a finite number with ``low <= value <= high`` and
    ``above < value < below`` (``None``: no bound)."""
    allowed = _number_range(low, high, above, below)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.number)):
        raise _wrong_type(name, allowed, value)
    x = float(value)
    if not math.isfinite(x) or any(
        bad for bad in (low is not None and x < low, high is not None and x > high,
                        above is not None and x <= above, below is not None and x >= below)
    ):  # fmt: skip
        raise _wrong_value(name, allowed, value)
    return x


def integers(values, name, low=None, high=None):
    """``values`` as a 1-D int64 array if every entry is an integer in ``low .. high`` (integral
    floats accepted)."""
    allowed = _range(low, high, message("arguments.integers"))
    sequence_of = _range(low, high, message("arguments.of_integers"))  # Russian declines the word here
    try:
        array = np.asarray(values)
    except (ValueError, TypeError):
        raise ValueError(message("arguments.sequence", name=name, allowed=sequence_of)) from None
    if array.ndim != 1:
        raise ValueError(message("arguments.sequence_shape", name=name, allowed=sequence_of, shape=array.shape))
    if array.size == 0:
        return np.zeros(0, dtype=np.int64)
    if np.issubdtype(array.dtype, np.floating):
        bad = ~np.isfinite(array) | (array != np.round(array))
        if bad.any():
            raise _wrong_entry(name, allowed, array, bad)
    elif not np.issubdtype(array.dtype, np.integer) or array.dtype == bool:
        raise ValueError(message("arguments.must_hold_dtype", name=name, allowed=allowed, dtype=array.dtype))
    bad = np.zeros(array.shape, dtype=bool)
    if low is not None:
        bad |= array < low
    if high is not None:
        bad |= array > high
    if bad.any():
        raise _wrong_entry(name, allowed, array, bad)
    return array.astype(np.int64)


def finite(tensor, name):
    """Refuse an array or tensor with a nan or an infinity in it; returns it."""
    values = tensor.detach().cpu().numpy() if hasattr(tensor, "detach") else np.asarray(tensor)
    if np.issubdtype(values.dtype, np.number) and not np.isfinite(values).all():
        raise ValueError(message("arguments.finite", name=name))
    return tensor


def choice(value, name, options):
    """``value`` if it is one of ``options``."""
    if isinstance(value, (list, dict, set)) or value not in options:
        allowed = message("arguments.one_of", options=list(options))
        raise _wrong_value(name, allowed, value)
    return value


def boolean(value, name):
    """``value`` as a bool if it is ``True``/``False`` (numpy's too): ``"no"`` is not ``True``."""
    if not isinstance(value, (bool, np.bool_)):
        allowed = message("arguments.true_or_false")
        raise _wrong_type(name, allowed, value)
    return bool(value)
