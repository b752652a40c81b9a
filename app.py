"""The addition LSTM demo: type a sum, see each digit's probabilities, sample held-out questions.

    python app.py                              # the bundled models (3 digits first), http://127.0.0.1:7860
    python app.py --model runs/addition-3digit # a folder written by train.py, shown first
    python app.py --model user/addition-lstm   # a Hugging Face Hub repo (also: ADDITION_MODEL=...)
    python app.py --port 8080 --host 0.0.0.0   # also: GRADIO_SERVER_PORT, GRADIO_SERVER_NAME

A dropdown switches between that model and the bundled 2-, 3-, 4- and 5-digit models.
"""

from __future__ import annotations

import argparse
import html
import os
import sys

from addition import BUNDLED_MODEL, MODELS_FOLDER
from addition.cli import OneLineErrorParser, fail


def parse_arguments(argv):
    parser = OneLineErrorParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=os.environ.get("ADDITION_MODEL") or None,
                        help="model folder or Hugging Face repo id shown first (default: $ADDITION_MODEL, "
                             "else the bundled 3-digit model)")
    parser.add_argument("--revision", default=os.environ.get("ADDITION_MODEL_REVISION") or None,
                        help="Hub branch, tag or commit (Hub repos only; default: $ADDITION_MODEL_REVISION)")
    parser.add_argument("--host", default=None, help="address to serve on (default: $GRADIO_SERVER_NAME, else 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="port to serve on (default: $GRADIO_SERVER_PORT, else 7860)")
    return parser.parse_args(argv)


# Only `python app.py` reads the command line, and before the heavy imports below, so that
# --help and a mistyped flag answer at once; `import app` (tests, Spaces) uses the environment.
SETTINGS = parse_arguments(sys.argv[1:] if __name__ == "__main__" else [])

import atexit  # noqa: E402
import functools  # noqa: E402
import queue  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import zipfile  # noqa: E402
from pathlib import Path  # noqa: E402

import gradio as gr  # noqa: E402
import numpy as np  # noqa: E402

from addition import progress as lesson  # noqa: E402
from addition import views  # noqa: E402
from addition.catalog import Catalog, SessionModels, bundled_entries, entry_for  # noqa: E402
from addition.saving import ModelFolderError  # noqa: E402
from addition.trainer import Trainer  # noqa: E402

WHOLE_SPACE_SAMPLE = 50_000  # Random sums searched for mistakes, once per model (~2 s on 2 CPU cores).
TRAINING_SECONDS = float(os.environ.get("ADDITION_TRAIN_SECONDS", 180))  # Wall-time cap of one visitor's run.
IDLE_MINUTES = 30  # A visitor's trained models are freed after this long unused (or when they leave).

# Nothing is loaded here: the first model loads in main() (so that a bad --model fails at
# start) or on the first request.
CATALOG = Catalog(entry_for(SETTINGS.model, SETTINGS.revision) if SETTINGS.model else None,
                  bundled_entries(MODELS_FOLDER), preferred=str(BUNDLED_MODEL))
TRAINER = Trainer(max_seconds=TRAINING_SECONDS)  # One training at a time, for everyone.
SESSIONS = SessionModels(Path(tempfile.gettempdir()) / f"addition-lstm-{os.getpid()}", cap=20,
                         idle_seconds=60 * IDLE_MINUTES)
atexit.register(shutil.rmtree, SESSIONS.root, ignore_errors=True)  # Visitors' models live as long as the app.
STOP_REQUESTS: set[str] = set()  # Sessions whose visitor pressed Stop (or left).


def session_of(request) -> str | None:
    return getattr(request, "session_hash", None)


def lookup(label, request=None):
    """The visitor's own trained model of that name, else a model of the catalog."""
    return SESSIONS.get(session_of(request), label) or CATALOG.get(label)


def model_choices(request=None) -> list[str]:
    return CATALOG.labels + SESSIONS.labels(session_of(request))


def person_error(error: Exception) -> gr.Error:
    """A ``ValueError``'s message as the app's error popup, as plain text (the popup renders HTML,
    and the message may quote what the visitor typed)."""
    return gr.Error(html.escape(str(error)), print_exception=False)


def answering(function):
    """Runs a callback; a ``ValueError`` (bad input, unknown model) becomes a ``gr.Error`` once."""
    @functools.wraps(function)
    def wrapper(*args):
        try:
            return function(*args)
        except gr.Error:
            raise
        except ValueError as error:
            raise person_error(error) from None

    return wrapper


def mistakes(label, request=None):
    """(validation, short-sum and random-sum mistakes): three batched passes, once per catalog model."""
    def search(loaded):
        return (views.validation_mistakes(loaded), views.short_sum_mistakes(loaded),
                views.whole_space_mistakes(loaded, count=WHOLE_SPACE_SAMPLE))

    own = SESSIONS.get(session_of(request), label)
    return search(own) if own else CATALOG.cached(label, "mistakes", search)


@answering
def add(question: str, model: str = CATALOG.default, request: gr.Request = None):
    return views.answer_question(lookup(model, request), question)


def clear_answer():
    """Empties the answer before a new one is computed, so that an error never sits under the
    previous sum's answer."""
    return "", "", None


@answering
def sample(count, model: str = CATALOG.default, request: gr.Request = None):
    return views.sample_validation(lookup(model, request), count, np.random.default_rng())


@answering
def show_mistake(question, model_label, request: gr.Request = None):
    if not question:  # The dropdown was cleared.
        return "", "", None
    return views.answer_question(lookup(model_label, request), question)


@answering
def show_example(index, model_label, request: gr.Request = None):
    return views.example_questions(lookup(model_label, request))[index]


def model_page(model_label, question="", request=None):
    """Everything on the page that depends on the model, by component name; the sum in the box
    is answered again by the new model (or the reason it does not suit it is said in words)."""
    loaded = lookup(model_label, request)
    by_carries, by_lengths = views.difficulty_tables(loaded)
    accuracy_curves, loss_curves = views.training_curves(loaded)
    intro, choices = views.mistakes_gallery(loaded, *mistakes(model_label, request), WHOLE_SPACE_SAMPLE)
    answer, table, details = views.answer_if_valid(loaded, question)
    model_table, model_rates = views.compare_models(CATALOG.infos())
    return {
        "question": gr.Textbox(placeholder=loaded.codec.example, info=loaded.codec.describe_limits() + ". Press Enter."),
        "examples": gr.Dataset(samples=[[q] for q in views.example_questions(loaded)]),
        "description": views.describe_model(loaded),
        "by_carries": by_carries, "by_lengths": by_lengths,
        "accuracy_curves": accuracy_curves, "loss_curves": loss_curves,
        "mistakes_intro": intro, "mistake": gr.Dropdown(choices=choices, value=None, visible=bool(choices)),
        "answer": answer, "table": table, "details": details,
        "score": "", "samples": None, "mistake_answer": "", "mistake_table": "",
        "model_table": model_table, "model_rates": model_rates,
    }


def train_model(digits, training_size, cell, hidden_size, layers, reverse, epochs, batch_size, recipe="ours",
                request: gr.Request = None):
    """Train a network with the visitor's settings, streaming its progress; at the end it joins
    the Model menu for this visitor only. A generator: Gradio sends each yield to the page."""
    try:
        config = lesson.training_config(digits, training_size, cell, hidden_size, layers, reverse, epochs,
                                        batch_size, recipe)
    except ValueError as error:
        raise person_error(error) from None
    session = session_of(request)
    STOP_REQUESTS.discard(session)
    folder = SESSIONS.new_folder()
    watching = lesson.TrainingProgress(config)
    run = TRAINER.try_start(config, folder)
    waited = time.monotonic()
    while run is None:  # Another visitor's network is training: wait for the slot, saying so.
        if session in STOP_REQUESTS:
            STOP_REQUESTS.discard(session)
            shutil.rmtree(folder.parent, ignore_errors=True)
            yield {train_status: "Cancelled before it started."}
            return
        yield {train_status: f"**Queued:** another visitor's network is training (one at a time, so that "
                             f"answering sums stays fast). Yours starts when it ends · waiting "
                             f"{time.monotonic() - waited:.0f} s"}
        time.sleep(1)
        run = TRAINER.try_start(config, folder)
    try:
        yield {train_status: "Starting: generating the questions and building the network…",
               download: gr.DownloadButton(visible=False), train_result: None}
        while True:
            if session in STOP_REQUESTS:
                STOP_REQUESTS.discard(session)
                run.stop()  # It ends after the current step and saves its best epoch.
            try:
                event = run.events.get(timeout=1.0)
            except queue.Empty:
                yield {train_status: watching.status()}  # Elapsed time moves on even between events.
                continue
            if event["event"] == "error":
                shutil.rmtree(folder.parent, ignore_errors=True)
                raise gr.Error(html.escape(f"Training failed: {event['message']}"), print_exception=False)
            watching.add(event)
            if event["event"] == "done":
                break
            if event["event"] == "epoch":
                accuracy, loss = watching.curves()
                yield {train_status: watching.status(), train_accuracy: accuracy, train_loss: loss,
                       watch: watching.watch_rows()}
            else:
                yield {train_status: watching.status(), watch: watching.watch_rows()}
    finally:
        TRAINER.finish(run)  # Stopped, failed, finished or the visitor gone: no process is left behind.
    from addition.loading import load_model_folder

    description = f"{cell}, {config.digits} digit{'s' if config.digits > 1 else ''}"
    label = SESSIONS.add(session, load_model_folder(folder, name="your model"), folder, description)
    accuracy, loss = watching.curves()
    yield {train_status: watching.status(), train_accuracy: accuracy, train_loss: loss, watch: watching.watch_rows(),
           train_result: watching.summary(label), download: gr.DownloadButton(value=zip_folder(folder, config), visible=True),
           # Chosen at once, so that the Add tab answers with it (the menu's change event redraws the page).
           model_choice: gr.Dropdown(choices=model_choices(request), value=label)}


def zip_folder(folder: Path, config) -> str:
    """The model folder as a zip holding one folder, which app.py --model, evaluate.py and
    push_to_hub.py take as it is once unzipped."""
    name = f"addition-{config.digits}digit-{config.cell}"
    path = folder.parent / f"{name}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(folder.iterdir()):
            archive.write(file, f"{name}/{file.name}")
    return str(path)


def stop_training(request: gr.Request = None):
    STOP_REQUESTS.add(session_of(request))
    return "Stopping after the current step; the best epoch so far is kept…"


def leave(request: gr.Request = None):
    """The visitor closed the tab: stop their training, free their models."""
    STOP_REQUESTS.add(session_of(request))
    SESSIONS.forget(session_of(request))


@answering
def publish(model_label, repo_name, oauth_token: gr.OAuthToken | None = None, request: gr.Request = None):
    """Publish the visitor's own trained model to their Hub account, with its model card. Their
    token is used for this request only and never stored or shown."""
    from addition.hub import check_repo_id, push_folder

    folder = SESSIONS.folder(session_of(request), model_label)
    if folder is None:
        raise ValueError("Only a model you trained here can be published: train one, then pick it in the Model menu.")
    if oauth_token is None:
        raise ValueError("Sign in with Hugging Face first (the button above), so that the model goes to your account.")
    from huggingface_hub import HfApi

    api = HfApi(token=oauth_token.token)
    try:
        username = api.whoami()["name"]
    except Exception:  # Any failure here means the sign-in is not usable.
        raise ValueError("Hugging Face did not accept the sign-in: sign in again.") from None
    repo_id = check_repo_id(f"{username}/{(repo_name or '').strip()}",
                            what="not a repo name: use letters, digits, '-', '_' or '.', like addition-lstm")
    try:
        push_folder(folder, repo_id, api=api)
    except Exception as error:  # The Hub's errors vary (HTTP, permissions, quota): one line each.
        from addition.cli import first_line

        raise ValueError(f"Publishing to {repo_id} failed: {first_line(error)}") from None
    return f"Published to [{repo_id}](https://huggingface.co/{repo_id}) with its model card."  # A checked id.


CSS = """
.table-scroll { max-width: 100%; overflow-x: auto; }
.digit-probabilities { border-collapse: collapse; font-variant-numeric: tabular-nums; }
.digit-probabilities th, .digit-probabilities td { padding: 4px 6px; text-align: center; min-width: 2.6em; }
.digit-probabilities td { border: 1px solid #e5e7eb; font-size: 0.85em; }
.digit-probabilities td.chosen { outline: 3px solid #111827; outline-offset: -3px; font-weight: 700; }
.digit-probabilities td.truth { outline: 3px dashed #16a34a; outline-offset: -3px; }
.legend { font-size: 0.85em; opacity: 0.8; }
"""
# On a phone an error toast at the top hides the title and the sum box: show it at the bottom.
# (In the page's head: Gradio scopes `css` to the app's container, and toasts live outside it.)
HEAD = "<style>@media (max-width: 640px) { .toast-wrap { top: auto !important; bottom: 16px !important; } }</style>"

with gr.Blocks(title="An LSTM learns to add") as demo:
    gr.Markdown(
        "# An LSTM learns to add\n"
        "A sequence-to-sequence network reads a sum one character at a time and writes the answer "
        "one character at a time. It was never told the rules of addition: it learned them from examples."
    )
    model_choice = gr.Dropdown(CATALOG.labels, value=CATALOG.default, label="Model", elem_id="model",
                               info="One network per operand length, each trained with train.py (see the README).")
    with gr.Tabs():
        with gr.Tab("Add"):
            with gr.Row():
                with gr.Column(scale=3):
                    question = gr.Textbox(label="Your sum", max_length=200, elem_id="question")
                    add_button = gr.Button("Add", variant="primary")
                    answer = gr.Markdown(elem_id="answer")
                    table = gr.HTML(elem_id="probabilities")
                    with gr.Accordion("Details (JSON)", open=False):
                        details = gr.JSON(label="details")
                    # A Dataset, not gr.Examples: its sums change with the model. The samples
                    # are filled on load, with its component given so that Gradio keeps them.
                    examples = gr.Dataset(components=[question], samples=[], type="index",
                                          label="Try these (carry chains are the hard ones)", elem_id="examples")
                with gr.Column(scale=2):
                    with gr.Accordion("About this model", open=True):
                        description = gr.Markdown(latex_delimiters=[], elem_id="description")
            gr.Markdown("### Held-out validation questions\nQuestions set aside before training: the model never saw them.")
            with gr.Row():
                count = gr.Slider(1, views.MAX_SAMPLES, value=10, step=1, label="How many")
                sample_button = gr.Button("Sample validation questions", elem_id="sample-button")
            score = gr.Markdown(elem_id="score")
            samples = gr.Dataframe(headers=views.SAMPLE_HEADERS, datatype=["str", "number", "str", "str"],
                                   interactive=False, elem_id="samples")
        with gr.Tab("How it learns and fails"):
            gr.Markdown("Whole-answer mistakes on the held-out validation questions, by difficulty.")
            with gr.Row():
                by_carries = gr.BarPlot(x="carries", y="wrong per 10,000", title="Wrong answers by number of carries",
                                        elem_id="by-carries")
                by_lengths = gr.Dataframe(interactive=False, label="By operand lengths (digits of a + digits of b)")
            with gr.Row():
                accuracy_curves = gr.LinePlot(x="epoch", y="accuracy %", color="metric", x_axis_format="d",
                                              title="Accuracy per epoch (%)")
                loss_curves = gr.LinePlot(x="epoch", y="loss", color="metric", x_axis_format="d", title="Loss per epoch")
            mistakes_intro = gr.Markdown()
            mistake = gr.Dropdown([], label="A sum the model gets wrong", value=None, elem_id="mistakes", visible=False)
            mistake_answer = gr.Markdown()
            mistake_table = gr.HTML()
            mistake_details = gr.JSON(visible=False)
            gr.Markdown("### Every model: more digits, same network\nThe same 128-unit LSTMs trained for 2 to 5 "
                        "digits, scored when training ended (the training commands are in the README).")
            model_rates = gr.BarPlot(x="model", y="wrong per 10,000 random sums", elem_id="by-digits",
                                     title="Wrong answers per 10,000 random sums (lower is better)")
            model_table = gr.Dataframe(interactive=False, elem_id="model-table",
                                       label="Whole answers right on validation and on random sums; "
                                             "characters right on validation")
        with gr.Tab("Train your own"):
            gr.Markdown(
                "Pick the settings, press **Train**, and watch a network go from nonsense to addition: the "
                "curves grow and the held-out sums below turn from ☒ to ☑. The defaults take about a minute. "
                f"One training runs at a time for everyone (others wait their turn), for at most "
                f"{TRAINING_SECONDS / 60:.0f} minutes. Your model then joins the Model menu, for you only, "
                f"until you leave or {IDLE_MINUTES} minutes pass unused.")
            defaults = lesson.DEFAULTS
            with gr.Row():
                digits_setting = gr.Slider(*lesson.LIMITS["digits"], value=defaults["digits"], step=1, label="Digits")
                size_setting = gr.Number(value=defaults["training_size"], precision=0, label="Training questions",
                                         minimum=lesson.LIMITS["training_size"][0],
                                         maximum=lesson.LIMITS["training_size"][1])
                cell_setting = gr.Radio(list(lesson.CELL_NAMES), value=defaults["cell"], label="Cell")
            with gr.Row():
                hidden_setting = gr.Slider(*lesson.LIMITS["hidden_size"], value=defaults["hidden_size"], step=1,
                                           label="Hidden size")
                layers_setting = gr.Slider(*lesson.LIMITS["layers"], value=defaults["layers"], step=1,
                                           label="Decoder layers")
                reverse_setting = gr.Checkbox(value=defaults["reverse"], label="Reverse the question")
            with gr.Row():
                epochs_setting = gr.Slider(*lesson.LIMITS["epochs"], value=defaults["epochs"], step=1, label="Epochs",
                                           elem_id="epochs-setting")
                batch_setting = gr.Slider(*lesson.LIMITS["batch_size"], value=defaults["batch_size"], step=8,
                                          label="Batch size")
                recipe_setting = gr.Radio(list(lesson.RECIPE_NAMES), value=defaults["recipe"], label="Starting recipe",
                                          info="ours: warm-up, cosine decay, answers written units first; "
                                               "keras-io: the original example's")
            with gr.Row():
                train_button = gr.Button("Train", variant="primary", elem_id="train-button")
                stop_button = gr.Button("Stop", elem_id="stop-button")
            train_status = gr.Markdown(elem_id="train-status")
            with gr.Row():
                train_accuracy = gr.LinePlot(x="epoch", y="accuracy %", color="metric", x_axis_format="d",
                                             title="Accuracy per epoch (%)", elem_id="train-accuracy")
                train_loss = gr.LinePlot(x="epoch", y="loss", color="metric", x_axis_format="d",
                                         title="Loss per epoch", elem_id="train-loss")
            watch = gr.Dataframe(headers=lesson.WATCH_HEADERS, datatype=["str", "number", "str", "str"],
                                 interactive=False, label="Ten held-out questions, answered after every epoch",
                                 elem_id="watch")
            download = gr.DownloadButton("Download the model folder (zip)", visible=False, elem_id="download")
            with gr.Accordion("Result (JSON)", open=False):
                train_result = gr.JSON(label="result")
            on_a_space = bool(os.environ.get("SPACE_ID"))
            gr.Markdown("#### Publish to the Hugging Face Hub\n" + (
                "Sign in, pick your model in the Model menu, name the repo, and publish: it goes to your "
                "account with its model card." if on_a_space else
                "Signing in works when this app runs as a Hugging Face Space. Here, download the zip and run "
                "`python push_to_hub.py FOLDER you/REPO`, or call the `/publish` endpoint with your token."))
            with gr.Row():
                if on_a_space:  # Gradio's sign-in needs a Space (locally it needs a logged-in machine).
                    gr.LoginButton()
                repo_name = gr.Textbox(value="addition-lstm", label="Repo name", max_length=96)
                publish_button = gr.Button("Publish", elem_id="publish-button")
            publish_status = gr.Markdown()

    PAGE = {"question": question, "examples": examples, "description": description, "by_carries": by_carries,
            "by_lengths": by_lengths, "accuracy_curves": accuracy_curves, "loss_curves": loss_curves,
            "mistakes_intro": mistakes_intro, "mistake": mistake, "answer": answer, "table": table,
            "details": details, "score": score, "samples": samples, "mistake_answer": mistake_answer,
            "mistake_table": mistake_table, "model_table": model_table, "model_rates": model_rates}

    @answering
    def show_page(model_label, question_text, request: gr.Request = None):
        return {PAGE[name]: value for name, value in model_page(model_label, question_text, request).items()}

    demo.load(show_page, inputs=[model_choice, question], outputs=list(PAGE.values()), api_name=False)
    model_choice.change(show_page, inputs=[model_choice, question], outputs=list(PAGE.values()), api_name=False)
    gr.on([question.submit, add_button.click], clear_answer, outputs=[answer, table, details], api_name=False,
          queue=False).then(add, inputs=[question, model_choice], outputs=[answer, table, details], api_name="add")
    sample_button.click(sample, inputs=[count, model_choice], outputs=[score, samples], api_name="sample")
    examples.click(show_example, inputs=[examples, model_choice], outputs=question, api_name=False).then(
        add, inputs=[question, model_choice], outputs=[answer, table, details], api_name=False)
    mistake.change(show_mistake, inputs=[mistake, model_choice],
                   outputs=[mistake_answer, mistake_table, mistake_details], api_name=False)
    # Waiting visitors hold a worker each while they wait, so a few at once, not the default 8.
    train_button.click(train_model, inputs=[digits_setting, size_setting, cell_setting, hidden_setting, layers_setting,
                                            reverse_setting, epochs_setting, batch_setting, recipe_setting],
                       outputs=[train_status, train_accuracy, train_loss, watch, train_result, download, model_choice],
                       api_name="train", concurrency_limit=4, concurrency_id="train")
    stop_button.click(stop_training, outputs=train_status, api_name="stop_training", queue=False)
    publish_button.click(publish, inputs=[model_choice, repo_name], outputs=publish_status, api_name="publish")
    demo.unload(leave)

# Each answer is a ~1 ms forward pass: several at once keep the queue short, and the models are
# safe to call from several threads.
demo.queue(default_concurrency_limit=8, max_size=256)

# Gradio 6 takes page styling at launch; tests launch with the same options. The rest closes
# what the app does not use: it takes no files (uploads capped at 1 KB), has no public traffic
# dashboard, and keeps per-session state for at most 1,000 sessions (Gradio's default is 10,000).
LAUNCH_OPTIONS = {"css": CSS, "head": HEAD, "max_file_size": "1kb", "enable_monitoring": False, "state_session_capacity": 1_000}


def main():
    try:
        CATALOG.load_default()  # A bad --model fails here, in one line, before serving.
    except ModelFolderError as error:
        fail(str(error))
    mistakes(CATALOG.default)  # The first page's gallery (~2 s), before the first visitor waits for it.
    demo.launch(server_name=SETTINGS.host, server_port=SETTINGS.port, **LAUNCH_OPTIONS)


if __name__ == "__main__":
    main()
