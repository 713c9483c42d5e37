"""LSTMClassifier / LSTMRegressor: input kinds, padding, order, bad input, pipelines."""

import pickle

import numpy as np
import pytest
import torch
from conftest import needs_cuda
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from skneural import LSTMClassifier, LSTMRegressor, SequenceVectorizer
from skneural.nn import RecurrentNet

pytestmark = pytest.mark.usefixtures("one_torch_thread")

# Small networks and few epochs, as TINY in conftest does for the CNN.
SMALL = dict(embedding_dim=8, hidden_units=8, dense_units=8, max_epochs=2, batch_size=16)


def order_documents(n, seed):
    """Filler words with "not" and "good" in them; the label is whether "not" comes first.

    Every document of both classes holds the same kinds of words in about the
    same numbers: only their order tells the classes apart.
    """
    rng = np.random.RandomState(seed)
    fillers = np.array("the a movie plot actor scene story film was is".split())
    docs, labels = [], []
    for _ in range(n):
        words = list(rng.choice(fillers, rng.randint(4, 9)))
        i, j = sorted(rng.choice(len(words) + 1, 2, replace=False))
        negated = rng.rand() < 0.5
        first, second = ("not", "good") if negated else ("good", "not")
        words.insert(i, first)
        words.insert(j + 1, second)
        docs.append(" ".join(words))
        labels.append("negated" if negated else "plain")
    return docs, np.array(labels)


def order_sequences(n, seed):
    """Noisy 2-channel sequences of 6 to 14 steps with a spike and a dip; label: spike first."""
    rng = np.random.RandomState(seed)
    X, y = [], []
    for _ in range(n):
        steps = rng.randint(6, 15)
        x = 0.3 * rng.randn(steps, 2)
        i, j = rng.choice(steps, 2, replace=False)
        x[i, 0] += 3.0
        x[j, 0] -= 3.0
        X.append(x.T.astype(np.float32))  # (channels, steps)
        y.append(int(i < j))
    return X, np.array(y)


def varying_sequences(n, seed, n_features=2):
    rng = np.random.RandomState(seed)
    return [rng.randn(n_features, rng.randint(1, 12)) for _ in range(n)]


# ----------------------------------------------------------------------
# input kinds


def test_token_ids_input():
    rng = np.random.RandomState(0)
    X = rng.randint(0, 30, size=(60, 7))
    y = rng.randint(0, 2, 60)
    clf = LSTMClassifier(random_state=0, **SMALL).fit(X, y)
    assert clf.input_type_ == "tokens"
    assert clf.vocabulary_size_ == X.max() + 1
    assert clf.n_features_in_ == 7
    assert isinstance(clf.module_.network, RecurrentNet)
    assert clf.module_.network.embedding.num_embeddings == clf.vocabulary_size_
    assert clf.predict(X).shape == (60,)
    given = LSTMClassifier(vocabulary_size=100, random_state=0, **SMALL).fit(X, y)
    assert given.vocabulary_size_ == 100


def test_numeric_inputs():
    rng = np.random.RandomState(0)
    y = rng.rand(50)
    flat = LSTMRegressor(random_state=0, **SMALL).fit(rng.randn(50, 6), y)
    assert flat.input_type_ == "numeric" and flat.n_channels_ == 1
    assert flat.n_features_in_ == 6
    steps = LSTMRegressor(random_state=0, **SMALL).fit(rng.randn(50, 3, 6), y)
    assert steps.n_channels_ == 3
    assert not hasattr(steps, "n_features_in_")
    # a 3-D model predicts sequences of other lengths
    assert steps.predict(rng.randn(4, 3, 9)).shape == (4,)
    # negative integers are numbers, not token ids
    ints = LSTMRegressor(random_state=0, **SMALL).fit(rng.randint(-3, 3, size=(50, 6)), y)
    assert ints.input_type_ == "numeric"
    # non-negative integers are read as numbers on request
    asked = LSTMRegressor(input_type="numeric", random_state=0, **SMALL)
    assert asked.fit(rng.randint(0, 3, size=(50, 6)), y).input_type_ == "numeric"


def test_flat_and_one_feature_inputs_give_the_same_model():
    rng = np.random.RandomState(0)
    X, y = rng.randn(40, 5), rng.randint(0, 2, 40)
    flat = LSTMClassifier(random_state=0, **SMALL).fit(X, y)
    steps = LSTMClassifier(random_state=0, **SMALL).fit(X[:, None, :], y)
    assert_allclose(flat.predict_proba(X), steps.predict_proba(X[:, None, :]), rtol=1e-5)
    listed = LSTMClassifier(random_state=0, **SMALL).fit(list(X[:, None, :]), y)
    assert_allclose(flat.predict_proba(X), listed.predict_proba(X), rtol=1e-5)


