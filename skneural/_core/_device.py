"""Choosing the torch device an estimator trains on, and seeding it."""

from __future__ import annotations

import re
from contextlib import contextmanager

import torch

_CUDA_PATTERN = re.compile(r"cuda(?::(\d+))?")


def resolve_device(device) -> torch.device:
    """Turn the ``device`` parameter into a :class:`torch.device`.

    Parameters
    ----------
    device : str or torch.device
        ``"auto"`` (CUDA when available, else CPU), ``"cpu"``, ``"cuda"``,
        ``"cuda:<index>"`` or ``"mps"``. With several CUDA devices, ``"auto"``
        takes the one with the most free memory, so parallel fits (the
        workers of a search) spread over the devices instead of all landing
        on ``cuda:0``; a worker given its own device through
        ``CUDA_VISIBLE_DEVICES`` sees only that one and takes it.

    Raises
    ------
    ValueError
        If the string is not a device name, or names a device this machine
        does not have.
    """
    if isinstance(device, torch.device):
        device = str(device)
    if not isinstance(device, str):
        raise TypeError(
            f"device must be a str or torch.device, got {type(device).__name__} instead."
        )
    name = device.strip().lower()
    if name == "auto":
        if not torch.cuda.is_available():
            return torch.device("cpu")
        return torch.device("cuda", _freest_cuda_device())
    if name == "cpu":
        return torch.device("cpu")
    match = _CUDA_PATTERN.fullmatch(name)
    if match:
        if not torch.cuda.is_available():
            raise ValueError(
                f"device={device!r} was requested but CUDA is not available on this "
                "machine; use device='auto' (CUDA when present, else CPU) or device='cpu'."
            )
        index = int(match.group(1) or 0)
        count = torch.cuda.device_count()
        if index >= count:
            raise ValueError(
                f"device={device!r} was requested but this machine has {count} CUDA "
                f"device(s) (indices 0..{count - 1})."
            )
        return torch.device("cuda", index)
    if name == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise ValueError("device='mps' was requested but MPS is not available.")
        return torch.device("mps")
    raise ValueError(
        f"device must be 'auto', 'cpu', 'cuda', 'cuda:<index>' or 'mps'; got {device!r}."
    )


def _freest_cuda_device() -> int:
    """Index of the visible CUDA device with the most free memory (0 if only one).

    Ties go to the lowest index. ``CUDA_VISIBLE_DEVICES`` is honoured by
    CUDA itself: the indices are those of the visible devices.
    """
    count = torch.cuda.device_count()
    if count <= 1:
        return 0
    free = [torch.cuda.mem_get_info(index)[0] for index in range(count)]
    return max(range(count), key=lambda index: (free[index], -index))


@contextmanager
def torch_seed(seed: int, device: torch.device):
    """Seed torch's RNGs for a fit without touching the caller's RNG state."""
    devices = []
    if device.type == "cuda":
        devices = [device.index if device.index is not None else torch.cuda.current_device()]
    with torch.random.fork_rng(devices=devices):
        torch.random.default_generator.manual_seed(seed)
        for index in devices:
            with torch.cuda.device(index):
                torch.cuda.manual_seed(seed)
        yield
