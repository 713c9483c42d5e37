"""Colour and crop augmentation: colour jitter, random crop with padding, random erasing."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
import torchvision.transforms.functional as TF
from conftest import TINY, needs_cuda
from PIL import Image
from sklearn.model_selection import GridSearchCV
from sklearn.utils._param_validation import InvalidParameterError
from skorch.callbacks import Callback

from skneural import CNNClassifier, CNNRegressor, ResNetClassifier
from skneural._inputs._images import AUGMENTATION
from skneural.nn import ImageAugmentation
from skneural.nn._layers import _blend, _gray, _shift_hue

NEW = ("brightness", "contrast", "saturation", "hue", "crop_padding", "erasing")
EVERYTHING = dict(
    brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1, crop_padding=2, erasing=0.5
)


def rgb_images(n=48, size=8, seed=0):
    """``n`` uint8 RGB images ``(n, 3, size, size)`` and two classes told apart by colour."""
    rng = np.random.RandomState(seed)
    y = np.arange(n) % 2
    X = rng.randint(0, 120, (n, 3, size, size)).astype(np.uint8)
    X[y == 1, 0] += 120  # the red ones
    return X, y


class _Shared(dict):
    def __deepcopy__(self, memo):
        return self


class Spy(Callback):
    """Keeps every batch the network receives, by mode: ``seen["train"]``, ``seen["eval"]``.

    The estimator works on a copy of its callbacks: ``seen`` is shared with the copies.
    """

    def __init__(self):
        self.seen = _Shared(train=[], eval=[])

    def on_train_begin(self, net, **kwargs):
        def hook(module, inputs):
            mode = "train" if module.training else "eval"
            self.seen[mode].append(inputs[0].detach().clone())

        net.module_.register_forward_pre_hook(hook)


# ----------------------------------------------------------------------------
# each operation on its own


def test_brightness_scales_each_image_by_a_factor_in_bounds():
    torch.manual_seed(0)
    x = torch.full((400, 1, 4, 4), 10.0)
    out = ImageAugmentation(brightness=0.5, value_range=(0, 255))(x)
    factors = out[:, 0, 0, 0] / 10
    assert torch.allclose(out, factors.view(-1, 1, 1, 1) * x)  # one factor per image
    assert factors.min() >= 0.5 and factors.max() <= 1.5
    assert factors.min() < 0.55 and factors.max() > 1.45  # the whole range is drawn
    # beyond 1: the factor starts at 0 (black), and pixels are clamped to the value range
    out = ImageAugmentation(brightness=3, value_range=(0, 20))(x)
    assert out.min() >= 0 and out.max() == 20 and (out[:, 0, 0, 0] < 1).any()


def test_contrast_keeps_the_gray_mean_and_scales_the_deviations():
    torch.manual_seed(0)
    x = 0.25 + 0.5 * torch.rand(200, 3, 6, 6)  # room for a contrast of 1.5 without clamping
    out = ImageAugmentation(contrast=0.5, value_range=(0, 1))(x)
    means = _gray(x).mean((1, 2, 3))
    # the luma weights add up to 0.9999
    torch.testing.assert_close(_gray(out).mean((1, 2, 3)), means, atol=1e-4, rtol=0)
    factors = (out - means.view(-1, 1, 1, 1)).std((1, 2, 3)) / (x - means.view(-1, 1, 1, 1)).std(
        (1, 2, 3)
    )
    assert factors.min() >= 0.5 - 1e-4 and factors.max() <= 1.5 + 1e-4
    assert factors.std() > 0.1  # per-image factors


def test_saturation_moves_toward_gray():
    torch.manual_seed(0)
    x = torch.rand(200, 3, 5, 5)
    gray = _gray(x)
    out = ImageAugmentation(saturation=1.0, value_range=(0, 1))(x)  # factors in [0, 2]
    # unclamped, each image is gray + factor * (x - gray), one factor per image
    scale = (out - gray).flatten(1).norm(dim=1) / (x - gray).flatten(1).norm(dim=1)
    assert scale.min() < 0.05 and 0 <= scale.min() and scale.max() <= 2 + 1e-5
    # a factor near 0 is nearly the grayscale image: every channel nearly equal
    nearly_gray = scale.argmin()
    spread = out[nearly_gray].amax(0) - out[nearly_gray].amin(0)
    assert spread.max() < 0.1 * (x[nearly_gray].amax(0) - x[nearly_gray].amin(0)).max()


@pytest.mark.parametrize("factor", [0.0, 0.5, 1.7])
def test_contrast_and_saturation_match_torchvision(factor):
    torch.manual_seed(0)
    x = torch.rand(4, 3, 7, 9)
    f = torch.full((4, 1, 1, 1), factor)
    contrast = _blend(x, _gray(x).mean((1, 2, 3), keepdim=True), f, 0, 1)
    saturation = _blend(x, _gray(x), f, 0, 1)
    torch.testing.assert_close(contrast, torch.stack([TF.adjust_contrast(i, factor) for i in x]))
    torch.testing.assert_close(
        saturation, torch.stack([TF.adjust_saturation(i, factor) for i in x])
    )


@pytest.mark.parametrize("shift", [0.0, 0.1, -0.3, 0.5, -0.5])
def test_hue_matches_torchvision(shift):
    torch.manual_seed(0)
    x = torch.rand(4, 3, 7, 9)
    ours = _shift_hue(x, torch.full((4,), shift))
    reference = torch.stack([TF.adjust_hue(image, shift) for image in x])
    torch.testing.assert_close(ours, reference, atol=1e-5, rtol=0)


def test_hue_keeps_gray_pixels_and_each_pixels_range():
    torch.manual_seed(0)
    x = torch.rand(100, 3, 6, 6) * 255
    x[:, :, :3] = x[:, :1, :3]  # the top half gray
    torch.manual_seed(1)
    out = ImageAugmentation(hue=0.5)(x)
    torch.testing.assert_close(out[:, :, :3], x[:, :, :3])
    torch.testing.assert_close(out.amax(1), x.amax(1))
    torch.testing.assert_close(out.amin(1), x.amin(1))
    assert not torch.allclose(out, x)
    # a linear function of the pixels: any scale and offset give the same picture
    torch.manual_seed(1)
    scaled = ImageAugmentation(hue=0.5)(x / 255 - 0.5)
    torch.testing.assert_close(scaled, out / 255 - 0.5, atol=1e-5, rtol=0)


def test_crop_padding_shifts_each_image_with_a_reflected_border():
    torch.manual_seed(0)
    n, size, pad = 300, 9, 3
    x = torch.arange(n * size * size, dtype=torch.float32).view(n, 1, size, size)  # all distinct
    out = ImageAugmentation(crop_padding=pad)(x)
    padded = F.pad(x, (pad, pad, pad, pad), mode="reflect")
    windows = padded.unfold(2, size, 1).unfold(3, size, 1)  # (n, 1, 2 pad + 1, 2 pad + 1, ...)
    moves = set()
    for i in range(n):
        # the output is one window of the reflect-padded image
        match = (windows[i, 0] == out[i, 0]).all(-1).all(-1).nonzero().tolist()
        assert len(match) == 1
        moves.add((match[0][0] - pad, match[0][1] - pad))
    assert moves == {(a, b) for a in range(-pad, pad + 1) for b in range(-pad, pad + 1)}


def test_crop_padding_larger_than_the_image_still_reflects():
    x = torch.arange(6.0).view(1, 1, 2, 3).repeat(50, 1, 1, 1)
    out = ImageAugmentation(crop_padding=5)(x)
    assert out.shape == x.shape and set(out.unique().tolist()) <= set(range(6))
    row = torch.arange(1.0, 4.0).view(1, 1, 1, 3).repeat(20, 1, 1, 1)  # 1-pixel-high images
    assert ImageAugmentation(crop_padding=4)(row).shape == row.shape


def test_erasing_rectangles_within_the_scale_and_ratio_bounds():
    torch.manual_seed(0)
    n, size = 2000, 32
    x = torch.ones(n, 1, size, size)
    out = ImageAugmentation(erasing=1.0, erasing_value=-1.0)(x)
    erased = out[:, 0] == -1
    assert torch.all((out == 1) | (out == -1))
    areas = erased.sum((1, 2)).float() / size**2
    assert areas.min() >= 0.01 and areas.max() <= 0.36  # 2% to 33%, up to rounding
    assert areas.mean() > 0.1
    for mask in erased[:200]:
        rows, cols = mask.any(1).nonzero().flatten(), mask.any(0).nonzero().flatten()
        if len(rows):
            # one filled rectangle
            height, width = rows.max() - rows.min() + 1, cols.max() - cols.min() + 1
            assert mask.sum() == height * width == len(rows) * len(cols)
            assert 0.2 <= float(height / width) <= 5  # ratio in [0.3, 3.3], up to rounding
    # the probability
    out = ImageAugmentation(erasing=0.3, erasing_value=-1.0)(x)
    rate = (out != 1).any(-1).any(-1).float().mean()
    assert 0.26 < rate < 0.34


def test_erasing_fills_with_the_batch_mean_per_channel():
    torch.manual_seed(0)
    x = torch.rand(64, 3, 12, 12) + torch.tensor([0.0, 10.0, 20.0]).view(1, 3, 1, 1)
    out = ImageAugmentation(erasing=1.0)(x)
    changed = out != x
    assert changed.any()
    mean = x.mean((0, 2, 3))
    for channel in range(3):
        torch.testing.assert_close(
            out[:, channel][changed[:, channel]].unique(), mean[channel : channel + 1]
        )


def test_draws_differ_between_images_and_keep_device_and_dtype():
    torch.manual_seed(0)
    x = torch.rand(1, 3, 10, 10, dtype=torch.float64).repeat(16, 1, 1, 1)
    for name, value in EVERYTHING.items():
        out = ImageAugmentation(**{name: value if name != "erasing" else 1.0})(x)
        assert out.dtype == torch.float64 and out.shape == x.shape
        distinct = {tuple(image.flatten().tolist()) for image in out}
        assert len(distinct) > 4, name


def test_inactive_and_repr():
    assert not ImageAugmentation().active
    for name in NEW:
        assert ImageAugmentation(**{name: 1 if name == "crop_padding" else 0.2}).active
    text = repr(ImageAugmentation(hue=0.1, crop_padding=4, value_range=(0, 255)))
    assert "hue=0.1" in text and "crop_padding=4" in text and "value_range=(0.0, 255.0)" in text
    # inactive operations draw nothing: the other draws stay as they were
    x = torch.rand(8, 1, 6, 6)
    torch.manual_seed(0)
    flipped = ImageAugmentation(horizontal_flip=True)(x)
    torch.manual_seed(0)
    torch.testing.assert_close(ImageAugmentation(horizontal_flip=True, hue=0.0)(x), flipped)


def test_module_checks_its_values_and_channels():
    with pytest.raises(ValueError, match=r"hue must be at most 0\.5"):
        ImageAugmentation(hue=0.6)
    with pytest.raises(ValueError, match="brightness must be >= 0"):
        ImageAugmentation(brightness=-1)
    with pytest.raises(ValueError, match="erasing is a probability"):
        ImageAugmentation(erasing=1.5)
    with pytest.raises(ValueError, match=r"hue=0.1 needs RGB images \(3 channels\); these have 4"):
        ImageAugmentation(hue=0.1)(torch.rand(2, 4, 5, 5))


@needs_cuda
def test_on_cuda():
    x = torch.rand(8, 3, 16, 16, device="cuda")
    out = ImageAugmentation(rotation=10, **EVERYTHING)(x)
    assert out.device == x.device and out.shape == x.shape


# ----------------------------------------------------------------------------
# in the estimators


@pytest.mark.parametrize("name", ["saturation", "hue"])
def test_colour_ops_on_one_channel_fail_at_fit(digits, name):
    X, y = digits
    with pytest.raises(ValueError, match=rf"{name}=0.2 needs RGB images.*these have 1 channel\."):
        CNNClassifier(**{name: 0.2}, **TINY).fit(X[:40], y[:40])


@pytest.mark.parametrize(
    "params, name",
    [
        (dict(hue=0.6), "hue"),
        (dict(brightness=-0.1), "brightness"),
        (dict(contrast="a lot"), "contrast"),
        (dict(saturation=-1), "saturation"),
        (dict(crop_padding=1.5), "crop_padding"),
        (dict(crop_padding=-2), "crop_padding"),
        (dict(erasing=1.2), "erasing"),
    ],
)
def test_parameter_validation_names_the_parameter(digits, params, name):
    X, y = digits
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
        CNNClassifier(**params, **TINY).fit(X[:20], y[:20])


def test_every_image_estimator_has_the_parameters():
    names = [p.name for p in AUGMENTATION]
    assert set(NEW) <= set(names)
    for Estimator in (CNNClassifier, CNNRegressor, ResNetClassifier):
        params = Estimator().get_params()
        assert {name: params[name] for name in NEW} == dict.fromkeys(NEW, 0)
        for name in NEW:
            assert f"\n    {name} : " in Estimator.__doc__


def test_training_batches_only_and_uint8_clamped():
    X, y = rgb_images()
    spy = Spy()
    clf = CNNClassifier(brightness=1.0, contrast=0.5, callbacks=[spy], random_state=0, **TINY)
    clf.fit(X, y)
    train = torch.cat(spy.seen["train"])
    assert train.min() >= 0 and train.max() <= 255 and (train == 255).any()
    raw = torch.as_tensor(X, dtype=torch.float32)
    seen = {tuple(image.flatten().tolist()) for image in raw}
    assert sum(tuple(image.flatten().tolist()) in seen for image in train) == 0
    first = clf.predict_proba(X)
    assert torch.equal(torch.cat(spy.seen["eval"])[: len(X)], raw)  # predict sees raw images
    np.testing.assert_array_equal(clf.predict_proba(X), first)  # deterministic
    # the augmentation parameters play no part in prediction
    clf.set_params(**dict.fromkeys(NEW, 0))
    np.testing.assert_array_equal(clf.predict_proba(X), first)
    clf.set_params(**EVERYTHING)
    np.testing.assert_array_equal(clf.predict_proba(X), first)


def test_reproducible_with_random_state():
    X, y = rgb_images()
    params = dict(EVERYTHING, rotation=5, horizontal_flip=True, **TINY)

    def state(random_state):
        clf = CNNClassifier(random_state=random_state, **params).fit(X, y)
        return [v.clone() for v in clf.module_.state_dict().values()], clf.predict_proba(X)

    (weights, proba), (weights_again, proba_again) = state(3), state(3)
    assert all(torch.equal(a, b) for a, b in zip(weights, weights_again, strict=True))
    np.testing.assert_array_equal(proba, proba_again)
    other, _ = state(4)
    assert not all(torch.equal(a, b) for a, b in zip(weights, other, strict=True))


def test_image_files_png_and_jpeg(tmp_path):
    X, y = rgb_images(n=24, size=10)
    paths = []
    for i, image in enumerate(X.transpose(0, 2, 3, 1)):
        path = tmp_path / (f"image_{i}.png" if i % 2 else f"image_{i}.jpg")
        Image.fromarray(image).save(path)
        paths.append(path)
    spy = Spy()
    clf = CNNClassifier(random_state=0, callbacks=[spy], **EVERYTHING, **TINY).fit(paths, y)
    assert clf.image_shape_ == (3, 10, 10)
    assert clf.predict(paths).shape == (24,)
    train = torch.cat(spy.seen["train"])
    assert train.min() >= 0 and train.max() <= 255
    # and the same model again from the same files
    again = CNNClassifier(random_state=0, **EVERYTHING, **TINY).fit(paths, y)
    np.testing.assert_array_equal(again.predict_proba(paths), clf.predict_proba(paths))


def test_regressor_and_float_arrays_are_clamped_to_the_batch_range(digits):
    X, _ = digits
    X = X[:64].reshape(-1, 8, 8)  # float, 0 to 16
    spy = Spy()
    reg = CNNRegressor(brightness=1.0, crop_padding=2, erasing=0.5, callbacks=[spy], **TINY)
    reg.fit(X, X.mean((1, 2)))
    for batch in spy.seen["train"]:
        assert batch.min() >= 0 and batch.max() <= 16


def test_grid_search_over_augmentation():
    X, y = rgb_images()
    search = GridSearchCV(
        CNNClassifier(random_state=0, **TINY),
        {"crop_padding": [0, 2], "hue": [0.0, 0.2]},
        cv=2,
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_augmentation_display_shows_the_new_operations(digits):
    import matplotlib

    matplotlib.use("Agg")
    from skneural.plot import AugmentationDisplay

    X, _ = digits
    images = X[:3].reshape(-1, 8, 8)
    display = AugmentationDisplay.from_estimator(
        CNNClassifier(crop_padding=2), images, n_images=3, n_draws=6, random_state=0
    )
    for image, draws in zip(images, display.augmented, strict=True):
        padded = np.pad(image, 2, mode="reflect")
        windows = {padded[i : i + 8, j : j + 8].tobytes() for i in range(5) for j in range(5)}
        assert all(draw.astype(image.dtype).tobytes() in windows for draw in draws)
        assert any(not np.array_equal(draw, image) for draw in draws)

    X_rgb, _ = rgb_images(n=4)
    clf = CNNClassifier(**EVERYTHING)
    display = AugmentationDisplay.from_estimator(clf, X_rgb, n_images=2, n_draws=3, random_state=0)
    assert display.augmented.shape == (2, 3, 8, 8, 3)
    assert display.augmented.min() >= 0 and display.augmented.max() <= 255
    assert not np.allclose(display.augmented[:, 0], display.images)
    with pytest.raises(ValueError, match=r"saturation=0\.3 needs RGB images"):
        AugmentationDisplay.from_estimator(CNNClassifier(saturation=0.3), images, n_images=1)


def test_erasing_area_bounds_match_torchvision_formula():
    """The drawn rectangle follows RandomErasing: sqrt(area * ratio) by sqrt(area / ratio)."""
    torch.manual_seed(0)
    size = 40
    out = ImageAugmentation(erasing=1.0, erasing_value=0.0, erasing_scale=(0.1, 0.1))(
        torch.ones(500, 1, size, size)
    )
    areas = (out == 0).sum((1, 2, 3)).float()
    target = 0.1 * size * size
    ratio_low, ratio_high = 0.3, 3.3
    # rounding both sides by up to half a pixel
    slack = math.sqrt(target * ratio_high) + math.sqrt(target / ratio_low) + 1
    assert (areas - target).abs().max() <= slack