def test_variable_length_inputs():
    rng = np.random.RandomState(0)
    X = varying_sequences(50, 0, n_features=3)
    y = rng.rand(50, 2)
    reg = LSTMRegressor(random_state=0, **SMALL).fit(X, y)
    assert reg.input_type_ == "numeric" and reg.n_channels_ == 3
    assert reg.predict(X).shape == (50, 2)
    tokens = [list(rng.randint(1, 20, size=rng.randint(0, 9))) for _ in range(50)]
    clf = LSTMClassifier(random_state=0, **SMALL).fit(tokens, rng.randint(0, 3, 50))
    assert clf.input_type_ == "tokens"
    assert clf.predict(tokens).shape == (50,)


def test_numeric_steps_are_standardized_over_real_steps_only():
    rng = np.random.RandomState(0)
    X = [100 + 5 * rng.randn(2, rng.randint(1, 20)) for _ in range(80)]
    reg = LSTMRegressor(random_state=0, **SMALL).fit(X, rng.rand(80))
    steps = np.concatenate(X, axis=1)
    assert reg.module_.standardize.mean.shape == (1, 2, 1)  # per channel
    assert_allclose(reg.module_.standardize.mean.numpy().ravel(), steps.mean(axis=1), rtol=1e-5)
    assert_allclose(reg.module_.standardize.std.numpy().ravel(), steps.std(axis=1), rtol=1e-4)
    raw = LSTMRegressor(normalize=False, random_state=0, **SMALL).fit(X, rng.rand(80))
    assert not hasattr(raw.module_, "standardize")


def test_gradient_clipping_on_by_default():
    for Estimator in (LSTMClassifier, LSTMRegressor):
        # the docstring's shared training text, with this default (see _docs.py)
        assert "clip_grad_norm : float or None, default=1.0" in Estimator.__doc__
        assert "over the real (unpadded) steps" in Estimator.__doc__
    assert LSTMClassifier().clip_grad_norm == 1.0
    assert LSTMRegressor().clip_grad_norm == 1.0
    rng = np.random.RandomState(0)
    clf = LSTMClassifier(random_state=0, **SMALL).fit(rng.randn(30, 4), rng.randint(0, 2, 30))
    assert dict(clf.net_.callbacks_)["clip_grad_norm"].gradient_clip_value == 1.0


def test_architecture_parameters():
    net = LSTMClassifier(
        hidden_units=12, n_layers=2, bidirectional=True, dense_units=0, embedding_dim=6
    )
    rng = np.random.RandomState(0)
    net.set_params(max_epochs=1).fit(rng.randint(1, 9, size=(30, 5)), rng.randint(0, 2, 30))
    module = net.module_.network
    assert len(module.forward_lstms) == len(module.backward_lstms) == 2
    assert [lstm.input_size for lstm in module.backward_lstms] == [6, 24]
    assert {lstm.hidden_size for lstm in module.forward_lstms} == {12}
    linears = [m for m in net.module_.network.head if isinstance(m, torch.nn.Linear)]
    assert [m.in_features for m in linears] == [24]  # no dense layer: straight to the output


# ----------------------------------------------------------------------
# padding never changes a prediction


