"""
Grid search or random search for a small CNN
============================================

:class:`~sklearn.model_selection.GridSearchCV` tries every combination of a
few values; :class:`~sklearn.model_selection.RandomizedSearchCV` draws as
many candidates as it is given from distributions, so a continuous parameter
such as the learning rate is tried at many values instead of three.
:class:`~skneural.plot.SearchResultsDisplay` draws each candidate's
cross-validated accuracy against each searched parameter (a log axis for the
learning rate, categories for the others) and against its fit time, with the
best candidate starred.
"""

# %%
# Data: scikit-learn's digits; the searches use 3-fold cross-validation on
# three quarters of them.
import matplotlib.pyplot as plt
from scipy.stats import loguniform, uniform
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, train_test_split

from skneural import CNNClassifier
from skneural.plot import SearchResultsDisplay

digits = load_digits()
X, y = digits.images, digits.target  # 1,797 images of 8x8: (1797, 8, 8)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
cnn = CNNClassifier(n_filters=4, hidden_units=32, max_epochs=8, random_state=0)


def describe(search):
    params = ", ".join(
        f"{name}={value:.3g}" if isinstance(value, float) else f"{name}={value}"
        for name, value in sorted(search.best_params_.items())
    )
    return f"best {params}; CV accuracy {search.best_score_:.3f}"


# %%
# The grid: 3 learning rates x 2 widths, 6 candidates (rates of the scale of
# SGD's, the CNN's default optimizer for images).
grid = GridSearchCV(cnn, {"lr": [5e-3, 2e-2, 8e-2], "n_filters": [4, 8]}, cv=3)
grid.fit(X_train, y_train)
print("grid:  ", describe(grid))
SearchResultsDisplay.from_estimator(grid, name="GridSearchCV")

# %%
# The random search: as many candidates (6) drawn from distributions, with
# the dropout searched as well, at no extra cost.
random = RandomizedSearchCV(
    cnn,
    {"lr": loguniform(3e-3, 1e-1), "n_filters": [4, 8], "dropout": uniform(0, 0.5)},
    n_iter=6,
    cv=3,
    random_state=0,
)
random.fit(X_train, y_train)
print("random:", describe(random))

# %%
# Six learning rates drawn at random span less than two decades, so the axis
# would be linear; ``log_scale`` asks for a logarithmic one.
SearchResultsDisplay.from_estimator(random, name="RandomizedSearchCV", log_scale=["lr"])

# %%
# The two refitted best networks on the held-out quarter.
for search in (grid, random):
    print(
        f"{type(search).__name__:>18}: held-out accuracy "
        f"{search.score(X_test, y_test):.3f}"
    )
plt.show()
