"""ResNetClassifier / ResNetRegressor: pretrained weights, freezing, fine-tuning, features."""

import urllib.error

import numpy as np
import pytest
import torch
import torchvision
from conftest import bright_third_images
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from skneural import ResNetClassifier, ResNetRegressor
from skneural import _weights as weights_module
from skneural.nn import ResNetNet

# resnet18 on 8x8 images, one or two epochs: every stage still runs (down to 1x1)
FAST = dict(max_epochs=2, batch_size=24, random_state=0)


def _images(n=48, channels=3, side=8, seed=0):
    return bright_third_images(n, channels, side, seed)


pytestmark = pytest.mark.usefixtures("fresh_weight_cache")


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """A resnet18 state dict with a 1000-class fc and non-trivial BN statistics."""
    torch.manual_seed(1)
    model = torchvision.models.resnet18()
    model.train()
    with torch.no_grad():  # a few forward passes give the BN layers running statistics
        for _ in range(2):
            model(torch.randn(8, 3, 16, 16) * 2 + 0.5)
    path = tmp_path_factory.mktemp("weights") / "resnet18 pretrained.pth"
    torch.save(model.state_dict(), path)
    return path, {k: v.clone() for k, v in model.state_dict().items()}


def _backbone(est):
    return est.module_.network.backbone.state_dict()


def test_checkpoint_loads_and_frozen_backbone_is_untouched(checkpoint):
    path, state = checkpoint
    X, y = _images()
    clf = ResNetClassifier(weights=path, trainable_layers=0, **FAST).fit(X, y)
    backbone = _backbone(clf)
    assert "fc.weight" not in backbone  # the old classifier is gone
    for key, value in backbone.items():
        # every weight and every batch-norm statistic (running_mean, running_var,
        # num_batches_tracked) is still the checkpoint's
        assert torch.equal(value, state[key]), key
    head = clf.module_.network.head
    assert head[-1].out_features == 3
    # only the head was given to the optimizer, and only it has optimizer state
    optimizer = clf.net_.optimizer_
    params = [p for group in optimizer.param_groups for p in group["params"]]
    assert {id(p) for p in params} == {id(p) for p in head.parameters()}
    assert set(optimizer.state) <= set(params) and len(optimizer.state) == len(params)
    assert clf.predict(X).shape == (len(X),)


def test_last_stage_trains_first_stages_stay(checkpoint):
    path, state = checkpoint
    X, y = _images()
    clf = ResNetClassifier(weights=path, trainable_layers=1, **FAST).fit(X, y)
    backbone = _backbone(clf)
    for key, value in backbone.items():
        if key.startswith("layer4."):
            continue
        assert torch.equal(value, state[key]), key  # stem, layer1-3: weights and statistics
    changed = [
        k for k, v in backbone.items() if k.startswith("layer4.") and not torch.equal(v, state[k])
    ]
    assert "layer4.1.conv2.weight" in changed
    assert "layer4.1.bn2.running_mean" in changed  # a trainable stage's BN does learn statistics


def test_frozen_batch_norm_stays_in_eval_mode():
    net = ResNetNet("resnet18", 2, trainable_layers=2)
    net.train()
    b = net.backbone
    assert not b.bn1.training and not b.layer1[0].bn1.training and not b.layer2[1].bn2.training
    assert b.layer3[0].bn1.training and b.layer4[1].bn2.training and net.head.training
    net.eval()
    assert not b.layer4[1].bn2.training
    net.train()
    assert not b.layer2[1].bn2.training and b.layer3[0].bn1.training


