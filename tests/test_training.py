"""What the shared training parameters do."""

import pickle
import re
from copy import deepcopy

import numpy as np
import pytest
import torch
from conftest import TINY, needs_cuda
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_digits
from sklearn.metrics import recall_score
from skorch.callbacks import Callback

from skneural import CNNClassifier, CNNRegressor, LSTMClassifier
from skneural._core._settings import n_epochs, training_batch_size
from skneural._core._training import AUTO_BUDGET
from skneural._lstm import RECURRENT_BUDGET
from skneural.utils import all_estimators

SUPERVISED = all_estimators(type_filter=["classifier", "regressor"])


def state_dict(estimator):
    return {k: v.detach().cpu().clone() for k, v in estimator.module_.state_dict().items()}


def assert_same_weights(a, b):
    sa, sb = state_dict(a), state_dict(b)
    assert sa.keys() == sb.keys()
    for key in sa:
        assert torch.equal(sa[key], sb[key]), key


class Record(Callback):
    """Keeps what a test wants to see from inside training."""

    def __init__(self):
        self.epochs = []
        self.grad_norms = []
        self.snapshots = {}

    def on_epoch_end(self, net, **kwargs):
        self.epochs.append(net.history[-1, "epoch"])
        self.snapshots[net.history[-1, "epoch"]] = deepcopy(net.module_.state_dict())

    def on_grad_computed(self, net, named_parameters, **kwargs):
        grads = [p.grad for _, p in named_parameters if p.grad is not None]
        self.grad_norms.append(
            torch.linalg.vector_norm(torch.stack([g.norm() for g in grads])).item()
        )


def recorded(estimator) -> Record:
    return next(cb for _, cb in estimator.net_.callbacks_ if isinstance(cb, Record))


# --- seeding ---------------------------------------------------------------


def test_same_random_state_gives_identical_models(digits):
    X, y = digits
    params = dict(TINY, rotation=10, shift=0.1, horizontal_flip=True, dropout=0.3)
    a = CNNClassifier(random_state=7, **params).fit(X, y)
    b = CNNClassifier(random_state=7, **params).fit(X, y)
    assert_same_weights(a, b)
    assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    c = CNNClassifier(random_state=8, **params).fit(X, y)
    assert not torch.equal(
        state_dict(a)["network.head.0.weight"], state_dict(c)["network.head.0.weight"]
    )


def test_seeded_fit_leaves_global_rng_alone(digits):
    X, y = digits
    torch.manual_seed(123)
    before = torch.get_rng_state()
    np.random.seed(5)
    np_before = np.random.get_state()[1].copy()
    CNNClassifier(random_state=0, **TINY).fit(X, y)
    assert torch.equal(torch.get_rng_state(), before)
    assert_array_equal(np.random.get_state()[1], np_before)


def test_unseeded_fits_differ(digits):
    X, y = digits
    a = CNNClassifier(**TINY).fit(X, y)
    b = CNNClassifier(**TINY).fit(X, y)
    assert not torch.equal(
        state_dict(a)["network.head.0.weight"], state_dict(b)["network.head.0.weight"]
    )


# --- optimizers and losses ----------------------------------------------------


@pytest.mark.parametrize(
    "name, cls",
    [
        ("sgd", torch.optim.SGD),
        ("adam", torch.optim.Adam),
        ("adamw", torch.optim.AdamW),
        ("rmsprop", torch.optim.RMSprop),
    ],
)
def test_optimizers(digits, name, cls):
    X, y = digits
    clf = CNNClassifier(
        optimizer=name,
        lr=0.01,
        weight_decay=1e-4,
        momentum=0.8,
        lr_schedule="constant",
        random_state=0,
        **TINY,
    ).fit(X, y)
    optimizer = clf.net_.optimizer_
    assert type(optimizer) is cls
    group = optimizer.param_groups[0]
    assert group["lr"] == 0.01 and group["weight_decay"] == 1e-4
    if name == "sgd":
        assert group["momentum"] == 0.8
    assert np.isfinite(clf.loss_curve_).all()


