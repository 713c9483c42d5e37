"""Raw documents to padded arrays of token ids, for the LSTM estimators."""

from __future__ import annotations

from collections import Counter
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

# token ids: padding, tokens outside the vocabulary, then the vocabulary's
PAD_ID = 0
OOV_ID = 1
FIRST_TOKEN_ID = 2


def _check_documents(X, estimator) -> list[str]:
    """``X`` as a list of strings, or a ValueError/TypeError naming the bad document."""
    name = type(estimator).__name__
    if isinstance(X, str | bytes):
        raise ValueError(
            f"{name} expects an iterable of raw text documents (one string per sample); "
            "got a single string."
        )
    if getattr(X, "ndim", 1) != 1:
        raise ValueError(
            f"{name} expects a 1-D iterable of documents, got an array of shape {X.shape}."
        )
    try:
        documents = list(X)
    except TypeError:
        raise TypeError(
            f"{name} expects an iterable of raw text documents; got {type(X).__name__}."
        ) from None
    for i, doc in enumerate(documents):
        if isinstance(doc, str):
            continue
        if doc is None or (isinstance(doc, float) and np.isnan(doc)):
            raise ValueError(f"Document {i} is missing ({doc!r}); expected a string.")
        raise TypeError(f"Document {i} is a {type(doc).__name__}, not a string: {doc!r}.")
    return documents


