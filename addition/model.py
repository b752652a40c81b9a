"""The seq2seq LSTM of the keras-io example, in Keras 3 idioms, and a fast way to run it."""

from __future__ import annotations

import functools
import os
import weakref
from concurrent.futures import ThreadPoolExecutor

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
    """A model and its codec, answering questions with as few, as cheap calls as possible.

    ``model.predict`` builds a dataset and a progress bar for every call (~90 ms for one
    question here). We run ``fast_forward`` (same maths, fewer operations) directly, and split
    large batches into chunks that two threads compute at once: TensorFlow barely parallelises
    the small matrix products of one chunk across cores, but runs two chunks side by side.
    """

    def __init__(self, model, codec: Codec, chunk_size: int = 1024):
        self.model = model
        self.codec = codec
        self.chunk_size = chunk_size
        self._forward = fast_forward(model)

    def probabilities(self, pairs) -> np.ndarray:
        """Softmax outputs, shape (n, answer_length, vocabulary_size)."""
        indices = self.codec.question_indices(pairs)
        if len(indices) == 0:
            return np.zeros((0, self.codec.answer_length, self.codec.vocabulary_size), np.float32)
        chunks = [indices[start : start + self.chunk_size] for start in range(0, len(indices), self.chunk_size)]
        if len(chunks) == 1:
            return self._run(chunks[0])
        return np.concatenate(list(_thread_pool().map(self._run, chunks)))

    def _run(self, indices: np.ndarray) -> np.ndarray:
        if self._forward is not None:
            return self._forward(indices).numpy()
        return np.asarray(self.model.predict_on_batch(self.codec.one_hot(indices)))

    def answer_indices(self, pairs) -> np.ndarray:
        return self.probabilities(pairs).argmax(axis=-1)

    def answers(self, pairs) -> list[str]:
        """The model's padded answer strings."""
        return self.codec.decode(self.answer_indices(pairs))


@functools.cache
def _thread_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1), thread_name_prefix="predictor")


# One compiled forward pass per model (kept while the model lives): the app and the training
# monitor make new Predictors freely.
_FORWARDS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def fast_forward(model):
    """The model's forward pass as one ``tf.function`` over character indices, or None when
    the model is not the shape ``build_model`` makes (then ``predict_on_batch`` is used).

    The same maths as Keras's layers, with three shortcuts the architecture allows:
    the one-hot input times the encoder's kernel is a row lookup; both LSTMs start from zero
    state, so their first step needs no recurrent product; and the decoder's input is the same
    vector at every step (the RepeatVector), so its projection is computed once, not per step.
    ``tests/test_training.py`` checks the outputs against ``model.predict_on_batch``.
    """
    if model in _FORWARDS:
        return _FORWARDS[model]
    # Written for the TensorFlow backend, the one requirements.txt installs.
    forward = _build_fast_forward(model) if keras.backend.backend() == "tensorflow" else None
    _FORWARDS[model] = forward
    return forward


def _build_fast_forward(model):
    import tensorflow as tf

    try:
        encoder, answer = model.get_layer("encoder"), model.get_layer("answer")
        decoders = [layer for layer in model.layers if layer.name.startswith("decoder_")]
        repeat = model.get_layer("repeat")
    except ValueError:
        return None
    lstms = [encoder, *decoders]
    standard = all(
        isinstance(layer, layers.LSTM) and layer.activation is keras.activations.tanh
        and layer.recurrent_activation is keras.activations.sigmoid and layer.use_bias
        and not layer.go_backwards and not layer.stateful
        for layer in lstms
    )
    if not (standard and decoders and answer.activation is keras.activations.softmax and answer.use_bias):
        return None
    steps = repeat.n
    # The variables themselves (not copies): a model still training is read as it is now.
    encoder_kernel, encoder_recurrent, encoder_bias = (v.value for v in encoder.cell.weights)
    decoder_weights = [tuple(v.value for v in layer.cell.weights) for layer in decoders]
    answer_kernel, answer_bias = answer.kernel.value, answer.bias.value

    question_length = model.input_shape[1]

    def cell(z, c):
        i, f, g, o = tf.split(z, 4, axis=-1)  # Keras's gate order.
        c = tf.sigmoid(i) * tf.tanh(g) if c is None else tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(g)
        return tf.sigmoid(o) * tf.tanh(c), c

    @tf.function(input_signature=[tf.TensorSpec((None, question_length), tf.int32)])
    def forward(indices):
        inputs = tf.gather(encoder_kernel + encoder_bias, indices)  # (n, question_length, 4 * units)
        h, c = cell(inputs[:, 0], None)
        for t in range(1, question_length):
            h, c = cell(inputs[:, t] + tf.matmul(h, encoder_recurrent), c)
        sequence = None
        for kernel, recurrent, bias in decoder_weights:
            if sequence is None:  # The repeated summary: one projection for all steps.
                projected = [tf.matmul(h, kernel) + bias] * steps
            else:
                projected = [tf.matmul(x, kernel) + bias for x in sequence]
            h, c = cell(projected[0], None)
            sequence = [h]
            for t in range(1, steps):
                h, c = cell(projected[t] + tf.matmul(h, recurrent), c)
                sequence.append(h)
        logits = tf.tensordot(tf.stack(sequence, axis=1), answer_kernel, 1) + answer_bias
        return tf.nn.softmax(logits)

    return forward


def count_parameters(model) -> int:
    return int(sum(np.prod(weight.shape) for weight in model.weights))