def _settings(clf):
    optimizer = clf.net_.optimizer_
    group = optimizer.param_groups[0]
    return type(optimizer), group["initial_lr"], group["weight_decay"]


@pytest.mark.parametrize(
    "params, expected",
    [
        # images: SGD (momentum 0.9) at 0.05 with weight decay 2e-3
        ({}, (torch.optim.SGD, 0.05, 2e-3)),
        # signals: Adam at 2e-3, no decay
        ({"spatial_dims": 1}, (torch.optim.Adam, 2e-3, 0.0)),
        # "auto" lr and decay follow the optimizer chosen
        ({"spatial_dims": 1, "optimizer": "sgd"}, (torch.optim.SGD, 0.05, 2e-3)),
        ({"optimizer": "adamw"}, (torch.optim.AdamW, 2e-3, 0.0)),
        # a value given is kept
        ({"lr": 0.01}, (torch.optim.SGD, 0.01, 2e-3)),
        ({"optimizer": "adam", "weight_decay": 1e-4}, (torch.optim.Adam, 2e-3, 1e-4)),
    ],
)
def test_cnn_auto_optimizer_lr_and_weight_decay(digits, params, expected):
    X, y = digits
    if params.get("spatial_dims") != 1:
        X = X.reshape(-1, 8, 8)
    clf = CNNClassifier(random_state=0, **params, **dict(TINY, max_epochs=1)).fit(X, y)
    assert (clf.optimizer, clf.lr, clf.weight_decay) == (
        params.get("optimizer", "auto"),
        params.get("lr", "auto"),
        params.get("weight_decay", "auto"),
    )  # stored as given
    assert _settings(clf) == expected
    if expected[0] is torch.optim.SGD:
        assert clf.net_.optimizer_.param_groups[0]["momentum"] == 0.9


def test_only_the_cnns_take_auto_optimizer_settings():
    from sklearn.utils._param_validation import InvalidParameterError

    from skneural import LSTMClassifier

    with pytest.raises(InvalidParameterError, match="optimizer"):
        LSTMClassifier(optimizer="auto").fit(np.zeros((4, 1, 5)), [0, 1, 0, 1])


def test_optimizer_class(digits):
    X, y = digits
    clf = CNNClassifier(optimizer=torch.optim.Adagrad, lr=0.05, random_state=0, **TINY).fit(X, y)
    assert type(clf.net_.optimizer_) is torch.optim.Adagrad
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]


def test_hinge_loss_gives_margins_not_probabilities(digits):
    X, y = digits
    clf = CNNClassifier(loss="hinge", random_state=0, max_epochs=8).fit(X, y)
    assert not hasattr(clf, "predict_proba")
    assert clf.decision_function(X).shape == (len(X), 10)
    assert clf.score(X, y) > 0.8


@pytest.mark.parametrize("loss", ["mse", "mae", "huber"])
def test_regression_losses(loss):
    rng = np.random.RandomState(0)
    X = rng.rand(300, 6, 6)
    y = 3 * X[:, :3, :3].mean(axis=(1, 2)) - 1
    reg = CNNRegressor(loss=loss, random_state=0, max_epochs=30).fit(X, y)
    assert reg.score(X, y) > 0.7


# --- epochs ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "n_samples, batch_size, epochs",
    [(60_000, 64, 12), (1_437, 64, 27), (400, 32, 47), (200, 64, 150), (2, 64, 200)],
)
def test_auto_epochs_give_small_data_enough_steps(n_samples, batch_size, epochs):
    assert n_epochs("auto", n_samples, batch_size, AUTO_BUDGET) == epochs


@pytest.mark.parametrize(
    "n_samples, batch_size, epochs",
    [
        (60_000, 64, 12),
        (32_000, 64, 12),
        (25_000, 64, 16),
        (1_437, 64, 261),
        (100, 10, 600),
        (36, 8, 600),
        (2, 64, 600),
    ],
)
def test_recurrent_auto_epochs_give_small_data_more_steps(n_samples, batch_size, epochs):
    assert n_epochs("auto", n_samples, batch_size, RECURRENT_BUDGET) == epochs
    assert n_epochs(7, n_samples, batch_size, RECURRENT_BUDGET) == 7