@pytest.mark.parametrize("summary", ["last", "mean", "max"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_padding_never_changes_a_numeric_prediction(summary, bidirectional):
    X = varying_sequences(40, 0)
    y = np.random.RandomState(0).randint(0, 2, 40)
    clf = LSTMClassifier(summary=summary, bidirectional=bidirectional, random_state=0, **SMALL)
    clf.fit(X, y)
    short = [np.ones((2, 2))]
    alone = clf.predict_proba(short)
    # in a batch padded to 30 steps, in a different position, in a batch of any size
    batch = [np.full((2, 30), 5.0), short[0], *varying_sequences(20, 1)]
    assert_allclose(clf.predict_proba(batch)[1], alone[0], rtol=1e-5, atol=1e-6)
    # a 3-D array has no padding: its sequences are full length
    assert_allclose(clf.predict_proba(np.ones((1, 2, 2))), alone, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("summary", ["last", "mean", "max"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_padding_never_changes_a_token_prediction(summary, bidirectional):
    docs, labels = order_documents(60, 0)
    pre = SequenceVectorizer(max_len=12, padding="pre").fit(docs)
    post = SequenceVectorizer(max_len=12, padding="post").fit(docs)
    clf = LSTMClassifier(summary=summary, bidirectional=bidirectional, random_state=0, **SMALL)
    clf.fit(pre.transform(docs), labels)
    probe = ["good film", "not good", ""]
    expected = clf.predict_proba(pre.transform(probe))
    assert_allclose(clf.predict_proba(post.transform(probe)), expected, rtol=1e-5, atol=1e-6)
    # alone, unpadded, as lists of ids (the empty document is a valid sequence)
    for doc, row in zip(probe, expected, strict=True):
        ids = post.transform([doc])[0]
        assert_allclose(clf.predict_proba([ids[ids > 0]])[0], row, rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------
# order decides the label


def test_word_order_task_that_a_bag_of_words_cannot_solve():
    docs, labels = order_documents(500, 0)
    test_docs, test_labels = order_documents(200, 1)
    bag = make_pipeline(CountVectorizer(), LogisticRegression()).fit(docs, labels)
    assert bag.score(test_docs, test_labels) < 0.65
    lstm = make_pipeline(
        SequenceVectorizer(max_len=12),
        LSTMClassifier(
            embedding_dim=16, hidden_units=16, dense_units=16, max_epochs=20, random_state=0
        ),
    ).fit(docs, labels)
    assert lstm.score(test_docs, test_labels) > 0.95


def test_step_order_task():
    X, y = order_sequences(500, 0)
    X_test, y_test = order_sequences(200, 1)

    # what the steps hold, without their order, tells nothing
    def unordered(X):
        return [[x.min(), x.max(), x.mean(), x.shape[1]] for x in X]

    bag = LogisticRegression().fit(unordered(X), y)
    assert bag.score(unordered(X_test), y_test) < 0.65
    clf = LSTMClassifier(hidden_units=16, dense_units=16, max_epochs=20, random_state=0)
    assert clf.fit(X, y).score(X_test, y_test) > 0.9


# ----------------------------------------------------------------------
# bad input


def test_unseen_token_ids_at_predict_time():
    rng = np.random.RandomState(0)
    X = rng.randint(0, 10, size=(40, 5))
    clf = LSTMClassifier(random_state=0, **SMALL).fit(X, rng.randint(0, 2, 40))
    assert clf.vocabulary_size_ == 10
    # ids never seen in training are embedded as zeros: no index error, and
    # any two of them are the same unknown token
    a = clf.predict_proba(np.array([[3, 4, 10, 0, 0]]))
    b = clf.predict_proba(np.array([[3, 4, 10**9, 0, 0]]))
    assert_array_equal(a, b)
    assert not np.allclose(a, clf.predict_proba(np.array([[3, 4, 0, 0, 0]])))
    with pytest.raises(ValueError, match="vocabulary_size=5 allows ids 0 to 4"):
        LSTMClassifier(vocabulary_size=5).fit(X, rng.randint(0, 2, 40))


def test_documents_that_are_empty_or_all_out_of_vocabulary():
    docs, labels = order_documents(60, 0)
    model = make_pipeline(
        SequenceVectorizer(max_len=12), LSTMClassifier(random_state=0, **SMALL)
    ).fit(docs, labels)
    proba = model.predict_proba(["", "zzz qqq", "!!!", docs[0]])
    assert proba.shape == (4, 2) and np.all(np.isfinite(proba))
    assert_allclose(proba[0], proba[2])  # both empty (no tokens at all)


@pytest.mark.parametrize(
    "X, match",
    [
        ([np.ones((2, 3)), np.array([[1.0], [np.nan]])], "Sequence 1 of X contains NaN"),
        ([np.ones((2, 3)), np.ones((2, 0))], "Sequence 1 of X has no steps"),
        ([np.ones((2, 3)), np.ones((3, 4))], "sequence 0 has 2, sequence 1 has 3"),
        # (n_steps, n_channels) sequences of different lengths: told to transpose
        ([np.ones((3, 2)), np.ones((5, 2))], "if they are \\(n_steps, n_channels\\), transpose"),
        ([np.ones((2, 3)), np.ones(4)], "mix 1-D"),
        (
            [np.ones((3, 2, 2)), np.ones((4, 2, 2))],
            r"expected \(n_steps,\) or \(n_channels, n_steps\)",
        ),
        ([np.array(["a", "b"]), np.array(["c"])], "expected numbers"),
        (np.ones((3, 2, 2, 2)), "got 4 dimensions"),
        (np.array([[1.0, np.nan], [1.0, 2.0]]), "NaN"),
        (np.full((2, 3, 2), np.inf), "infinity"),
        (["good film", "bad film"], "not raw text; put a SequenceVectorizer"),
        ("good film", "not raw text"),
        (np.ones(4), "2D array"),
    ],
)
def test_bad_X(X, match):
    with pytest.raises(ValueError, match=match):
        LSTMClassifier(**SMALL).fit(X, np.arange(len(X)) % 2)


def test_bad_token_input():
    y = [0, 1]
    with pytest.raises(ValueError, match="negative token ids"):
        LSTMClassifier(input_type="tokens").fit(np.array([[1, -2], [3, 4]]), y)
    with pytest.raises(ValueError, match="integer token ids"):
        LSTMClassifier(input_type="tokens").fit(np.array([[1.5, 2], [3, 4]]), y)
    with pytest.raises(ValueError, match='input_type="tokens" needs token ids'):
        LSTMClassifier(input_type="tokens").fit(np.ones((2, 3, 1)), y)


def test_predict_input_must_match_the_fitted_kind():
    rng = np.random.RandomState(0)
    tokens = LSTMClassifier(random_state=0, **SMALL)
    tokens.fit(rng.randint(0, 9, size=(30, 4)), rng.randint(0, 2, 30))
    with pytest.raises(ValueError, match="fitted on token ids"):
        tokens.predict(np.ones((2, 4, 1)))
    with pytest.raises(ValueError, match="negative token ids"):
        tokens.predict(-np.ones((2, 4), dtype=int))
    with pytest.raises(ValueError, match="X has 5 features, but LSTMClassifier"):
        tokens.predict(np.ones((2, 5), dtype=int))
    # integral floats are read as the token ids they hold
    ids = rng.randint(0, 9, size=(5, 4))
    assert_array_equal(tokens.predict(ids.astype(float)), tokens.predict(ids))
    numeric = LSTMClassifier(random_state=0, **SMALL)
    numeric.fit(rng.randn(30, 2, 4), rng.randint(0, 2, 30))
    with pytest.raises(ValueError, match="X has 3 channels, but LSTMClassifier"):
        numeric.predict(rng.randn(2, 3, 4))
    with pytest.raises(ValueError, match="3 channels"):
        numeric.predict([rng.randn(3, 4)])


@pytest.mark.parametrize(
    "params, match",
    [
        ({"summary": "first"}, "summary"),
        ({"input_type": "text"}, "input_type"),
        ({"hidden_units": 0}, "hidden_units"),
        ({"dropout": 1.0}, "dropout"),
        ({"vocabulary_size": 1}, "vocabulary_size"),
    ],
)
def test_bad_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        LSTMClassifier(**params).fit(np.ones((4, 3)), [0, 1, 0, 1])


# ----------------------------------------------------------------------
# the shared core's training parameters, on sequences


def test_early_stopping_sample_weight_and_seeding_on_sequences():
    X, y = order_sequences(120, 0)
    weights = np.random.RandomState(0).rand(len(y))
    params = dict(early_stopping=True, n_iter_no_change=2, max_epochs=6, random_state=0)
    a = LSTMClassifier(**SMALL | params).fit(X, y, sample_weight=weights)
    b = LSTMClassifier(**SMALL | params).fit(X, y, sample_weight=weights)
    assert len(a.validation_scores_) == a.n_iter_ and 0 <= a.best_validation_score_ <= 1
    assert_array_equal(a.predict_proba(X), b.predict_proba(X))  # same seed, same model
    # warm start continues the same network on sequences of other lengths
    c = LSTMClassifier(warm_start=True, random_state=0, **SMALL).fit(X, y)
    first = c.module_.network.head[-1].weight.detach().clone()
    c.fit(X[::-1], y[::-1])
    assert c.n_iter_ == 2 * SMALL["max_epochs"]
    assert not torch.equal(first, c.module_.network.head[-1].weight)


@pytest.mark.parametrize("Estimator", [LSTMClassifier, LSTMRegressor])
def test_integer_sample_weight_equals_repetition(Estimator):
    """With one full batch and no dropout, weight k == the sample k times (to float32 rounding).

    Backs the expected failure of check_sample_weight_equivalence_on_dense_data,
    which trains in minibatches with dropout.
    """
    rng = np.random.RandomState(42)
    X = varying_sequences(15, 0)
    y = rng.randint(0, 3, size=15) + (0 if Estimator is LSTMClassifier else rng.rand(15))
    sw = rng.randint(0, 5, size=15)
    # float32: bfloat16 products round a sum of k copies differently from k times one
    params = dict(SMALL, dropout=0.0, batch_size=100, max_epochs=10, precision="32", random_state=0)
    weighted = Estimator(**params).fit(X, y, sample_weight=sw)
    repeated = Estimator(**params).fit(
        [x for x, k in zip(X, sw, strict=True) for _ in range(k)], y.repeat(sw)
    )
    method = "predict_proba" if Estimator is LSTMClassifier else "predict"
    assert_allclose(getattr(weighted, method)(X), getattr(repeated, method)(X), rtol=1e-4)


@pytest.mark.gpu
@needs_cuda
@pytest.mark.parametrize("bidirectional", [False, True])
def test_cuda_training_and_padding_invariance(bidirectional):
    docs, labels = order_documents(80, 0)
    model = make_pipeline(
        SequenceVectorizer(max_len=12, padding="pre"),
        LSTMClassifier(device="cuda", bidirectional=bidirectional, random_state=0, **SMALL),
    ).fit(docs, labels)
    assert next(model[-1].module_.parameters()).is_cuda
    alone = model.predict_proba(docs[:1])
    assert_allclose(model.predict_proba(docs)[:1], alone, rtol=1e-4, atol=1e-5)
    reg = LSTMRegressor(device="cuda", random_state=0, **SMALL)
    X = varying_sequences(40, 0)
    reg.fit(X, np.random.RandomState(0).rand(40))
    assert_allclose(reg.predict(X[:1]), reg.predict(X)[:1], rtol=1e-4, atol=1e-5)


# ----------------------------------------------------------------------
# pipelines and searches


def test_pipeline_grid_search_over_both_steps():
    docs, labels = order_documents(120, 0)
    pipe = make_pipeline(SequenceVectorizer(), LSTMClassifier(random_state=0, **SMALL))
    grid = {"sequencevectorizer__max_len": [4, 12], "lstmclassifier__hidden_units": [4, 8]}
    search = GridSearchCV(pipe, grid, cv=2).fit(docs, labels)
    assert len(search.cv_results_["params"]) == 4
    best = search.best_estimator_
    assert best.named_steps["sequencevectorizer"].max_len in (4, 12)
    assert best.named_steps["lstmclassifier"].module_.network.forward_lstms[0].hidden_size in (4, 8)


def test_pipeline_bayes_search_over_both_steps():
    skopt = pytest.importorskip("skopt")
    docs, labels = order_documents(120, 0)
    pipe = make_pipeline(SequenceVectorizer(), LSTMClassifier(random_state=0, **SMALL))
    space = {
        "sequencevectorizer__max_len": skopt.space.Integer(4, 12),
        "lstmclassifier__hidden_units": skopt.space.Integer(4, 8),
    }
    search = skopt.BayesSearchCV(pipe, space, n_iter=3, cv=2, random_state=0)
    search.fit(docs, labels)
    assert len(search.cv_results_["params"]) == 3
    assert 4 <= search.best_params_["sequencevectorizer__max_len"] <= 12


def test_pickle_round_trip_of_the_pipeline(tmp_path):
    docs, labels = order_documents(60, 0)
    pipe = make_pipeline(
        SequenceVectorizer(max_len=12), LSTMClassifier(random_state=0, **SMALL)
    ).fit(docs, labels)
    path = tmp_path / "pipe.pkl"
    path.write_bytes(pickle.dumps(pipe))
    loaded = pickle.loads(path.read_bytes())
    assert_array_equal(loaded.predict_proba(docs), pipe.predict_proba(docs))
    assert loaded.named_steps["sequencevectorizer"].vocabulary_ == (
        pipe.named_steps["sequencevectorizer"].vocabulary_
    )


def test_numeric_pipeline_with_a_transformer_before_the_network():
    from sklearn.preprocessing import StandardScaler

    rng = np.random.RandomState(0)
    X, y = rng.randn(40, 6), rng.randint(0, 2, 40)
    pipe = make_pipeline(StandardScaler(), LSTMClassifier(random_state=0, **SMALL)).fit(X, y)
    assert pipe.predict(X).shape == (40,)
