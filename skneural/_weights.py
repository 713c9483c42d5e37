"""Pretrained weights: torchvision names and local checkpoints, loaded once per process.

A search fits the same pretrained network many times (every fold of every
candidate); the weights are read (or downloaded) once and the state dict kept
in memory, so each fit only copies it into a freshly built network.

Local files are loaded with ``torch.load(weights_only=True)``: a checkpoint
holding anything but tensors and plain containers (a pickled model, or an
object whose unpickling would run code) is refused without being executed.
"""

from __future__ import annotations

import os
import pickle
from dataclasses import dataclass
from pathlib import Path

import torch
import torchvision

from skneural._core._params import Param
from skneural.nn._transfer import backbone_keys, describe_keys, family_of

# the parameter of the estimators that take pretrained weights
WEIGHTS = Param(
    "weights",
    None,
    [str, os.PathLike, None],
    "str, path or None",
    """Pretrained weights: None for a random initialization; a torchvision
    weight name for ``arch`` (``"DEFAULT"``, ``"IMAGENET1K_V1"``,
    ``"IMAGENET1K_V2"``, or ``"ResNet50_Weights.IMAGENET1K_V2"``), taken
    from torch's hub cache or downloaded there; or the path of a local
    checkpoint (``.pth``/``.pt``: a state dict, possibly wrapped as
    ``{"state_dict": ...}`` or ``{"model": ...}`` and with prefixed keys
    such as ``module.``; ``.safetensors`` with the safetensors package).
    Local files are read with ``torch.load(weights_only=True)``: a
    checkpoint that holds code is refused, never run. The old classifier
    (a ResNet's ``fc``) is dropped; a checkpoint of another architecture
    is an error naming the keys that do not fit. Weights are read once per
    process and reused by every fit (e.g. all the fits of a search).""",
)

# torchvision's convention for ImageNet weights (on pixels scaled to [0, 1]);
# assumed for local checkpoints that carry no statistics of their own.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

_CHECKPOINT_SUFFIXES = (".pth", ".pt", ".bin", ".ckpt", ".safetensors")

# (kind, identity) -> PretrainedWeights; identity is (path, mtime, size) for files
_CACHE: dict = {}


@dataclass(frozen=True)
class PretrainedWeights:
    """A backbone state dict with the normalization its training used."""

    state_dict: dict
    mean: tuple
    std: tuple
    source: str


def clear_cache() -> None:
    """Forget the weights loaded so far (they are read again on next use)."""
    _CACHE.clear()


def is_weight_file(weights) -> bool:
    """Whether ``weights`` names a local file rather than a torchvision weight name."""
    if isinstance(weights, os.PathLike):
        return True
    text = str(weights)
    return (
        os.sep in text
        or (os.altsep is not None and os.altsep in text)
        or text.lower().endswith(_CHECKPOINT_SUFFIXES)
        or Path(text).is_file()
    )


def load_weights(arch: str, weights) -> PretrainedWeights:
    """The pretrained weights ``weights`` of ``arch``, from the per-process cache if there.

    A file is read once; the backbone's entries are found in it (keys
    unprefixed) once per architecture.
    """
    if is_weight_file(weights):
        path = Path(weights).expanduser()
        if not path.is_file():
            raise ValueError(f"weights={str(weights)!r}: no such file.")
        path = path.resolve()
        stat = path.stat()
        key = ("file", str(path), stat.st_mtime_ns, stat.st_size)
        if key not in _CACHE:
            _CACHE[key] = _load_file(path)
        if (*key, arch) not in _CACHE:
            _CACHE[(*key, arch)] = _backbone_part(_CACHE[key], arch)
        return _CACHE[(*key, arch)]
    key = ("torchvision", arch, str(weights))
    if key not in _CACHE:
        _CACHE[key] = _load_torchvision(arch, str(weights))
    return _CACHE[key]


def _load_torchvision(arch: str, name: str) -> PretrainedWeights:
    enum = torchvision.models.get_model_weights(arch)
    short = name.split(".", 1)[1] if name.startswith(enum.__name__ + ".") else name
    try:
        weights = enum[short]
    except KeyError:
        options = ["DEFAULT", *(member.name for member in enum)]
        raise ValueError(
            f"weights={name!r} is neither a file nor one of torchvision's weights for "
            f"arch={arch!r}: {options}."
        ) from None
    try:
        state_dict = weights.get_state_dict(progress=False, weights_only=True)
    except OSError as exc:  # URLError, socket errors: no network, and not in the cache
        file_name = Path(weights.url).name
        hub = Path(torch.hub.get_dir()) / "checkpoints" / file_name
        raise OSError(
            f"Could not download the torchvision weights {enum.__name__}.{weights.name} "
            f"({weights.url}): {exc}. There seems to be no network, and the file is not "
            f"in torch's hub cache ({hub}). Download it where there is a network and either "
            f"copy it to {hub}, or pass the file itself: weights='/path/to/{file_name}'."
        ) from exc
    transforms = weights.transforms()
    return PretrainedWeights(
        state_dict=state_dict,
        mean=tuple(transforms.mean),
        std=tuple(transforms.std),
        source=f"{enum.__name__}.{weights.name}",
    )