@pytest.mark.parametrize("trainable_layers", [0, 1, 3, 5])
def test_backward_does_not_run_through_frozen_stages(trainable_layers):
    net = ResNetNet("resnet18", 2, trainable_layers=trainable_layers)
    net.train()
    grad_of = {}
    stages = ["layer1", "layer2", "layer3", "layer4"]
    for name in stages:
        getattr(net.backbone, name).register_forward_hook(
            lambda module, args, out, name=name: grad_of.__setitem__(name, out.requires_grad)
        )
    out = net.features(torch.randn(4, 3, 16, 16))
    n_frozen = 5 - trainable_layers
    # a frozen stage's output carries no graph: autograd stops at the first trainable stage
    assert grad_of == {name: i + 1 >= n_frozen for i, name in enumerate(stages)}
    assert out.requires_grad == (trainable_layers > 0)
    trainable = {n for n, p in net.backbone.named_parameters() if p.requires_grad}
    assert ("conv1.weight" in trainable) == (trainable_layers == 5)
    assert ("layer1.0.conv1.weight" in trainable) == (trainable_layers >= 4)
    assert ("layer4.0.conv1.weight" in trainable) == (trainable_layers >= 1)


def test_discriminative_learning_rates(checkpoint):
    path, _ = checkpoint
    X, y = _images()
    params = dict(FAST, max_epochs=1, lr_schedule="constant", lr=0.01)
    clf = ResNetClassifier(weights=path, trainable_layers=2, backbone_lr_factor=0.1, **params)
    clf.fit(X, y)
    lrs = {group["name"]: group["lr"] for group in clf.net_.optimizer_.param_groups}
    assert lrs == {"backbone": pytest.approx(0.001), "default": pytest.approx(0.01)}
    # without pretrained weights the whole network is new: one rate
    clf = ResNetClassifier(trainable_layers=5, backbone_lr_factor=0.1, **params).fit(X, y)
    lrs = [group["lr"] for group in clf.net_.optimizer_.param_groups]
    assert lrs == pytest.approx([0.01] * len(lrs))


def test_code_carrying_checkpoint_is_refused_without_running(tmp_path):
    marker = tmp_path / "code ran"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))  # unpickling would create the marker file

    path = tmp_path / "evil.pth"
    state = torchvision.models.resnet18().state_dict()
    torch.save({"state_dict": state, "extra": Payload()}, path)
    X, y = _images(n=12)
    with pytest.raises(ValueError, match=r"evil\.pth.*refused"):
        ResNetClassifier(weights=path, **FAST).fit(X, y)
    assert not marker.exists()
    # the test can fail: a plain unpickling does run the payload
    torch.load(path, weights_only=False)
    assert marker.exists()


def test_weights_are_read_once_per_process(checkpoint, monkeypatch):
    path, _ = checkpoint
    calls = []
    real_load = torch.load

    def counting_load(*args, **kwargs):
        calls.append(args[0])
        return real_load(*args, **kwargs)

    monkeypatch.setattr(weights_module.torch, "load", counting_load)
    X, y = _images(n=36)
    grid = {"trainable_layers": [0, 1], "lr": [1e-3, 1e-2]}
    params = dict(FAST, max_epochs=1, batch_size=36)  # one step per fit
    search = GridSearchCV(ResNetClassifier(weights=str(path), **params), grid, cv=2)
    search.fit(X, y)
    assert len(calls) == 1  # 8 fits and a refit, one read
    assert len(search.cv_results_["params"]) == 4
    assert set(search.best_params_) == {"trainable_layers", "lr"}
    assert search.best_estimator_.trainable_layers == search.best_params_["trainable_layers"]
    assert search.predict(X).shape == (36,)
    # a changed file is read again
    torch.save(real_load(path), path)
    weights_module.load_weights("resnet18", path)
    assert len(calls) == 2


@pytest.mark.parametrize(
    "wrap",
    [
        lambda s: s,
        lambda s: {"state_dict": s, "epoch": 3},
        lambda s: {"model": {f"module.{k}": v for k, v in s.items()}},
        lambda s: {f"network.backbone.{k}": v for k, v in s.items() if not k.startswith("fc.")},
    ],
    ids=["plain", "state_dict", "model-module-prefix", "skneural-module"],
)
def test_checkpoint_layouts(checkpoint, tmp_path, wrap):
    _, state = checkpoint
    path = tmp_path / "weights.pt"
    torch.save(wrap(state), path)
    pretrained = weights_module.load_weights("resnet18", path)
    net = ResNetNet("resnet18", 4, state_dict=pretrained.state_dict)
    for key, value in net.backbone.state_dict().items():
        assert torch.equal(value, state[key]), key


