"""The seq2seq network of the keras-io example, in Keras 3 idioms, and a fast way to run it."""

from __future__ import annotations

import functools
import os
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, NamedTuple

import keras
import numpy as np
from keras import layers

from .codec import Codec


# The seed's "Try replacing GRU, or SimpleRNN": the recurrent layer is a setting.
CELLS = {"lstm": layers.LSTM, "gru": layers.GRU, "simplernn": layers.SimpleRNN}


def build_model(codec: Codec, hidden_size: int = 128, num_layers: int = 1, unroll: bool = False,
                cell: str = "lstm"):
    """Encoder RNN -> RepeatVector -> ``num_layers`` decoder RNNs -> softmax per position.

    The encoder squeezes the whole question into one vector of ``hidden_size``; the decoder
    receives that same vector at each of the ``answer_length`` output steps and writes one
    character per step. ``cell`` picks LSTM (the seed's), GRU or SimpleRNN; ``unroll`` trades
    a little memory for speed on these short sequences.
    """
    if hidden_size < 1 or num_layers < 1:
        raise ValueError(f"hidden_size and num_layers must be at least 1, got {hidden_size}, {num_layers}")
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {', '.join(CELLS)}, got {cell!r}")
    recurrent = CELLS[cell]
    questions = keras.Input(shape=(codec.question_length, codec.vocabulary_size), name="question")
    summary = recurrent(hidden_size, unroll=unroll, name="encoder")(questions)  # (batch, hidden)
    sequence = layers.RepeatVector(codec.answer_length, name="repeat")(summary)  # (batch, answer, hidden)
    for index in range(num_layers):
        sequence = recurrent(hidden_size, return_sequences=True, unroll=unroll, name=f"decoder_{index}")(sequence)
    answers = layers.Dense(codec.vocabulary_size, activation="softmax", name="answer")(sequence)
    return keras.Model(questions, answers, name="addition_lstm")


class Predictor:
    """A model and its codec, answering questions with as few, as cheap calls as possible.

    ``model.predict`` builds a dataset and a progress bar for every call (~90 ms for one
    question here). We run ``fast_forward`` (same maths, fewer operations) directly. A few
    questions go through its graph for any batch size; a large batch is cut into equal chunks
    (the last one padded) that its XLA-compiled twin, compiled once for that one shape, runs on
    several threads at once: one chunk at a time leaves the cores idle between its small
    operations, four per core keep them busy (``benchmarks/inference_speed.py``).
    """

    def __init__(self, model, codec: Codec, chunk_size: int = 512):
        self.model = model
        self.codec = codec
        self.chunk_size = chunk_size
        self._forward = fast_forward(model)

    def probabilities(self, pairs) -> np.ndarray:
        """Softmax outputs, shape (n, answer_length, vocabulary_size)."""
        indices = self.codec.question_indices(pairs)
        count = len(indices)
        if count == 0:
            return np.zeros((0, self.codec.answer_length, self.codec.vocabulary_size), np.float32)
        if self._forward is None:  # Not our architecture: Keras, one chunk at a time.
            return np.concatenate([np.asarray(self.model.predict_on_batch(self.codec.one_hot(chunk)))
                                   for chunk in self._chunks(indices)])
        if count <= self.chunk_size:
            return self._forward.any_size(indices).numpy()
        padded = np.pad(indices, ((0, -count % self.chunk_size), (0, 0)))  # Padding rows are dropped below.
        first, *rest = self._chunks(padded)
        # The first chunk alone: on a model's first call it traces and compiles, once, where
        # threads started together would each trace it.
        outputs = [self._forward.compiled(first).numpy()]
        outputs += _thread_pool().map(lambda chunk: self._forward.compiled(chunk).numpy(), rest)
        return np.concatenate(outputs)[:count]

    def _chunks(self, indices: np.ndarray) -> list[np.ndarray]:
        return [indices[start : start + self.chunk_size] for start in range(0, len(indices), self.chunk_size)]

    def answer_indices(self, pairs) -> np.ndarray:
        return self.probabilities(pairs).argmax(axis=-1)

    def answers(self, pairs) -> list[str]:
        """The model's padded answer strings, in reading order."""
        return self.codec.decode_answers(self.answer_indices(pairs))


