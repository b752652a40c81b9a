"""The seq2seq LSTM of the keras-io example, in Keras 3 idioms, and a fast way to run it."""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

from .codec import Codec


def build_model(codec: Codec, hidden_size: int = 128, num_layers: int = 1, unroll: bool = False):
    """Encoder LSTM -> RepeatVector -> ``num_layers`` decoder LSTMs -> softmax per position.

    The encoder squeezes the whole question into one vector of ``hidden_size``; the decoder
    receives that same vector at each of the ``answer_length`` output steps and writes one
    character per step. ``unroll`` trades a little memory for speed on these short sequences.
    """
    if hidden_size < 1 or num_layers < 1:
        raise ValueError(f"hidden_size and num_layers must be at least 1, got {hidden_size}, {num_layers}")
    questions = keras.Input(shape=(codec.question_length, codec.vocabulary_size), name="question")
    summary = layers.LSTM(hidden_size, unroll=unroll, name="encoder")(questions)  # (batch, hidden)
    sequence = layers.RepeatVector(codec.answer_length, name="repeat")(summary)  # (batch, answer, hidden)
    for index in range(num_layers):
        sequence = layers.LSTM(
            hidden_size, return_sequences=True, unroll=unroll, name=f"decoder_{index}"
        )(sequence)
    answers = layers.Dense(codec.vocabulary_size, activation="softmax", name="answer")(sequence)
    return keras.Model(questions, answers, name="addition_lstm")


class Predictor:
    """A model and its codec, answering questions with one batched call per request.

    ``model.predict`` builds a dataset and a progress bar for every call (~90 ms for one
    question here); ``predict_on_batch`` runs the compiled forward pass directly (~ms).
    """

    def __init__(self, model, codec: Codec, batch_size: int = 4096):
        self.model = model
        self.codec = codec
        self.batch_size = batch_size

    def probabilities(self, pairs) -> np.ndarray:
        """Softmax outputs, shape (n, answer_length, vocabulary_size)."""
        inputs = self.codec.encode_questions(pairs)
        if len(inputs) == 0:
            return np.zeros((0, self.codec.answer_length, self.codec.vocabulary_size), np.float32)
        chunks = [
            np.asarray(self.model.predict_on_batch(inputs[start : start + self.batch_size]))
            for start in range(0, len(inputs), self.batch_size)
        ]
        return np.concatenate(chunks)

    def answer_indices(self, pairs) -> np.ndarray:
        return self.probabilities(pairs).argmax(axis=-1)

    def answers(self, pairs) -> list[str]:
        """The model's padded answer strings."""
        return self.codec.decode(self.answer_indices(pairs))


def count_parameters(model) -> int:
    return int(sum(np.prod(weight.shape) for weight in model.weights))
