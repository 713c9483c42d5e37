"""
Tuning a CNN on scikit-learn's digits with GridSearchCV
=======================================================

``CNNClassifier`` is a scikit-learn estimator, so the usual tools apply
unchanged: a train/test split, ``GridSearchCV`` over the network's and the
training's parameters, and scikit-learn's metrics on the held-out images.

The digits are given as images, ``digits.images`` of shape ``(n, 8, 8)``
(one channel).
"""

# %%
# Data: 1,797 handwritten digits, a quarter held out for the final check.
import time

from sklearn.datasets import load_digits
from sklearn.metrics import (
    accuracy_score,
    classification_report,
    precision_score,
    recall_score,
)
from sklearn.model_selection import GridSearchCV, train_test_split

from skneural import CNNClassifier

digits = load_digits()
X, y = digits.images, digits.target  # 1,797 images of 8x8: (1797, 8, 8)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
print(f"{len(X_train)} training and {len(X_test)} test images of shape 8x8")

# %%
# The search: the learning rate and whether to normalize each convolution's
# batch, with 3-fold cross-validation on the training part. Each candidate
# trains on all of its fold: no data is held out inside the estimator unless
# early stopping asks for it. ``verbose=3`` prints a line per fit as it ends,
# with its score and time (a few seconds each on two CPU cores). For images
# the CNN trains with SGD (momentum 0.9) by default, at ``lr=0.05``: the grid
# lists rates of that scale.
grid = {"lr": [0.01, 0.05], "batch_norm": [False, True]}
search = GridSearchCV(CNNClassifier(random_state=0), grid, cv=3, verbose=3)

print("training 4 candidates x 3 folds, then the best on all the training images")
start = time.perf_counter()
search.fit(X_train, y_train)
elapsed = time.perf_counter() - start
n_candidates = len(search.cv_results_["params"])
print(f"searched {n_candidates} candidates x 3 folds in {elapsed:.0f} s")
print("best parameters:", search.best_params_)
print(f"best 3-fold CV accuracy: {search.best_score_:.4f}")

# %%
# The refitted best network on the held-out images.
y_pred = search.predict(X_test)
precision = precision_score(y_test, y_pred, average="macro")
recall = recall_score(y_test, y_pred, average="macro")
print(f"held-out accuracy:  {accuracy_score(y_test, y_pred):.4f}")
print(f"held-out precision: {precision:.4f} (macro)")
print(f"held-out recall:    {recall:.4f} (macro)")
print(classification_report(y_test, y_pred, digits=3))
