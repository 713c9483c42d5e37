"""Utilities: the registry of public estimators, a Dask backend for joblib, image folders."""

from skneural.utils._dask import register_dask_backend
from skneural.utils._image_folder import load_image_folder
from skneural.utils._registry import all_estimators

__all__ = ["all_estimators", "load_image_folder", "register_dask_backend"]
