"""A trained network answering questions: ``Predictor``, and the compiled forward pass that
models of one architecture share (``addition.model`` builds the network itself)."""

from __future__ import annotations

import collections
import functools
import os
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor

import keras
import numpy as np

from .codec import Codec
from .model import architecture


class Predictor:
    """A model and its codec, answering questions through Keras's own forward pass.

    ``model.predict`` builds a dataset and a progress bar for every call, which costs far more
    than the forward pass for one question. We call the model inside a ``tf.function`` compiled
    by XLA instead (the fastest plain-Keras path: ``python -m benchmarks.inference_speed``), and
    only ever on two batch shapes, so that it compiles twice per architecture (models that differ
    only in their weights share it), not once per batch size: one question (the app's clicks),
    and chunks of ``chunk_size`` (everything else; the last chunk padded), which run on several
    threads at once because one chunk at a time leaves the cores idle between its small
    operations. Each chunk is one-hot encoded on its own thread, so that a million questions
    never sit in memory as one-hot floats all at once. ``xla=False`` skips XLA's compile, for a
    training's monitor, which answers a few thousand questions per epoch.
    """

    def __init__(self, model, codec: Codec, chunk_size: int = 512, xla: bool = True):
        self.model = model
        self.codec = codec
        self.chunk_size = chunk_size
        self._forward = compiled_forward(model, xla)

    def probabilities(self, pairs) -> np.ndarray:
        """Softmax outputs, shape (n, answer_length, vocabulary_size)."""
        indices = self.codec.question_indices(pairs)  # Checked and written for all; one-hot a chunk at a time.
        count = len(indices)
        outputs = np.empty((count, self.codec.answer_length, self.codec.vocabulary_size), np.float32)
        if count <= 1:  # Nothing to answer, or one question (the app's clicks): its own shape.
            if count:
                outputs[:] = np.asarray(self._forward(self.codec.one_hot(indices)))
            return outputs

        def answer(start: int) -> None:
            chunk = indices[start : start + self.chunk_size]
            short = self.chunk_size - len(chunk)  # Only the last chunk: padded, its padding rows dropped.
            padded = np.pad(chunk, ((0, short), (0, 0))) if short else chunk
            outputs[start : start + len(chunk)] = np.asarray(self._forward(self.codec.one_hot(padded)))[: len(chunk)]

        first, *rest = range(0, count, self.chunk_size)
        # The first chunk alone: on a model's first call it compiles, once, where threads
        # started together would each compile it.
        answer(first)
        for _ in _thread_pool().map(answer, rest):  # Each chunk writes its own rows; errors surface here.
            pass
        return outputs

    def answer_indices(self, pairs) -> np.ndarray:
        return self.probabilities(pairs).argmax(axis=-1)

    def answers(self, pairs) -> list[str]:
        """The model's padded answer strings, in reading order."""
        return self.codec.decode_answers(self.answer_indices(pairs))


@functools.cache
def _thread_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=4 * (os.cpu_count() or 1), thread_name_prefix="predictor")


# One compiled forward pass per model (kept while the model lives): the app and the training
# monitor make new Predictors freely.
_FORWARDS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
# The compiled functions themselves, one per architecture (Keras config) and compile option:
# models of one architecture (a folder loaded twice, a training's early snapshots beside its
# final model, visitors' runs at the same settings) differ only in their weights, which each call
# passes, so they share one compile (and addition.inside one trace). Each holds a template of its
# architecture, so only the latest few are kept.
_SHARED: "collections.OrderedDict" = collections.OrderedDict()
SHARED_ARCHITECTURES = 16
_SHARED_LOCK = threading.Lock()


def compiled_forward(model, xla: bool = True, any_shape: bool = False):
    """``model(x)`` inside a ``tf.function`` (compiled by XLA unless ``xla`` is false), once per
    architecture. It reads the model's variables as they are now, so a model still training is
    answered as it stands. ``any_shape`` traces it once for every batch size and every length
    the model leaves open (the column network reads sums of any length), instead of once per
    shape it meets."""
    forwards = _FORWARDS.setdefault(model, {})
    if (xla, any_shape) not in forwards:
        if keras.backend.backend() != "tensorflow":  # The backend requirements.txt installs.
            forwards[xla, any_shape] = model.predict_on_batch
        elif any_shape:
            import tensorflow as tf

            signature = [tf.TensorSpec((None, *model.input_shape[1:]), tf.float32)]
            forwards[xla, any_shape] = tf.function(
                lambda x: model(x, training=False), input_signature=signature, jit_compile=xla
            )
        else:
            forwards[xla, any_shape] = _weights_passed(model, _shared_forward(model, xla))
    return forwards[xla, any_shape]


def _weights_passed(model, shared):
    """``model(x)`` through ``shared``, called with the model's variables themselves (not their
    values now: each call reads them as they are). Calls go to the traced function for the
    input's shape directly, which costs less per call than letting ``tf.function`` match it."""
    import tensorflow as tf

    trainable = [variable.value for variable in model.trainable_variables]
    non_trainable = [variable.value for variable in model.non_trainable_variables]
    traced = {}

    def forward(x):
        if x.shape not in traced:
            traced[x.shape] = shared.get_concrete_function(trainable, non_trainable, tf.TensorSpec(x.shape, tf.float32))
        return traced[x.shape](trainable, non_trainable, x)

    return forward


def _shared_forward(model, xla: bool):
    """The compiled ``stateless_call`` of ``model``'s architecture, taking any such model's
    variables."""
    import tensorflow as tf

    def compile_for(template):
        def forward(trainable, non_trainable, x):
            return template.stateless_call(trainable, non_trainable, x, training=False)[0]

        return tf.function(forward, jit_compile=xla)

    return shared_by_architecture(model, ("forward", tuple(model.input_shape), xla), compile_for)


def shared_by_architecture(model, kind: tuple, make):
    """``make(template)``, made once per architecture (``model``'s Keras config) and ``kind``
    and kept for every model of it; ``template`` is a copy of the architecture built from the
    config, so that no model served is kept alive by what they share."""
    key = (architecture(model), kind)
    with _SHARED_LOCK:
        if key not in _SHARED:
            _SHARED[key] = make(type(model).from_config(model.get_config()))
            while len(_SHARED) > SHARED_ARCHITECTURES:
                _SHARED.popitem(last=False)
        _SHARED.move_to_end(key)
        return _SHARED[key]