@functools.cache
def _thread_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=4 * (os.cpu_count() or 1), thread_name_prefix="predictor")


class FastForward(NamedTuple):
    """One forward pass, traced twice: a graph for any batch size, and the same graph
    compiled by XLA (fused element-wise work, ~1 s to compile per batch shape) for chunks."""

    any_size: Callable
    compiled: Callable


# One forward pass per model (kept while the model lives): the app and the training
# monitor make new Predictors freely.
_FORWARDS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def fast_forward(model):
    """The model's forward pass over character indices as a ``FastForward``, or None when the
    model is not the shape ``build_model`` makes (then ``predict_on_batch`` is used).

    The same maths as Keras's layers, with four shortcuts:
    the one-hot input times the encoder's kernel is a row lookup; both LSTMs start from zero
    state, so their first step needs no recurrent product; the decoder's input is the same
    vector at every step (the RepeatVector), so its projection is computed once, not per step;
    and sigmoid(x) = (1 + tanh(x / 2)) / 2, so with the gate weights halved, one tanh over all
    four gates replaces three sigmoids and a tanh.
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

    # Exactly build_model's chain, layer after layer, or Keras runs it: a model with any other
    # layer anywhere must not be answered by this pass (loading checks this too).
    kinds = [type(layer) for layer in model.layers]
    if len(kinds) < 5 or kinds[:3] != [layers.InputLayer, layers.LSTM, layers.RepeatVector] \
            or kinds[-1] is not layers.Dense or set(kinds[3:-1]) != {layers.LSTM}:
        return None
    chain = model.layers[1:]
    if any(after.input is not before.output for before, after in zip(chain, chain[1:])) \
            or chain[0].input is not model.inputs[0] or chain[-1].output is not model.outputs[0]:
        return None
    _, encoder, repeat, *decoders, answer = model.layers
    if model.input_shape[-1] != encoder.cell.kernel.shape[0] or answer.kernel.shape[-1] != model.output_shape[-1]:
        return None
    lstms = [encoder, *decoders]
    standard = all(
        isinstance(layer, layers.LSTM) and layer.activation is keras.activations.tanh
        and layer.recurrent_activation is keras.activations.sigmoid and layer.use_bias
        and not layer.go_backwards and not layer.stateful and layer.return_sequences == (layer is not encoder)
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

    def halved(weights):  # The input, forget and output gates' columns halved (Keras's order: i, f, g, o).
        return weights * np.repeat(np.array([0.5, 0.5, 1.0, 0.5], np.float32), weights.shape[-1] // 4)

    def cell(z, c):  # z: the gates' pre-activations, i, f and o halved.
        i, f, g, o = tf.split(tf.tanh(z), 4, axis=-1)
        i, f, o = 0.5 * i + 0.5, 0.5 * f + 0.5, 0.5 * o + 0.5  # Their sigmoids.
        c = i * g if c is None else f * c + i * g
        return o * tf.tanh(c), c

    def forward(indices):
        inputs = tf.gather(halved(encoder_kernel + encoder_bias), indices)  # (n, question_length, 4 * units)
        recurrent = halved(encoder_recurrent)
        h, c = cell(inputs[:, 0], None)
        for t in range(1, question_length):
            h, c = cell(inputs[:, t] + tf.matmul(h, recurrent), c)
        sequence = None
        for kernel, recurrent, bias in decoder_weights:
            kernel, recurrent, bias = halved(kernel), halved(recurrent), halved(bias)
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

    signature = [tf.TensorSpec((None, question_length), tf.int32)]
    return FastForward(any_size=tf.function(forward, input_signature=signature),
                       compiled=tf.function(forward, jit_compile=True))


def count_parameters(model) -> int:
    return int(sum(np.prod(weight.shape) for weight in model.weights))
