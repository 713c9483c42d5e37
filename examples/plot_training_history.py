"""
Watching a CNN train: loss, validation score and learning rate per epoch
========================================================================

With ``early_stopping=True`` a :class:`~skneural.CNNClassifier` holds out a
part of its training data, scores it after every epoch and keeps the weights
of the best epoch. Its ``history_`` records the training and validation loss,
the validation score and the learning rate of each epoch;
:class:`~skneural.plot.TrainingHistoryDisplay` draws them, with the epoch
whose weights were kept marked on every panel.
"""

# %%
# Data: scikit-learn's 1,797 handwritten digits, 8x8 images; a quarter held out.
import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skneural import CNNClassifier
from skneural.plot import TrainingHistoryDisplay

digits = load_digits()
X, y = digits.images, digits.target  # 1,797 images of 8x8: (1797, 8, 8)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

# %%
# A small CNN with early stopping: 15% of the training images are held out,
# and training stops once the validation accuracy has not improved for 6
# epochs. The cosine learning-rate schedule decays the rate over ``max_epochs``.
cnn = CNNClassifier(
    n_filters=8,
    hidden_units=32,
    max_epochs=40,
    early_stopping=True,
    validation_fraction=0.15,
    n_iter_no_change=6,
    random_state=0,
)
cnn.fit(X_train, y_train)
print(
    f"{cnn.n_iter_} epochs, best validation accuracy {cnn.best_validation_score_:.3f}"
)
print(f"held-out accuracy: {cnn.score(X_test, y_test):.3f}")

display = TrainingHistoryDisplay.from_estimator(cnn)
print(f"weights kept from epoch {display.best_epoch_}")

# %%
# Two runs on the same panels: passing a display's ``axes_`` as ``ax`` draws
# another history over it. A learning rate ten times smaller learns more
# slowly within the same epochs.
slow = CNNClassifier(**{**cnn.get_params(), "lr": 5e-3}).fit(X_train, y_train)
display = TrainingHistoryDisplay.from_estimator(cnn, name="lr=0.05 (SGD's default)")
TrainingHistoryDisplay.from_estimator(slow, name="lr=0.005", ax=display.axes_)
display.axes_[0].legend(fontsize="small", ncols=2)  # one legend for both runs
display.figure_.suptitle("Two learning rates")
plt.show()
