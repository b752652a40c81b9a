# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # An LSTM learns to add
#
# The keras-io example ["Sequence to sequence learning for performing number
# addition"](https://keras.io/examples/nlp/addition_rnn/) teaches a network to add from examples
# alone: an LSTM *encoder* reads a question such as `535+61` one character at a time, a
# `RepeatVector` hands its final output to an LSTM *decoder*, and the decoder writes the answer
# one character at a time through a softmax over the twelve characters `0123456789+ `.
#
# This notebook walks through the same idea with the `addition` library of this repository: the
# codec on one sum, the network, a short training that makes a good 2-digit adder on a CPU, its
# score on **whole answers** (one wrong digit is a wrong sum), a table of held-out sums marked
# ☑/☒, and one look inside: which question digits each answer digit depends on.
#
# It runs top to bottom in a minute or two on a laptop's CPU. In Colab, the first cell installs the
# library from the repository (Colab already has TensorFlow); elsewhere, `pip install ".[tensorflow,notebook]"`
# from the repository first.

# %%
import sys

if "google.colab" in sys.modules:
    import subprocess

    REPOSITORY = "https://github.com/<owner>/addition-lstm"  # This repository's address.
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", f"git+{REPOSITORY}"], check=True)

import numpy as np
import pandas as pd
from IPython.display import display  # Jupyter's own; run as a script, it prints each table as text.

from addition import (
    CHECK,
    CROSS,
    Codec,
    Predictor,
    TrainConfig,
    build_model,
    dependency_grids,
    describe_mistake,
    evaluate,
    train,
    whole_space,
)

# %% [markdown]
# ## 1. The codec: a sum as the network reads it
#
# A `Codec` turns sums into arrays and back. With its defaults each operand is written with
# leading zeros to the full width, so that every place value has a column of its own; the
# question is read column by column, the plus first and then each place's digit of a and of b,
# units first (`47+85` is read `+7548`: the encoder meets a column's two digits together, as a
# person adds them); and the answer is written units digit first, as people add.

# %%
codec = Codec(digits=2)
print("question as typed:      ", "47+85")
print("question as read:       ", repr(codec.question_string(47, 85)))
print("answer as written:      ", repr(codec.target_string(47 + 85)), "(units digit first)")
print("answer in reading order:", repr(codec.answer_string(47 + 85)))
one_hot = codec.encode_questions([(47, 85)])[0]
print("one-hot question:", one_hot.shape, "= (characters, vocabulary)")
display(pd.DataFrame(one_hot.astype(int), index=list(codec.question_string(47, 85)), columns=list(codec.vocabulary)))

# %% [markdown]
# ## 2. The network
#
# `build_model` makes the keras-io network for this codec: the encoder squeezes the whole
# question into one vector, which the decoder receives at every answer position.

# %%
model = build_model(codec)
model.summary()

# %% [markdown]
# ## 3. A short training
#
# `TrainConfig` holds every setting (each is also a flag of `train.py`). A run the size of the
# app's Train tab's: 5,000 distinct 2-digit questions (a tenth held out, never trained on), 11 passes.
# `train` watches whole answers on the held-out questions after every epoch and keeps the best
# epoch.

# %%
config = TrainConfig(
    digits=2, training_size=5_000, hidden_size=80, epochs=11, batch_size=64, learning_rate=0.035, short_sums=500
)


def show_epoch(record, samples):
    print(
        f"epoch {record['epoch']:2d}: whole answers right on {record['val_exact_match']:.1%} of the held-out "
        f"questions, characters {record['val_accuracy']:.1%}"
    )


result = train(config, on_epoch=show_epoch)
print(f"best epoch: {result.best_epoch}, trained in {result.seconds:.0f} s")

# %% [markdown]
# ## 4. The whole-answer score
#
# Keras's `accuracy` counts characters: a model that gets one digit of every answer wrong can
# still score 75%. What a person feels is the share of **whole answers** right, here on every
# one of the 10,000 sums of two numbers below 100, checked against Python's own addition.

# %%
predictor = Predictor(result.model, result.codec)
report = evaluate(predictor, whole_space(2))
wrong = report["count"] - round(report["exact_match"] * report["count"])
print(
    f"whole answers: {report['exact_match']:.2%} of all {report['count']:,} sums ({wrong} wrong); "
    f"characters: {report['per_character']:.2%}"
)
for mistake in report["mistakes"][:5]:
    print(" ", describe_mistake(mistake))

# %% [markdown]
# ## 5. Held-out questions, marked
#
# Ten questions the network never saw during training, its answers beside Python's.

# %%
held_out = result.validation_pairs[:10]
answers = predictor.answers(held_out)
display(
    pd.DataFrame(
        [
            {
                "question": f"{a}+{b}",
                "true answer": a + b,
                "model answer": answer.strip(),
                "": CHECK if answer.strip() == str(a + b) else CROSS,
            }
            for (a, b), answer in zip(held_out.tolist(), answers)
        ]
    )
)

# %% [markdown]
# ## 6. Inside: what each answer digit depends on
#
# Change one digit of the question at a time, to each of the nine others, and count how often
# each answer character changes. Addition's own grid (computed with Python's `+`) says the
# units digit depends only on the two units digits, and the tens on the tens and, through the
# carry, on the units. A network that has learned to add shows the same grid.

# %%
grids = dependency_grids(predictor, 47, 85)


def as_frame(grid):
    return pd.DataFrame(np.array(grid["values"], dtype=float).round(2), index=grid["rows"], columns=grid["columns"])


print(f"the network, on {grids['question']} (rows: answer characters; columns: question characters)")
display(as_frame(grids["grids"]["counterfactual"]))
print("addition itself")
display(as_frame(grids["grids"]["oracle"]))

# %% [markdown]
# ## Where next
#
# - `python train.py` trains the 3-digit network (`--help` lists every setting), and saves a
#   folder that `keras.saving.load_model` reads.
# - `python app.py` serves the demo: type sums, look inside, train your own.
# - `addition/model.py` is the network (`build_model`, 20 lines); `addition/codec.py` the format.
