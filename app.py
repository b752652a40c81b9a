"""The addition LSTM demo: type a sum, see each digit's probabilities, sample held-out questions.

    python app.py                              # the bundled 3-digit model, http://127.0.0.1:7860
    python app.py --model runs/addition-3digit # a folder written by train.py
    python app.py --model user/addition-lstm   # a Hugging Face Hub repo (also: ADDITION_MODEL=...)
"""

from __future__ import annotations

import argparse
import os
import sys

import gradio as gr
import numpy as np

from addition import demo as views
from addition.cli import OneLineErrorParser, fail
from addition.hub import load_model
from addition.saving import ModelFolderError

WHOLE_SPACE_SAMPLE = 50_000  # Random sums searched for mistakes at start (~2 s on 2 CPU cores).
BUNDLED_MODEL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models", "addition-3digit")


def parse_arguments(argv):
    parser = OneLineErrorParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=os.environ.get("ADDITION_MODEL") or BUNDLED_MODEL,
                        help="model folder or Hugging Face repo id (default: $ADDITION_MODEL, else the bundled model)")
    parser.add_argument("--revision", default=os.environ.get("ADDITION_MODEL_REVISION") or None,
                        help="Hub branch, tag or commit (Hub repos only)")
    return parser.parse_args(argv)


# Only `python app.py` reads the command line; `import app` (tests, Spaces) uses the environment.
SETTINGS = parse_arguments(sys.argv[1:] if __name__ == "__main__" else [])
try:
    LOADED = load_model(SETTINGS.model, SETTINGS.revision)  # Once, at start.
except ModelFolderError as error:
    if __name__ == "__main__":
        fail(str(error))
    raise


def add(question: str):
    try:
        return views.answer_question(LOADED, question)
    except ValueError as error:
        raise gr.Error(str(error), print_exception=False) from None


def sample(count):
    try:
        return views.sample_validation(LOADED, count, np.random.default_rng())
    except ValueError as error:
        raise gr.Error(str(error), print_exception=False) from None


def show_mistake(question):
    if not question:  # The dropdown was cleared.
        return "", "", None
    return add(question)


CSS = """
.digit-probabilities { border-collapse: collapse; font-variant-numeric: tabular-nums; }
.digit-probabilities th, .digit-probabilities td { padding: 4px 6px; text-align: center; min-width: 2.6em; }
.digit-probabilities td { border: 1px solid #e5e7eb; font-size: 0.85em; }
.digit-probabilities td.chosen { outline: 3px solid #111827; outline-offset: -3px; font-weight: 700; }
.digit-probabilities td.truth { outline: 3px dashed #16a34a; outline-offset: -3px; }
.legend { font-size: 0.85em; opacity: 0.8; }
"""

BY_CARRIES, BY_LENGTHS = views.difficulty_tables(LOADED)
ACCURACY_CURVES, LOSS_CURVES = views.training_curves(LOADED)
# Batched passes at start: the held-out set (~2 s for 30,000) and a fixed random sample.
MISTAKES = views.validation_mistakes(LOADED)
RANDOM_MISTAKES = views.whole_space_mistakes(LOADED, count=WHOLE_SPACE_SAMPLE)

with gr.Blocks(title="An LSTM learns to add") as demo:
    gr.Markdown(
        "# An LSTM learns to add\n"
        "A sequence-to-sequence network reads a sum one character at a time and writes the answer "
        "one character at a time. It was never told the rules of addition: it learned them from examples."
    )
    with gr.Tabs():
        with gr.Tab("Add"):
            with gr.Row():
                with gr.Column(scale=3):
                    question = gr.Textbox(label="Your sum", placeholder=LOADED.codec.example, max_length=200,
                                          info=LOADED.codec.describe_limits() + ". Press Enter.")
                    add_button = gr.Button("Add", variant="primary")
                    answer = gr.Markdown(elem_id="answer")
                    table = gr.HTML(elem_id="probabilities")
                    with gr.Accordion("Details (JSON)", open=False):
                        details = gr.JSON(label="details")
                    gr.Examples(views.example_questions(LOADED), inputs=question,
                                label="Try these (carry chains are the hard ones)")
                with gr.Column(scale=2):
                    with gr.Accordion("About this model", open=True):
                        gr.Markdown(views.describe_model(LOADED))
            gr.Markdown("### Held-out validation questions\nQuestions set aside before training: the model never saw them.")
            with gr.Row():
                count = gr.Slider(1, views.MAX_SAMPLES, value=10, step=1, label="How many")
                sample_button = gr.Button("Sample validation questions", elem_id="sample-button")
            score = gr.Markdown(elem_id="score")
            samples = gr.Dataframe(headers=views.SAMPLE_HEADERS, datatype=["str", "number", "str", "str"],
                                   interactive=False, elem_id="samples")
        with gr.Tab("How it learns and fails"):
            gr.Markdown("Whole-answer accuracy on the held-out validation questions, by difficulty.")
            with gr.Row():
                gr.BarPlot(BY_CARRIES, x="carries", y="accuracy %", y_lim=[0, 100], title="By number of carries",
                           elem_id="by-carries")
                gr.Dataframe(BY_LENGTHS, interactive=False, label="By operand lengths (digits of a + digits of b)")
            with gr.Row():
                gr.LinePlot(ACCURACY_CURVES, x="epoch", y="value", color="metric", title="Accuracy per epoch (%)")
                gr.LinePlot(LOSS_CURVES, x="epoch", y="value", color="metric", title="Loss per epoch")
            gr.Markdown(
                f"### Mistakes gallery\nThe model gets {len(MISTAKES):,} of {len(LOADED.validation_pairs):,} "
                f"held-out validation questions wrong, and {len(RANDOM_MISTAKES):,} of {WHOLE_SPACE_SAMPLE:,} random "
                "sums from the whole space. Pick one to see where it hesitated."
            )
            mistake = gr.Dropdown(
                [(f"{q} (validation)", q) for q in MISTAKES] + [(f"{q} (random sum)", q) for q in RANDOM_MISTAKES],
                label="A sum the model gets wrong", value=None, elem_id="mistakes",
            )
            mistake_answer = gr.Markdown()
            mistake_table = gr.HTML()
            mistake_details = gr.JSON(visible=False)

    gr.on([question.submit, add_button.click], add, inputs=question, outputs=[answer, table, details], api_name="add")
    sample_button.click(sample, inputs=count, outputs=[score, samples], api_name="sample")
    mistake.change(show_mistake, inputs=mistake, outputs=[mistake_answer, mistake_table, mistake_details], api_name=False)

# Each answer is a ~1 ms forward pass: several at once keep the queue short, and the model is
# safe to call from several threads.
demo.queue(default_concurrency_limit=8, max_size=256)

# Gradio 6 takes page styling at launch; tests launch with the same options.
LAUNCH_OPTIONS = {"css": CSS}

if __name__ == "__main__":
    demo.launch(**LAUNCH_OPTIONS)
