"""Convolutional network estimators for images."""

from __future__ import annotations

from numbers import Integral, Real

from sklearn.utils._param_validation import Interval

from skneural._base import BaseNeuralClassifier, BaseNeuralRegressor
from skneural._docs import fill_doc
from skneural._images import AUGMENTATION_CONSTRAINTS, ImageInputMixin
from skneural.nn import ConvNet


class _CNNMixin(ImageInputMixin):
    """Image input (arrays or files), augmentation and the ConvNet, for both tasks."""

    _cnn_parameter_constraints: dict = {
        "image_shape": [tuple, list, None],
        "image_size": [tuple, list, None],
        "n_conv_layers": [Interval(Integral, 1, None, closed="left")],
        "n_filters": [Interval(Integral, 1, None, closed="left")],
        "kernel_size": [Interval(Integral, 1, None, closed="left")],
        "hidden_units": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "batch_norm": ["boolean"],
        **AUGMENTATION_CONSTRAINTS,
    }

    def _build_network(self, n_outputs):
        channels, height, width = self.image_shape_
        return ConvNet(
            channels,
            n_outputs,
            (height, width),
            n_conv_layers=self.n_conv_layers,
            n_filters=self.n_filters,
            kernel_size=self.kernel_size,
            hidden_units=self.hidden_units,
            dropout=self.dropout,
            batch_norm=self.batch_norm,
        )


