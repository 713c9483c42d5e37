"""Input kinds: how an estimator reads X.

Each kind implements :class:`InputAdapter`: validate X, learn what the network
needs at fit time, and give the data path its batches.
"""

from skneural._inputs._base import InputAdapter
from skneural._inputs._images import ImageFiles, ImageInput
from skneural._inputs._sequences import PaddedSequences, SequenceInput

__all__ = ["ImageFiles", "ImageInput", "InputAdapter", "PaddedSequences", "SequenceInput"]
