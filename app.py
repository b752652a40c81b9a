"""The addition LSTM demo: type a sum, see each digit's probabilities, sample held-out questions.

    python app.py                              # the bundled models (3 digits first), http://127.0.0.1:7860
    python app.py --model runs/addition-3digit # a folder written by train.py, shown first
    python app.py --model user/addition-lstm   # a Hugging Face Hub repo (also: ADDITION_MODEL=...)

A dropdown switches between that model and the bundled 2-, 3-, 4- and 5-digit models.
"""

from __future__ import annotations

import argparse
import os
import sys

import gradio as gr
import numpy as np

from addition import demo as views
from addition.catalog import Catalog, Entry, bundled_entries
from addition.cli import OneLineErrorParser, fail
from addition.saving import ModelFolderError

WHOLE_SPACE_SAMPLE = 50_000  # Random sums searched for mistakes, once per model (~2 s on 2 CPU cores).
MODELS_FOLDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models")
BUNDLED_MODEL = os.path.join(MODELS_FOLDER, "addition-3digit")


def parse_arguments(argv):
    parser = OneLineErrorParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=os.environ.get("ADDITION_MODEL") or BUNDLED_MODEL,
                        help="model folder or Hugging Face repo id shown first (default: $ADDITION_MODEL, "
                             "else the bundled 3-digit model)")
    parser.add_argument("--revision", default=os.environ.get("ADDITION_MODEL_REVISION") or None,
                        help="Hub branch, tag or commit (Hub repos only)")
    return parser.parse_args(argv)


# Only `python app.py` reads the command line; `import app` (tests, Spaces) uses the environment.
SETTINGS = parse_arguments(sys.argv[1:] if __name__ == "__main__" else [])
try:
    label = f"{SETTINGS.model}@{SETTINGS.revision}" if SETTINGS.revision else SETTINGS.model
    CATALOG = Catalog(Entry(label, SETTINGS.model, SETTINGS.revision), bundled_entries(MODELS_FOLDER))
except ModelFolderError as error:
    if __name__ == "__main__":
        fail(str(error))
    raise
DEFAULT = CATALOG.default


def loaded_model(label):
    try:
        return CATALOG.get(label)
    except ValueError as error:
        raise gr.Error(str(error), print_exception=False) from None


def mistakes(label):
    """(validation, short-sum and random-sum mistakes): three batched passes, once per model."""
    return CATALOG.cached(label, "mistakes", lambda loaded: (
        views.validation_mistakes(loaded), views.short_sum_mistakes(loaded),
        views.whole_space_mistakes(loaded, count=WHOLE_SPACE_SAMPLE)))


def add(question: str, model: str = DEFAULT):
    try:
        return views.answer_question(loaded_model(model), question)
    except ValueError as error:
        raise gr.Error(str(error), print_exception=False) from None


def sample(count, model: str = DEFAULT):
    try:
        return views.sample_validation(loaded_model(model), count, np.random.default_rng())
    except ValueError as error:
        raise gr.Error(str(error), print_exception=False) from None


def show_mistake(question, model_label):
    if not question:  # The dropdown was cleared.
        return "", "", None
    return add(question, model_label)


def show_example(index, model_label):
    return views.example_questions(loaded_model(model_label))[index]


def model_page(model_label):
    """Everything on the page that depends on the model, in the order of PAGE_OUTPUTS."""
    loaded = loaded_model(model_label)
    by_carries, by_lengths = views.difficulty_tables(loaded)
    accuracy_curves, loss_curves = views.training_curves(loaded)
    intro, choices = views.mistakes_gallery(loaded, *mistakes(model_label), WHOLE_SPACE_SAMPLE)
    return (
        gr.Textbox(placeholder=loaded.codec.example, info=loaded.codec.describe_limits() + ". Press Enter."),
        gr.Dataset(samples=[[q] for q in views.example_questions(loaded)]),
        views.describe_model(loaded),
        by_carries, by_lengths, accuracy_curves, loss_curves,
        intro, gr.Dropdown(choices=choices, value=None),
    )


def choose_model(model_label, question):
    """Switch models: the page describes the new one and answers the sum in the box again."""
    loaded = loaded_model(model_label)
    return (*model_page(model_label), *views.answer_if_valid(loaded, question), "", None, "", "")


CSS = """
.digit-probabilities { border-collapse: collapse; font-variant-numeric: tabular-nums; }
.digit-probabilities th, .digit-probabilities td { padding: 4px 6px; text-align: center; min-width: 2.6em; }
.digit-probabilities td { border: 1px solid #e5e7eb; font-size: 0.85em; }
.digit-probabilities td.chosen { outline: 3px solid #111827; outline-offset: -3px; font-weight: 700; }
.digit-probabilities td.truth { outline: 3px dashed #16a34a; outline-offset: -3px; }
.legend { font-size: 0.85em; opacity: 0.8; }
"""