@pytest.mark.parametrize("name, Estimator", SUPERVISED, ids=[name for name, _ in SUPERVISED])
def test_each_estimator_documents_its_automatic_budget(name, Estimator):
    budget = Estimator()._auto_budget()
    assert budget.describe() in " ".join(Estimator.__doc__.split())
    assert budget == (RECURRENT_BUDGET if name.startswith("LSTM") else AUTO_BUDGET)


@pytest.mark.parametrize(
    "n_samples, batch_size", [(60_000, 64), (640, 64), (639, 63), (100, 10), (36, 8), (3, 8)]
)
def test_auto_batch_size_is_a_tenth_of_small_data(n_samples, batch_size):
    assert training_batch_size("auto", n_samples) == batch_size
    assert training_batch_size(32, n_samples) == 32


def test_auto_and_fixed_epochs_in_fit(digits):
    X, y = digits
    auto = CNNClassifier(**dict(TINY, max_epochs="auto")).fit(X, y)
    assert auto.n_iter_ == 47 == len(auto.history_)  # 400 samples, 13 batches of 32
    fixed = CNNClassifier(**dict(TINY, max_epochs=5)).fit(X, y)
    assert fixed.n_iter_ == 5
    # early stopping counts the training part only: 360 samples, 12 batches
    held_out = CNNClassifier(
        early_stopping=True, n_iter_no_change=100, **dict(TINY, max_epochs="auto")
    ).fit(X, y)
    assert held_out.n_iter_ == 50


def test_lstm_auto_epochs_in_fit():
    # 20 sequences, in batches of 8: 3 steps an epoch, 600 epochs (the CNNs' budget: 200)
    rng = np.random.RandomState(0)
    X, y = rng.randn(20, 1, 3).astype(np.float32), np.arange(20) % 2
    lstm = LSTMClassifier(hidden_units=2, dense_units=None, random_state=0).fit(X, y)
    assert lstm.n_iter_ == 600 == len(lstm.history_)


# --- learning-rate schedules ----------------------------------------------------


def lrs(estimator):
    return np.array([row["lr"] for row in estimator.history_])


def test_cosine_schedule_decays_to_zero(digits):
    X, y = digits
    clf = CNNClassifier(
        lr_schedule="cosine", lr=0.01, random_state=0, **dict(TINY, max_epochs=6)
    ).fit(X, y)
    recorded_lrs = lrs(clf)
    assert recorded_lrs[0] == 0.01
    assert np.all(np.diff(recorded_lrs) < 0)
    assert clf.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(0.0, abs=1e-12)


def test_step_schedule(digits):
    X, y = digits
    clf = CNNClassifier(
        lr_schedule="step", lr=0.01, lr_decay=0.5, random_state=0, **dict(TINY, max_epochs=8)
    ).fit(X, y)
    assert_allclose(lrs(clf), [0.01] * 4 + [0.005] * 2 + [0.0025] * 2)


def test_plateau_schedule_reduces_lr_when_loss_stalls(digits):
    X, y = digits
    # a learning rate too small to move the loss: every epoch is a plateau
    clf = CNNClassifier(
        lr_schedule="plateau",
        optimizer="sgd",
        momentum=0.0,
        lr=1e-9,
        lr_decay=0.5,
        n_iter_no_change=2,
        dropout=0.0,
        batch_size=len(X),
        n_filters=4,
        hidden_units=16,
        max_epochs=5,
        random_state=0,
    ).fit(X, y)
    assert_allclose(lrs(clf), [1e-9, 1e-9, 5e-10, 2.5e-10, 1.25e-10])


def test_constant_schedule(digits):
    X, y = digits
    clf = CNNClassifier(lr=0.003, lr_schedule="constant", random_state=0, **TINY).fit(X, y)
    assert_allclose(lrs(clf), 0.003)


# --- validation split and early stopping -------------------------------------