@fill_doc
class CNNClassifier(_CNNMixin, BaseNeuralClassifier):
    """Convolutional neural network classifier for images.

    A scikit-learn classifier training a PyTorch :class:`~skneural.nn.ConvNet`
    through skorch: labels of any kind, any numeric input dtype, CPU or CUDA,
    and every parameter searchable by ``GridSearchCV`` and friends.

    The default network is the classic one: conv 32 3x3 -> max pool 2 ->
    conv 64 3x3 -> max pool 2 -> dense 128 ReLU -> dropout 0.2 -> output.

    Parameters
    ----------
    image_shape : tuple of int or None, default=None
        ``(height, width)`` or ``(channels, height, width)`` of the images when
        X is flat, of shape ``(n_samples, n_features)``. If None, a flat X
        whose length is a perfect square is read as a one-channel square image
        (so scikit-learn's digits, ``(n, 64)``, are 8x8 images), and any other
        length as a one-row image.
    image_size : tuple of int or None, default=None
        ``(height, width)`` to which image files are resized when X is a list
        of file paths; None for the size of the first file. Arrays are not
        resized.
    n_conv_layers : int, default=2
        Number of convolution blocks (conv -> [batch norm] -> ReLU -> max pool).
    n_filters : int, default=32
        Filters of the first block; each further block doubles them.
    kernel_size : int, default=3
        Side of the square convolution kernels (``same`` padding).
    hidden_units : int, default=128
        Units of the dense layer after the convolutions.
    dropout : float, default=0.2
        Dropout probability after the dense layer.
    batch_norm : bool, default=False
        Whether to add batch normalization after each convolution.
    rotation : float, default=0.0
        Train-time augmentation: largest random rotation, in degrees.
    shift : float, default=0.0
        Train-time augmentation: largest random shift, as a fraction of the
        image's height and width.
    zoom : float, default=0.0
        Train-time augmentation: largest random zoom, relative.
    horizontal_flip : bool, default=False
        Train-time augmentation: flip each image left-right with probability 1/2.
    vertical_flip : bool, default=False
        Train-time augmentation: flip each image upside down with probability 1/2.
    %(classifier_loss)s
    %(training)s
    %(class_weight)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    image_shape_ : tuple of int
        ``(channels, height, width)`` of the images the network takes.
    %(fitted)s

    See Also
    --------
    CNNRegressor : The same network for regression.
    sklearn.neural_network.MLPClassifier : A dense network, without convolutions.

    Notes
    -----
    X may be ``(n, height, width)``, ``(n, channels, height, width)`` or flat
    ``(n, features)`` (see ``image_shape``), of any numeric dtype; ``uint8``
    images are kept as such in memory and converted to float per batch on the
    device. Augmentation is drawn per image, on the batch, only in training.

    X may also be a list or array of image file paths (``str`` or
    ``pathlib.Path``; JPEG, PNG and whatever else Pillow reads). The files
    are decoded per batch, so memory is bounded by the batch, not the
    dataset; they get one channel if every training image is grayscale, else
    three (RGB; palette images converted, alpha dropped), and are resized to
    ``image_size``. Files decode to 8-bit pixels, as ``uint8`` arrays hold
    them: a model fitted on files predicts on files or on ``uint8`` arrays of
    its ``image_shape_`` alike, and the other way round. With
    ``normalize=True`` the channel statistics are computed from all training
    images, decoded in chunks.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skneural import CNNClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = CNNClassifier(random_state=0).fit(X[:1000], y[:1000])
    >>> clf.image_shape_
    (1, 8, 8)
    >>> clf.predict_proba(X[1000:1003]).shape
    (3, 10)
    >>> clf.score(X[1000:], y[1000:]) > 0.9
    True
    """

    _parameter_constraints: dict = {
        **BaseNeuralClassifier._parameter_constraints,
        **_CNNMixin._cnn_parameter_constraints,
    }

    def __init__(
        self,
        *,
        image_shape=None,
        image_size=None,
        n_conv_layers=2,
        n_filters=32,
        kernel_size=3,
        hidden_units=128,
        dropout=0.2,
        batch_norm=False,
        rotation=0.0,
        shift=0.0,
        zoom=0.0,
        horizontal_flip=False,
        vertical_flip=False,
        loss="cross_entropy",
        optimizer="adam",
        lr=2e-3,
        momentum=0.9,
        weight_decay=0.0,
        batch_size=64,
        max_epochs="auto",
        lr_schedule="cosine",
        lr_decay=0.1,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        tol=1e-4,
        scoring=None,
        clip_grad_norm=None,
        normalize=True,
        class_weight=None,
        random_state=None,
        device="auto",
        verbose=0,
        warm_start=False,
        tensorboard_dir=None,
        callbacks=None,
    ):
        self.image_shape = image_shape
        self.image_size = image_size
        self.n_conv_layers = n_conv_layers
        self.n_filters = n_filters
        self.kernel_size = kernel_size
        self.hidden_units = hidden_units
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.rotation = rotation
        self.shift = shift
        self.zoom = zoom
        self.horizontal_flip = horizontal_flip
        self.vertical_flip = vertical_flip
        self.class_weight = class_weight
        super().__init__(
            loss=loss,
            optimizer=optimizer,
            lr=lr,
            momentum=momentum,
            weight_decay=weight_decay,
            batch_size=batch_size,
            max_epochs=max_epochs,
            lr_schedule=lr_schedule,
            lr_decay=lr_decay,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            scoring=scoring,
            clip_grad_norm=clip_grad_norm,
            normalize=normalize,
            random_state=random_state,
            device=device,
            verbose=verbose,
            warm_start=warm_start,
            tensorboard_dir=tensorboard_dir,
            callbacks=callbacks,
        )


