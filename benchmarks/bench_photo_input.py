"""Images per second from a folder of photos: sequential decoding, skneural's threads, a DataLoader.

Photos: CIFAR-10 test images (``cifar10/cifar10-jpeg.tar.gz`` in the shared
datasets folder, see ``benchmarks/_datasets.py``), the same number of each
class, upscaled (bicubic) to photo sizes (500x375, 500x333, 375x500 and
500x400, in turn), with film grain and a smooth random texture added so
that they compress like photos (about 100 KB each at JPEG quality 90, as
ImageNet's), written in the ``ImageFolder`` layout to a temporary folder
deleted at the end. Nothing is written to the repository.

Each path feeds the same training step: the CNNClassifier's default network
(:class:`skneural.nn.ConvNet`, 3x64x64 input, 10 classes), Adam, batches of
64 (CNNClassifier's default), one torch thread (``n_threads=1``, the
default), uint8 batches converted to float and scaled per batch. One timed
epoch over every photo in shuffled order, per path and repeat:

- ``sequential, full decode (before)``: how skneural decoded files before
  the threaded path, one file after the other in the training thread, every
  JPEG decoded in full: ``ImageFiles(..., draft=False)`` outside
  ``ImageFiles.threads``, whose ``read_image(draft=False)`` is the previous
  ``read_image`` line for line;
- ``sequential, draft`` and ``threads, full decode``: each half of the change;
- ``threads + draft (fit's default)``: what a fit does now:
  ``ImageFiles(...)`` inside ``ImageFiles.threads(decode_threads(1))``
  (printed: the number of decoding threads on this machine), batches drawn
  by :class:`skneural._core._data.BatchIterator`, the next ones decoded while
  one trains;
- ``threads=k + draft``: the same with another number of decoding threads;
- ``torchvision ImageFolder + DataLoader(num_workers=2)``: the plain PyTorch
  loop, ``Resize((64, 64))`` (bilinear, antialiased: Pillow's resize, as
  skneural's) and ``PILToTensor``, ``batch_size=64, shuffle=True``; its
  worker processes start within the timed epoch, as they do in such a loop.

Then the same paths without the training step (decoding alone), and one
``CNNClassifier(image_size=(64, 64), max_epochs=1).fit(paths, labels)`` as a
user runs it (its channel statistics decode every photo once more), now and
with the previous decoding (``decode_threads`` patched to 0 and
``read_image`` to ``draft=False``). The paths run in turn within a repeat,
in a rotated order each repeat; printed: every run and the median images/s,
and the ratios of the medians.

Run: ``python benchmarks/bench_photo_input.py [--photos N] [--repeats R] [--quick]``,
alone on the machine; about 5 minutes on 2 cores with the defaults (1,500
photos, 2 repeats); ``--quick``: 200 photos, 1 repeat.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from unittest import mock

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).parent))
from _datasets import datasets_dir

from skneural import CNNClassifier
from skneural._core._data import BatchIterator, TensorData
from skneural._core._threads import decode_threads, torch_threads
from skneural._inputs import _images
from skneural._inputs._images import ImageFiles
from skneural.nn import ConvNet
from skneural.utils import load_image_folder

SIZE = (64, 64)
BATCH = 64
PHOTO_SIZES = [(500, 375), (500, 333), (375, 500), (500, 400)]  # (width, height)


def make_photos(root: Path, n: int, seed=0):
    """Write ``n`` photo-like JPEGs (``root/<class>/<k>.jpg``) from CIFAR-10's test images."""
    archive = datasets_dir() / "cifar10" / "cifar10-jpeg.tar.gz"
    per_class = -(-n // 10)
    sources = {}
    with tarfile.open(archive) as tar:
        for member in tar:  # sorted: test/<class>/... first
            parts = member.name.split("/")
            if not member.isfile() or parts[0] != "test":
                continue
            files = sources.setdefault(parts[1], [])
            if len(files) < per_class:
                files.append(tar.extractfile(member).read())
            if len(sources) == 10 and all(len(f) == per_class for f in sources.values()):
                break
    rng = np.random.default_rng(seed)
    written = 0
    for k in range(per_class):
        for label, files in sorted(sources.items()):
            if written == n:
                return
            width, height = PHOTO_SIZES[written % len(PHOTO_SIZES)]
            image = Image.open(io.BytesIO(files[k])).convert("RGB")
            pixels = np.asarray(image.resize((width, height), Image.Resampling.BICUBIC), float)
            texture = rng.integers(0, 256, (height // 2, width // 2, 3), dtype=np.uint8)
            texture = Image.fromarray(texture).resize((width, height), Image.Resampling.BICUBIC)
            pixels += rng.normal(0, 12, pixels.shape) + 0.35 * (np.asarray(texture, float) - 128)
            folder = root / label
            folder.mkdir(exist_ok=True)
            photo = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
            photo.save(folder / f"{k:05d}.jpg", quality=90)
            written += 1


class TrainStep:
    """One optimizer step of CNNClassifier's default network on a uint8 batch."""

    def __init__(self, n_classes):
        torch.manual_seed(0)
        self.net = ConvNet(3, n_classes, SIZE)
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=1e-3)

    def __call__(self, X, y):
        X = X.float().div_(255).sub_(0.5)
        self.optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(self.net(X), y)
        loss.backward()
        self.optimizer.step()


def skneural_epoch(paths, targets, *, draft, threads, train):
    """One shuffled pass of skneural's batches; threads=0: in the calling thread."""
    files = ImageFiles(paths, 3, SIZE, draft=draft)
    data = TensorData(files, targets)
    step = TrainStep(10) if train else None
    start = time.perf_counter()
    with torch_threads(1), files.threads(threads):
        for X, y, _ in BatchIterator(data, BATCH, shuffle=True, seed=0):
            if step is not None:
                step(X, y)
    return time.perf_counter() - start


def dataloader_epoch(root, *, train, workers=2):
    from torch.utils.data import DataLoader
    from torchvision import datasets, transforms

    transform = transforms.Compose(
        [
            transforms.Resize(SIZE, interpolation=transforms.InterpolationMode.BILINEAR),
            transforms.PILToTensor(),
        ]
    )
    start = time.perf_counter()
    dataset = datasets.ImageFolder(root, transform=transform)
    generator = torch.Generator().manual_seed(0)
    loader = DataLoader(
        dataset, batch_size=BATCH, shuffle=True, num_workers=workers, generator=generator
    )
    step = TrainStep(len(dataset.classes)) if train else None
    with torch_threads(1):  # the workers run one thread each (DataLoader sets it)
        for X, y in loader:
            if step is not None:
                step(X, y)
    return time.perf_counter() - start


def previous_read_image(path, channels, size, *, draft=True):
    return READ_IMAGE(path, channels, size, draft=False)


READ_IMAGE = _images.read_image


def estimator_fit(paths, labels, *, before):
    clf = CNNClassifier(image_size=SIZE, max_epochs=1, random_state=0, device="cpu")
    start = time.perf_counter()
    if before:
        with (
            mock.patch("skneural._core._estimator.decode_threads", return_value=0),
            mock.patch.object(_images, "read_image", previous_read_image),
        ):
            clf.fit(paths, labels)
    else:
        clf.fit(paths, labels)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=1500)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="200 photos, 1 repeat")
    args = parser.parse_args()
    n, repeats = (200, 1) if args.quick else (args.photos, args.repeats)
    # torch's own setting is left as it is, as for a user's fit: the training
    # steps run in torch_threads(1), as a fit with n_threads=1 (the default)
    default_threads = decode_threads(1)
    other_threads = 1 if default_threads > 1 else 2
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "photos"
        root.mkdir()
        start = time.perf_counter()
        make_photos(root, n)
        paths, labels = load_image_folder(root)
        classes, targets = np.unique(labels, return_inverse=True)
        targets = torch.as_tensor(targets)
        sizes = [os.path.getsize(p) for p in paths]
        print(
            f"{len(paths)} photos in {len(classes)} class folders, {np.mean(sizes) / 1e3:.0f} KB "
            f"on average, written in {time.perf_counter() - start:.0f} s; {cpus} CPUs, "
            f"load average before: {os.getloadavg()[0]:.2f}; torch {torch.__version__}, "
            f"Pillow {Image.__version__}; repeats: {repeats}; images {SIZE}, batches of "
            f"{BATCH}, one torch thread (torch's setting: {torch.get_num_threads()}); "
            f"decode_threads(n_threads=1) = {default_threads}",
            flush=True,
        )
        paths = list(paths)
        skneural_epoch(paths[:128], targets[:128], draft=True, threads=2, train=True)  # warm-up

        def paths_for(train):
            return {
                "sequential, full decode (before)": lambda: skneural_epoch(
                    paths, targets, draft=False, threads=0, train=train
                ),
                "sequential, draft": lambda: skneural_epoch(
                    paths, targets, draft=True, threads=0, train=train
                ),
                f"threads={default_threads}, full decode": lambda: skneural_epoch(
                    paths, targets, draft=False, threads=default_threads, train=train
                ),
                f"threads={default_threads} + draft (fit's default)": lambda: skneural_epoch(
                    paths, targets, draft=True, threads=default_threads, train=train
                ),
                f"threads={other_threads} + draft": lambda: skneural_epoch(
                    paths, targets, draft=True, threads=other_threads, train=train
                ),
                "torchvision DataLoader(num_workers=2)": lambda: dataloader_epoch(
                    root, train=train
                ),
            }

        def run(title, runs, before, after, dataloader=None):
            print(f"\n{title}")
            times = {name: [] for name in runs}
            names = list(runs)
            for repeat in range(repeats):
                for name in names[repeat % len(names) :] + names[: repeat % len(names)]:
                    times[name].append(runs[name]())
            rates = {name: [len(paths) / t for t in ts] for name, ts in times.items()}
            medians = {name: statistics.median(r) for name, r in rates.items()}
            print(f"{'path':48} {'images/s':>9} {'x before':>9}  runs (images/s)")
            for name, rate in medians.items():
                each = " ".join(f"{r:.0f}" for r in rates[name])
                print(f"{name:48} {rate:9.0f} {rate / medians[before]:8.2f}x  {each}")
            ratio = medians[after] / medians[before]
            line = f"-> {after!r} / {before!r}: {ratio:.2f}x"
            if dataloader is not None:
                line += f"; / {dataloader!r}: {medians[after] / medians[dataloader]:.2f}x"
            print(line, flush=True)

        new = f"threads={default_threads} + draft (fit's default)"
        before = "sequential, full decode (before)"
        dataloader = "torchvision DataLoader(num_workers=2)"
        run(
            "(1) one epoch of the training step, decoding every photo",
            paths_for(True),
            before,
            new,
            dataloader,
        )
        run(
            "(2) decoding alone: one epoch, no training step",
            paths_for(False),
            before,
            new,
            dataloader,
        )
        run(
            "(3) CNNClassifier(image_size=(64, 64), max_epochs=1).fit(paths, labels), "
            "channel statistics included",
            {
                "fit, previous decoding": lambda: estimator_fit(paths, labels, before=True),
                "fit, now": lambda: estimator_fit(paths, labels, before=False),
            },
            "fit, previous decoding",
            "fit, now",
        )
        print(f"\nload average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
