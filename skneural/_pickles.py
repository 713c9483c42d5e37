"""Objects pickled by an earlier development version of skneural are refused, not patched up.

skneural has made no release whose pickles a later version must read, so a
class whose state gains an attribute does not fill it in for older states
(a shim carried forever). Its ``__setstate__`` names the attributes older
states lack, and such a pickle is refused with a message saying what to do.
"""

from __future__ import annotations

import pickle


def refuse_older_state(obj, state: dict, names) -> None:
    """Raise a :class:`pickle.UnpicklingError` if ``state`` lacks any of ``names``."""
    missing = [name for name in names if name not in state]
    if missing:
        raise pickle.UnpicklingError(
            f"This {type(obj).__name__} was pickled by an earlier development version of "
            f"skneural (its state has no {', '.join(missing)}), which this version does not "
            "read. Fit the estimator again, or load it with the version that pickled it."
        )
