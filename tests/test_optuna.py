"""Optuna: OptunaSearchCV with pruning, the pruning callback, shared and resumed studies."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from conftest import SMALL_LSTM, TINY
from sklearn.datasets import load_digits

from skneural import CNNClassifier
from skneural.callbacks import OptunaPruning
from skneural.utils import all_estimators

optuna = pytest.importorskip("optuna")
optuna_integration = pytest.importorskip("optuna_integration")
optuna.logging.set_verbosity(optuna.logging.WARNING)

SMALL = {
    "CNN": TINY,
    "LSTM": dict(SMALL_LSTM, batch_size=16, max_epochs=20),
    "ResNet": dict(weights=None, batch_size=32),
    "Transfer": dict(arch="mobilenet_v3_small", weights=None, batch_size=32),
}


def data_for(name):
    """Small data an estimator of the family ``name`` takes, and labels or targets."""
    rng = np.random.RandomState(0)
    if name.startswith("LSTM"):
        X = [rng.randn(2, rng.randint(2, 8)) for _ in range(40)]
        y = np.array([x[:, 0].sum() for x in X])
    else:
        X, digits = load_digits(return_X_y=True)
        X, y = X[:60], digits[:60].astype(float)
    if name.endswith("Classifier"):
        y = (y > np.median(y)).astype(int)
    return X, y


class PruneAllButTheFirst(optuna.pruners.BasePruner):
    """Prunes every trial but trial 0 at its first report: pruning, certain to happen."""

    def prune(self, study, trial):
        return trial.number > 0


SUPERVISED = all_estimators(type_filter=["classifier", "regressor"])


@pytest.mark.usefixtures("one_torch_thread")
@pytest.mark.parametrize("name, Estimator", SUPERVISED, ids=[name for name, _ in SUPERVISED])
def test_optuna_search_cv_with_pruning_on_every_estimator(name, Estimator):
    X, y = data_for(name)
    family = next(key for key in SMALL if name.startswith(key))
    search = optuna_integration.OptunaSearchCV(
        Estimator(random_state=0, **SMALL[family]),
        {"lr": optuna.distributions.FloatDistribution(1e-3, 1e-2, log=True)},
        enable_pruning=True,
        max_iter=2,
        n_trials=3,
        cv=2,
        study=optuna.create_study(
            direction="maximize",
            pruner=PruneAllButTheFirst(),
            sampler=optuna.samplers.RandomSampler(seed=0),
        ),
        random_state=0,
    ).fit(X, y)
    states = [trial.state for trial in search.study_.trials]
    assert states == [optuna.trial.TrialState.COMPLETE] + [optuna.trial.TrialState.PRUNED] * 2
    # the complete trial trained max_iter epochs per fold, one partial_fit each
    assert list(search.study_.trials[0].intermediate_values) == [0, 1]
    assert search.predict(X).shape == (len(y),)


def tutorial_objective(trial, X, y, pruning=True):
    clf = CNNClassifier(
        lr=trial.suggest_float("lr", 1e-4, 1e-1, log=True),
        batch_size=trial.suggest_categorical("batch_size", [32, 64, 128]),
        early_stopping=True,
        n_iter_no_change=10,
        callbacks=[OptunaPruning(trial)] if pruning else None,
        random_state=0,
        n_filters=4,
        hidden_units=16,
        max_epochs=4,
    )
    return clf.fit(X, y).best_validation_score_


def test_pruning_callback_in_a_hand_written_objective(digits):
    X, y = digits
    study = optuna.create_study(direction="maximize")
    study.optimize(lambda trial: tutorial_objective(trial, X, y), n_trials=1)
    complete = study.trials[0]
    assert complete.state == optuna.trial.TrialState.COMPLETE
    assert list(complete.intermediate_values) == [0, 1, 2, 3]  # one report an epoch
    assert complete.value == max(complete.intermediate_values.values())
    # a pruner no trial can satisfy prunes the next one after its first epoch
    study.pruner = optuna.pruners.ThresholdPruner(lower=1.1)
    study.optimize(lambda trial: tutorial_objective(trial, X, y), n_trials=1)
    pruned = study.trials[1]
    assert pruned.state == optuna.trial.TrialState.PRUNED
    assert list(pruned.intermediate_values) == [0]


def test_pruning_callback_names_what_is_missing(digits):
    X, y = digits
    study = optuna.create_study()
    trial = study.ask()
    clf = CNNClassifier(callbacks=[OptunaPruning(trial)], **TINY)
    with pytest.raises(ValueError, match=r"no 'valid_score' \(set early_stopping=True\)"):
        clf.fit(X, y)


STUDY_SCRIPT = textwrap.dedent(
    """
    import sys
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend
    from sklearn.datasets import load_digits
    from skneural import CNNClassifier

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    path, n_trials = sys.argv[1], int(sys.argv[2])
    X, y = load_digits(return_X_y=True)
    X, y = X[:300], y[:300]

    def objective(trial):
        lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
        clf = CNNClassifier(lr=lr, n_filters=2, hidden_units=8, max_epochs=1, random_state=0)
        return clf.fit(X, y).score(X, y)

    study = optuna.create_study(
        study_name="shared",
        storage=JournalStorage(JournalFileBackend(path)),
        direction="maximize",
        load_if_exists=True,
    )
    study.optimize(objective, n_trials=n_trials)
    """
)


def load_study(path):
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    return optuna.load_study(
        study_name="shared", storage=JournalStorage(JournalFileBackend(str(path)))
    )


def start(script, storage, n_trials):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    return subprocess.Popen([sys.executable, str(script), str(storage), str(n_trials)], env=env)


def complete_trials(path):
    return [t for t in load_study(path).trials if t.state == optuna.trial.TrialState.COMPLETE]


def trials_so_far(path):
    """The complete trials of a study another process is running; none before it
    has written the study's record (the journal file exists a moment earlier)."""
    try:
        return complete_trials(path)
    except KeyError:
        return []


