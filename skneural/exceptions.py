"""Warnings and errors of skneural."""

__all__ = ["AmbiguousInputWarning"]


class AmbiguousInputWarning(UserWarning):
    """X could be read in more than one way, and was read in the documented default way.

    The message says how X was read and which parameter to set to say so
    explicitly (which also silences the warning), e.g. ``image_shape`` for a
    flat X given to an image network, ``input_type`` for integer sequences
    given to an LSTM, ``image_size`` for image files of a network that sizes
    itself from them.

    Examples
    --------
    >>> import warnings
    >>> from skneural.exceptions import AmbiguousInputWarning
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", AmbiguousInputWarning)
    """