def train_samples_per_epoch(estimator):
    return sum(
        batch["train_batch_size"]
        for batch in estimator.net_.history[-1, "batches"]
        if "train_batch_size" in batch
    )


def test_no_data_is_held_out_without_early_stopping(digits):
    X, y = digits
    clf = CNNClassifier(random_state=0, **TINY).fit(X, y)
    assert train_samples_per_epoch(clf) == len(X)
    assert "valid_loss" not in clf.history_[-1]
    assert not hasattr(clf, "best_validation_score_")


def test_early_stopping_holds_out_a_stratified_validation_set(digits):
    X, y = digits
    clf = CNNClassifier(early_stopping=True, validation_fraction=0.25, random_state=0, **TINY).fit(
        X, y
    )
    assert train_samples_per_epoch(clf) == len(X) - 100
    valid = clf.net_.train_split.keywords["valid_ds"]
    counts = np.bincount(valid.y[valid.index].numpy(), minlength=10)
    assert_array_equal(counts, np.round(np.bincount(y) / 4))  # 40 per class in y
    assert {"valid_loss", "valid_score"} <= clf.history_[-1].keys()


def test_early_stopping_stops_and_restores_best_weights(digits):
    X, y = digits
    clf = CNNClassifier(
        early_stopping=True,
        n_iter_no_change=3,
        tol=0.5,
        callbacks=[Record()],
        random_state=0,
        **dict(TINY, max_epochs=50),
    )
    clf.fit(X, y)
    # a tol of 0.5 accuracy is never reached after the first epoch: 1 + 3 epochs
    assert clf.n_iter_ == 4
    scores = clf.validation_scores_
    assert clf.best_validation_score_ == max(scores)
    best_epoch = int(np.argmax(scores)) + 1
    best = recorded(clf).snapshots[best_epoch]
    for key, value in clf.module_.state_dict().items():
        assert torch.equal(value, best[key]), key


def test_early_stopping_runs_until_no_improvement(digits):
    X, y = digits
    clf = CNNClassifier(
        early_stopping=True,
        n_iter_no_change=2,
        tol=0.0,
        random_state=0,
        **dict(TINY, max_epochs=40),
    ).fit(X, y)
    scores = np.array(clf.validation_scores_)
    # stopped exactly when the last two epochs did not beat the best before them
    assert clf.n_iter_ < 40
    assert scores[-2:].max() <= scores[:-2].max()
    assert clf.best_validation_score_ == scores.max()


def test_train_and_eval_modes_alternate_with_the_passes(digits):
    """Dropout and batch norm train on training batches and are frozen on validation ones."""
    X, y = digits
    modes = []

    class Spy(Callback):
        def on_train_begin(self, net, **kwargs):
            if not modes:  # once, not again for the warm-started fit
                net.module_.register_forward_pre_hook(
                    lambda module, inputs: modes.append({m.training for m in module.modules()})
                )

    clf = CNNClassifier(
        early_stopping=True,
        validation_fraction=0.1,
        batch_norm=True,
        callbacks=[Spy()],
        random_state=0,
        **TINY,
    )
    clf.fit(X, y)
    # 360 training samples in batches of 32: 12 batches (the last of 8); 40 validation: 2
    assert modes == ([{True}] * 12 + [{False}] * 2) * TINY["max_epochs"]
    clf.predict(X[:5])
    assert modes[-1] == {False}
    clf.set_params(warm_start=True, max_epochs=1).fit(X, y)
    assert modes[-14:] == [{True}] * 12 + [{False}] * 2


def test_validation_score_with_a_scorer_name(digits):
    X, y = digits
    clf = CNNClassifier(early_stopping=True, scoring="neg_log_loss", random_state=0, **TINY).fit(
        X, y
    )
    for row in clf.history_:
        # the validation loss is the mean cross-entropy: the log loss
        assert row["valid_score"] == pytest.approx(-row["valid_loss"], rel=1e-4)