class SequenceVectorizer(TransformerMixin, BaseEstimator):
    """Turn raw documents into padded arrays of token ids.

    The text counterpart of :class:`~sklearn.feature_extraction.text.CountVectorizer`
    for sequence models: it keeps the order of the words. ``fit`` learns a
    vocabulary (the most frequent tokens); ``transform`` writes each document
    as its first (or last) ``max_len`` token ids, padded with zeros, ready for
    :class:`~skneural.LSTMClassifier` and :class:`~skneural.LSTMRegressor`.

    Ids: 0 is padding, 1 stands for tokens outside the vocabulary, and the
    vocabulary's tokens have ids 2, 3, ... in order of decreasing frequency in
    the training documents (ties in alphabetical order). Tokens are split
    with scikit-learn's own analyzer (``CountVectorizer(...).build_analyzer()``).

    Parameters
    ----------
    max_len : int, default=100
        Length of every output sequence: longer documents are truncated,
        shorter ones padded.
    max_features : int or None, default=None
        Keep only the ``max_features`` most frequent tokens (after the
        ``min_df``/``max_df`` filters).
    min_df : int or float, default=1
        Ignore tokens found in fewer documents than this (a float: a
        proportion of the documents).
    max_df : int or float, default=1.0
        Ignore tokens found in more documents than this (a float: a
        proportion), e.g. to drop corpus-specific stop words.
    lowercase : bool, default=True
        Whether to lowercase the documents before splitting them.
    token_pattern : str, default=r"(?u)\\b\\w\\w+\\b"
        Regular expression of a token, as in ``CountVectorizer``.
    stop_words : "english", list or None, default=None
        Tokens to drop, as in ``CountVectorizer``.
    strip_accents : {"ascii", "unicode"} or None, default=None
        Remove accents, as in ``CountVectorizer``.
    padding : {"post", "pre"}, default="post"
        Whether the zeros go after (``"post"``) or before (``"pre"``) the
        tokens. The LSTM estimators ignore padding wherever it stands.
    truncating : {"post", "pre"}, default="post"
        Which tokens a document longer than ``max_len`` loses: those at its
        end (``"post"``, keeping the beginning) or at its beginning
        (``"pre"``, keeping the end).
    handle_unknown : {"oov", "ignore"}, default="oov"
        What becomes of a token outside the vocabulary: id 1 (``"oov"``), or
        nothing (``"ignore"``: it is dropped from the sequence).

    Attributes
    ----------
    vocabulary_ : dict
        Token to id, for the tokens kept (ids from 2).
    vocabulary_size_ : int
        Number of ids the output can hold: ``len(vocabulary_) + 2``.

    See Also
    --------
    LSTMClassifier : Classifies the padded sequences this produces.
    sklearn.feature_extraction.text.CountVectorizer : Bag of words, ignoring order.

    Notes
    -----
    An empty document, or one whose tokens are all dropped, is a valid
    sequence of padding only (``"ignore"``) or of OOV ids (``"oov"``).
    ``transform`` returns ``int64`` of shape ``(n_documents, max_len)``;
    ``get_feature_names_out`` names its columns ``token_0`` ...
    ``token_{max_len - 1}`` (positions, not words: a column holds whatever
    token stands at that position).

    Examples
    --------
    >>> from skneural import SequenceVectorizer
    >>> docs = ["not good, not bad", "good", "bad bad movie"]
    >>> vectorizer = SequenceVectorizer(max_len=5).fit(docs)
    >>> vectorizer.vocabulary_
    {'bad': 2, 'good': 3, 'not': 4, 'movie': 5}
    >>> vectorizer.transform(["a good movie, not a bad one"])
    array([[3, 5, 4, 2, 1]])
    """

    _parameter_constraints: dict = {
        "max_len": [Interval(Integral, 1, None, closed="left")],
        "max_features": [Interval(Integral, 1, None, closed="left"), None],
        "min_df": [
            Interval(Integral, 1, None, closed="left"),
            Interval(Real, 0, 1, closed="both"),
        ],
        "max_df": [
            Interval(Integral, 1, None, closed="left"),
            Interval(Real, 0, 1, closed="both"),
        ],
        "lowercase": ["boolean"],
        "token_pattern": [str],
        "stop_words": [StrOptions({"english"}), list, None],
        "strip_accents": [StrOptions({"ascii", "unicode"}), None],
        "padding": [StrOptions({"pre", "post"})],
        "truncating": [StrOptions({"pre", "post"})],
        "handle_unknown": [StrOptions({"oov", "ignore"})],
    }

    def __init__(
        self,
        *,
        max_len=100,
        max_features=None,
        min_df=1,
        max_df=1.0,
        lowercase=True,
        token_pattern=r"(?u)\b\w\w+\b",
        stop_words=None,
        strip_accents=None,
        padding="post",
        truncating="post",
        handle_unknown="oov",
    ):
        self.max_len = max_len
        self.max_features = max_features
        self.min_df = min_df
        self.max_df = max_df
        self.lowercase = lowercase
        self.token_pattern = token_pattern
        self.stop_words = stop_words
        self.strip_accents = strip_accents
        self.padding = padding
        self.truncating = truncating
        self.handle_unknown = handle_unknown

    def _analyzer(self):
        return CountVectorizer(
            lowercase=self.lowercase,
            token_pattern=self.token_pattern,
            stop_words=self.stop_words,
            strip_accents=self.strip_accents,
        ).build_analyzer()

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the vocabulary of the documents ``X``.

        Parameters
        ----------
        X : iterable of str
            Raw text documents.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted vectorizer.
        """
        documents = _check_documents(X, self)
        if not documents:
            raise ValueError("SequenceVectorizer needs at least one document to fit; got 0.")
        analyze = self._analyzer()
        counts, doc_counts = Counter(), Counter()
        for doc in documents:
            tokens = analyze(doc)
            counts.update(tokens)
            doc_counts.update(set(tokens))
        n_docs = len(documents)
        min_df = self.min_df if isinstance(self.min_df, Integral) else self.min_df * n_docs
        max_df = self.max_df if isinstance(self.max_df, Integral) else self.max_df * n_docs
        kept = [t for t, df in doc_counts.items() if min_df <= df <= max_df]
        if not kept:
            raise ValueError(
                "Empty vocabulary: no token of the documents passes the filters "
                f"(min_df={self.min_df}, max_df={self.max_df}, stop_words={self.stop_words!r}); "
                "the documents may hold only stop words, or nothing at all."
            )
        kept.sort(key=lambda t: (-counts[t], t))
        if self.max_features is not None:
            kept = kept[: self.max_features]
        self.vocabulary_ = {t: i for i, t in enumerate(kept, start=FIRST_TOKEN_ID)}
        self.vocabulary_size_ = len(kept) + FIRST_TOKEN_ID
        return self

    def transform(self, X):
        """Token ids of the documents ``X``, padded or truncated to ``max_len``.

        Parameters
        ----------
        X : iterable of str
            Raw text documents.

        Returns
        -------
        ids : ndarray of shape (n_documents, max_len), dtype int64
            0 for padding, 1 for tokens outside the vocabulary (with
            ``handle_unknown="oov"``).
        """
        check_is_fitted(self)
        documents = _check_documents(X, self)
        analyze = self._analyzer()
        vocabulary, max_len = self.vocabulary_, self.max_len
        unknown = None if self.handle_unknown == "ignore" else OOV_ID
        out = np.full((len(documents), max_len), PAD_ID, dtype=np.int64)
        for row, doc in enumerate(documents):
            ids = [vocabulary.get(t, unknown) for t in analyze(doc)]
            if unknown is None:
                ids = [i for i in ids if i is not None]
            if len(ids) > max_len:
                ids = ids[-max_len:] if self.truncating == "pre" else ids[:max_len]
            if ids:
                if self.padding == "pre":
                    out[row, max_len - len(ids) :] = ids
                else:
                    out[row, : len(ids)] = ids
        return out

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns: positions ``token_0`` ... ``token_{max_len - 1}``.

        Parameters
        ----------
        input_features : None
            Ignored (the input is raw text).

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self)
        return np.array([f"token_{i}" for i in range(self.max_len)], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags
