"""The plain PyTorch modules."""

import pytest
import torch
from conftest import TINY

from skneural import CNNClassifier
from skneural.nn import ConvNet, ImageAugmentation, Standardize


@pytest.mark.parametrize("size", [(28, 28), (8, 8), (1, 1), (1, 17), (3, 2), (224, 160)])
@pytest.mark.parametrize("n_conv_layers", [1, 2, 4])
def test_convnet_fits_any_input_size(size, n_conv_layers):
    net = ConvNet(3, 5, size, n_conv_layers=n_conv_layers, n_filters=4, hidden_units=8)
    assert net(torch.zeros(2, 3, *size)).shape == (2, 5)


def test_convnet_default_is_the_classic_network():
    net = ConvNet(1, 10, (28, 28))
    convs = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [(c.out_channels, c.kernel_size) for c in convs] == [(32, (3, 3)), (64, (3, 3))]
    assert sum(isinstance(m, torch.nn.MaxPool2d) for m in net.modules()) == 2
    linears = [m for m in net.modules() if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(64 * 7 * 7, 128), (128, 10)]
    assert [m.p for m in net.modules() if isinstance(m, torch.nn.Dropout)] == [0.2]


def test_standardize():
    layer = Standardize(
        torch.tensor([1.0, 2.0]).view(1, 2, 1, 1), torch.tensor([2.0, 4.0]).view(1, 2, 1, 1)
    )
    x = torch.ones(1, 2, 1, 1) * 5
    assert layer(x).flatten().tolist() == [2.0, 0.75]
    assert set(dict(layer.named_buffers())) == {"mean", "std"}


def test_flips_are_exact_and_drawn_per_image():
    torch.manual_seed(0)
    x = torch.rand(64, 2, 5, 6)
    out = ImageAugmentation(horizontal_flip=True)(x)
    flipped = torch.tensor([torch.equal(o, xi.flip(-1)) for o, xi in zip(out, x, strict=True)])
    kept = torch.tensor([torch.equal(o, xi) for o, xi in zip(out, x, strict=True)])
    assert torch.all(flipped ^ kept)  # each image either mirrored or untouched
    assert 10 < flipped.sum() < 54  # both happen within one batch
    out = ImageAugmentation(vertical_flip=True)(x)
    assert all(
        torch.equal(o, xi.flip(-2)) or torch.equal(o, xi) for o, xi in zip(out, x, strict=True)
    )


def test_rotation_is_per_image_and_geometric():
    torch.manual_seed(0)
    # a bright bar along the middle row of each image
    x = torch.zeros(32, 1, 21, 21)
    x[:, :, 10, :] = 1
    out = ImageAugmentation(rotation=90)(x)
    assert out.shape == x.shape
    # different images were turned by different angles
    assert len({tuple(o.flatten().round(decimals=3).tolist()) for o in out}) == 32
    # rotation keeps the bar through the centre pixel and moves it off the middle row
    assert torch.all(out[:, 0, 10, 10] > 0.5)
    assert (out[:, 0, 10, :].sum(dim=1) < x[:, 0, 10, :].sum(dim=1) - 1).float().mean() > 0.5


def test_shift_moves_content():
    torch.manual_seed(0)
    x = torch.zeros(16, 1, 9, 9)
    x[:, :, 4, 4] = 1
    out = ImageAugmentation(shift=0.3)(x)
    centres = [divmod(int(o.argmax()), 9) for o in out]
    assert len(set(centres)) > 4


def test_no_augmentation_is_inactive():
    assert not ImageAugmentation().active
    assert ImageAugmentation(zoom=0.1).active


def test_augmentation_applies_to_training_batches_only(digits):
    """The network sees augmented images in training, the raw ones at prediction."""
    X, y = digits
    seen = {"train": [], "eval": []}

    from skorch.callbacks import Callback

    class Spy(Callback):
        def on_train_begin(self, net, **kwargs):
            def hook(module, inputs):
                seen["train" if module.training else "eval"].append(inputs[0].detach().clone())

            net.module_.register_forward_pre_hook(hook)

    clf = CNNClassifier(horizontal_flip=True, callbacks=[Spy()], random_state=0, **TINY)
    clf.fit(X, y)
    raw = torch.tensor(X.reshape(-1, 1, 8, 8), dtype=torch.float32)
    train_images = torch.cat(seen["train"])
    mirrored = {tuple(img.flip(-1).flatten().tolist()) for img in raw}
    originals = {tuple(img.flatten().tolist()) for img in raw}
    as_seen = [tuple(img.flatten().tolist()) for img in train_images]
    n_mirrored = sum(img in mirrored and img not in originals for img in as_seen)
    assert 0.3 < n_mirrored / len(as_seen) < 0.7
    clf.predict(X)
    predicted = torch.cat(seen["eval"])
    # 400 images in batches of 32: the last batch (rows 384-399) is padded to
    # full size with 16 copies of its first row
    assert predicted.shape == (416, 1, 8, 8)
    assert torch.equal(predicted[:400], raw)
    assert torch.equal(predicted[400:], raw[384:385].expand(16, 1, 8, 8))


@pytest.mark.parametrize(
    ("spatial_dims", "pooling", "padded"),
    [(2, "max", False), (3, "max", False), (2, "avg", False), (1, "max", True), (1, "avg", True)],
)
def test_blocks_compute_conv_relu_pool(spatial_dims, pooling, padded):
    """A block is conv -> ReLU -> pool, whatever order it runs them in (max pools first)."""
    import torch.nn.functional as F

    torch.manual_seed(0)
    size = {1: (9,), 2: (6, 7), 3: (4, 5, 6)}[spatial_dims]
    net = ConvNet(2, 3, size, n_conv_layers=1, n_filters=4, pooling=pooling, head="gap")
    block = net.blocks[0]
    x = torch.randn(5, 2, *size, requires_grad=True)
    mask = None
    if padded:
        lengths = torch.tensor([9, 3, 8, 1, 9])
        mask = (torch.arange(9) < lengths[:, None]).float().unsqueeze(1)
    out, _ = block(x, mask)
    reference = F.relu(block.conv(x))
    if mask is None:
        reference = block.pool(reference)
    else:
        reference = reference * mask
        pooled_mask = F.max_pool1d(mask, 2, ceil_mode=True)
        reference = block.pool(reference)
        if pooling == "avg":
            reference = reference / block.pool(mask).clamp(min=1e-6)
        reference = reference * pooled_mask
    torch.testing.assert_close(out, reference)
    weights = torch.randn_like(out)
    (grad,) = torch.autograd.grad((out * weights).sum(), x)
    (expected,) = torch.autograd.grad((reference * weights).sum(), x)
    torch.testing.assert_close(grad, expected)