def test_regressor_validation_score_is_in_target_units():
    rng = np.random.RandomState(0)
    X = rng.rand(200, 5, 5)
    y = 1000 + 100 * X.mean(axis=(1, 2))
    reg = CNNRegressor(
        early_stopping=True, scoring="neg_mean_squared_error", dropout=0.0, random_state=0, **TINY
    ).fit(X, y)
    scale = reg.task_.scale_.item()
    for row in reg.history_:
        assert row["valid_score"] == pytest.approx(-row["valid_loss"] * scale**2, rel=1e-4)


def test_validation_split_of_tiny_data():
    X = np.random.RandomState(0).rand(3, 4)
    # three samples of two classes cannot be stratified, but still split 2 / 1
    clf = CNNClassifier(early_stopping=True, **TINY).fit(X, [0, 1, 0])
    assert train_samples_per_epoch(clf) == 2
    with pytest.raises(ValueError, match=r"validation_fraction=0\.1 cannot split 1 samples"):
        CNNRegressor(early_stopping=True, **TINY).fit(X[:1], [1.0])


# --- gradients and weights ------------------------------------------------------


def test_gradient_clipping(digits):
    X, y = digits
    free = CNNClassifier(callbacks=[Record()], random_state=0, **TINY).fit(X, y)
    assert max(recorded(free).grad_norms) > 0.05
    clipped = CNNClassifier(clip_grad_norm=0.05, callbacks=[Record()], random_state=0, **TINY).fit(
        X, y
    )
    assert max(recorded(clipped).grad_norms) <= 0.05 * (1 + 1e-5)


def test_integer_sample_weight_equals_repetition():
    """With one full batch and no dropout, weight k == the sample k times (to float32 rounding)."""
    rng = np.random.RandomState(42)
    X = rng.rand(15, 30)
    y = rng.randint(0, 3, size=15)
    sw = rng.randint(0, 5, size=15)
    # float32: bfloat16 products round a sum of k copies differently from k times one
    params = dict(dropout=0.0, batch_size=100, max_epochs=10, precision="32", random_state=0)
    for Estimator, target in [(CNNClassifier, y), (CNNRegressor, y + rng.rand(15))]:
        weighted = Estimator(**params).fit(X, target, sample_weight=sw)
        repeated = Estimator(**params).fit(X.repeat(sw, axis=0), target.repeat(sw))
        method = "predict_proba" if Estimator is CNNClassifier else "predict"
        assert_allclose(getattr(weighted, method)(X), getattr(repeated, method)(X), rtol=1e-5)


def test_all_zero_weights_in_one_part_of_the_split():
    """Two weighted samples: a split that puts both on one side leaves the other empty."""
    rng = np.random.RandomState(0)
    X, y = rng.rand(20, 4), rng.rand(20)
    weights = np.zeros(20)
    weights[[3, 4]] = 1.0
    outcomes = set()
    for seed in range(30):
        reg = CNNRegressor(early_stopping=True, validation_fraction=0.5, random_state=seed, **TINY)
        try:
            reg.fit(X, y, sample_weight=weights)
            outcomes.add("trained")
        except ValueError as error:
            part = re.match(r"The sample weights of the (\w+) data are all zero", str(error))
            outcomes.add(part.group(1))
    assert outcomes == {"trained", "training", "validation"}


def test_class_weight_equals_sample_weight(digits):
    X, y = digits
    labels = np.array(["a", "b"])[(y > 4).astype(int)]
    by_class = CNNClassifier(class_weight={"a": 3.0, "b": 1.0}, random_state=0, **TINY).fit(
        X, labels
    )
    by_sample = CNNClassifier(random_state=0, **TINY).fit(
        X, labels, sample_weight=np.where(labels == "a", 3.0, 1.0)
    )
    assert_same_weights(by_class, by_sample)


def test_balanced_class_weight_helps_the_minority(digits):
    X, y = digits
    keep = (y != 1) | (np.arange(len(y)) % 4 == 0)  # few ones
    X, y = X[keep], (y[keep] == 1).astype(int)
    assert y.sum() == 6
    params = dict(max_epochs=10, random_state=0)  # a network able to learn the task
    plain = CNNClassifier(**params).fit(X, y)
    balanced = CNNClassifier(class_weight="balanced", **params).fit(X, y)
    recall = {
        name: recall_score(y, model.predict(X))
        for name, model in [("plain", plain), ("balanced", balanced)]
    }
    assert recall["balanced"] >= 0.5 and recall["balanced"] > recall["plain"], recall


# --- warm start --------------------------------------------------------------------


def test_warm_start_continues_training(digits):
    X, y = digits
    clf = CNNClassifier(
        warm_start=True,
        optimizer="adam",
        lr=2e-3,
        lr_schedule="constant",
        random_state=0,
        **dict(TINY, max_epochs=2),
    ).fit(X, y)
    net = clf.net_
    weights = state_dict(clf)
    clf.set_params(lr=5e-4).fit(X, y)
    assert clf.net_ is net
    assert clf.n_iter_ == 4
    assert [row["epoch"] for row in clf.history_] == [1, 2, 3, 4]
    assert [row["lr"] for row in clf.history_] == [2e-3, 2e-3, 5e-4, 5e-4]
    # Adam's state carried over: its step count covers all four epochs
    steps_per_epoch = int(np.ceil(len(X) / TINY["batch_size"]))
    assert next(iter(clf.net_.optimizer_.state.values()))["step"] == 4 * steps_per_epoch
    assert not torch.equal(
        weights["network.head.0.weight"], state_dict(clf)["network.head.0.weight"]
    )


def test_fit_without_warm_start_starts_afresh(digits):
    X, y = digits
    clf = CNNClassifier(random_state=0, **TINY).fit(X, y)
    first = state_dict(clf)
    clf.fit(X, y)
    assert clf.n_iter_ == TINY["max_epochs"]
    assert_same_weights(clf, CNNClassifier(random_state=0, **TINY).fit(X, y))
    assert torch.equal(first["network.head.0.weight"], state_dict(clf)["network.head.0.weight"])


def test_warm_start_applies_a_changed_loss_and_optimizer(digits):
    X, y = digits
    clf = CNNClassifier(warm_start=True, random_state=0, **TINY).fit(X, y)
    adam = clf.net_.optimizer_
    clf.set_params(loss="hinge").fit(X, y)
    assert clf.net_.criterion_.name == "hinge"
    assert clf.net_.optimizer_ is adam  # unchanged optimizer: its state is kept
    assert not hasattr(clf, "predict_proba")
    clf.set_params(optimizer="sgd", momentum=0.5).fit(X, y)
    assert type(clf.net_.optimizer_) is torch.optim.SGD
    assert clf.net_.optimizer_.param_groups[0]["momentum"] == 0.5
    assert not clf.net_.optimizer_.defaults.get("fused")  # only Adam/AdamW are fused
    assert clf.n_iter_ == 3 * TINY["max_epochs"]


@pytest.mark.parametrize("name", ["adam", "adamw"])
def test_adam_uses_the_fused_kernel(digits, name, monkeypatch):
    import skneural._core._settings

    if "cpu" not in skneural._core._settings.FUSED_DEVICES:
        pytest.skip("this torch has no fused Adam on the CPU")
    X, y = digits
    params = dict(optimizer=name, weight_decay=1e-3, device="cpu", random_state=0, **TINY)
    fused = CNNClassifier(**params).fit(X, y)
    assert fused.net_.optimizer_.defaults["fused"] is True
    monkeypatch.setattr(skneural._core._settings, "FUSED_DEVICES", ())
    loop = CNNClassifier(**params).fit(X, y)
    assert not loop.net_.optimizer_.defaults.get("fused")
    # the same algorithm: the same model, to float32 rounding
    assert_allclose(fused.predict_proba(X), loop.predict_proba(X), atol=1e-4)


def test_warm_start_rejects_new_classes(digits):
    X, y = digits
    clf = CNNClassifier(warm_start=True, **TINY).fit(X[y < 5], y[y < 5])
    with pytest.raises(ValueError, match="not seen in the first fit"):
        clf.fit(X, y)