def test_checkpoint_mean_std_and_pixel_scale(checkpoint, tmp_path):
    _, state = checkpoint
    path = tmp_path / "gray.pth"
    torch.save({"state_dict": state, "mean": [0.1307], "std": [0.3081]}, path)
    X, y = _images(channels=1)
    clf = ResNetClassifier(weights=path, trainable_layers=0, **FAST).fit(X, y)
    # the checkpoint's statistics, for pixels in [0, 1], in module_.standardize
    standardize = clf.module_.standardize
    # uint8 pixels are read as 0-255: the statistics are scaled to that range
    assert_allclose(standardize.mean.flatten(), [0.1307 * 255] * 3, rtol=1e-6)
    assert_allclose(standardize.std.flatten(), [0.3081 * 255] * 3, rtol=1e-6)
    # float pixels are read as [0, 1]: the same images scaled give the same model
    clf_float = ResNetClassifier(weights=path, trainable_layers=0, **FAST)
    clf_float.fit(X.astype(np.float32) / 255, y)
    assert_allclose(clf_float.module_.standardize.mean.flatten(), [0.1307] * 3, rtol=1e-6)
    assert_allclose(
        clf_float.predict_proba(X.astype(np.float32) / 255), clf.predict_proba(X), atol=1e-5
    )


def test_checkpoint_of_another_arch(checkpoint, tmp_path):
    path, _ = checkpoint
    X, y = _images(n=12)
    with pytest.raises(ValueError, match=r"do not fit arch='resnet34'.*missing"):
        ResNetClassifier(arch="resnet34", weights=path, **FAST).fit(X, y)
    other = tmp_path / "not_a_resnet.pt"
    torch.save({"weight": torch.zeros(3)}, other)
    with pytest.raises(ValueError, match="not a ResNet state dict"):
        ResNetClassifier(weights=other, **FAST).fit(X, y)
    with pytest.raises(ValueError, match="no such file"):
        ResNetClassifier(weights=tmp_path / "missing.pth", **FAST).fit(X, y)


def test_torchvision_name_offline_says_how_to_pass_a_file(monkeypatch, tmp_path):
    def no_network(url, *args, **kwargs):
        raise urllib.error.URLError("[Errno -2] Name or service not known")

    monkeypatch.setattr(torchvision.models._api, "load_state_dict_from_url", no_network)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    X, y = _images(n=12)
    with pytest.raises(OSError, match=r"no network.*weights='/path/to/resnet18-f37072fd\.pth'"):
        ResNetClassifier(weights="DEFAULT", **FAST).fit(X, y)
    with pytest.raises(ValueError, match=r"IMAGENET1K_V1"):
        ResNetClassifier(weights="IMAGENET1K_V7", **FAST).fit(X, y)


def test_torchvision_name_loads_from_the_hub_cache_offline(checkpoint, monkeypatch, tmp_path):
    _, state = checkpoint
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    cached = tmp_path / "hub" / "checkpoints" / "resnet18-f37072fd.pth"
    cached.parent.mkdir(parents=True)
    torch.save(state, cached)
    X, y = _images()
    clf = ResNetClassifier(weights="IMAGENET1K_V1", trainable_layers=0, **FAST).fit(X, y)
    assert torch.equal(_backbone(clf)["layer2.0.conv1.weight"], state["layer2.0.conv1.weight"])
    # the weights' statistics (for [0, 1] pixels, scaled to uint8's 0-255), not the data's
    std = clf.module_.standardize.std.flatten()
    assert_allclose(std, np.array([0.229, 0.224, 0.225]) * 255, rtol=1e-6)


def test_safetensors_checkpoint(checkpoint, tmp_path):
    safetensors_torch = pytest.importorskip("safetensors.torch")
    _, state = checkpoint
    path = tmp_path / "weights.safetensors"
    safetensors_torch.save_file({k: v.contiguous() for k, v in state.items()}, str(path))
    net = ResNetNet(
        "resnet18", 2, state_dict=weights_module.load_weights("resnet18", path).state_dict
    )
    assert torch.equal(net.backbone.conv1.weight, state["conv1.weight"])


