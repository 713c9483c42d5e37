"""Training losses, by name, with optional per-sample weights."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def _cross_entropy(y_pred, y_true):
    return F.cross_entropy(y_pred, y_true, reduction="none")


def _hinge(y_pred, y_true):
    # Crammer-Singer style multi-class hinge: mean over classes of
    # max(0, 1 - (s_y - s_j)); for two classes it is the usual binary hinge.
    return F.multi_margin_loss(y_pred, y_true, reduction="none")


def _mse(y_pred, y_true):
    return F.mse_loss(y_pred, y_true, reduction="none").mean(dim=1)


def _mae(y_pred, y_true):
    return F.l1_loss(y_pred, y_true, reduction="none").mean(dim=1)


def _huber(y_pred, y_true):
    # delta=1 in units of the standardized target, i.e. one standard deviation
    return F.huber_loss(y_pred, y_true, reduction="none", delta=1.0).mean(dim=1)


CLASSIFICATION_LOSSES = {"cross_entropy": _cross_entropy, "hinge": _hinge}
REGRESSION_LOSSES = {"mse": _mse, "mae": _mae, "huber": _huber}


class WeightedLoss(nn.Module):
    """A named loss reduced to a (sample-weighted) mean over the batch.

    With weights ``w`` the loss is ``sum(w_i * l_i) / sum(w_i)``, so an integer
    weight acts like repeating the sample that many times.
    """

    def __init__(self, name: str):
        super().__init__()
        self.name = name
        self._fn = {**CLASSIFICATION_LOSSES, **REGRESSION_LOSSES}[name]

    def forward(self, y_pred, y_true, sample_weight=None):
        losses = self._fn(y_pred, y_true)
        if sample_weight is None:
            return losses.mean()
        total = sample_weight.sum()
        # a batch whose samples all weigh zero contributes no gradient
        return (losses * sample_weight).sum() / torch.clamp(
            total, min=torch.finfo(total.dtype).tiny
        )

    def extra_repr(self) -> str:
        return repr(self.name)
