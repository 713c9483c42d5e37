"""Plots of training, searches and images, as scikit-learn-style Display objects.

Each Display follows :class:`sklearn.metrics.ConfusionMatrixDisplay`: a
``from_estimator`` class method (and other ``from_*`` ones where natural)
computes what to draw and plots it, ``plot(ax=None, ...)`` draws and returns
the display, and the matplotlib artists are kept in attributes ending in
``_`` (``figure_``, ``axes_``, ...).

matplotlib is an optional dependency: ``pip install "skneural[plot]"``. It is
imported only when a display draws, so importing this module does not need it.
"""

from skneural.plot._augmentation import AugmentationDisplay
from skneural.plot._history import TrainingHistoryDisplay
from skneural.plot._misclassified import MisclassifiedImagesDisplay
from skneural.plot._search import SearchResultsDisplay

__all__ = [
    "AugmentationDisplay",
    "MisclassifiedImagesDisplay",
    "SearchResultsDisplay",
    "TrainingHistoryDisplay",
]
