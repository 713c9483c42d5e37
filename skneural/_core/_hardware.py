"""What the hardware does fast: native bfloat16, and channels-last memory for convolutions.

``precision="auto"`` (every estimator's default) trains and predicts in
bfloat16 mixed precision where the device computes bfloat16 natively and
the family's network gains from it, and in float32 elsewhere:

- a CPU computes bfloat16 natively when it has AVX512-BF16 or AMX
  instructions *and* torch uses them: ATen's kernels run at AVX-512 level
  (``torch.backends.cpu.get_cpu_capability()``, which
  ``ATEN_CPU_CAPABILITY=avx2`` lowers) and oneDNN's instruction set is not
  capped below bfloat16 (``ONEDNN_MAX_CPU_ISA``). Elsewhere bfloat16 is
  emulated in float32 arithmetic, slower than float32 itself;
- a CUDA device does from compute capability 8.0 (Ampere) on;
- a family may decline on CPUs (``_cpu_bf16_pays()``): depthwise
  convolutions (EfficientNet, MobileNet) train slower in bfloat16 on CPUs
  than in float32.

Images and volumes use channels-last memory (``torch.channels_last``,
``torch.channels_last_3d``) on CPUs and CUDA devices alike: oneDNN's and
cuDNN's convolutions are faster in it, in float32 and bfloat16.
``benchmarks/bench_cpu_speed.py`` measures both.
"""

from __future__ import annotations

import os

import torch

PRECISIONS = ("auto", "32", "bf16-mixed", "16-mixed")

# the devices whose convolutions are faster on channels-last memory
CHANNELS_LAST_DEVICES = ("cpu", "cuda")

# oneDNN instruction-set caps (ONEDNN_MAX_CPU_ISA) below which bfloat16 is emulated
_ONEDNN_WITHOUT_BF16 = {
    "SSE41",
    "AVX",
    "AVX2",
    "AVX2_VNNI",
    "AVX2_VNNI_2",
    "AVX512_CORE",
    "AVX512_CORE_VNNI",
}


def _cpu_flag(name: str) -> bool:
    """Whether torch's cpuinfo reports the CPU feature ``name`` (False where torch cannot tell)."""
    check = getattr(torch.cpu, f"_is_{name}_supported", None)
    return bool(check()) if check is not None else False


def native_bf16_cpu() -> bool:
    """Whether this process's CPU kernels compute bfloat16 natively (see the module doc)."""
    if not (_cpu_flag("avx512_bf16") or _cpu_flag("amx_tile")):
        return False
    if not torch.backends.cpu.get_cpu_capability().startswith("AVX512"):
        return False
    cap = os.environ.get("ONEDNN_MAX_CPU_ISA") or os.environ.get("DNNL_MAX_CPU_ISA") or ""
    return cap.strip().upper() not in _ONEDNN_WITHOUT_BF16


def native_bf16(device: torch.device) -> bool:
    """Whether ``device`` computes bfloat16 natively: a CPU as above, CUDA from capability 8.0."""
    device = torch.device(device)
    if device.type == "cpu":
        return native_bf16_cpu()
    if device.type == "cuda":
        return torch.cuda.get_device_capability(device) >= (8, 0)
    return False


def resolve_precision(precision: str, device, *, cpu_bf16_pays: bool = True) -> str:
    """``precision`` with ``"auto"`` resolved for ``device`` (see the module doc)."""
    if precision != "auto":
        return precision
    device = torch.device(device)
    if device.type == "cpu" and not cpu_bf16_pays:
        return "32"
    return "bf16-mixed" if native_bf16(device) else "32"


# channels-last memory formats by tensor rank: images (N, C, H, W), volumes (N, C, D, H, W)
_CHANNELS_LAST = {4: torch.channels_last, 5: torch.channels_last_3d}


def channels_last(x: torch.Tensor) -> torch.Tensor:
    """An image or volume batch in channels-last memory; other tensors as they are."""
    layout = _CHANNELS_LAST.get(x.dim())
    return x if layout is None else x.contiguous(memory_format=layout)


def to_channels_last(module: torch.nn.Module) -> torch.nn.Module:
    """``module`` with its convolution weights in channels-last memory, in place.

    Volume networks (5-D weights) get ``channels_last_3d``, image networks
    ``channels_last``; other weights are left as they are.
    """
    ranks = {p.dim() for p in module.parameters()}
    layout = _CHANNELS_LAST[5] if 5 in ranks else _CHANNELS_LAST[4] if 4 in ranks else None
    return module if layout is None else module.to(memory_format=layout)
