"""Signals and volumes: the CNN in 1 and 3 spatial dimensions, one sequence layout
shared with the LSTM, unequal lengths, every ambiguous input named, and the
series' train-time augmentation (time stretch, amplitude scale)."""

import contextlib
import pickle
import warnings

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from PIL import Image
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils._param_validation import InvalidParameterError

from skneural import CNNClassifier, CNNRegressor, LSTMClassifier, SequenceVectorizer
from skneural.exceptions import AmbiguousInputWarning
from skneural.nn import ConvNet, SeriesAugmentation

FAST = dict(max_epochs=3, random_state=0)
FCN = dict(
    spatial_dims=1,
    n_conv_layers=3,
    n_filters=(8, 16, 8),
    kernel_size=(8, 5, 3),
    pooling=None,
    batch_norm=True,
    head="gap",
    hidden_units=None,
)


def shapes(n, seed, channels=1, lengths=(20, 40)):
    """Series of a bump (class 1) or a dip (class 0) at a random place, (C, T_i) each."""
    rng = np.random.RandomState(seed)
    X, y = [], []
    for _ in range(n):
        length = rng.randint(*lengths)
        x = 0.3 * rng.randn(channels, length)
        label = rng.randint(2)
        at = rng.randint(0, length - 5)
        x[0, at : at + 5] += 2.0 if label else -2.0
        X.append(x)
        y.append(label)
    return X, np.array(y)