def _load_file(path: Path) -> PretrainedWeights:
    """The tensors of a checkpoint file (keys as saved) and its normalization."""
    if path.suffix == ".safetensors":
        try:
            from safetensors.torch import load_file
        except ImportError:
            raise ImportError(
                f"weights={str(path)!r} is a safetensors file; reading it needs the "
                "safetensors package: pip install 'skneural[safetensors]'."
            ) from None
        checkpoint = load_file(str(path), device="cpu")
    else:
        try:
            checkpoint = torch.load(path, map_location="cpu", weights_only=True)
        except pickle.UnpicklingError as exc:
            raise ValueError(
                f"weights={str(path)!r} is not a plain checkpoint of tensors: it holds objects "
                "that would run code when unpickled, and was refused without loading them "
                "(skneural reads checkpoints with torch.load(weights_only=True)). Save "
                f"model.state_dict() instead of the model. torch said: {exc}"
            ) from None
        except (RuntimeError, EOFError, OSError) as exc:
            raise ValueError(
                f"weights={str(path)!r} could not be read as a PyTorch checkpoint: {exc}"
            ) from None
    state_dict, mean, std = _unwrap(checkpoint, path)
    return PretrainedWeights(state_dict=state_dict, mean=mean, std=std, source=str(path))


def _unwrap(checkpoint, path):
    """The tensors of a checkpoint and its normalization.

    Takes a plain state dict or one wrapped as ``{"state_dict": ...}``,
    ``{"model": ...}`` or ``{"model_state_dict": ...}``. A wrapper may hold
    ``"mean"`` and ``"std"`` (per channel, for pixels in [0, 1]); otherwise
    ImageNet's are assumed, as for torchvision's weights.
    """
    mean, std = IMAGENET_MEAN, IMAGENET_STD
    if not isinstance(checkpoint, dict):
        raise ValueError(
            f"weights={str(path)!r} holds a {type(checkpoint).__name__}, not a state dict."
        )
    for wrapper in ("state_dict", "model_state_dict", "model"):
        if isinstance(checkpoint.get(wrapper), dict):
            if "mean" in checkpoint and "std" in checkpoint:
                mean = tuple(float(v) for v in torch.as_tensor(checkpoint["mean"]).flatten())
                std = tuple(float(v) for v in torch.as_tensor(checkpoint["std"]).flatten())
            checkpoint = checkpoint[wrapper]
            break
    tensors = {k: v for k, v in checkpoint.items() if isinstance(v, torch.Tensor)}
    if len(mean) == 1:
        mean, std = mean * 3, std * 3
    return tensors, mean, std


def _backbone_part(weights: PretrainedWeights, arch: str) -> PretrainedWeights:
    """The entries of ``arch``'s backbone in a checkpoint, with torchvision's key names.

    The keys may carry a prefix (``module.``, ``backbone.``,
    ``network.backbone.``, ...): the one under which most keys are the
    backbone's is taken (the shortest of equals), and only the keys under
    it are kept.
    """
    family = family_of(arch)
    expected = backbone_keys(arch)
    counts: dict = {}
    for key in weights.state_dict:
        parts = key.split(".")
        for i in range(len(parts)):
            if ".".join(parts[i:]) in expected:
                prefix = ".".join(parts[:i]) + ("." if i else "")
                counts[prefix] = counts.get(prefix, 0) + 1
    if not counts:
        given = sorted(weights.state_dict)
        raise ValueError(
            f"weights={weights.source!r} is not a {family.title} state dict: none of its "
            f"keys is one of arch={arch!r}'s backbone, with or without a prefix. "
            f"{len(expected)} keys missing ({describe_keys(expected)}); {len(given)} keys "
            f"unexpected ({describe_keys(given)}). Is the checkpoint of another architecture?"
        )
    prefix = min(counts, key=lambda p: (-counts[p], len(p)))
    state_dict = {
        k[len(prefix) :]: v for k, v in weights.state_dict.items() if k.startswith(prefix)
    }
    return PretrainedWeights(state_dict, weights.mean, weights.std, weights.source)
