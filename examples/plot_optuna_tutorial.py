"""
Optuna's tutorial objective, with pruning, in a few lines
=========================================================

Optuna's classic PyTorch example tunes a network's learning rate
(log-uniform between 1e-4 and 1e-1) and batch size (32, 64 or 128) for 10
epochs, reporting the validation accuracy after every epoch so that the
pruner can stop hopeless trials early. With skneural the objective is the
estimator itself: ``early_stopping=True`` holds out a validation set and
scores it every epoch, and :class:`~skneural.callbacks.OptunaPruning`
reports that score to the trial and stops the fit when the trial is pruned.
"""

# %%
import matplotlib.pyplot as plt
import optuna
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skneural import CNNClassifier
from skneural.callbacks import OptunaPruning

optuna.logging.set_verbosity(optuna.logging.WARNING)
digits = load_digits()
X, y = digits.images, digits.target  # 1,797 images of 8x8: (1797, 8, 8)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)


def objective(trial):
    clf = CNNClassifier(
        lr=trial.suggest_float("lr", 1e-4, 1e-1, log=True),
        batch_size=trial.suggest_categorical("batch_size", [32, 64, 128]),
        max_epochs=10,
        early_stopping=True,  # a validation score every epoch...
        n_iter_no_change=10,  # ...without stopping before the 10 epochs
        callbacks=[OptunaPruning(trial)],
        random_state=0,
    )
    clf.fit(X_train, y_train)
    trial.set_user_attr("test_accuracy", clf.score(X_test, y_test))
    return clf.best_validation_score_


# %%
# 20 trials; the median pruner stops a trial whose validation accuracy is
# below the median of the earlier trials at the same epoch.
study = optuna.create_study(
    direction="maximize",
    sampler=optuna.samplers.TPESampler(seed=0),
    pruner=optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=2),
)
study.optimize(objective, n_trials=20)

pruned = [t for t in study.trials if t.state == optuna.trial.TrialState.PRUNED]
epochs = sum(len(t.intermediate_values) for t in study.trials)
print(f"best validation accuracy {study.best_value:.4f} with {study.best_params}")
print(f"its test accuracy: {study.best_trial.user_attrs['test_accuracy']:.4f}")
print(
    f"{len(pruned)} of {len(study.trials)} trials pruned; {epochs} epochs in all of 200"
)

# %%
# Every trial's validation accuracy per epoch: the pruned ones stop early.
fig, ax = plt.subplots(figsize=(7, 4))
for trial in study.trials:
    steps = sorted(trial.intermediate_values)
    values = [trial.intermediate_values[s] for s in steps]
    is_pruned = trial.state == optuna.trial.TrialState.PRUNED
    ax.plot(
        [s + 1 for s in steps],
        values,
        color="tab:gray" if is_pruned else "tab:blue",
        alpha=0.6 if is_pruned else 0.9,
        marker="x" if is_pruned else None,
    )
ax.set_xlabel("epoch")
ax.set_ylabel("validation accuracy")
ax.set_ylim(0, 1.02)
ax.set_title("Trials (grey: pruned)")
plt.show()
