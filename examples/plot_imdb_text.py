"""
Sentiment of IMDB movie reviews with an LSTM
============================================

Raw reviews in, labels out: a :class:`~skneural.SequenceVectorizer` turns
each review into a sequence of token ids and a
:class:`~skneural.LSTMClassifier` reads it in order, in one scikit-learn
pipeline. The data are real: the Large Movie Review Dataset (Maas et al.,
ACL 2011), reviews labelled positive or negative, read straight from its
archive, nothing unpacked to disk.

To build in well under a minute on two CPU cores, the example uses a subset,
the first 2,500 reviews of each class of the official training set (5,000 in
all) and 1,000 of each class of the test set, a small network, the last 200
tokens of each review and 8 epochs. On so little data the LSTM does not beat
a bag of words (TF-IDF and logistic regression, shown for comparison);
trained on all 25,000 training reviews for a quarter of an hour it does
(``benchmarks/bench_imdb.py``: 0.889 test accuracy against 0.883).

The archive is looked for in the datasets folder: ``$SKNEURAL_DATASETS``, by
default ``shared/datasets`` next to the repository
(``imdb/aclImdb.tar.gz``). Where it is absent, the example runs on short
generated reviews instead and says so in its output.
"""

# %%
# Data: a subset of IMDB, read from the archive; else generated reviews.
import os
import tarfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from skneural import LSTMClassifier, SequenceVectorizer
from skneural.plot import TrainingHistoryDisplay


def datasets_dir():
    """``$SKNEURAL_DATASETS``, else ``shared/datasets`` next to the repository.

    The repository is the first folder above this file (or the working
    directory, when run interactively) that holds ``pyproject.toml``; the
    gallery runs a copy of this file under ``docs/auto_examples``.
    """
    if "SKNEURAL_DATASETS" in os.environ:
        return Path(os.environ["SKNEURAL_DATASETS"])
    here = Path(__file__).resolve() if "__file__" in globals() else Path.cwd()
    for folder in [here, *here.parents]:
        if (folder / "pyproject.toml").is_file():
            return folder.parent / "shared" / "datasets"
    return Path("shared", "datasets")


ARCHIVE = datasets_dir() / "imdb" / "aclImdb.tar.gz"


def load_imdb(archive, n_train=2_500, n_test=1_000):
    """The first n_train training and n_test test reviews of each class, and labels."""
    wanted = {"train": n_train, "test": n_test}
    found = {(split, label): [] for split in wanted for label in ("neg", "pos")}
    with tarfile.open(archive) as tar:
        for member in tar:
            parts = member.name.split(
                "/"
            )  # aclImdb/<split>/<neg|pos>/<id>_<rating>.txt
            if (
                len(parts) != 4
                or parts[1] not in wanted
                or not parts[3].endswith(".txt")
            ):
                continue
            reviews = found[parts[1], parts[2]]
            if len(reviews) < wanted[parts[1]]:
                text = tar.extractfile(member).read().decode("utf-8")
                reviews.append(text.replace("<br />", " "))  # the reviews' line breaks
    data = []
    for split in wanted:
        texts = found[split, "neg"] + found[split, "pos"]
        n_neg = len(found[split, "neg"])
        labels = np.array(["negative"] * n_neg + ["positive"] * (len(texts) - n_neg))
        data += [texts, labels]
    return data


def generated_reviews(n=1_200, seed=0):
    """Short made-up reviews: praise or blame words, sometimes negated."""
    rng = np.random.RandomState(seed)
    fillers = "the a movie plot actor scene story film was is very quite".split()
    praise, blame = (
        ["good", "great", "fun", "moving"],
        ["bad", "dull", "boring", "weak"],
    )
    texts, labels = [], []
    for _ in range(n):
        positive, negated = rng.rand() < 0.5, rng.rand() < 0.3
        word = rng.choice(praise if positive != negated else blame)
        words = list(rng.choice(fillers, rng.randint(4, 12)))
        words.insert(rng.randint(len(words) + 1), f"not {word}" if negated else word)
        texts.append(" ".join(words))
        labels.append("positive" if positive else "negative")
    return train_test_split(texts, np.array(labels), test_size=0.25, random_state=0)


if ARCHIVE.exists():
    X_train, y_train, X_test, y_test = load_imdb(ARCHIVE)
    source = "IMDB"
else:
    print(f"IMDB not found at {ARCHIVE}: using short generated reviews instead.")
    X_train, X_test, y_train, y_test = generated_reviews()
    source = "generated reviews"
lengths = [len(text.split()) for text in X_train]
print(
    f"{source}: {len(X_train)} training and {len(X_test)} test reviews, "
    f"median {np.median(lengths):.0f} words"
)
print(f"{y_train[0]}: {X_train[0][:150]}...")

# %%
# The baseline: TF-IDF of the words and a logistic regression.
bag = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(X_train, y_train)
print(f"TF-IDF + logistic regression: test accuracy {bag.score(X_test, y_test):.3f}")

# %%
# The sequence pipeline. The vectorizer keeps the 10,000 most frequent words
# and the last 200 tokens of each review (``truncating="pre"``: a review's
# verdict tends to come at its end). The LSTM embeds each token in 32
# dimensions, reads the sequence with 32 units and averages its outputs over
# the review (``summary="mean"``). With ``early_stopping=True`` 10% of the
# training reviews are held out and scored after every epoch, and the
# weights of the best epoch are kept.
lstm = make_pipeline(
    SequenceVectorizer(max_len=200, max_features=10_000, truncating="pre"),
    LSTMClassifier(
        input_type="tokens",  # SequenceVectorizer's token ids
        embedding_dim=32,
        hidden_units=32,
        dense_units=32,
        summary="mean",
        lr=5e-3,
        max_epochs=8,
        early_stopping=True,
        random_state=0,
    ),
)
lstm.fit(X_train, y_train)
print(f"SequenceVectorizer + LSTM: test accuracy {lstm.score(X_test, y_test):.3f}")
print(lstm.predict(["A wonderful film, moving and funny.", "Dull, and far too long."]))

# %%
# The LSTM's training history. The training loss keeps falling, while the
# validation loss and accuracy stop improving after a few epochs: on 4,500
# reviews the network soon starts to overfit. The weights of the epoch with the
# best validation accuracy, marked, are the ones kept.
TrainingHistoryDisplay.from_estimator(lstm, name=f"LSTM on {source}")
plt.show()