# --- logging and callbacks ----------------------------------------------------------


def test_history_records(digits):
    X, y = digits
    clf = CNNClassifier(random_state=0, **TINY).fit(X, y)
    assert [row["epoch"] for row in clf.history_] == [1, 2, 3]
    for row in clf.history_:
        assert set(row) == {"epoch", "train_loss", "lr", "duration"}
        assert type(row["train_loss"]) is float and row["duration"] > 0
    assert clf.loss_curve_ == [row["train_loss"] for row in clf.history_]


def test_verbose_levels(digits, capsys):
    X, y = digits
    CNNClassifier(verbose=0, **TINY).fit(X, y)
    out, err = capsys.readouterr()
    assert out == "" and err == ""
    CNNClassifier(verbose=1, early_stopping=True, **TINY).fit(X, y)
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].split() == ["epoch", "lr", "train_loss", "valid_loss", "valid_score", "dur"]
    rows = [line.split()[0] for line in lines[2:] if line.split()[0].isdigit()]
    assert rows == ["1", "2", "3"]
    CNNClassifier(verbose=2, **TINY).fit(X, y)
    out, err = capsys.readouterr()
    assert "train_loss" in out
    assert "it/s" in err or "s/it" in err  # tqdm's progress bar


def test_tensorboard_event_files(digits, tmp_path):
    event_accumulator = pytest.importorskip(
        "tensorboard.backend.event_processing.event_accumulator"
    )
    X, y = digits
    clf = CNNClassifier(tensorboard_dir=tmp_path, early_stopping=True, random_state=0, **TINY)
    clf.fit(X, y)
    clf.fit(X, y)
    runs = sorted(tmp_path.iterdir())
    assert len(runs) == 2 and all(run.name.startswith("CNNClassifier-") for run in runs)
    events = event_accumulator.EventAccumulator(str(runs[0]))
    events.Reload()
    assert set(events.Tags()["scalars"]) == {"train_loss", "valid_loss", "valid_score", "lr"}
    # both fits are seeded alike, so either run logged this history
    for key in ("train_loss", "valid_loss", "valid_score", "lr"):
        logged = events.Scalars(key)
        assert [e.step for e in logged] == [1, 2, 3]
        assert [e.value for e in logged] == pytest.approx(
            [row[key] for row in clf.history_], rel=1e-6
        )


def test_user_callbacks_are_copied_and_called(digits):
    X, y = digits
    mine = Record()
    clf = CNNClassifier(callbacks=[("mine", mine)], **TINY).fit(X, y)
    assert mine.epochs == []  # the parameter is not modified
    assert recorded(clf).epochs == [1, 2, 3]
    assert dict(clf.net_.callbacks_)["mine"] is recorded(clf)


def test_invalid_callback():
    with pytest.raises(TypeError, match="skorch callbacks"):
        CNNClassifier(callbacks=["not a callback"], **TINY).fit(np.zeros((4, 4)), [0, 1, 0, 1])


# --- devices ---------------------------------------------------------------------------


def test_cpu_device(digits):
    X, y = digits
    clf = CNNClassifier(device="cpu", **TINY).fit(X, y)
    assert clf.net_.device == "cpu"
    assert next(clf.module_.parameters()).device.type == "cpu"


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU-only error")
@pytest.mark.parametrize("device", ["cuda", "cuda:0"])
def test_cuda_requested_without_cuda(digits, device):
    X, y = digits
    with pytest.raises(ValueError, match="CUDA is not available"):
        CNNClassifier(device=device, **TINY).fit(X, y)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU-only default")
def test_auto_device_is_cpu_without_cuda(digits):
    X, y = digits
    assert CNNClassifier(**TINY).fit(X, y).net_.device == "cpu"


@pytest.mark.gpu
@needs_cuda
def test_cuda_training_and_pickle(digits):
    X, y = digits
    clf = CNNClassifier(device="cuda", random_state=0, rotation=10, **TINY).fit(
        X.astype(np.uint8), y
    )
    assert next(clf.module_.parameters()).is_cuda
    assert clf.score(X.astype(np.uint8), y) > 0.5
    restored = pickle.loads(pickle.dumps(clf))
    assert_allclose(restored.predict_proba(X), clf.predict_proba(X), rtol=1e-6)


