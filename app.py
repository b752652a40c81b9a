"""The addition LSTM demo: type a sum, see each digit's probabilities, train a network of your own.

    python app.py                              # the bundled models (3 digits first), http://127.0.0.1:7860
    python app.py --model runs/addition-3digit # a folder written by train.py, shown first
    python app.py --model user/addition-lstm   # a Hugging Face Hub repo (also: ADDITION_MODEL=...)
    python app.py --port 8080 --host 0.0.0.0   # also: GRADIO_SERVER_PORT, GRADIO_SERVER_NAME

A dropdown switches between that model and the bundled 2-, 3-, 4- and 5-digit models.
"""

from __future__ import annotations

import argparse
import os
import sys

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


# `python app.py --help` and a mistyped flag answer before the heavy imports below.
if __name__ == "__main__":
    COMMAND_LINE = parse_arguments(sys.argv[1:])

import functools  # noqa: E402
import json  # noqa: E402
import queue  # noqa: E402
import zipfile  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import gradio as gr  # noqa: E402
import numpy as np  # noqa: E402

from addition import MODELS_FOLDER, BUNDLED_MODEL  # noqa: E402
from demo import train_settings as lesson  # noqa: E402
from demo import views  # noqa: E402
from demo.models import Catalog, Entry, Models, SessionModels, bundled_entries, entry_for  # noqa: E402
from demo.training_queue import CANCELLED, WAITING, TrainingLine  # noqa: E402

WHOLE_SPACE_SAMPLE = 50_000  # Random sums searched for mistakes, once per model (~2 s on 2 CPU cores).
IDLE_MINUTES = 30  # A visitor's trained models are freed after this long unused (or when they leave).
MAX_WAITING = 4  # Trainings waiting for their turn, at most; past that a newcomer is asked to come back.
MODELS_PER_VISITOR, MODELS_IN_ALL = 3, 60
GONE_AFTER = 10.0  # Seconds without a reader before a visitor's training counts as abandoned.
UNREAD_LIMIT = 5  # Updates left unread that mean nobody is reading (one is sent every second).


@dataclass
class Parts:
    """What the app is built from: passed to ``build_demo``, so that a test can build the app
    with stand-ins (a scripted line, its own folders)."""

    models: Models
    line: TrainingLine
    training_seconds: float  # Wall-time cap of one visitor's run.
    on_a_space: bool

    def shutdown(self) -> None:
        """End every training and delete every visitor's files (the app is stopping)."""
        self.line.shutdown()
        self.models.visitors.clear()


def default_parts(model: str | None = None, revision: str | None = None) -> Parts:
    """The app's parts as `python app.py` and a Space run them. Cheap: nothing is loaded."""
    from demo.worker import start_run

    seconds = float(os.environ.get("ADDITION_TRAIN_SECONDS", 180))
    catalog = Catalog(entry_for(model, revision) if model else None, bundled_entries(MODELS_FOLDER),
                      preferred=str(BUNDLED_MODEL))
    visitors = SessionModels(per_session=MODELS_PER_VISITOR, total=MODELS_IN_ALL, idle_seconds=60 * IDLE_MINUTES)
    # Inside Gradio's own cache folder, so that the zips are served from where they are made
    # (not copied to where freeing a model would not reach them).
    from gradio.utils import get_upload_folder

    workspace = Path(get_upload_folder()) / f"addition-lstm-{os.getpid()}"
    line = TrainingLine(functools.partial(start_run, max_seconds=seconds), workspace, max_waiting=MAX_WAITING,
                        gone_after=GONE_AFTER, admit=visitors.check_room)
    # Not in the menu: models the Inside tab compares with (the reading-order 3-digit one).
    illustrations = Catalog(None, [Entry(Path(entry.spec).name, entry.spec, digits=entry.digits)
                                   for entry in bundled_entries(MODELS_FOLDER / "illustrations")])
    return Parts(Models(catalog, visitors, illustrations), line, seconds, on_a_space=bool(os.environ.get("SPACE_ID")))


# Callbacks' shared pieces.

def session_of(request) -> str | None:
    return getattr(request, "session_hash", None)


def plain(message: str) -> str:
    """A message as text that no browser reads as markup, and no API caller gets as entities:
    the three characters that make HTML are swapped for look-alikes (toasts render HTML)."""
    return str(message).replace("&", "＆").replace("<", "‹").replace(">", "›")


def person_error(error: Exception) -> gr.Error:
    return gr.Error(plain(error), print_exception=False)


