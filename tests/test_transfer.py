"""TransferClassifier / TransferRegressor: every backbone family, with checkpoints made here.

Each family fits, predicts, pickles and transfers from a checkpoint of a
randomly initialized torchvision model saved by the test (no network), at
32x32 pixels (the smallest size VGG and ConvNeXt take).
"""

import pickle
import urllib.error

import numpy as np
import pytest
import torch
import torchvision
from conftest import bright_third_images
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.utils._param_validation import InvalidParameterError

from skneural import ResNetClassifier, TransferClassifier, TransferRegressor
from skneural import _weights as weights_module
from skneural.nn import TransferNet
from skneural.nn._families import ARCHS, FAMILIES, N_STAGES, family_of

FAST = dict(max_epochs=2, batch_size=24, random_state=0)

# one small architecture per family, and the width of its pooled features
FAMILY_ARCHS = {
    "resnet18": 512,
    "vgg11": 512,
    "efficientnet_b0": 1280,
    "mobilenet_v3_small": 576,
    "convnext_tiny": 768,
    "vit_b_16": 768,
}

# the first parameter of each of the five stages: the mapping of the user guide
FIRST_OF_STAGE = {
    "resnet18": ["conv1", "layer1.0", "layer2.0", "layer3.0", "layer4.0"],
    "vgg11": ["features.0", "features.3", "features.6", "features.11", "features.16"],
    "vgg11_bn": ["features.0", "features.4", "features.8", "features.15", "features.22"],
    "efficientnet_b0": ["features.0", "features.2", "features.3", "features.4", "features.6"],
    "efficientnet_v2_s": ["features.0", "features.2", "features.3", "features.4", "features.6"],
    "mobilenet_v3_small": ["features.0", "features.1", "features.2", "features.4", "features.9"],
    "mobilenet_v3_large": ["features.0", "features.2", "features.4", "features.7", "features.13"],
    "convnext_tiny": ["features.0", "features.1", "features.2", "features.4", "features.6"],
    "vit_b_16": [
        "conv_proj",
        "encoder.layers.encoder_layer_0.",
        "encoder.layers.encoder_layer_3.",
        "encoder.layers.encoder_layer_6.",
        "encoder.layers.encoder_layer_9.",
    ],
}


def _images(n=48, channels=3, side=32, seed=0):
    return bright_third_images(n, channels, side, seed)


pytestmark = pytest.mark.usefixtures("fresh_weight_cache")


def _torchvision_state(arch):
    """A randomly initialized torchvision model's state dict, batch norm statistics learned."""
    torch.manual_seed(1)
    model = torchvision.models.get_model(arch)  # ViT at its default 224x224
    if not arch.startswith("vit"):
        model.train()
        with torch.no_grad():  # a few forward passes give batch norm running statistics
            for _ in range(2):
                model(torch.randn(4, 3, 32, 32) * 2 + 0.5)
    state = model.state_dict()
    if arch.startswith("vgg"):
        # VGG's fully connected classifier (480 MB) is dropped by the estimator anyway
        state = {k: v for k, v in state.items() if not k.startswith("classifier.")}
    return {k: v.clone() for k, v in state.items()}


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    """``arch -> (path, state dict)``, made on first use."""
    folder = tmp_path_factory.mktemp("weights")
    made = {}

    def get(arch):
        if arch not in made:
            state = _torchvision_state(arch)
            path = folder / f"{arch}.pth"
            torch.save(state, path)
            made[arch] = path, state
        return made[arch]

    return get


def _stage_tensors(network, index):
    """ids of the parameters and buffers of stage ``index`` of a fitted network."""
    stage = network.stages()[index]
    tensors = [*stage.params]
    for module in stage.modules:
        tensors += [*module.parameters(), *module.buffers()]
    return {id(t) for t in tensors}


