"""SequenceVectorizer: vocabulary, ids, padding and truncation, bad documents."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.feature_extraction.text import CountVectorizer

from skneural import SequenceVectorizer

DOCS = ["the cat sat", "the dog sat down", "The cat and the dog", "a bird"]


def test_vocabulary_by_frequency_then_alphabet():
    vec = SequenceVectorizer().fit(DOCS)
    # "the" x4, then "cat", "dog", "sat" x2 (alphabetical), then the singletons
    assert list(vec.vocabulary_) == ["the", "cat", "dog", "sat", "and", "bird", "down"]
    assert list(vec.vocabulary_.values()) == list(range(2, 9))
    assert vec.vocabulary_size_ == 9
    # the tokens are scikit-learn's own: "a" is too short for the default pattern
    assert set(vec.vocabulary_) == set(CountVectorizer().fit(DOCS).vocabulary_)


def test_transform_ids_and_default_padding():
    vec = SequenceVectorizer(max_len=5).fit(DOCS)
    X = vec.transform(["the dog sat", "a cat and a fish"])
    assert X.dtype == np.int64 and X.shape == (2, 5)
    assert_array_equal(X, [[2, 4, 5, 0, 0], [3, 6, 1, 0, 0]])  # "fish" is out of vocabulary


@pytest.mark.parametrize(
    "padding, truncating, expected",
    [
        ("post", "post", [[2, 3, 5, 0], [2, 4, 5, 8]]),
        ("pre", "post", [[0, 2, 3, 5], [2, 4, 5, 8]]),
        ("post", "pre", [[2, 3, 5, 0], [4, 5, 8, 1]]),
        ("pre", "pre", [[0, 2, 3, 5], [4, 5, 8, 1]]),
    ],
)
def test_padding_and_truncating(padding, truncating, expected):
    vec = SequenceVectorizer(max_len=4, padding=padding, truncating=truncating).fit(DOCS)
    X = vec.transform(["the cat sat", "the dog sat down again"])
    assert_array_equal(X, expected)


def test_vocabulary_filters():
    assert list(SequenceVectorizer(max_features=2).fit(DOCS).vocabulary_) == ["the", "cat"]
    assert list(SequenceVectorizer(min_df=2).fit(DOCS).vocabulary_) == ["the", "cat", "dog", "sat"]
    assert list(SequenceVectorizer(min_df=0.5).fit(DOCS).vocabulary_) == [
        "the",
        "cat",
        "dog",
        "sat",
    ]
    assert "the" not in SequenceVectorizer(max_df=0.5).fit(DOCS).vocabulary_
    assert "the" not in SequenceVectorizer(stop_words="english").fit(DOCS).vocabulary_
    cased = SequenceVectorizer(lowercase=False).fit(DOCS).vocabulary_
    assert "The" in cased and "the" in cased
    single = SequenceVectorizer(token_pattern=r"(?u)\b\w+\b").fit(DOCS).vocabulary_
    assert "a" in single


def test_unknown_tokens_and_empty_documents():
    oov = SequenceVectorizer(max_len=4).fit(DOCS)
    ignore = SequenceVectorizer(max_len=4, handle_unknown="ignore").fit(DOCS)
    docs = ["", "zebra yak", "zebra cat"]
    # an empty document is all padding; unknown tokens are id 1, or dropped
    assert_array_equal(oov.transform(docs), [[0, 0, 0, 0], [1, 1, 0, 0], [1, 3, 0, 0]])
    assert_array_equal(ignore.transform(docs), [[0, 0, 0, 0], [0, 0, 0, 0], [3, 0, 0, 0]])


def test_feature_names_and_pandas_output():
    pd = pytest.importorskip("pandas")
    vec = SequenceVectorizer(max_len=3).fit(DOCS)
    assert_array_equal(vec.get_feature_names_out(), ["token_0", "token_1", "token_2"])
    frame = vec.set_output(transform="pandas").transform(pd.Series(DOCS))
    assert list(frame.columns) == ["token_0", "token_1", "token_2"]
    assert_array_equal(frame.to_numpy(), SequenceVectorizer(max_len=3).fit_transform(DOCS))


@pytest.mark.parametrize(
    "X, error, match",
    [
        ("one string", ValueError, "single string"),
        (["fine", None], ValueError, "Document 1 is missing"),
        (["fine", np.nan], ValueError, "Document 1 is missing"),
        (["fine", 3], TypeError, "Document 1 is a int"),
        (np.array([["a b"], ["c d"]]), ValueError, "1-D iterable"),
        (5, TypeError, "iterable of raw text"),
    ],
)
def test_bad_documents(X, error, match):
    with pytest.raises(error, match=match):
        SequenceVectorizer().fit(X)
    fitted = SequenceVectorizer().fit(DOCS)
    with pytest.raises(error, match=match):
        fitted.transform(X)


def test_empty_vocabulary():
    with pytest.raises(ValueError, match="Empty vocabulary"):
        SequenceVectorizer().fit(["", "a", "I"])
    with pytest.raises(ValueError, match="Empty vocabulary"):
        SequenceVectorizer(stop_words="english").fit(["the and of", "it is"])
    with pytest.raises(ValueError, match="at least one document"):
        SequenceVectorizer().fit([])


def test_bad_parameters():
    with pytest.raises(ValueError, match="max_len"):
        SequenceVectorizer(max_len=0).fit(DOCS)
    with pytest.raises(ValueError, match="padding"):
        SequenceVectorizer(padding="left").fit(DOCS)


# scikit-learn's estimator checks skip almost everything for string input
# (parametrize_with_checks runs only check_estimator_cloneable on a
# transformer tagged string-only, as on CountVectorizer); run the checks
# that need no numeric data directly, and the rest on documents here.
@pytest.mark.parametrize(
    "check_name",
    [
        "check_no_attributes_set_in_init",
        "check_parameters_default_constructible",
        "check_get_params_invariance",
        "check_set_params",
        "check_estimators_unfitted",
        "check_estimator_repr",
        "check_mixin_order",
        "check_do_not_raise_errors_in_init_or_set_params",
        "check_set_output_transform",
    ],
)
def test_sklearn_checks_without_data(check_name):
    from sklearn.utils import estimator_checks

    getattr(estimator_checks, check_name)("SequenceVectorizer", SequenceVectorizer())


def test_fit_is_idempotent_and_transform_changes_nothing():
    import pickle

    from sklearn.base import clone
    from sklearn.exceptions import NotFittedError

    vec = SequenceVectorizer(max_len=6, max_features=5)
    with pytest.raises(NotFittedError):
        vec.transform(DOCS)
    params = vec.get_params()
    first = vec.fit_transform(DOCS)
    assert vec.get_params() == params  # fit does not touch the parameters
    state = dict(vec.__dict__)
    assert_array_equal(vec.transform(DOCS), first)
    assert vec.__dict__.keys() == state.keys() and vec.vocabulary_ == state["vocabulary_"]
    assert_array_equal(vec.fit(DOCS[::-1]).fit(DOCS).transform(DOCS), first)
    assert_array_equal(pickle.loads(pickle.dumps(vec)).transform(DOCS), first)
    assert not hasattr(clone(vec), "vocabulary_")
