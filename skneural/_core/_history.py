"""What a fit's history tells: the per-epoch records and the early-stopping score."""

from __future__ import annotations

import numpy as np

# The epoch-level history keys kept in ``history_``, as skorch names them.
_HISTORY_KEYS = {
    "epoch": "epoch",
    "train_loss": "train_loss",
    "valid_loss": "valid_loss",
    "valid_score": "valid_score",
    "lr": "lr",
    "dur": "duration",
}


class HistoryMixin:
    """``history_``, ``n_iter_``, ``loss_curve_`` and the validation scores, read from ``net_``."""

    @property
    def history_(self) -> list[dict]:
        """One record per epoch (over all fits, with ``warm_start``)."""
        return [
            {name: _plain(row[key]) for key, name in _HISTORY_KEYS.items() if key in row}
            for row in self.net_.history
        ]

    @property
    def n_iter_(self) -> int:
        """Number of epochs run."""
        return len(self.net_.history)

    @property
    def loss_curve_(self) -> list[float]:
        """Training loss of each epoch."""
        return list(self.net_.history[:, "train_loss"])

    @property
    def best_validation_score_(self) -> float:
        """Best validation score, whose weights were kept. Only with early stopping."""
        stopper = dict(self.net_.callbacks_).get("early_stopping")
        if stopper is None:
            raise AttributeError("best_validation_score_ exists only with early_stopping=True.")
        return float(stopper.best_score_)

    @property
    def validation_scores_(self) -> list[float]:
        """Validation score of each epoch of the last fit. Only with early stopping."""
        self.best_validation_score_  # noqa: B018 - raises without early stopping
        return [row.get("valid_score", np.nan) for row in self.net_.history]


def _plain(value):
    """A numpy scalar as the Python number it holds."""
    return value.item() if isinstance(value, np.generic) else value