@pytest.mark.gpu
@needs_cuda
def test_auto_device_is_cuda(digits):
    X, y = digits
    assert CNNClassifier(**TINY).fit(X, y).net_.device.startswith("cuda")


# ----------------------------------------------------------------------
# precision and memory format (the GPU path, run here on the CPU)


def test_bf16_mixed_precision_trains_and_predicts_on_the_cpu():
    X, y = load_digits(return_X_y=True)
    X = X.reshape(-1, 8, 8)
    params = dict(n_filters=8, hidden_units=32, max_epochs=8, random_state=0)
    full = CNNClassifier(precision="32", **params).fit(X[:600], y[:600])
    mixed = CNNClassifier(precision="bf16-mixed", **params).fit(X[:600], y[:600])
    assert full.net_.precision == "32" and mixed.net_.precision == "bf16-mixed"
    # bfloat16 products: close to float32, not equal, and as accurate
    p_full, p_mixed = full.predict_proba(X[600:700]), mixed.predict_proba(X[600:700])
    assert 0 < np.abs(p_full - p_mixed).max() < 0.2
    assert mixed.score(X[600:], y[600:]) > full.score(X[600:], y[600:]) - 0.05
    # the forward pass ran in bfloat16
    seen = []
    hook = mixed.module_.network.blocks[0].conv.register_forward_hook(
        lambda module, args, out: seen.append(out.dtype)
    )
    mixed.predict(X[:2])
    hook.remove()
    assert seen == [torch.bfloat16]


def test_float16_precision_needs_cuda():
    X, y = load_digits(return_X_y=True)
    with pytest.raises(ValueError, match=r'precision="16-mixed" needs a CUDA device.*bf16-mixed'):
        CNNClassifier(precision="16-mixed", device="cpu", image_shape=(8, 8)).fit(X[:50], y[:50])


@pytest.mark.parametrize("spatial_dims", [2, 3])
def test_channels_last_gives_the_same_network(spatial_dims):
    """Images and volumes train channels-last on the CPU; contiguous memory predicts the same."""
    X, y = load_digits(return_X_y=True)
    X = X.reshape(-1, 8, 8) if spatial_dims == 2 else X.reshape(-1, 4, 4, 4)
    clf = CNNClassifier(
        spatial_dims=spatial_dims,
        n_filters=8,
        hidden_units=32,
        max_epochs=2,
        precision="32",
        random_state=0,
    ).fit(X[:300], y[:300])
    layout = torch.channels_last if spatial_dims == 2 else torch.channels_last_3d
    assert clf.net_.channels_last
    assert clf.module_.network.blocks[1].conv.weight.is_contiguous(memory_format=layout)
    seen = []
    hook = clf.module_.network.blocks[0].conv.register_forward_pre_hook(
        lambda module, args: seen.append(args[0].is_contiguous(memory_format=layout))
    )
    expected = clf.predict_proba(X[300:400])
    hook.remove()
    assert seen and all(seen)  # batches too
    clf.net_.channels_last = False
    for param in clf.module_.parameters():
        param.data = param.data.contiguous()
    assert_allclose(clf.predict_proba(X[300:400]), expected, atol=1e-5)


def test_a_pickled_model_stores_its_weights_once(digits):
    X, y = digits
    clf = CNNClassifier(**TINY).fit(X, y)
    weights = sum(p.numel() * 4 for p in clf.module_.parameters())
    size = len(pickle.dumps(clf))
    # the weights, Adam's two moments, and little else (was 4x: the module and
    # the scheduler's optimizer were pickled again beside skorch's copies)
    assert size < 3.3 * weights + 200_000
    restored = pickle.loads(pickle.dumps(clf))
    assert restored.net_.module is restored.net_.module_
    assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    restored.set_params(warm_start=True, max_epochs=1).fit(X, y)  # the optimizer goes on
