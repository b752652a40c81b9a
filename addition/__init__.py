"""addition-lstm: a sequence-to-sequence LSTM that learns to add, as a small library.

codec       the pure character codec (standard library + numpy)
data        seeded, deduplicated questions and the train/validation split
config      TrainConfig and the named recipes
model       the Keras model and a fast Predictor
training    fit with whole-answer monitoring and best-epoch weights
evaluation  exact-match, per-character, breakdowns, mistakes in words
saving      the self-describing model folder (atomic save, defensive load)
pipeline    train + evaluate + save, as train.py runs it
hub         Hugging Face Hub push (with model card) and load
demo        the app's views as pure functions
"""

import os

# Set before any module here imports Keras (saving.py imports it before model.py does): keeps
# TensorFlow's own INFO and WARNING lines out of the scripts' output.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from .codec import VOCABULARY, Codec  # noqa: E402

__all__ = ["Codec", "VOCABULARY"]