def answering(function):
    """Runs a callback; a ``ValueError`` (bad input, unknown model) becomes a ``gr.Error`` once,
    and a wrong type from an API caller a sentence, never a traceback in the log."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except gr.Error:
            raise
        except (ValueError, TypeError) as error:
            raise person_error(error) from None

    return wrapper


def listening(demo: gr.Blocks, request) -> bool:
    """Whether someone reads this session's updates: Gradio holds each unread update in the
    session's message queue, so a long queue means the page closed or nobody ever listened."""
    try:
        messages = demo._queue.pending_messages_per_session.get(session_of(request))
        return messages is None or messages.qsize() <= UNREAD_LIMIT
    except AttributeError:  # Another Gradio: rely on the page's unload event alone.
        return True


# The tabs: each builder makes its components and wires its own handlers.

def add_tab(parts: Parts, model_choice, first: dict) -> dict:
    models = parts.models
    with gr.Row():
        with gr.Column(scale=3):
            question = gr.Textbox(label="Your sum", max_length=200, elem_id="question", **first.get("question", {}))
            add_button = gr.Button("Add", variant="primary")
            answer = gr.Markdown(elem_id="answer", **first.get("answer", {}))
            table = gr.HTML(elem_id="probabilities", **first.get("table", {}))
            with gr.Accordion("Details (JSON)", open=False):
                details = gr.JSON(label="details", **first.get("details", {}))
            # A Dataset, not gr.Examples: its sums change with the model. Filled on load.
            examples = gr.Dataset(components=[question], type="index", label="Try these (carry chains are the hard ones)",
                                  elem_id="examples", **{"samples": [], **first.get("examples", {})})
        with gr.Column(scale=2):
            with gr.Accordion("About this model", open=True):
                description = gr.Markdown(latex_delimiters=[], elem_id="description", **first.get("description", {}))
    gr.Markdown("### Held-out validation questions\nQuestions set aside before training: the model never saw them.")
    with gr.Row():
        count = gr.Slider(1, views.MAX_SAMPLES, value=10, step=1, label="How many")
        sample_button = gr.Button("Sample validation questions", elem_id="sample-button")
    score = gr.Markdown(elem_id="score")
    samples = gr.Dataframe(headers=views.SAMPLE_HEADERS, datatype=["str", "number", "str", "str"],
                           interactive=False, elem_id="samples")

    @answering
    def add(question: str, model: str = models.default, request: gr.Request = None):
        """The model's answer to a typed sum: (Markdown with a link that opens this sum, the
        per-digit probability table in HTML, details as JSON)."""
        summary, probabilities, details = views.answer_question(models.get(model, session_of(request)), question)
        return with_share_link(summary, details, model), probabilities, details

    def clear_answer():
        """Empties the answer first, so that an error never sits under the previous sum's answer."""
        return "", "", None

    @answering
    def sample(count, model: str = models.default, request: gr.Request = None):
        return views.sample_validation(models.get(model, session_of(request)), count, np.random.default_rng())

    @answering
    def show_example(index, model_label, request: gr.Request = None):
        return views.example_questions(models.get(model_label, session_of(request)))[index]

    @answering
    def add_numbers(a: int, b: int, model: str = models.default, request: gr.Request = None) -> str:
        """Add two whole numbers with a neural network that learned addition from examples, and
        check its answer against real addition. The network can be wrong: use it to see what it
        learned, not as a calculator.

        Args:
            a: The first number: a whole number from 0 to the model's largest operand (999 for "3 digits").
            b: The second number, within the same limit.
            model: Which network answers: "2 digits", "3 digits", "4 digits" or "5 digits" (its largest operand length).
        Returns:
            JSON text: answer (the network's answer), correct (whether it equals a + b),
            true_answer, confidence (the network's probability of its whole answer, 0 to 1), model.
        """
        for name, value in (("a", a), ("b", b)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{name} must be a whole number, like 535.")
        loaded = models.get(model, session_of(request))
        _, _, details = views.answer_question(loaded, f"{a}+{b}")  # The page's own sentences for bad input.
        return json.dumps({"answer": details["model_answer"], "correct": details["correct"],
                           "true_answer": details["true_answer"], "confidence": details["confidence"], "model": model})

    gr.api(add_numbers, api_name="add_numbers")
    answer_outputs = [answer, table, details]
    gr.on([question.submit, add_button.click], clear_answer, outputs=answer_outputs, api_visibility="private",
          queue=False).then(add, inputs=[question, model_choice], outputs=answer_outputs, api_name="add", preprocess=False)
    sample_button.click(sample, inputs=[count, model_choice], outputs=[score, samples], api_name="sample",
                        preprocess=False)
    examples.click(show_example, inputs=[examples, model_choice], outputs=question, api_visibility="private").then(
        add, inputs=[question, model_choice], outputs=answer_outputs, api_visibility="private")
    return {"question": question, "examples": examples, "description": description, "answer": answer,
            "table": table, "details": details, "score": score, "samples": samples}


def insight_tab(parts: Parts, model_choice, first: dict) -> dict:
    models = parts.models
    gr.Markdown("Whole-answer mistakes on the held-out validation questions, by difficulty.")
    with gr.Row():
        with gr.Column():
            by_carries = gr.BarPlot(x="carries", y="wrong per 10,000", title="Wrong answers by number of carries",
                                    elem_id="by-carries", **first.get("by_carries", {}))
            carries_note = gr.Markdown(elem_id="carries-note", **first.get("carries_note", {}))
        by_lengths = gr.Dataframe(interactive=False, label="By operand lengths (digits of a + digits of b)",
                                  **first.get("by_lengths", {}))
    with gr.Row():
        accuracy_curves = gr.LinePlot(x="epoch", y="accuracy %", color="metric", title="Whole answers right per epoch (%)",
                                      elem_id="accuracy-curves", **first.get("accuracy_curves", {}))
        loss_curves = gr.LinePlot(x="epoch", y="loss", color="metric", title="Loss per epoch",
                                  **first.get("loss_curves", {}))
    mistakes_intro = gr.Markdown(**first.get("mistakes_intro", {}))
    mistake = gr.Dropdown(label="A sum the model gets wrong", elem_id="mistakes",
                          **{"choices": [], "value": None, "visible": False, **first.get("mistake", {})})
    mistake_answer = gr.Markdown()
    mistake_table = gr.HTML()
    mistake_details = gr.JSON(visible=False)
    gr.Markdown("### Every model: more digits, same network\nThe same 128-unit LSTMs trained for 2 to 5 "
                "digits, scored when training ended (the training commands are in the README).")
    model_table = gr.Dataframe(interactive=False, elem_id="model-table",
                               label="Whole answers wrong, counted, on held-out questions and on random sums; "
                                     "characters right on held-out questions", **first.get("model_table", {}))

    @answering
    def show_mistake(question, model_label, request: gr.Request = None):
        if not question:  # The dropdown was cleared.
            return "", "", None
        return views.answer_question(models.get(model_label, session_of(request)), question)

    mistake.change(show_mistake, inputs=[mistake, model_choice],
                   outputs=[mistake_answer, mistake_table, mistake_details], api_visibility="private")
    return {"by_carries": by_carries, "by_lengths": by_lengths, "accuracy_curves": accuracy_curves,
            "loss_curves": loss_curves, "mistakes_intro": mistakes_intro, "mistake": mistake,
            "mistake_answer": mistake_answer, "mistake_table": mistake_table, "model_table": model_table,
            "carries_note": carries_note}


def inside_tab(parts: Parts, model_choice, first: dict) -> dict:
    """What each answer digit depends on, beside addition's own; the states; the carry."""
    from demo import inside_views

    models = parts.models
    gr.Markdown("How does the network add? Change one digit of the question at a time and watch which "
                "answer digits change, beside what addition itself would change; then look at its memory "
                "while it reads and writes, and at where it keeps the carry.")
    with gr.Row():
        inside_question = gr.Textbox(label="A sum to look inside", max_length=200, elem_id="inside-question",
                                     **first.get("inside_question", {}))
        inside_button = gr.Button("Look inside", variant="primary", elem_id="inside-button")
    grids_intro = gr.Markdown(elem_id="inside-intro")
    with gr.Row():
        network_grid = gr.HTML(elem_id="network-grid")
        addition_grid = gr.HTML(elem_id="addition-grid")
    attribution_intro = gr.Markdown()
    attribution_grid = gr.HTML(elem_id="attribution-grid")
    states_intro = gr.Markdown()
    states = gr.HTML(elem_id="states")
    carry_intro = gr.Markdown()
    probe = gr.Dataframe(interactive=False, label="Reading the carry with a straight line (a linear probe)",
                         elem_id="probe")
    gr.Markdown("### Reversed or not\nThe keras-io example reverses the question because it \"introduces "
                "shorter term dependencies between source and target\". The same grid for a network that "
                "reads the question the other way:")
    other_intro = gr.Markdown(elem_id="other-intro")
    other_grid = gr.HTML(elem_id="other-grid")

    def explained(question, model_label, session):
        loaded = models.get(model_label, session)
        return loaded, explain_for(models, loaded, model_label, session, question)

    @answering
    def look_inside(question, model_label, request: gr.Request = None):
        loaded, result = explained(question, model_label, session_of(request))
        words, grids = inside_views.what_to_look_at(result), inside_views.grids_html(result)
        other_words, other_html = compare_reversal(parts, loaded, question, session_of(request))
        return {grids_intro: words["grids"], network_grid: grids["counterfactual"], addition_grid: grids["oracle"],
                attribution_intro: words["attribution"], attribution_grid: grids["attribution"],
                states_intro: words["states"], states: inside_views.states_html(result),
                carry_intro: words.get("carry_units", "") + " " + words.get("probe", ""),
                probe: inside_views.probe_frame(result["probe"]), other_intro: other_words, other_grid: other_html}

    @answering
    def explain(question: str, model: str = models.default, request: gr.Request = None) -> dict:
        """The network's view of one sum as JSON: each dependency grid (rows the answer's
        characters, columns the question's, both in reading order), the states, the carry
        units and the probe's accuracy per column."""
        return explained(question, model, session_of(request))[1]

    outputs = [grids_intro, network_grid, addition_grid, attribution_intro, attribution_grid, states_intro, states,
               carry_intro, probe, other_intro, other_grid]
    gr.on([inside_button.click, inside_question.submit], look_inside, inputs=[inside_question, model_choice],
          outputs=outputs, api_visibility="private", preprocess=False)
    gr.Button(visible=False).click(explain, inputs=[inside_question, model_choice], outputs=gr.JSON(visible=False),
                                   api_name="explain", preprocess=False)
    return {"inside_question": inside_question}


def explain_for(models: Models, loaded, label: str, session, question: str) -> dict:
    """``inside.explain`` with the model's carry units and probe, computed once per model."""
    from addition import inside

    def survey(model):
        return (inside.rank_carry_units(model.model, model.codec, model.validation_pairs),
                inside.train_probe(model.model, model.codec, model.validation_pairs))

    carry_units, probe = models.cached(label, session, "inside", survey)
    return inside.explain(loaded.model, loaded.codec, question, carry_units, probe)


def compare_reversal(parts: Parts, loaded, question: str, session) -> tuple[str, str]:
    """The counterfactual grid of the same sum from a model that reads the question the other
    way, with the same digits: the visitor's own, else the bundled ones (and the illustration)."""
    from addition import inside, inside_views

    wanted = not loaded.codec.reverse
    for label, other in parts.models.counterparts(loaded.codec.digits, wanted, session, loaded.codec.zero_pad):
        try:
            result = inside.explain(other.model, other.codec, question)
        except ValueError:
            continue
        order = "reversed" if wanted else "in reading order"
        padding = ("" if other.codec.zero_pad == loaded.codec.zero_pad else
                   f" It also writes the numbers {'with' if other.codec.zero_pad else 'without'} leading zeros, "
                   f"so its columns differ.")
        return (f"**{views.as_text(label)}** reads the question {order}: compare where its dependencies fall."
                + padding, inside_views.grids_html(result)["counterfactual"])
    order = "reversed" if wanted else "in reading order"
    return (f"No {loaded.codec.digits}-digit model here reads the question {order}. Train one in the Train tab "
            f"with \"Reverse the question\" {'on' if wanted else 'off'}, or pick the 3-digit model.", "")


def setting_control(setting: lesson.Setting):
    """The Train tab's control for one row of ``lesson.SETTINGS``."""
    options = {"label": setting.label, "value": setting.default, "elem_id": f"{setting.name.replace('_', '-')}-setting"}
    if setting.choices is not None:
        return gr.Radio(list(setting.choices), info=setting.info, **options)
    if isinstance(setting.default, bool):
        return gr.Checkbox(**options)
    low, high = setting.limits
    if high - low > 1000:  # A slider cannot pick one of 100,000 values: type it.
        return gr.Number(precision=0, minimum=low, maximum=high, **options)
    return gr.Slider(low, high, step=setting.step, **options)


def train_tab(parts: Parts, model_choice, demo: gr.Blocks):
    """The Train tab; returns the training event (when it ends the page shows the new model)."""
    models, line = parts.models, parts.line
    gr.Markdown(
        "Pick the settings, press **Train**, and watch a network go from nonsense to addition: the "
        "curves grow and the held-out sums below turn from ☒ to ☑. The defaults train in about 10 seconds "
        "on 2 CPU cores (plus a few to start). "
        f"One training runs at a time for everyone, the others waiting in line (at most {line.max_waiting}), "
        f"each for at most {plural(round(parts.training_seconds / 60), 'minute')}. Your model then joins the "
        f"Model menu, for you only (up to {models.visitors.per_session} of them), until you leave or "
        f"{IDLE_MINUTES} minutes pass unused.")
    controls = {}
    for row in range(0, len(lesson.SETTINGS), 3):
        with gr.Row():
            for setting in lesson.SETTINGS[row:row + 3]:
                controls[setting.name] = setting_control(setting)
    with gr.Row():
        train_button = gr.Button("Train", variant="primary", elem_id="train-button")
        stop_button = gr.Button("Stop", elem_id="stop-button")
    status = gr.Markdown(elem_id="train-status")
    with gr.Row():
        accuracy_plot = gr.LinePlot(x="epoch", y="accuracy %", color="metric",
                                    title="Whole answers right per epoch (%)", elem_id="train-accuracy")
        loss_plot = gr.LinePlot(x="epoch", y="loss", color="metric", title="Loss per epoch", elem_id="train-loss")
    watch = gr.Dataframe(headers=lesson.WATCH_HEADERS, datatype=["str", "number", "str", "str"],
                         interactive=False, label="Ten held-out questions, answered after every epoch",
                         elem_id="watch")
    gr.Markdown("**Watch the pattern form:** after every epoch, how often each answer digit of the first "
                "watched sum changes when one question digit does, left, beside addition's own, right.")
    with gr.Row():
        watched_grid = gr.HTML(elem_id="watched-grid")
        watched_addition = gr.HTML(elem_id="watched-addition")
    download = gr.DownloadButton("Download the model folder (zip)", visible=False, elem_id="download")
    with gr.Accordion("Result (JSON)", open=False):
        result = gr.JSON(label="result")
    gr.Markdown("#### Publish to the Hugging Face Hub\n" + (
        "Sign in, pick your model in the Model menu, name the repo, and publish: it goes to your "
        "account with its model card." if parts.on_a_space else
        "Signing in works when this app runs as a Hugging Face Space. Here, download the zip, unzip it and run "
        "`python push_to_hub.py FOLDER you/REPO`, or call the `/publish` endpoint with your token."))
    with gr.Row():
        if parts.on_a_space:  # Gradio's sign-in needs a Space.
            gr.LoginButton()
        repo_name = gr.Textbox(value="addition-lstm", label="Repo name", max_length=96)
        publish_button = gr.Button("Publish", elem_id="publish-button")
    publish_status = gr.Markdown()

    def train(request: gr.Request = None, **settings):
        """Train a network with the visitor's settings, streaming its progress; at the end it
        joins the Model menu for this visitor only. A generator: Gradio sends each yield on."""
        try:
            config = lesson.training_config(**settings)
            ticket = line.join(session_of(request), config)
        except ValueError as error:
            raise person_error(error) from None
        watching, kept = lesson.TrainingProgress(config), False
        try:
            while ticket.state == WAITING:
                if listening(demo, request):
                    line.touch(ticket)
                yield {status: queued_status(line, ticket)}
                line.wait(ticket, 1.0)
            if ticket.state == CANCELLED:
                yield {status: ticket.reason}
                return
            watching.started = watching.clock()  # The clock starts with the training, not the line.
            yield {status: watching.status(), download: gr.DownloadButton(visible=False), result: None}
            while True:
                if listening(demo, request):
                    line.touch(ticket)
                if ticket.state == CANCELLED:
                    yield {status: ticket.reason}
                    return
                try:
                    event = ticket.run.events.get(timeout=1.0)
                except queue.Empty:
                    yield {status: watching.status()}  # Elapsed time moves on even between events.
                    continue
                if event["event"] == "error":
                    raise gr.Error(plain(f"Training failed: {event['message']}"), print_exception=False)
                watching.add(event)
                if event["event"] == "done":
                    break
                update = {status: watching.status(), watch: watching.watch_rows()}
                if event["event"] == "epoch":
                    update[accuracy_plot], update[loss_plot] = watching.curves()
                    update[watched_grid], update[watched_addition] = live_grids(watching.grid)
                yield update
            from addition.loading import load_model_folder

            line.touch(ticket)
            archive = zip_folder(ticket.folder, config)
            loaded = load_model_folder(ticket.folder, name="your model")
            label, replaced = models.visitors.add(session_of(request), loaded, ticket.folder,
                                                  f"{settings.get('cell', 'LSTM')}, {config.digits} digits")
            kept = True
        finally:
            line.finish(ticket, keep=kept)  # However it ended, no process or stray folder is left.
        accuracy, loss = watching.curves()
        note = f" It replaced {replaced}: you keep {models.visitors.per_session} at most." if replaced else ""
        network_now, addition_itself = live_grids(watching.grid)
        yield {status: watching.status() + note, accuracy_plot: accuracy, loss_plot: loss, watch: watching.watch_rows(),
               watched_grid: network_now, watched_addition: addition_itself,
               result: watching.summary(label), download: gr.DownloadButton(value=archive, visible=True),
               # Chosen at once, so that the Add tab answers with it (the page is redrawn after this event).
               model_choice: gr.Dropdown(choices=models.labels(session_of(request)), value=label)}

    def stop(request: gr.Request = None) -> str:
        return line.stop(session_of(request))

    @answering
    def publish(model_label, repo_name, oauth_token: gr.OAuthToken | None = None, request: gr.Request = None):
        """Publish the visitor's own trained model to their Hub account, with its model card.
        The name is checked first; the token is used for this request only, never stored or shown."""
        from addition.hub import check_repo_name, push_folder

        folder = models.visitors.folder(session_of(request), model_label) if isinstance(model_label, str) else None
        if folder is None:
            raise ValueError("Only a model you trained here can be published: train one, then pick it in the Model menu.")
        name = check_repo_name(repo_name)
        if oauth_token is None:
            raise ValueError("Sign in with Hugging Face first (the button above), so that the model goes to your account."
                             if parts.on_a_space else
                             "Publishing needs a Hugging Face sign-in, which this app offers when it runs as a Space. "
                             "Here: download the zip, unzip it, and run python push_to_hub.py FOLDER you/REPO.")
        from huggingface_hub import HfApi

        from addition.errors import first_line

        api = HfApi(token=oauth_token.token)
        try:
            username = api.whoami()["name"]
        except Exception:  # Any failure here means the sign-in is not usable.
            raise ValueError("Hugging Face did not accept the sign-in: sign in again.") from None
        repo_id = f"{username}/{name}"
        try:
            push_folder(folder, repo_id, api=api)
        except Exception as error:  # The Hub's errors vary (HTTP, permissions, quota): one line each.
            raise ValueError(f"Publishing to {repo_id} failed: {first_line(error)}") from None
        return f"Published to [{repo_id}](https://huggingface.co/{repo_id}) with its model card."  # A checked id.

    # API callers send any JSON: preprocess=False hands the values over as sent, for the
    # handlers to check and answer in words (Gradio's own checks log a traceback).
    # Every call enters the handler at once (no concurrency limit): a refusal costs
    # milliseconds, and the line itself holds at most one running and MAX_WAITING waiting, so
    # a flood of /train calls never fills Gradio's queue for the sums.
    trained = train_button.click(train, inputs_kwargs=controls, api_name="train", concurrency_limit=None,
                                 preprocess=False,
                                 outputs=[status, accuracy_plot, loss_plot, watch, result, download, model_choice,
                                          watched_grid, watched_addition])
    stop_button.click(stop, outputs=status, api_name="stop_training", queue=False)
    publish_button.click(publish, inputs=[model_choice, repo_name], outputs=publish_status, api_name="publish",
                         preprocess=False)
    return trained


def live_grids(grid: dict | None) -> tuple[str, str]:
    """The watched sum's grids as HTML: the network's (cells that disagree marked), addition's."""
    if not grid:
        return "", ""
    from demo.inside_views import grid_table

    rows, columns = grid["answer_places"], [place or "" for place in grid["question_places"]]
    grids = grid["grids"]
    return (grid_table(grids["counterfactual"], rows, columns, grids["disagreement"],
                       f"the network now, on {grid['question']}"),
            grid_table(grids["oracle"], rows, columns, None, f"addition itself, on {grid['question']}"))


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def queued_status(line: TrainingLine, ticket) -> str:
    place, wait = line.place(ticket), line.estimated_wait(ticket)
    ahead = "the training under way" if place == 1 else f"the training under way and {place - 1} waiting"
    return (f"**Waiting: number {place} in line** behind {ahead} (one at a time, so that answering sums stays "
            f"fast). Yours starts in about {max(1, round(wait / 60))} min; Stop leaves the line.")


def with_share_link(summary: str, details: dict | None, model: str) -> str:
    """The answer with a link that opens the page on this sum and model (read back by
    ``shared_page``); made from the parsed numbers, so nothing typed is echoed into it."""
    if not details:
        return summary
    from urllib.parse import urlencode

    query = urlencode({"sum": f"{details['a']}+{details['b']}", "model": model})
    return f"{summary}\n\n[Share this sum](?{query})"


def shared_page(request, labels: list[str]) -> tuple[str | None, str | None]:
    """(model label, sum) named in the page's address (?sum=999%2B1&model=5+digits), each only
    if it is one the app knows or a sum's characters; anything else is ignored, never echoed."""
    try:
        query = request.query_params
        model, text = query.get("model"), query.get("sum")
    except AttributeError:  # Not called from a page.
        return None, None
    from addition.codec import MAX_QUESTION_CHARS

    model = model if model in labels else None
    text = text if text and len(text) <= MAX_QUESTION_CHARS and set(text) <= set("0123456789+ ") else None
    return model, text


def zip_folder(folder: Path, config) -> str:
    """The model folder as a zip beside it (in the run folder, so freed with it), holding one
    folder that app.py --model, evaluate.py and push_to_hub.py take as it is once unzipped."""
    name = f"addition-{config.digits}digit-{config.cell}"
    path = folder.parent / f"{name}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(folder.iterdir()):
            archive.write(file, f"{name}/{file.name}")
    return str(path)


# The whole app.

CSS = """
.table-scroll { max-width: 100%; overflow-x: auto; }
.digit-probabilities { border-collapse: collapse; font-variant-numeric: tabular-nums; }
.digit-probabilities th, .digit-probabilities td { padding: 4px 6px; text-align: center; min-width: 2.6em; }
.digit-probabilities td { border: 1px solid #e5e7eb; font-size: 0.85em; }
.digit-probabilities td.chosen { outline: 3px solid #111827; outline-offset: -3px; font-weight: 700; }
.digit-probabilities td.truth { outline: 3px dashed #16a34a; outline-offset: -3px; }
.legend { font-size: 0.85em; opacity: 0.8; }
.inside-grid, .inside-states { border-collapse: collapse; font-variant-numeric: tabular-nums; margin-bottom: 8px; }
.inside-grid th, .inside-grid td { padding: 4px 6px; text-align: center; min-width: 2.4em; border: 1px solid #e5e7eb; }
.inside-grid td.disagrees { outline: 3px solid #dc2626; outline-offset: -3px; font-weight: 700; }
.inside-grid td.not-varied { color: #9ca3af; }
.inside-grid caption, .inside-states caption { caption-side: top; text-align: left; font-size: 0.85em; opacity: 0.8; }
.inside-states th, .inside-states td { padding: 2px 4px; font-size: 0.75em; text-align: center; border: 1px solid #f3f4f6; }
.inside-states.compact td { padding: 0; height: 3px; min-width: 2.4em; border: none; }
"""
# On a phone an error toast at the top hides the title and the sum box: show it at the bottom.
# (In the page's head: Gradio scopes `css` to the app's container, and toasts live outside it.)
HEAD = "<style>@media (max-width: 640px) { .toast-wrap { top: auto !important; bottom: 16px !important; } }</style>"
# Gradio 6 takes page styling at launch; the public endpoints are also MCP tools (add_numbers
# is the one for agents: typed, JSON). The rest closes what the app does not use: it takes no
# files (uploads capped at 1 KB), has no public traffic dashboard, and keeps per-session state
# for at most 1,000 sessions (Gradio's default is 10,000).
LAUNCH_OPTIONS = {"css": CSS, "head": HEAD, "max_file_size": "1kb", "enable_monitoring": False,
                  "state_session_capacity": 1_000, "mcp_server": True}


def search_mistakes(loaded):
    """(validation, short-sum and random-sum mistakes): three batched passes."""
    return (views.validation_mistakes(loaded), views.short_sum_mistakes(loaded),
            views.whole_space_mistakes(loaded, count=WHOLE_SPACE_SAMPLE))


def mistakes(models: Models, label: str, session: str | None):
    """A model's mistakes, searched once per model."""
    return models.cached(label, session, "mistakes", search_mistakes)


def build_demo(parts: Parts, first_page: bool = False) -> gr.Blocks:
    models = parts.models

    def model_page(model_label, question="", request: gr.Request = None) -> dict:
        """Everything on the page that depends on the model, by component name; the sum in the
        box is answered again by the new model (or the reason it does not suit it is said)."""
        loaded = models.get(model_label, session_of(request))
        by_carries, by_lengths = views.difficulty_tables(loaded)
        accuracy_curves, loss_curves = views.training_curves(loaded)
        intro, choices = views.mistakes_gallery(loaded, *mistakes(models, model_label, session_of(request)),
                                                WHOLE_SPACE_SAMPLE)
        answer, table, details = views.answer_if_valid(loaded, question)
        answer = with_share_link(answer, details, model_label)
        model_table = views.compare_models(models.catalog.infos())
        # Constructor arguments by component name: the same for the first paint and for updates.
        return {
            "question": {"placeholder": loaded.codec.example, "info": loaded.codec.describe_limits() + ". Press Enter."},
            "examples": {"samples": [[q] for q in views.example_questions(loaded)]},
            "description": {"value": views.describe_model(loaded)},
            "by_carries": {"value": by_carries, "visible": not views.carries_note(by_carries)},
            "carries_note": {"value": views.carries_note(by_carries)}, "by_lengths": {"value": by_lengths},
            "accuracy_curves": {"value": accuracy_curves}, "loss_curves": {"value": loss_curves},
            "mistakes_intro": {"value": intro}, "mistake": {"choices": choices, "value": None, "visible": bool(choices)},
            "answer": {"value": answer}, "table": {"value": table}, "details": {"value": details},
            "score": {"value": ""}, "samples": {"value": None}, "mistake_answer": {"value": ""},
            "mistake_table": {"value": ""}, "model_table": {"value": model_table},
            "inside_question": {"value": loaded.codec.example, "info": loaded.codec.describe_limits() + "."},
        }

    # The default model's page is in the first HTML the browser gets (when asked: it loads a model).
    first = model_page(models.default) if first_page else {}

    with gr.Blocks(title="An LSTM learns to add") as demo:
        gr.Markdown(
            "# An LSTM learns to add\n"
            "A sequence-to-sequence network reads a sum one character at a time and writes the answer "
            "one character at a time. It was never told the rules of addition: it learned them from examples.")
        model_choice = gr.Dropdown(models.labels(), value=models.default, label="Model", elem_id="model",
                                   info="One network per operand length, each trained with train.py (see the README).")
        with gr.Tabs():
            with gr.Tab("Add"):
                page = add_tab(parts, model_choice, first)
            with gr.Tab("How it learns"):
                page |= insight_tab(parts, model_choice, first)
            with gr.Tab("Inside"):
                page |= inside_tab(parts, model_choice, first)
            with gr.Tab("Train"):
                trained = train_tab(parts, model_choice, demo)

        @answering
        def show_page(model_label, question_text, request: gr.Request = None):
            return {page[name]: type(page[name])(**arguments)
                    for name, arguments in model_page(model_label, question_text, request).items()}

        @answering
        def open_page(model_label, question_text, request: gr.Request = None):
            """The first page: the model and sum a shared link names, else the defaults."""
            shared_model, shared_sum = shared_page(request, models.labels(session_of(request)))
            model_label, question_text = shared_model or model_label, shared_sum or question_text
            if not (shared_model or shared_sum) and first:
                return {model_choice: gr.skip()}  # The first paint already shows this page.
            shown = show_page(model_label, question_text, request)
            if shared_sum:
                shown[page["question"]] = gr.Textbox(value=shared_sum, **model_page(model_label)["question"])
            return {**shown, model_choice: model_label}

        def leave(request: gr.Request = None):
            """The visitor closed the page: cancel their training, free their models."""
            parts.line.leave(session_of(request))
            models.visitors.forget(session_of(request))

        demo.load(open_page, inputs=[model_choice, page["question"]], outputs=[*page.values(), model_choice],
                  api_visibility="private")
        # The page follows the menu when the visitor picks a model, and when a training has just
        # chosen theirs (not on the first page's own choice, which already drew it).
        for event in (model_choice.input, trained.then):
            event(show_page, inputs=[model_choice, page["question"]], outputs=list(page.values()),
                  api_visibility="private")
        demo.unload(leave)
    # Each answer is a ~1 ms forward pass: several at once keep the queue short, and the models
    # are safe to call from several threads.
    demo.queue(default_concurrency_limit=8, max_size=256)
    demo.parts = parts  # For main() and the tests.
    return demo


def interrupt(signal_number, frame):
    """SIGTERM as the KeyboardInterrupt that launch() closes on; a second one (a supervisor and
    its child both signalled) is ignored, so as not to interrupt the closing itself."""
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def main(settings) -> None:
    import atexit
    import signal

    from addition.saving import ModelFolderError

    parts = default_parts(settings.model, settings.revision)
    try:
        parts.models.catalog.load_default()  # A bad --model fails here, in one line, before serving.
    except ModelFolderError as error:
        fail(str(error))
    demo = build_demo(parts, first_page=True)
    # Stopped by Ctrl-C or SIGTERM (a Space restarting), the app ends its trainings and deletes
    # every visitor's files: SIGTERM is turned into the KeyboardInterrupt that launch() handles.
    atexit.register(parts.shutdown)
    signal.signal(signal.SIGTERM, interrupt)
    demo.launch(server_name=settings.host, server_port=settings.port, **LAUNCH_OPTIONS)


if __name__ == "__main__":
    main(COMMAND_LINE)
else:
    demo = build_demo(default_parts(os.environ.get("ADDITION_MODEL") or None,
                                    os.environ.get("ADDITION_MODEL_REVISION") or None))
