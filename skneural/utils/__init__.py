"""Utilities: the registry of skneural's public estimators."""

from skneural.utils._registry import all_estimators

__all__ = ["all_estimators"]
