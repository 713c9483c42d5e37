"""Utilities: the registry of public estimators, a Dask backend for joblib."""

from skneural.utils._dask import register_dask_backend
from skneural.utils._registry import all_estimators

__all__ = ["all_estimators", "register_dask_backend"]
