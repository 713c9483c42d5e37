"""Weighted per-position statistics, for input standardization and target scaling."""

from __future__ import annotations

import numpy as np


def weighted_moments(chunks, axis: int):
    """Weighted mean and standard deviation per position along ``axis``, in one pass.

    ``chunks`` yields ``(x, w)``: float64 values ``x`` and weights ``w``
    broadcastable to ``x`` (zero where a value does not count, e.g. padding),
    reduced over every axis but ``axis``. The sums are taken around the first
    chunk's mean, so one pass is as accurate as subtracting the exact mean,
    and data that is expensive to produce (decoded image files) is produced
    once. A (near-)constant position gets a std of 1, as in
    ``StandardScaler``; a position without weight gets mean 0 and std 1.
    Returns two 1-D float64 arrays of length ``x.shape[axis]``.
    """
    shift = total = total_sq = count = None
    for x, w in chunks:
        reduce_axes = tuple(i for i in range(x.ndim) if i != axis)
        w = np.broadcast_to(w, x.shape)
        weight = w.sum(axis=reduce_axes)
        if shift is None:
            shift = (x * w).sum(axis=reduce_axes) / np.where(weight > 0, weight, 1.0)
            total, total_sq, count = np.zeros_like(shift), np.zeros_like(shift), weight * 0
        expand = [1] * x.ndim
        expand[axis] = -1
        d = x - shift.reshape(expand)
        total += (d * w).sum(axis=reduce_axes)
        total_sq += (d * d * w).sum(axis=reduce_axes)
        count = count + weight
    counted = count > 0
    safe = np.where(counted, count, 1.0)
    mean_shifted = total / safe
    mean = np.where(counted, shift + mean_shifted, 0.0)
    std = np.sqrt(np.maximum(total_sq / safe - mean_shifted**2, 0.0))
    std[~counted | (std < 10 * np.finfo(np.float64).eps * np.maximum(1.0, np.abs(mean)))] = 1.0
    return mean, std


def weighted_mean_std(X, axis, sample_weight=None, index=None, chunk_size=4096):
    """Mean and standard deviation of ``X`` per position along ``axis``.

    Reduced over every other axis, weighting sample ``i`` by
    ``sample_weight[i]``, over the rows ``index`` (all rows if None), in chunks
    so that a large ``uint8`` X is never converted to float64 at once (see
    :func:`weighted_moments`). Returns float64 arrays shaped to broadcast
    against ``X``.
    """
    rows = np.arange(len(X)) if index is None else np.asarray(index)
    weights = np.ones(len(X)) if sample_weight is None else np.asarray(sample_weight, float)

    def chunks():
        for start in range(0, len(rows), chunk_size):
            part = rows[start : start + chunk_size]
            w = weights[part].reshape((-1,) + (1,) * (X.ndim - 1))
            yield np.asarray(X[part], dtype=np.float64), w

    mean, std = weighted_moments(chunks(), axis)
    shape = [1] * X.ndim
    shape[axis] = X.shape[axis]
    return mean.reshape(shape), std.reshape(shape)
