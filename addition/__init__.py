"""addition-lstm: a sequence-to-sequence LSTM that learns to add, as a small library.

codec       the pure character codec (standard library + numpy)
data        seeded, deduplicated questions and the train/validation split
config      TrainConfig: our defaults, the keras-io recipe as an override
model       the Keras model and a fast Predictor
training    fit with whole-answer monitoring and best-epoch weights
evaluation  exact-match, per-character, breakdowns, mistakes in words
saving      write the self-describing model folder, atomically
loading     read a model folder (or a Hub repo) as untrusted input, strictly
pipeline    train + evaluate + save, as train.py runs it
hub         the Hugging Face Hub: model card, push, download
catalog     the models the app offers
views       the app's views as pure functions
"""

import os
from pathlib import Path

# Set before any module here imports Keras: keeps TensorFlow's C++ log lines out of the
# scripts' output. Level 3, not 2: on a machine without a GPU every start otherwise prints
# "failed call to cuInit: ... CUDA error", which reads like a failure; real failures still
# reach us as Python exceptions.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

MODELS_FOLDER = Path(__file__).resolve().parents[1] / "models"  # The bundled model folders.
BUNDLED_MODEL = MODELS_FOLDER / "addition-3digit"  # The one shown first.
CHECK, CROSS = "☑", "☒"  # A right and a wrong answer, everywhere.

from .codec import VOCABULARY, Codec  # noqa: E402

__all__ = ["Codec", "VOCABULARY"]