@pytest.mark.parametrize("arch", list(FAMILY_ARCHS))
def test_family_fits_predicts_pickles_and_transfers(arch, checkpoints):
    path, state = checkpoints(arch)
    X, y = _images()
    # ViT-B (86M weights, the smallest ViT) trains its head only here, which keeps
    # its pickle to the module (test_vit_resizes_to_input_size trains its last stage)
    trainable = 0 if arch.startswith("vit") else 1
    clf = TransferClassifier(arch=arch, weights=path, trainable_layers=trainable, **FAST)
    clf.fit(X, y)
    network = clf.module_.network
    assert network.family is FAMILIES[family_of(arch).name]

    # transfers: every entry of the frozen stages is still the checkpoint's
    # (weights and batch-norm statistics), the last stage (if it trains) has learned
    expected = dict(state)
    if arch.startswith("vit"):  # trained at 224x224: the position embedding is interpolated
        from torchvision.models.vision_transformer import interpolate_embeddings

        expected = interpolate_embeddings(32, 16, state)
        assert network.backbone.encoder.pos_embedding.shape == (1, 5, 768)
    last = _stage_tensors(network, N_STAGES - 1) if trainable else set()
    backbone = network.backbone.state_dict(keep_vars=True)
    assert not any(k.startswith(family_of(arch).head + ".") for k in backbone)
    changed = []
    for key, value in backbone.items():
        if id(value) in last:
            changed += [key] if not torch.equal(value.detach(), expected[key]) else []
        else:
            assert torch.equal(value.detach(), expected[key]), key
    learned = [k for k in changed if not k.endswith(("running_mean", "running_var", "_tracked"))]
    assert bool(learned) == bool(trainable)

    # discriminative rates; optimizer state only for the head and the last stage
    optimizer = clf.net_.optimizer_
    lrs = {group["name"]: group["lr"] for group in optimizer.param_groups}
    if trainable:
        assert lrs["backbone"] == pytest.approx(0.1 * lrs["default"])
    trained = [
        *network.head.parameters(),
        *(network.stages()[-1].parameters() if trainable else []),
    ]
    assert {id(p) for p in optimizer.state} == {id(p) for p in trained}
    # the weights' statistics (ImageNet's, for [0, 1] pixels) scaled to uint8's 0-255
    std = clf.module_.standardize.std.flatten()
    assert_allclose(std, np.array([0.229, 0.224, 0.225]) * 255, rtol=1e-6)

    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 3)
    assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(1)])
    features = clf.transform(X[:5])
    assert features.shape == (5, FAMILY_ARCHS[arch]) and features.dtype == np.float32

    restored = pickle.loads(pickle.dumps(clf))
    assert_array_equal(restored.predict_proba(X), proba)
    assert_array_equal(restored.transform(X[:5]), features)


@pytest.mark.parametrize(
    "arch",
    [
        arch if arch in FIRST_OF_STAGE else pytest.param(arch, marks=pytest.mark.slow)
        for arch in ARCHS
    ],
)
def test_every_arch_reads_as_five_stages(arch):
    """On the meta device (no memory, no computation): stages, widths, first convolution."""
    with torch.device("meta"):
        net = TransferNet(arch, 2, in_channels=2, trainable_layers=2)
        features = net.features(torch.zeros(1, 2, 224, 224))  # a new 2-channel first conv
    assert features.shape == (1, net.n_features)
    stages = net.stages()
    assert len(stages) == N_STAGES
    names = {id(p): name for name, p in net.backbone.named_parameters()}
    staged = [names[id(p)] for stage in stages for p in stage.parameters()]
    # every parameter of the backbone is in exactly one stage
    assert sorted(staged) == sorted(names.values())
    if arch in FIRST_OF_STAGE:
        firsts = [names[id(next(iter(stage.parameters())))] for stage in stages]
        for first, start in zip(firsts, FIRST_OF_STAGE[arch], strict=True):
            assert first.startswith(start), (first, start)
    # frozen stages: no gradients, eval mode (batch norm, dropout, stochastic depth)
    net.train()
    for i, stage in enumerate(stages):
        frozen = i < N_STAGES - 2
        assert all(p.requires_grad != frozen for p in stage.parameters())
        assert all(m.training != frozen for module in stage.modules for m in module.modules())


@pytest.mark.parametrize("arch", ["efficientnet_b0", "vit_b_16"])
def test_backward_stops_at_the_frozen_stages(arch):
    torch.manual_seed(0)
    net = TransferNet(arch, 2, trainable_layers=1, image_size=32)
    net.train()
    net(torch.randn(2, 3, 32, 32)).sum().backward()
    last = {id(p) for p in net.stages()[-1].parameters()}
    for name, p in net.backbone.named_parameters():
        assert (p.grad is not None) == (id(p) in last), name


def test_checkpoint_of_the_wrong_family(checkpoints, tmp_path):
    X, y = _images(n=12)
    vgg, _ = checkpoints("vgg11")
    # no key in common: the error names the keys on both sides
    with pytest.raises(
        ValueError,
        match=r"not an? EfficientNet state dict.*keys missing \(features\.0\.0\.weight.*"
        r"keys unexpected \(features\.0\.bias",
    ):
        TransferClassifier(arch="efficientnet_b0", weights=vgg, **FAST).fit(X, y)
    # keys in common (MobileNet and EfficientNet both have features.0.0.weight)
    mobilenet, _ = checkpoints("mobilenet_v3_small")
    with pytest.raises(
        ValueError,
        match=r"do not fit arch='efficientnet_b0': \d+ keys missing \(features\.1\.0\.block.*"
        r"\d+ keys unexpected \(features\.1\.block.*of another shape \(features\.0\.0\.weight",
    ):
        TransferClassifier(arch="efficientnet_b0", weights=mobilenet, **FAST).fit(X, y)
    # another architecture of the same family
    with pytest.raises(ValueError, match=r"do not fit arch='vgg13'.*missing \(features\.10\."):
        TransferClassifier(arch="vgg13", weights=vgg, **FAST).fit(X, y)


