"""addition: a sequence-to-sequence LSTM that learns to add, as a small library.

Read in this order (the first six are the README's "Read the code"):

    model.py       the network: encoder -> RepeatVector -> decoder -> softmax
    codec.py       how "535+61" becomes the one-hot rows the network reads, and back
    data.py        seeded, deduplicated questions; the train/validation split; carries
    config.py      TrainConfig: every setting with its default, and the keras-io recipe
    training.py    train with whole-answer monitoring, keep the best epoch, save the folder
    inside.py      what each answer digit depends on, for one sum
    carry_units.py where the network keeps the carry, over many questions
    evaluation.py  whole-answer accuracy first, by carries and lengths, mistakes in words
    predictor.py   a trained network answering questions, compiled once per architecture
    network_reader.py  the states and gradients inside, traced once per architecture
    saving.py, loading.py, hub.py   the model folder: written atomically, read as untrusted, on the Hub
    folder_format.py   what a folder's JSON holds, each field checked; older folders' settings
    cli.py, errors.py   what the scripts share (one-line errors, a quick TensorFlow import); errors in words

The column network, a second architecture (``train.py --architecture column``), reads a sum one
column per step, units first, and adds numbers of any length:

    column.py           the network, its encoding (a worked example: 47+985), ColumnPredictor
    column_data.py      carry-heavy training sums; the kinds of sums it is judged on
    column_training.py  train on fresh sums, whole answers per length, the targets; save the folder
    column_inside.py    its dependency grid beside addition's; the units that carry; a probe

The names below are the public API (``from addition import Codec, build_model, train``); each
loads its module on first use, so that ``addition.codec`` alone never pulls in Keras.
"""

import importlib
import os

# Set before any module here imports TensorFlow: keeps its C++ log lines (a CUDA warning on a
# machine without a GPU, which reads like a failure) out of the scripts' output; real failures
# still reach us as Python exceptions.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

CHECK, CROSS = "☑", "☒"  # A right and a wrong answer, everywhere.

_PUBLIC = {
    "Codec": "codec",
    "TrainConfig": "config",
    "ColumnConfig": "config",
    "KERAS_IO_RECIPE": "config",
    "build_model": "model",
    "Predictor": "predictor",
    "generate_questions": "data",
    "split_questions": "data",
    "whole_space": "data",
    "train": "training",
    "train_and_save": "training",
    "score": "evaluation",
    "evaluate": "evaluation",
    "describe_mistake": "evaluation",
    "dependency_grids": "inside",
    "explain": "inside",
    "build_column_model": "column",
    "ColumnCodec": "column",
    "ColumnPredictor": "column",
    "train_column": "column_training",
    "train_and_save_column": "column_training",
    "save_model_folder": "saving",
    "load_model": "loading",
    "load_model_folder": "loading",
}
__all__ = ["CHECK", "CROSS", *_PUBLIC]


def __getattr__(name):
    if name not in _PUBLIC:
        raise AttributeError(f"module 'addition' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_PUBLIC[name]}", __name__), name)