def test_transform_feeds_a_pipeline(digits):
    X, y = digits
    pipe = make_pipeline(
        ResNetClassifier(**dict(FAST, batch_size=50)),
        LogisticRegression(max_iter=500),
    )
    pipe.fit(X[:200], y[:200])  # the ResNet trains, then the regression on its features
    features = pipe[0].transform(X[300:])
    assert features.shape == (100, 512) and features.dtype == np.float32
    assert pipe.score(X[300:], y[300:]) > 0.6


def test_input_size_and_grayscale(digits_images):
    X, y = digits_images
    clf = ResNetClassifier(input_size=(16, 16), **dict(FAST, max_epochs=1)).fit(X[:64], y[:64])
    network = clf.module_.network
    assert network.input_size == (16, 16) and network.repeat_channels
    assert clf.image_shape_ == (1, 8, 8)
    seen = []
    network.backbone.conv1.register_forward_hook(lambda m, args, out: seen.append(args[0].shape))
    clf.predict(X[:3])
    assert seen[0][1:] == (3, 16, 16)


def test_regressor():
    rng = np.random.RandomState(0)
    X = rng.rand(64, 3, 8, 8).astype(np.float32)
    y = 100 + 10 * X[:, 0, :4, :4].mean(axis=(1, 2))
    reg = ResNetRegressor(**dict(FAST, batch_size=32)).fit(X, y)
    assert reg.predict(X[:5]).shape == (5,)
    assert abs(reg.predict(X).mean() - y.mean()) < 2  # predictions in the targets' units
    assert reg.transform(X[:2]).shape == (2, 512)


def test_parameter_errors():
    X, y = _images(n=12)
    with pytest.raises(ValueError, match="arch"):
        ResNetClassifier(arch="resnet7").fit(X, y)
    with pytest.raises(ValueError, match="trainable_layers"):
        ResNetClassifier(trainable_layers=6).fit(X, y)
    with pytest.raises(ValueError, match="input_size"):
        ResNetClassifier(input_size=(8,)).fit(X, y)
    with pytest.raises(ValueError, match="1 sample"):
        ResNetRegressor().fit(X[:1], [1.0])


def test_predictions_from_uint8_equal_manual_forward(checkpoint):
    path, _ = checkpoint
    X, y = _images()
    # float32: the module called by hand runs without autocast
    clf = ResNetClassifier(weights=path, precision="32", **FAST).fit(X, y)
    module = clf.module_.eval()
    with torch.no_grad():
        expected = module(torch.from_numpy(X).float()).numpy()
    assert_allclose(clf.decision_function(X), expected, rtol=1e-4, atol=1e-4)
    assert_array_equal(clf.predict(X), clf.classes_[expected.argmax(1)])


def test_resnet_net_pickles_refer_to_its_class_only_and_older_ones_are_refused():
    import io
    import pickle

    found = set()

    class Recording(pickle.Unpickler):
        def find_class(self, module, name):
            found.add((module, name))
            return super().find_class(module, name)

    net = ResNetNet("resnet18", 3, trainable_layers=1).eval()
    restored = Recording(io.BytesIO(pickle.dumps(net))).load()
    # the one skneural name a pickled network refers to is its class, which
    # stays where the pickles of main found it (the families are not pickled)
    assert {(m, n) for m, n in found if m.startswith("skneural")} == {
        ("skneural.nn._resnet", "ResNetNet")
    }
    x = torch.randn(2, 3, 16, 16)
    with torch.no_grad():
        assert torch.equal(restored(x), net(x))
    del net.__dict__["arch"]  # the state of a ResNetNet pickled before it was a TransferNet
    with pytest.raises(
        pickle.UnpicklingError,
        match=r"ResNetNet was pickled by an earlier development version of skneural "
        r"\(its state has no arch\)",
    ):
        pickle.loads(pickle.dumps(net))
