"""The seq2seq network of the keras-io example, in Keras 3 idioms.

The network reads a question such as "535+61", one-hot, one character per step (as
``addition.codec`` writes it), and must squeeze all of it into the encoder's final output: one
vector of ``hidden_size`` numbers (an LSTM's hidden state h; its cell state c stays behind). A
``RepeatVector`` hands that same vector to the decoder at each answer position, and the decoder
writes one character per step through a softmax over the twelve characters ``0123456789+ ``. The
codec may help it find the columns (by default it writes each column's two digits side by side:
``addition.codec``), but nothing tells it that carries exist or how they run: it learns that
from examples.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

from .codec import Codec
from .config import CELLS


def build_model(codec: Codec, hidden_size: int = 32, num_layers: int = 1, unroll: bool = True, cell: str = "lstm"):
    """Encoder RNN -> RepeatVector -> ``num_layers`` decoder RNNs -> softmax per position.

    The encoder squeezes the whole question into one vector of ``hidden_size``; the decoder
    receives that same vector at each of the ``answer_length`` output steps and writes one
    character per step. ``cell`` picks LSTM (the keras-io example's), GRU or SimpleRNN;
    ``unroll`` trades a little memory for speed on these short sequences. The defaults are what
    ``python train.py`` trains (``addition.config.TrainConfig``).
    """
    if hidden_size < 1 or num_layers < 1:
        raise ValueError(f"hidden_size and num_layers must be at least 1, got {hidden_size}, {num_layers}")
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {', '.join(CELLS)}, got {cell!r}")
    recurrent = getattr(layers, CELLS[cell])
    questions = keras.Input(shape=(codec.question_length, codec.vocabulary_size), name="question")
    summary = recurrent(hidden_size, unroll=unroll, name="encoder")(questions)  # (batch, hidden)
    sequence = layers.RepeatVector(codec.answer_length, name="repeat")(summary)  # (batch, answer, hidden)
    for index in range(num_layers):
        sequence = recurrent(hidden_size, return_sequences=True, unroll=unroll, name=f"decoder_{index}")(sequence)
    answers = layers.Dense(codec.vocabulary_size, activation="softmax", name="answer")(sequence)
    return keras.Model(questions, answers, name="addition_lstm")


def architecture(model) -> str:
    """A model's whole architecture (every layer, its settings and its inbound links) as text:
    equal for two models exactly when they compute the same function of their weights."""
    import json

    config = model.get_config()
    config.pop("name", None)
    return json.dumps(config, sort_keys=True, default=str)


def count_parameters(model) -> int:
    return int(sum(np.prod(weight.shape) for weight in model.weights))
