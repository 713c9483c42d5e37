"""A joblib backend for Dask whose searches survive a killed worker."""

from __future__ import annotations


class _BroadcastingClient:
    """A ``distributed.Client`` whose ``scatter`` puts the data on every worker."""

    def __init__(self, client):
        self._client = client

    def __getattr__(self, name):
        return getattr(self._client, name)

    def scatter(self, data, **kwargs):
        kwargs["broadcast"] = True
        return self._client.scatter(data, **kwargs)


def register_dask_backend(name: str = "dask-replicated") -> str:
    """Register joblib's Dask backend with every scattered argument on every worker.

    joblib's own ``"dask"`` backend scatters each argument over 1 kB (X, y,
    each fold's indices) to one worker. A worker killed while it holds the
    only copy takes the data with it, and the fits that need it are
    cancelled rather than rerun, which ends the search with an error. Under
    the backend registered here, joblib's in every other respect, the
    scattered data is copied to every worker, so Dask reruns a killed
    worker's fits on the others and the search finishes with the result it
    would have had. The price is one copy of the data per worker.

    Parameters
    ----------
    name : str, default="dask-replicated"
        The backend's name for ``joblib.parallel_config(backend=name)``.

    Returns
    -------
    name : str
        The name registered.

    Examples
    --------
    >>> import joblib
    >>> from skneural.utils import register_dask_backend
    >>> register_dask_backend()
    'dask-replicated'
    >>> # with distributed.Client(...):
    >>> #     with joblib.parallel_config(backend="dask-replicated"):
    >>> #         search.fit(X, y)
    """
    import joblib
    from joblib._dask import DaskDistributedBackend

    class ReplicatedDaskBackend(DaskDistributedBackend):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.client = _BroadcastingClient(self.client)

    joblib.register_parallel_backend(name, ReplicatedDaskBackend)
    return name
