"""Floats for the JSON documents: rounded to significant digits, NaN and Inf as null.

``diagnosis.RunAnalysis`` serialises about a million floats for a 100-tag x
500-step run; ``json_lists`` rounds all of a document's arrays in one numpy
pass instead of one small pass per array.
"""

import numpy as np


def round_significant(values, digits=8):
    """Round to ``digits`` significant digits: float32 precision, compact JSON."""
    values = np.asarray(values, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        magnitude = np.floor(np.log10(np.abs(values)))
        magnitude = np.where(np.isfinite(magnitude), magnitude, 0.0)
        exponent = (digits - 1 - magnitude).astype(np.int64)
        exponent = np.clip(exponent, -300, 300)
        up = exponent >= 0
        scale = np.power(10.0, np.abs(exponent))
        rounded = np.where(up, np.round(values * scale) / scale, np.round(values / scale) * scale)
    return np.where(np.isfinite(rounded), rounded, values)


def json_list(values, digits=8):
    """Floats as a JSON-ready list, NaN and Inf as None (JSON null)."""
    rounded = round_significant(values, digits) if digits else np.asarray(values, dtype=np.float64)
    finite = np.isfinite(rounded)
    out = rounded.tolist()
    if not finite.all():
        for i in np.nonzero(~finite)[0]:
            out[i] = None
    return out


def json_lists(arrays, digits=8):
    """``[json_list(a, digits) for a in arrays]`` in one numpy pass over them all."""
    if not arrays:
        return []
    flat = json_list(np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in arrays]), digits)
    ends = np.cumsum([np.size(a) for a in arrays]).tolist()
    return [flat[start:end] for start, end in zip([0] + ends[:-1], ends)]