# The first model's page, built at start (its mistakes gallery: ~2 s of batched passes).
MODEL_TABLE, MODEL_RATES = views.compare_models(CATALOG.infos())  # From the folders' addition.json.
(FIRST_BOX, FIRST_EXAMPLES, FIRST_DESCRIPTION, BY_CARRIES, BY_LENGTHS, ACCURACY_CURVES, LOSS_CURVES,
 MISTAKES_INTRO, FIRST_MISTAKES) = model_page(DEFAULT)

with gr.Blocks(title="An LSTM learns to add") as demo:
    gr.Markdown(
        "# An LSTM learns to add\n"
        "A sequence-to-sequence network reads a sum one character at a time and writes the answer "
        "one character at a time. It was never told the rules of addition: it learned them from examples."
    )
    model_choice = gr.Dropdown(CATALOG.labels, value=DEFAULT, label="Model", elem_id="model",
                               info="One network per operand length, each trained with train.py (see the README).")
    with gr.Tabs():
        with gr.Tab("Add"):
            with gr.Row():
                with gr.Column(scale=3):
                    question = gr.Textbox(label="Your sum", placeholder=FIRST_BOX.placeholder, max_length=200,
                                          info=FIRST_BOX.info)
                    add_button = gr.Button("Add", variant="primary")
                    answer = gr.Markdown(elem_id="answer")
                    table = gr.HTML(elem_id="probabilities")
                    with gr.Accordion("Details (JSON)", open=False):
                        details = gr.JSON(label="details")
                    # A Dataset, not gr.Examples: its sums change with the model.
                    examples = gr.Dataset(components=[question], samples=FIRST_EXAMPLES.samples, type="index",
                                          label="Try these (carry chains are the hard ones)", elem_id="examples")
                with gr.Column(scale=2):
                    with gr.Accordion("About this model", open=True):
                        description = gr.Markdown(FIRST_DESCRIPTION)
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
                by_carries = gr.BarPlot(BY_CARRIES, x="carries", y="accuracy %", y_lim=[0, 100],
                                        title="By number of carries", elem_id="by-carries")
                by_lengths = gr.Dataframe(BY_LENGTHS, interactive=False,
                                          label="By operand lengths (digits of a + digits of b)")
            with gr.Row():
                accuracy_curves = gr.LinePlot(ACCURACY_CURVES, x="epoch", y="value", color="metric",
                                              title="Accuracy per epoch (%)")
                loss_curves = gr.LinePlot(LOSS_CURVES, x="epoch", y="value", color="metric", title="Loss per epoch")
            mistakes_intro = gr.Markdown(MISTAKES_INTRO)
            mistake = gr.Dropdown(FIRST_MISTAKES.choices, label="A sum the model gets wrong", value=None,
                                  elem_id="mistakes")
            mistake_answer = gr.Markdown()
            mistake_table = gr.HTML()
            mistake_details = gr.JSON(visible=False)
            gr.Markdown("### Every model: more digits, same network\nThe same 128-unit LSTMs trained for 2 to 5 "
                        "digits, scored when training ended (the training commands are in the README).")
            with gr.Row():
                gr.BarPlot(MODEL_RATES, x="model", y="wrong per 10,000 random sums", elem_id="by-digits",
                           title="Wrong answers per 10,000 random sums (lower is better)")
                gr.Dataframe(MODEL_TABLE, interactive=False,
                             label="Whole answers right on validation and on random sums; characters right on validation")

    PAGE_OUTPUTS = [question, examples, description, by_carries, by_lengths, accuracy_curves, loss_curves,
                    mistakes_intro, mistake]
    gr.on([question.submit, add_button.click], add, inputs=[question, model_choice],
          outputs=[answer, table, details], api_name="add")
    sample_button.click(sample, inputs=[count, model_choice], outputs=[score, samples], api_name="sample")
    examples.click(show_example, inputs=[examples, model_choice], outputs=question, api_name=False).then(
        add, inputs=[question, model_choice], outputs=[answer, table, details], api_name=False)
    mistake.change(show_mistake, inputs=[mistake, model_choice],
                   outputs=[mistake_answer, mistake_table, mistake_details], api_name=False)
    model_choice.change(choose_model, inputs=[model_choice, question],
                        outputs=[*PAGE_OUTPUTS, answer, table, details, score, samples, mistake_answer,
                                 mistake_table],
                        api_name=False)

# Each answer is a ~1 ms forward pass: several at once keep the queue short, and the models are
# safe to call from several threads.
demo.queue(default_concurrency_limit=8, max_size=256)

# Gradio 6 takes page styling at launch; tests launch with the same options.
LAUNCH_OPTIONS = {"css": CSS}

if __name__ == "__main__":
    demo.launch(**LAUNCH_OPTIONS)