@contextlib.contextmanager
def no_ambiguity_warnings():
    """Fail on an AmbiguousInputWarning: the input was read as said, not guessed."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", AmbiguousInputWarning)
        yield


# ----------------------------------------------------------------------
# 1-D: layouts, unequal lengths, padding


def test_1d_cnn_learns_unequal_length_series_of_the_aeon_layout():
    X, y = shapes(160, 0)
    X_test, y_test = shapes(80, 1)
    with no_ambiguity_warnings():
        clf = CNNClassifier(**FCN, max_epochs=30, random_state=0).fit(X, y)
    assert clf.n_channels_ == 1 and not hasattr(clf, "image_shape_")
    assert isinstance(clf.module_.network, ConvNet) and clf.module_.network.spatial_dims == 1
    assert clf.score(X_test, y_test) > 0.9
    # 1-D arrays are one channel, like (1, T_i)
    assert_allclose(clf.predict_proba([x[0] for x in X_test]), clf.predict_proba(X_test))


@pytest.mark.parametrize("pooling", ["max", "avg", None])
@pytest.mark.parametrize("head", ["gap", "flatten"])
def test_padding_never_changes_a_1d_prediction(pooling, head):
    X, y = shapes(60, 0, channels=2)
    clf = CNNClassifier(
        spatial_dims=1, pooling=pooling, head=head, kernel_size=(8, 3), batch_norm=True, **FAST
    ).fit(X, y)
    short = [np.ones((2, 7))]
    alone = clf.predict_proba(short)
    # among longer sequences, in another position and batch size
    batch = [X[0][:, :39], short[0], *X[1:20]]
    assert_allclose(clf.predict_proba(batch)[1], alone[0], rtol=1e-5, atol=1e-6)
    assert_allclose(clf.predict_proba(np.ones((1, 2, 7))), alone, rtol=1e-5, atol=1e-6)


def test_flatten_head_takes_sequences_up_to_the_training_length():
    X, y = shapes(40, 0, lengths=(10, 21))
    clf = CNNClassifier(spatial_dims=1, **FAST).fit(X, y)
    longest = max(x.shape[1] for x in X)
    assert clf.predict([np.zeros(longest)]).shape == (1,)
    with pytest.raises(ValueError, match=f"takes at most {longest}.*head='gap'"):
        clf.predict([np.zeros(longest + 1)])
    gap = CNNClassifier(spatial_dims=1, head="gap", **FAST).fit(X, y)
    assert gap.predict([np.zeros(3 * longest)]).shape == (1,)


def test_series_length_fixes_the_flatten_heads_input_for_cross_validation():
    X, y = shapes(40, 0, lengths=(10, 21))
    longest = max(x.shape[1] for x in X)
    clf = CNNClassifier(spatial_dims=1, series_length=30, **FAST).fit(X, y)
    assert clf.input_.input_length_ == 30 and clf.input_.max_length_ == longest
    assert clf.predict([np.zeros(30)]).shape == (1,)
    with pytest.raises(ValueError, match=r"takes at most 30 \(series_length=30\)"):
        clf.predict([np.zeros(31)])
    # padding to the longer input never changes a prediction
    alone = clf.predict_proba(X[:1])
    assert_allclose(clf.predict_proba([*X[:1], np.zeros((1, 30))])[:1], alone, atol=1e-6)
    with pytest.raises(ValueError, match=f"up to {longest} steps, longer than series_length=12"):
        CNNClassifier(spatial_dims=1, series_length=12, **FAST).fit(X, y)

    # a validation fold holding the longest series: refused, naming the fix; then fixed
    order = np.argsort([x.shape[1] for x in X])
    cv = [(order[:30], order[30:])]
    with pytest.raises(ValueError, match="Set series_length"):
        cross_val_score(CNNClassifier(spatial_dims=1, **FAST), X, y, cv=cv, error_score="raise")
    scores = cross_val_score(
        CNNClassifier(spatial_dims=1, series_length=longest, **FAST), X, y, cv=cv
    )
    assert np.isfinite(scores).all()


def test_series_length_is_for_sequences_and_ignored_by_the_gap_head():
    images = np.random.RandomState(0).rand(10, 8, 8)
    with pytest.raises(ValueError, match=r"series_length=30 is for sequences \(spatial_dims=1\)"):
        CNNClassifier(series_length=30, **FAST).fit(images, [0, 1] * 5)
    # a grid over head keeps working with series_length set
    X, y = shapes(10, 0)
    gap = CNNClassifier(spatial_dims=1, head="gap", series_length=30, **FAST).fit(X, y)
    assert gap.predict([np.zeros(100)]).shape == (1,)


def test_one_layout_fits_the_cnn_and_the_lstm():
    rng = np.random.RandomState(0)
    X = rng.randn(40, 3, 12)  # (n, channels, steps), as aeon and sktime
    y = rng.randint(0, 2, 40)
    cnn = CNNClassifier(spatial_dims=1, **FAST).fit(X, y)
    lstm = LSTMClassifier(hidden_units=8, **FAST).fit(X, y)
    assert cnn.n_channels_ == lstm.n_channels_ == 3
    # the same network inputs: both standardize each channel alike
    assert_allclose(cnn.module_.standardize.mean, lstm.module_.standardize.mean)
    assert cnn.module_.standardize.mean.shape == (1, 3, 1)
    # (n, T) is one channel for both; a list of (C, T_i) arrays too
    flat = rng.randn(40, 12)
    assert CNNClassifier(spatial_dims=1, **FAST).fit(flat, y).n_channels_ == 1
    assert LSTMClassifier(hidden_units=8, **FAST).fit(flat, y).n_channels_ == 1
    assert CNNClassifier(spatial_dims=1, **FAST).fit(list(X), y).n_channels_ == 3


def test_2d_and_3d_arrays_of_the_same_series_give_the_same_1d_model():
    rng = np.random.RandomState(0)
    X, y = rng.randn(40, 15), rng.randint(0, 2, 40)
    flat = CNNClassifier(spatial_dims=1, **FAST).fit(X, y)
    channel = CNNClassifier(spatial_dims=1, **FAST).fit(X[:, None, :], y)
    assert flat.n_features_in_ == 15 and not hasattr(channel, "n_features_in_")
    assert_allclose(flat.predict_proba(X), channel.predict_proba(X[:, None, :]), rtol=1e-5)


def test_1d_regressor_search_and_pickle():
    X, _ = shapes(60, 0)
    target = np.array([x.max() for x in X])
    search = GridSearchCV(
        CNNRegressor(spatial_dims=1, head="gap", **FAST),
        {"kernel_size": [3, (8, 3)], "pooling": ["max", None]},
        cv=2,
    ).fit(X, target)
    assert len(search.cv_results_["params"]) == 4
    model = search.best_estimator_
    restored = pickle.loads(pickle.dumps(model))
    assert_array_equal(restored.predict(X[:5]), model.predict(X[:5]))


def test_fcn_recipe_is_the_published_network():
    X, y = shapes(30, 0)
    clf = CNNClassifier(**FCN | {"n_filters": (128, 256, 128)}, max_epochs=1).fit(X, y)
    net = clf.module_.network
    convs = [m for m in net.modules() if isinstance(m, torch.nn.Conv1d)]
    assert [(c.out_channels, c.kernel_size) for c in convs] == [
        (128, (8,)),
        (256, (5,)),
        (128, (3,)),
    ]
    assert sum(isinstance(m, torch.nn.BatchNorm1d) for m in net.modules()) == 3
    assert not any(isinstance(m, torch.nn.MaxPool1d | torch.nn.Dropout) for m in net.modules())
    # global average pooling, then the output layer: no dense layer
    linears = [m for m in net.modules() if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(128, 2)]


# ----------------------------------------------------------------------
# 3-D volumes


def test_3d_cnn_on_volumes():
    rng = np.random.RandomState(0)
    X = rng.rand(60, 6, 8, 8).astype(np.float32)  # (n, depth, height, width)
    y = (X[:, :3].mean(axis=(1, 2, 3)) > X[:, 3:].mean(axis=(1, 2, 3))).astype(int)
    with no_ambiguity_warnings():
        clf = CNNClassifier(spatial_dims=3, **FAST).fit(X, y)
    assert clf.image_shape_ == (1, 6, 8, 8)
    assert any(isinstance(m, torch.nn.Conv3d) for m in clf.module_.modules())
    channels = CNNClassifier(spatial_dims=3, **FAST).fit(X[:, None], y)
    assert_allclose(clf.predict_proba(X), channels.predict_proba(X[:, None]), rtol=1e-5)
    # flat volumes need their shape
    flat = X.reshape(60, -1)
    shaped = CNNClassifier(spatial_dims=3, image_shape=(6, 8, 8), **FAST).fit(flat, y)
    assert_allclose(shaped.predict_proba(flat), clf.predict_proba(X), rtol=1e-5)
    with pytest.raises(ValueError, match=r"set image_shape=\(depth, height, width\)"):
        CNNClassifier(spatial_dims=3, **FAST).fit(flat, y)
    with pytest.raises(ValueError, match="spatial_dims=3\\) expects X of shape"):
        CNNClassifier(spatial_dims=3, **FAST).fit(X[:, 0], y)
    restored = pickle.loads(pickle.dumps(shaped))
    assert_array_equal(restored.predict(flat), shaped.predict(flat))
    search = GridSearchCV(
        CNNClassifier(spatial_dims=3, **FAST), {"head": ["flatten", "gap"]}, cv=2
    ).fit(X, y)
    assert search.best_estimator_.image_shape_ == (1, 6, 8, 8)


def test_image_only_parameters_are_refused_where_they_do_not_apply(tmp_path):
    X, y = shapes(20, 0)
    for params in ({"image_shape": (4, 5)}, {"rotation": 10.0}, {"horizontal_flip": True}):
        with pytest.raises(ValueError, match=f"{next(iter(params))}=.*spatial_dims=1"):
            CNNClassifier(spatial_dims=1, **params).fit(X, y)
    volumes = np.zeros((10, 2, 4, 4))
    with pytest.raises(ValueError, match=r"rotation=10.0: augmentation is for 2-D images"):
        CNNClassifier(spatial_dims=3, rotation=10.0).fit(volumes, [0, 1] * 5)
    path = tmp_path / "a.png"
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(path)
    with pytest.raises(ValueError, match="image files are 2-D images"):
        CNNClassifier(spatial_dims=3).fit([path, path], [0, 1])


@pytest.mark.parametrize(
    "params, match",
    [
        ({"kernel_size": (8, 5, 3)}, r"kernel_size must be .* one positive int per .*\(2\)"),
        ({"n_filters": (16,)}, r"n_filters must be .* per convolution block \(2\)"),
        ({"kernel_size": (3, 0)}, "kernel_size"),
        ({"spatial_dims": 4}, "spatial_dims"),
        ({"head": "dense"}, "head"),
        ({"pooling": "min"}, "pooling"),
        ({"hidden_units": -1}, "hidden_units"),
    ],
)
def test_bad_architecture_parameters_are_named_before_any_data_is_read(params, match):
    with pytest.raises(ValueError, match=match):
        CNNClassifier(**{"spatial_dims": 1} | params).fit("not data", [0, 1])


# ----------------------------------------------------------------------
# nothing read by a silent guess


def test_flat_images_are_read_square_with_a_warning_naming_image_shape():
    rng = np.random.RandomState(0)
    X, y = rng.rand(30, 64), rng.randint(0, 2, 30)
    with pytest.warns(AmbiguousInputWarning, match=r"8x8 one-channel.*image_shape=\(8, 8\)"):
        clf = CNNClassifier(**FAST).fit(X, y)
    assert clf.image_shape_ == (1, 8, 8)
    with pytest.warns(AmbiguousInputWarning, match=r"1x10 one-channel.*spatial_dims=1"):
        CNNClassifier(**FAST).fit(rng.rand(30, 10), y)
    # said explicitly, or given as images: no warning
    with no_ambiguity_warnings():
        CNNClassifier(image_shape=(8, 8), **FAST).fit(X, y)
        CNNClassifier(**FAST).fit(X.reshape(30, 8, 8), y)
        CNNClassifier(spatial_dims=1, **FAST).fit(X, y)


def test_channels_last_images_are_refused_with_what_to_pass():
    rng = np.random.RandomState(0)
    X, y = rng.rand(10, 8, 8, 3), rng.randint(0, 2, 10)
    with pytest.raises(ValueError, match=r"looks channels-last.*X.transpose\(0, 3, 1, 2\)"):
        CNNClassifier(**FAST).fit(X, y)
    assert CNNClassifier(**FAST).fit(X.transpose(0, 3, 1, 2), y).image_shape_ == (3, 8, 8)
    # confirmed by image_shape: 8 channels of 8x3 images
    assert CNNClassifier(image_shape=(8, 8, 3), **FAST).fit(X, y).image_shape_ == (8, 8, 3)


def test_integer_sequences_are_tokens_only_when_said_or_with_a_warning():
    rng = np.random.RandomState(0)
    X, y = rng.randint(0, 5, size=(30, 8)), rng.randint(0, 2, 30)
    with pytest.warns(AmbiguousInputWarning, match='token ids.*input_type="tokens"'):
        assert LSTMClassifier(hidden_units=8, **FAST).fit(X, y).input_type_ == "tokens"
    with pytest.warns(AmbiguousInputWarning, match="a list of sequences"):
        LSTMClassifier(hidden_units=8, **FAST).fit(
            [list(x[: i % 8 + 1]) for i, x in enumerate(X)], y
        )
    with no_ambiguity_warnings():
        said = LSTMClassifier(input_type="tokens", hidden_units=8, **FAST).fit(X, y)
        numeric = LSTMClassifier(input_type="numeric", hidden_units=8, **FAST).fit(X, y)
        floats = LSTMClassifier(hidden_units=8, **FAST).fit(X.astype(float), y)
        # the 1-D CNN reads numbers only
        CNNClassifier(spatial_dims=1, **FAST).fit(X, y)
        # a text pipeline says what its ids are
        make_pipeline(
            SequenceVectorizer(max_len=4), LSTMClassifier(input_type="tokens", **FAST)
        ).fit(["good film", "bad film"] * 5, [0, 1] * 5)
    assert said.input_type_ == "tokens"
    assert numeric.input_type_ == floats.input_type_ == "numeric"


def test_more_channels_than_steps_warns_about_the_layout():
    rng = np.random.RandomState(0)
    X, y = rng.randn(20, 50, 4), rng.randint(0, 2, 20)
    match = r"50 channels of 4 steps.*transpose\(0, 2, 1\).*input_type=\"numeric\""
    with pytest.warns(AmbiguousInputWarning, match=match):
        LSTMClassifier(hidden_units=4, **FAST).fit(X, y)
    with no_ambiguity_warnings():
        LSTMClassifier(hidden_units=4, **FAST).fit(X.transpose(0, 2, 1), y)
        # the layout said: numeric sequences are channels first
        LSTMClassifier(input_type="numeric", hidden_units=4, **FAST).fit(X, y)
        CNNClassifier(spatial_dims=1, **FAST).fit(X, y)


def test_steps_by_channels_sequence_lists_are_refused_with_a_transpose_hint():
    rng = np.random.RandomState(0)
    X = [rng.randn(rng.randint(5, 20), 3) for _ in range(10)]  # (T_i, C): the other layout
    with pytest.raises(ValueError, match=r"All have 3 columns|They all have 3 columns"):
        LSTMClassifier(**FAST).fit(X, [0, 1] * 5)
    with pytest.raises(ValueError, match="transpose each"):
        CNNClassifier(spatial_dims=1, **FAST).fit(X, [0, 1] * 5)


def test_image_files_without_image_size_warn(tmp_path):
    paths = []
    for i, size in enumerate([(30, 20), (12, 12)]):
        path = tmp_path / f"{i}.png"
        Image.fromarray(np.full(size, 50 * i, np.uint8)).save(path)
        paths.append(path)
    with pytest.warns(
        AmbiguousInputWarning, match=r"first one, 30x20.*image_size=\(height, width\)"
    ):
        clf = CNNClassifier(**FAST).fit(paths, [0, 1])
    assert clf.image_shape_ == (1, 30, 20)
    with no_ambiguity_warnings():
        CNNClassifier(image_size=(16, 16), **FAST).fit(paths, [0, 1])


def test_the_warning_points_at_the_users_line_through_a_pipeline_and_a_search():
    rng = np.random.RandomState(0)
    X, y = rng.rand(20, 16), rng.randint(0, 2, 20)
    model = make_pipeline(FunctionTransformer(), CNNClassifier(**FAST))
    with pytest.warns(AmbiguousInputWarning) as record:
        model.fit(X, y)
    assert record[0].filename == __file__
    with pytest.warns(AmbiguousInputWarning) as record:
        GridSearchCV(CNNClassifier(**FAST), {"lr": [1e-3]}, cv=2).fit(X, y)
    assert {warning.filename for warning in record} == {__file__}


# ----------------------------------------------------------------------
# training budgets for small data


def test_auto_batch_size_and_epochs_give_small_data_enough_steps():
    X, y = shapes(36, 0)
    clf = CNNClassifier(spatial_dims=1, random_state=0).fit(X, y)
    assert clf.net_.batch_size == 8  # a tenth of 36, at least 8
    steps = clf.n_iter_ * -(-36 // 8)
    assert steps >= 600 and clf.n_iter_ <= 200
    big = CNNClassifier(max_epochs=1, image_shape=(1, 4), random_state=0)
    assert big.fit(np.zeros((1000, 4)), [0, 1] * 500).net_.batch_size == 64
    given = CNNClassifier(spatial_dims=1, batch_size=5, max_epochs=1).fit(X, y)
    assert given.net_.batch_size == 5


# ----------------------------------------------------------------------
# the LSTM on long series: patches of steps


@pytest.mark.parametrize("summary", ["last", "mean"])
def test_lstm_patches_never_change_a_prediction_through_padding(summary):
    X, y = shapes(40, 0, channels=2)
    clf = LSTMClassifier(patch_size=4, summary=summary, hidden_units=8, **FAST).fit(X, y)
    assert clf.module_.network.forward_lstms[0].input_size == 8  # 4 steps of 2 channels
    short = [np.ones((2, 7))]
    alone = clf.predict_proba(short)
    batch = [X[0], short[0], *X[1:10]]
    assert_allclose(clf.predict_proba(batch)[1], alone[0], rtol=1e-5, atol=1e-6)


def test_lstm_patches_learn_a_long_series_task():
    X, y = shapes(200, 0, lengths=(150, 200))
    X_test, y_test = shapes(100, 1, lengths=(150, 200))
    clf = LSTMClassifier(patch_size=25, summary="mean", random_state=0, max_epochs=30)
    assert clf.fit(X, y).score(X_test, y_test) > 0.9


def test_patch_size_is_for_numeric_sequences():
    with pytest.raises(ValueError, match="patch_size=4 is for numeric sequences"):
        LSTMClassifier(input_type="tokens", patch_size=4).fit("not read", [0, 1] * 2)
    with pytest.raises(ValueError, match="patch_size=4 is for numeric sequences"):
        LSTMClassifier(input_type="auto", patch_size=4).fit(np.ones((4, 3), int), [0, 1] * 2)


def test_batch_norm_statistics_read_real_steps_only():
    """How much padding a training batch holds changes neither its outputs nor the
    running statistics: the FCN trains alike on series of different lengths."""
    torch.manual_seed(0)
    net = ConvNet(2, 3, (40,), batch_norm=True, pooling=None, head="gap", hidden_units=None)
    twin = pickle.loads(pickle.dumps(net))
    x = torch.randn(3, 2, 10)
    padded = torch.cat([x, 7 * torch.randn(3, 2, 30)], dim=2)
    lengths = torch.tensor([10, 10, 10])
    net.train(), twin.train()
    assert_allclose(net(x).detach(), twin(padded, lengths).detach(), atol=1e-5)
    for a, b in zip(net.modules(), twin.modules(), strict=True):
        if isinstance(a, torch.nn.BatchNorm1d):
            assert_allclose(a.running_mean, b.running_mean, atol=1e-6)
            assert_allclose(a.running_var, b.running_var, atol=1e-5)


# ----------------------------------------------------------------------
# train-time augmentation of series


def padded(series):
    """A list of 1-D series as a zero-padded ``(N, 1, T)`` tensor and their lengths."""
    lengths = torch.tensor([len(s) for s in series])
    values = torch.zeros(len(series), 1, int(lengths.max()))
    for i, s in enumerate(series):
        values[i, 0, : len(s)] = torch.as_tensor(s, dtype=torch.float32)
    return values, lengths


def test_time_stretch_resamples_each_series_as_numpy_interp():
    rng = np.random.RandomState(0)
    series = [rng.randn(n) for n in (50, 31, 7, 2, 1)]
    values, lengths = padded(series)
    torch.manual_seed(0)
    out, new = SeriesAugmentation(time_stretch=1.0)((values, lengths))
    assert out.shape == (5, 1, int(new.max()))
    assert not torch.equal(new, lengths)  # the lengths change with the series
    for i, s in enumerate(series):
        n = int(new[i])
        assert len(s) / 2 - 1 <= n <= 2 * len(s) + 1
        expected = np.interp(np.linspace(0, len(s) - 1, n), np.arange(len(s)), s)
        assert_allclose(out[i, 0, :n].numpy(), expected, rtol=1e-5, atol=1e-5)
        assert not out[i, 0, n:].any()  # padding stays zero


def test_stretch_factors_spread_over_the_log_range():
    values, lengths = padded([np.ones(1000)] * 2000)
    torch.manual_seed(0)
    _, new = SeriesAugmentation(time_stretch=0.5)((values, lengths))
    factors = new.numpy() / 1000
    assert factors.min() >= 1 / 1.5 - 1e-3 and factors.max() <= 1.5 + 1e-3
    # log-uniform: as many shrunk as stretched, median near 1
    assert abs(np.median(np.log(factors))) < 0.03
    assert factors.min() < 0.7 and factors.max() > 1.45


def test_a_fixed_length_batch_keeps_its_width_and_no_series_grows_past_it():
    values, lengths = padded([np.arange(40.0), np.arange(10.0)])
    torch.manual_seed(0)
    augment = SeriesAugmentation(time_stretch=3.0, max_length=40)
    for _ in range(20):
        out, new = augment((values, lengths))
        assert out.shape == (2, 1, 40)
        assert int(new.max()) <= 40


def test_amplitude_scale_multiplies_each_series_by_one_factor():
    values, lengths = padded([np.ones(5), 2 * np.ones(3)])
    torch.manual_seed(0)
    out, new = SeriesAugmentation(amplitude_scale=0.2)((values, lengths))
    assert_array_equal(new, lengths)
    factors = out[:, 0, 0] / values[:, 0, 0]
    assert_allclose(out[0, 0, :5], factors[0].repeat(5))
    assert_allclose(out[1, 0, :3], 2 * factors[1].repeat(3))
    assert ((factors >= 0.8) & (factors <= 1.2)).all() and factors[0] != factors[1]
    assert not out[1, 0, 3:].any()


def test_bad_module_values_are_named():
    with pytest.raises(ValueError, match="time_stretch"):
        SeriesAugmentation(time_stretch=-0.1)
    with pytest.raises(ValueError, match="amplitude_scale"):
        SeriesAugmentation(amplitude_scale=1.0)
    assert not SeriesAugmentation().active


# the flatten head is sized for the longest series (39 steps) stretched 1.5 times
@pytest.mark.parametrize("head, max_length", [("flatten", 59), ("gap", None)])
def test_estimators_train_on_augmented_batches_and_predict_on_the_series_as_they_are(
    head, max_length
):
    X, y = shapes(80, seed=0)
    params = dict(spatial_dims=1, head=head, max_epochs=4, random_state=0)
    plain = CNNClassifier(**params).fit(X, y)
    assert plain.net_.batch_transform is None
    clf = CNNClassifier(**params, time_stretch=0.5, amplitude_scale=0.1).fit(X, y)
    augment = clf.net_.batch_transform
    assert isinstance(augment, SeriesAugmentation)
    assert (augment.time_stretch, augment.amplitude_scale) == (0.5, 0.1)
    assert augment.max_length == max_length
    # the same seed draws the same stretches; other draws than no augmentation
    again = CNNClassifier(**params, time_stretch=0.5, amplitude_scale=0.1).fit(X, y)
    assert_allclose(clf.predict_proba(X), again.predict_proba(X))
    assert not np.allclose(clf.predict_proba(X), plain.predict_proba(X))
    # prediction reads the series unchanged: the same answer twice
    assert_array_equal(clf.predict_proba(X[:10]), clf.predict_proba(X[:10]))
    if head == "flatten":
        # series as long as the stretched training ones are taken, longer refused
        assert clf.input_.input_length_ == max_length
        assert clf.predict([np.zeros((1, max_length))]).shape == (1,)
        with pytest.raises(ValueError, match=r"longest training series stretched by time_stretch"):
            clf.predict([np.zeros((1, max_length + 1))])


def test_a_continued_fit_augments_as_the_parameters_now_say():
    X, y = shapes(40, seed=0)
    clf = CNNClassifier(spatial_dims=1, time_stretch=0.5, warm_start=True, **FAST).fit(X, y)
    assert isinstance(clf.net_.batch_transform, SeriesAugmentation)
    clf.set_params(time_stretch=0.0, amplitude_scale=0.2).fit(X, y)
    assert clf.net_.batch_transform.time_stretch == 0.0
    assert clf.net_.batch_transform.amplitude_scale == 0.2
    clf.set_params(amplitude_scale=0.0).partial_fit(X, y)
    assert clf.net_.batch_transform is None
    # images alike
    images = np.random.RandomState(0).rand(40, 8, 8)
    net = CNNClassifier(warm_start=True, **FAST).fit(images, y)
    assert net.net_.batch_transform is None
    net.set_params(horizontal_flip=True).fit(images, y)
    assert net.net_.batch_transform.horizontal_flip


def test_sequence_inputs_pickled_by_an_earlier_version_are_refused():
    X, y = shapes(30, seed=0)
    clf = CNNClassifier(spatial_dims=1, **FAST).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))  # this version's pickle loads
    assert_allclose(restored.predict_proba(X), clf.predict_proba(X))
    # as a version before series augmentation saved it; one before series_length
    # had augmentation_params but no input_length_
    for missing in (("augmentation_params", "input_length_"), ("input_length_",)):
        older = pickle.loads(pickle.dumps(clf))
        for name in missing:
            delattr(older.input_, name)
        with pytest.raises(
            pickle.UnpicklingError,
            match=rf"SequenceInput was pickled by an earlier development version of skneural "
            rf"\(its state has no {', '.join(missing)}\).*Fit the estimator again",
        ):
            pickle.loads(pickle.dumps(older))


def test_stretched_training_learns_and_searches_for_the_cnn_and_the_lstm():
    X, y = shapes(160, seed=1, lengths=(30, 60))
    X_test, y_test = shapes(100, seed=2, lengths=(30, 60))
    fcn = CNNClassifier(**FCN, time_stretch=0.5, max_epochs=15, random_state=0).fit(X, y)
    assert fcn.score(X_test, y_test) > 0.9
    lstm = LSTMClassifier(
        patch_size=4, summary="mean", time_stretch=0.5, max_epochs=15, random_state=0
    ).fit(X, y)
    assert isinstance(lstm.net_.batch_transform, SeriesAugmentation)
    assert lstm.score(X_test, y_test) > 0.8
    search = GridSearchCV(
        CNNClassifier(spatial_dims=1, head="gap", max_epochs=2, random_state=0),
        {"time_stretch": [0.0, 0.3]},
        cv=2,
    ).fit(X, y)
    assert search.best_params_["time_stretch"] in (0.0, 0.3)


def test_series_augmentation_is_refused_where_it_does_not_apply():
    images = np.random.RandomState(0).rand(20, 8, 8)
    labels = np.arange(20) % 2
    with pytest.raises(ValueError, match=r"time_stretch=0\.5 is for sequences \(spatial_dims=1\)"):
        CNNClassifier(time_stretch=0.5, max_epochs=1).fit(images, labels)
    ids = np.random.RandomState(0).randint(1, 50, size=(20, 12))
    with pytest.raises(ValueError, match=r"amplitude_scale=0\.1 is for numeric sequences"):
        LSTMClassifier(input_type="tokens", amplitude_scale=0.1, max_epochs=1).fit(ids, labels)
    # token ids found by "auto" (with its warning) are refused at fit, before training
    with pytest.warns(AmbiguousInputWarning), pytest.raises(ValueError, match=r"time_stretch=0\.2"):
        LSTMClassifier(time_stretch=0.2, max_epochs=1).fit(ids, labels)
    with pytest.raises(InvalidParameterError, match="time_stretch"):
        CNNClassifier(spatial_dims=1, time_stretch=-1.0).fit(*shapes(10, seed=0))
    with pytest.raises(InvalidParameterError, match="amplitude_scale"):
        LSTMClassifier(amplitude_scale=1.5).fit(*shapes(10, seed=0))
