"""A keras-io network read from inside, for ``addition.inside`` and ``addition.carry_units``:
the encoder stepped by hand (every step's state, not just the last), each decoder layer's
sequence, the logits and their gradients with respect to the one-hot question, in one traced
function per architecture that each call gives a model's own variables (as ``Predictor``
shares its forward pass): a model still learning is read as it is now."""

from __future__ import annotations

import functools
import weakref
from dataclasses import dataclass

from .codec import Codec

# The reader of each model (kept while the model lives), as Predictor keeps its forward pass; and,
# as there, one trace per architecture, which each call gives the model's own variables.
_READERS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


@dataclass
class Reader:
    look: object  # one-hot (n, Q, V) -> encoder steps, decoder layers, logits, gradients of the first A.
    read: object  # one-hot (n, Q, V) -> decoder layers' sequences.


def reader(model, codec: Codec) -> Reader:
    if model not in _READERS:
        import tensorflow as tf

        from .predictor import shared_by_architecture

        lengths = (codec.question_length, codec.answer_length, codec.vocabulary_size)
        shared = shared_by_architecture(model, ("inside", *lengths), lambda template: _trace(template, codec))
        variables = [variable.value for variable in model.variables]  # Read as they are at each call.
        questions = tf.TensorSpec((None, codec.question_length, codec.vocabulary_size), tf.float32)

        def bound(function):  # Its traced function for this model's variables, made at the first call.
            traced = functools.cache(lambda: function.get_concrete_function(variables, questions))
            return lambda one_hot: traced()(variables, one_hot)

        _READERS[model] = Reader(look=bound(shared.look), read=bound(shared.read))
    return _READERS[model]


def _trace(model, codec: Codec) -> Reader:
    """``look`` and ``read`` of ``model``'s architecture, each taking a model's variables (in
    ``model.variables`` order) before the questions: Keras reads them in place of ``model``'s own."""
    import keras
    import tensorflow as tf
    from keras import layers, ops

    chain = model.layers
    recurrent = [layer for layer in chain[1:-1] if isinstance(layer, layers.RNN)]
    shaped = (
        len(chain) >= 5
        and isinstance(chain[2], layers.RepeatVector)
        and isinstance(chain[-1], layers.Dense)
        and recurrent == [chain[1], *chain[3:-1]]
        and not any(layer.go_backwards for layer in recurrent)
    )
    if (
        not shaped
        or tuple(model.input_shape[1:]) != (codec.question_length, codec.vocabulary_size)
        or chain[2].n != codec.answer_length
    ):
        raise ValueError("this reads only the networks addition.model.build_model makes, for this codec")
    _, encoder, repeat, *decoders, answer = chain
    sizes = encoder.cell.state_size if isinstance(encoder.cell.state_size, (list, tuple)) else [encoder.cell.state_size]

    def run(questions):
        state = [tf.zeros((tf.shape(questions)[0], size)) for size in sizes]
        steps = []
        for t in range(codec.question_length):  # Stepping the cell: every step's state, same weights.
            hidden, state = encoder.cell(questions[:, t], state, training=False)
            steps.append(hidden)
        sequence, outputs = repeat(steps[-1]), []
        for layer in decoders:
            sequence = layer(sequence, training=False)
            outputs.append(sequence)
        logits = ops.matmul(sequence, answer.kernel) + answer.bias  # Pre-softmax.
        return tf.stack(steps, axis=1), outputs, logits

    def look_and_differentiate(questions):
        with tf.GradientTape() as tape:
            tape.watch(questions)
            steps, outputs, logits = run(questions)
            copies = logits[: codec.answer_length]  # Copy i is differentiated at its step i.
            objective = tf.reduce_sum(tf.linalg.diag_part(tf.reduce_max(copies, axis=-1)))
        return steps, outputs, logits, tape.gradient(objective, questions)[: codec.answer_length]

    template = model.variables

    def with_weights(function):
        def weighed(variables, questions):
            with keras.StatelessScope(state_mapping=list(zip(template, variables, strict=True))):
                return function(questions)

        return tf.function(weighed)

    return Reader(look=with_weights(look_and_differentiate), read=with_weights(lambda questions: run(questions)[1]))