def test_a_study_shared_by_two_processes(tmp_path):
    script, storage = tmp_path / "study.py", tmp_path / "journal.log"
    script.write_text(STUDY_SCRIPT)
    # the study exists before the two workers load it
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    optuna.create_study(
        study_name="shared",
        storage=JournalStorage(JournalFileBackend(str(storage))),
        direction="maximize",
    )
    workers = [start(script, storage, 3) for _ in range(2)]
    assert [worker.wait(timeout=240) for worker in workers] == [0, 0]
    trials = complete_trials(storage)
    assert len(trials) == 6
    assert sorted(t.number for t in trials) == list(range(6))


def test_a_killed_study_resumes_from_its_storage(tmp_path):
    script, storage = tmp_path / "study.py", tmp_path / "journal.log"
    script.write_text(STUDY_SCRIPT)
    worker = start(script, storage, 1000)
    try:
        deadline = time.time() + 180
        while time.time() < deadline:
            if storage.exists() and len(trials_so_far(storage)) >= 2:
                break
            time.sleep(0.2)
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        worker.wait(timeout=60)
    before = {t.number: t.value for t in complete_trials(storage)}
    assert len(before) >= 2
    resumed = start(script, storage, 2)  # the same script, run again
    assert resumed.wait(timeout=240) == 0
    after = {t.number: t.value for t in complete_trials(storage)}
    assert len(after) == len(before) + 2
    assert all(after[number] == value for number, value in before.items())


def test_an_unknown_parameter_in_the_distributions_is_named(digits):
    X, y = digits
    search = optuna_integration.OptunaSearchCV(
        CNNClassifier(**TINY),
        {"n_filter": optuna.distributions.IntDistribution(2, 8)},
        n_trials=1,
        cv=2,
        error_score="raise",
    )
    with pytest.raises(
        ValueError, match="Invalid parameter 'n_filter' for estimator CNNClassifier"
    ):
        search.fit(X, y)
