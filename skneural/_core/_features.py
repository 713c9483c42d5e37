"""Estimators that are transformers too: the network's features of X."""

from __future__ import annotations

from sklearn.utils import TransformerTags


class FeaturesMixin:
    """``transform`` and ``fit_transform`` returning ``module_.network.features(X)``.

    For a family whose network has a ``features`` method (the pooled output
    of a pretrained backbone, say), so its features can feed any
    scikit-learn model; the input standardization is applied first.
    """

    def fit_transform(self, X, y, sample_weight=None):
        """Fit the network, then return the backbone's pooled features of X.

        Parameters
        ----------
        X : array-like or list of paths
            Training inputs.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets: the features are those of the network trained on them.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights of the loss.

        Returns
        -------
        features : ndarray of shape (n_samples, n_features)
            As :meth:`transform` returns them.
        """
        return self.fit(X, y, sample_weight=sample_weight).transform(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags = TransformerTags(preserves_dtype=["float32"])
        return tags

    def transform(self, X):
        """The backbone's pooled features of X, to feed another model.

        Parameters
        ----------
        X : array-like or list of paths
            Inputs, as in ``fit``.

        Returns
        -------
        features : ndarray of shape (n_samples, n_features)
            The network's ``features``: for the transfer estimators the
            backbone's pooled output (e.g. 512 features for resnet18, 2048
            for resnet50, 1280 for efficientnet_b0, 768 for vit_b_16; the
            user guide lists them per family).
        """

        def features(module, x):
            if hasattr(module, "standardize"):
                x = module.standardize(x)
            return module.network.features(x)

        return self._batched(X, features)