def test_checkpoint_layouts_of_a_new_family(checkpoints, tmp_path):
    _, state = checkpoints("mobilenet_v3_small")
    path = tmp_path / "wrapped.pt"
    # a whole skneural module_ (standardize, network.backbone, network.head), wrapped
    torch.save({"model": {f"network.backbone.{k}": v for k, v in state.items()}}, path)
    pretrained = weights_module.load_weights("mobilenet_v3_small", path)
    net = TransferNet("mobilenet_v3_small", 2, state_dict=pretrained.state_dict)
    for key, value in net.backbone.state_dict().items():
        assert torch.equal(value, state[key]), key


def test_torchvision_name_of_a_new_family_from_the_hub_cache(checkpoints, monkeypatch, tmp_path):
    _, state = checkpoints("mobilenet_v3_small")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    url = torchvision.models.MobileNet_V3_Small_Weights.IMAGENET1K_V1.url
    cached = tmp_path / "hub" / "checkpoints" / url.rsplit("/", 1)[1]
    cached.parent.mkdir(parents=True)
    torch.save(state, cached)
    X, y = _images(n=24)
    clf = TransferClassifier(
        arch="mobilenet_v3_small", weights="IMAGENET1K_V1", trainable_layers=0, **FAST
    ).fit(X, y)
    key = "features.3.block.1.0.weight"
    assert torch.equal(clf.module_.network.backbone.state_dict()[key], state[key])
    with pytest.raises(ValueError, match=r"IMAGENET1K_V1"):
        TransferClassifier(arch="mobilenet_v3_small", weights="IMAGENET1K_V9").fit(X, y)


def test_torchvision_name_offline_says_how_to_pass_a_file(monkeypatch, tmp_path):
    def no_network(url, *args, **kwargs):
        raise urllib.error.URLError("[Errno -2] Name or service not known")

    monkeypatch.setattr(torchvision.models._api, "load_state_dict_from_url", no_network)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    X, y = _images(n=12)
    with pytest.raises(OSError, match=r"no network.*weights='/path/to/efficientnet_b0_"):
        TransferClassifier(arch="efficientnet_b0", weights="DEFAULT").fit(X, y)


def test_image_size_errors_say_what_to_set():
    X, y = _images(n=12, side=8)
    with pytest.raises(
        ValueError, match=r"multiple of its patch size 16.*8x8.*input_size=\(16, 16\)"
    ):
        TransferClassifier(arch="vit_b_16").fit(X, y)
    with pytest.raises(ValueError, match=r"at least 32x32.*input_size=\(32, 32\)"):
        TransferClassifier(arch="vgg11").fit(X, y)
    with pytest.raises(ValueError, match=r"at least 32x32"):
        TransferClassifier(arch="convnext_tiny").fit(X, y)


def test_vit_resizes_to_input_size(digits_images):
    X, y = digits_images  # 8x8 grayscale, resized to 32x32 and repeated to 3 channels
    clf = TransferClassifier(arch="vit_b_32", input_size=(32, 32), trainable_layers=1, **FAST)
    clf.fit(X[:48], y[:48])
    assert clf.module_.network.backbone.image_size == 32
    assert clf.image_shape_ == (1, 8, 8)
    assert clf.predict(X[:3]).shape == (3,)


def test_unknown_arch_names_the_supported_ones():
    X, y = _images(n=12)
    with pytest.raises(InvalidParameterError, match=r"arch.*vit_b_16"):
        TransferClassifier(arch="alexnet").fit(X, y)
    with pytest.raises(ValueError, match=r"'alexnet' is not a supported.*convnext_tiny"):
        TransferNet("alexnet", 2)
    # ResNetClassifier keeps its ResNets
    with pytest.raises(InvalidParameterError, match="arch"):
        ResNetClassifier(arch="vgg11").fit(X, y)


def test_a_search_compares_architectures():
    from sklearn.model_selection import GridSearchCV

    X, y = _images(n=36)
    search = GridSearchCV(
        TransferClassifier(weights=None, max_epochs=1, batch_size=36, random_state=0),
        {"arch": ["mobilenet_v3_small", "efficientnet_b0"], "trainable_layers": [1]},
        cv=2,
    ).fit(X, y)
    assert set(search.cv_results_["param_arch"]) == {"mobilenet_v3_small", "efficientnet_b0"}
    assert search.best_estimator_.transform(X[:2]).shape[1] in (576, 1280)


def test_regressor():
    rng = np.random.RandomState(0)
    X = rng.rand(48, 3, 32, 32).astype(np.float32)
    y = 100 + 10 * X[:, 0, :16, :16].mean(axis=(1, 2))
    reg = TransferRegressor(arch="mobilenet_v3_small", **dict(FAST, batch_size=48)).fit(X, y)
    assert reg.predict(X[:5]).shape == (5,)
    assert abs(reg.predict(X).mean() - y.mean()) < 2  # predictions in the targets' units
    assert reg.transform(X[:2]).shape == (2, 576)