@fill_doc
class CNNRegressor(_CNNMixin, BaseNeuralRegressor):
    """Convolutional neural network regressor for images.

    The network of :class:`CNNClassifier` with one linear output per target.
    Targets are standardized for training and mapped back by ``predict``;
    several targets (``y`` of shape ``(n_samples, n_outputs)``) train one
    network with several outputs.

    Parameters
    ----------
    image_shape : tuple of int or None, default=None
        ``(height, width)`` or ``(channels, height, width)`` of the images when
        X is flat. If None, a flat X whose length is a perfect square is read
        as a one-channel square image, any other length as a one-row image.
    image_size : tuple of int or None, default=None
        ``(height, width)`` to which image files are resized when X is a list
        of file paths; None for the size of the first file.
    n_conv_layers : int, default=2
        Number of convolution blocks (conv -> [batch norm] -> ReLU -> max pool).
    n_filters : int, default=32
        Filters of the first block; each further block doubles them.
    kernel_size : int, default=3
        Side of the square convolution kernels (``same`` padding).
    hidden_units : int, default=128
        Units of the dense layer after the convolutions.
    dropout : float, default=0.2
        Dropout probability after the dense layer.
    batch_norm : bool, default=False
        Whether to add batch normalization after each convolution.
    rotation : float, default=0.0
        Train-time augmentation: largest random rotation, in degrees.
    shift : float, default=0.0
        Train-time augmentation: largest random shift, as a fraction of the
        image's height and width.
    zoom : float, default=0.0
        Train-time augmentation: largest random zoom, relative.
    horizontal_flip : bool, default=False
        Train-time augmentation: flip each image left-right with probability 1/2.
    vertical_flip : bool, default=False
        Train-time augmentation: flip each image upside down with probability 1/2.
    %(regressor_loss)s
    %(training)s

    Attributes
    ----------
    n_outputs_ : int
        Number of targets.
    image_shape_ : tuple of int
        ``(channels, height, width)`` of the images the network takes.
    %(fitted)s

    See Also
    --------
    CNNClassifier : The same network for classification.

    Examples
    --------
    >>> import numpy as np
    >>> from skneural import CNNRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.rand(300, 8, 8).astype(np.float32)
    >>> y = 1000 + 50 * X[:, :4, :4].mean(axis=(1, 2))  # a brightness, far from 0
    >>> reg = CNNRegressor(max_epochs=30, random_state=0).fit(X, y)
    >>> reg.predict(X[:2]).shape
    (2,)
    >>> reg.score(X, y) > 0.5
    True
    """

    _parameter_constraints: dict = {
        **BaseNeuralRegressor._parameter_constraints,
        **_CNNMixin._cnn_parameter_constraints,
    }

    def __init__(
        self,
        *,
        image_shape=None,
        image_size=None,
        n_conv_layers=2,
        n_filters=32,
        kernel_size=3,
        hidden_units=128,
        dropout=0.2,
        batch_norm=False,
        rotation=0.0,
        shift=0.0,
        zoom=0.0,
        horizontal_flip=False,
        vertical_flip=False,
        loss="mse",
        optimizer="adam",
        lr=2e-3,
        momentum=0.9,
        weight_decay=0.0,
        batch_size=64,
        max_epochs="auto",
        lr_schedule="cosine",
        lr_decay=0.1,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        tol=1e-4,
        scoring=None,
        clip_grad_norm=None,
        normalize=True,
        random_state=None,
        device="auto",
        verbose=0,
        warm_start=False,
        tensorboard_dir=None,
        callbacks=None,
    ):
        self.image_shape = image_shape
        self.image_size = image_size
        self.n_conv_layers = n_conv_layers
        self.n_filters = n_filters
        self.kernel_size = kernel_size
        self.hidden_units = hidden_units
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.rotation = rotation
        self.shift = shift
        self.zoom = zoom
        self.horizontal_flip = horizontal_flip
        self.vertical_flip = vertical_flip
        super().__init__(
            loss=loss,
            optimizer=optimizer,
            lr=lr,
            momentum=momentum,
            weight_decay=weight_decay,
            batch_size=batch_size,
            max_epochs=max_epochs,
            lr_schedule=lr_schedule,
            lr_decay=lr_decay,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            scoring=scoring,
            clip_grad_norm=clip_grad_norm,
            normalize=normalize,
            random_state=random_state,
            device=device,
            verbose=verbose,
            warm_start=warm_start,
            tensorboard_dir=tensorboard_dir,
            callbacks=callbacks,
        )
