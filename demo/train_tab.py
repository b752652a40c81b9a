"""The Train tab: a visitor picks the settings, presses Train, and watches their own network learn
(curves, ten held-out sums turning from ☒ to ☑, one sum's dependency grid taking addition's
shape), epoch by epoch. The run happens in a worker process (``worker``), in turn with other
visitors' (``training_queue``); the model then joins the Model menu for that visitor only.
Its handlers are also the API's ``/train``, ``/stop_training`` and ``/publish``."""

from __future__ import annotations

import queue
import zipfile
from pathlib import Path

import gradio as gr

from addition.config import CELLS
from addition.evaluation import plural
from addition.loading import load_model_folder

from . import inside_views, train_progress, train_settings
from .callbacks import answering, listening, not_an_mcp_tool, person_error, session_of, visitor_of
from .training_queue import CANCELLED, WAITING, TrainingQueue
from .views import MARKED_SUMS_HEADERS, MARKED_SUMS_WIDTHS


class TrainTab:
    def __init__(self, parts, model_choice: gr.Dropdown, demo: gr.Blocks):
        self.parts, self.models, self.training_queue = parts, parts.models, parts.training_queue
        self.model_choice, self.demo = model_choice, demo
        gr.Markdown(
            "Pick the settings, press **Train**, and watch a network go from nonsense to addition: the "
            "curves grow and the held-out sums below turn from ☒ to ☑. "
            f"{at_once(self.training_queue.trainers)} here, the others waiting in line "
            f"(at most {self.training_queue.max_waiting}; two at a time from one network address, so a class "
            f"behind one router takes turns), each for at most "
            f"{plural(round(parts.training_seconds / 60), 'minute')}. Your model then joins the "
            f"Model menu, for you only (up to {self.models.visitors.per_session} of them), until you leave or "
            f"{round(self.models.visitors.idle_seconds / 60)} minutes pass unused. "
            f"{train_settings.measured_time()}",
            elem_id="train-intro",
        )
        # The network first on the page; last among the API's inputs, which keep their order.
        network, *others = sorted(train_settings.SETTINGS, key=lambda setting: setting.name != "architecture")
        architecture = setting_control(network)
        controls = {}
        for row in range(0, len(others), 3):
            with gr.Row():
                for setting in others[row : row + 3]:
                    controls[setting.name] = setting_control(setting)
        controls[network.name] = architecture

        def defaults_for(architecture):
            """Picking a network sets the other controls to its defaults (the column network's
            fit the tab's time and show long sums being learnt) and greys out what it does not use."""
            states = train_settings.controls_for(architecture)
            return [gr.update(**states[name]) for name in controls if name != "architecture"]

        controls["architecture"].input(
            defaults_for,
            inputs=controls["architecture"],
            outputs=[control for name, control in controls.items() if name != "architecture"],
            api_visibility="private",
            queue=False,
        )
        # The page opens on the default network: its Digits slider ends where that network's digits do.
        opening_digits = train_settings.controls_for(train_settings.DEFAULTS["architecture"])["digits"]
        demo.load(
            lambda: gr.Slider(maximum=opening_digits["maximum"]),
            outputs=controls["digits"],
            api_visibility="private",
            queue=False,
            show_progress="hidden",
        )
        with gr.Row():
            train_button = gr.Button("Train", variant="primary", elem_id="train-button")
            stop_button = gr.Button("Stop", elem_id="stop-button")
        self.status = gr.Markdown(label="status", elem_id="train-status")
        with gr.Row():
            self.accuracy_plot = gr.LinePlot(
                x="epoch",
                y="accuracy %",
                color="metric",
                title="Whole answers right per epoch (%)",
                label="accuracy",
                show_label=False,
                elem_id="train-accuracy",
            )
            self.loss_plot = gr.LinePlot(
                x="epoch",
                y="loss",
                color="metric",
                title="Loss per epoch",
                label="loss",
                show_label=False,
                elem_id="train-loss",
            )
        self.watch = gr.Dataframe(
            headers=MARKED_SUMS_HEADERS,
            datatype=["str", "number", "str", "str"],
            interactive=False,
            label="Ten held-out questions, answered after every epoch",
            wrap=True,  # As the Add tab's samples: the ☑/☒ column stays in view on a phone.
            column_widths=MARKED_SUMS_WIDTHS,
            max_height=900,  # All ten rows in view, wrapped on a phone, without a scroll inside the table.
            elem_id="watch",
        )
        gr.Markdown(
            "**Watch the pattern form:** after every epoch, how often each answer digit of the first "
            "watched sum changes when one question digit does: the network's, then addition's own beside it "
            "(below it on a phone)."
        )
        with gr.Row(elem_classes="side-by-side"):
            self.watched_grid = gr.HTML(label="network grid", elem_id="watched-grid")
            self.watched_addition = gr.HTML(label="addition grid", elem_id="watched-addition")
        self.download = gr.DownloadButton("Download the model folder (zip)", visible=False, elem_id="download")
        with gr.Accordion("Result (JSON)", open=False):
            self.result = gr.JSON(label="result")
        gr.Markdown(
            "#### Publish to the Hugging Face Hub\n"
            + (
                "Sign in, pick your model in the Model menu, name the repo, and publish: it goes to your "
                "account with its model card."
                if parts.on_a_space
                else "Publishing from this page needs a Hugging Face sign-in, which works when the app runs as a "
                "Space. Here: download the zip above, unzip it, and run `python push_to_hub.py FOLDER you/REPO` "
                "with your token in `HF_TOKEN`."
            )
        )
        # Off a Space there is no sign-in, so no button that could only fail (the API's /publish
        # stays, for a caller with a token).
        with gr.Row(visible=parts.on_a_space):
            if parts.on_a_space:  # Gradio's sign-in needs a Space.
                gr.LoginButton()
            repo_name = gr.Textbox(value="addition-lstm", label="Repo name", max_length=96)
            publish_button = gr.Button("Publish", elem_id="publish-button")
        publish_status = gr.Markdown(label="publish status")

        # API callers send any JSON: preprocess=False hands the values over as sent, for the
        # handlers to check and answer in words (Gradio's own checks log a traceback).
        # Every call enters the handler at once (no concurrency limit): a refusal costs
        # milliseconds, and the queue itself holds at most its trainers running and max_waiting waiting,
        # so a flood of /train calls never fills Gradio's queue for the sums.
        self.trained = train_button.click(
            self.train,
            inputs_kwargs=controls,
            api_name="train",
            concurrency_limit=None,
            preprocess=False,
            # The status line says how the run goes: no spinner over the outputs, and a refusal is
            # its message alone, not an "Error" over the Model menu and every chart.
            show_progress="hidden",
            outputs=[
                self.status,
                self.accuracy_plot,
                self.loss_plot,
                self.watch,
                self.result,
                self.download,
                model_choice,
                self.watched_grid,
                self.watched_addition,
            ],
        )
        stop_button.click(self.stop, outputs=self.status, api_name="stop_training", queue=False)
        publish_button.click(
            self.publish,
            inputs=[model_choice, repo_name],
            outputs=publish_status,
            api_name="publish",
            preprocess=False,
        )

    @not_an_mcp_tool
    def train(self, request: gr.Request = None, profile: gr.OAuthProfile | None = None, **settings):
        """Train a network with the visitor's settings, streaming its progress; at the end it
        joins the Model menu for this visitor only. A generator: Gradio sends each yield on."""
        try:
            config = train_settings.training_config(**settings)
            visitor = visitor_of(request, profile, self.parts.behind_proxy)
            ticket = self.training_queue.join(visitor, config)
        except ValueError as error:
            raise person_error(error) from None
        watching = train_progress.TrainingProgress(config, limit_seconds=self.parts.training_seconds)
        kept = False
        try:
            yield from self._wait_for_a_turn(ticket, request)
            if ticket.state == CANCELLED:
                return
            watching.started = watching.clock()  # The clock starts with the training, not the wait.
            yield {  # The run before's results go: a run stopped before its first epoch leaves none of its own.
                self.status: watching.status(),
                self.download: gr.DownloadButton(visible=False),
                self.result: None,
                self.accuracy_plot: None,
                self.loss_plot: None,
                self.watch: watching.watch_rows(),
                self.watched_grid: "",
                self.watched_addition: "",
            }
            yield from self._follow(ticket, watching, request)
            if ticket.state == CANCELLED:
                return
            if not watching.result["epochs_run"]:  # Stopped before a whole epoch: nothing to keep.
                yield {self.status: watching.status()}
                return
            self.training_queue.touch(ticket)
            archive = zip_folder(ticket.folder, config)
            loaded = load_model_folder(ticket.folder, name="your model")
            label, replaced = self.models.visitors.add(visitor, loaded, ticket.folder, describe_run(config))
            kept = True
        finally:
            self.training_queue.finish(ticket, keep=kept)  # However it ended, no process or stray folder is left.
        accuracy, loss = watching.curves()
        note = f" It replaced {replaced}: you keep {self.models.visitors.per_session} at most." if replaced else ""
        network_now, addition_itself = live_grids(watching.grid)
        yield {
            self.status: watching.status() + note,
            self.accuracy_plot: accuracy,
            self.loss_plot: loss,
            self.watch: watching.watch_rows(),
            self.watched_grid: network_now,
            self.watched_addition: addition_itself,
            self.result: watching.summary(label),
            self.download: gr.DownloadButton(value=archive, visible=True),
            # Chosen at once, so that the Add tab answers with it (the page is redrawn after this event).
            self.model_choice: gr.Dropdown(choices=self.models.labels(session_of(request)), value=label),
        }

    def _wait_for_a_turn(self, ticket, request):
        """Updates while the ticket waits; says why when it is cancelled before it starts."""
        while ticket.state == WAITING:
            if listening(self.demo, request):
                self.training_queue.touch(ticket)
            yield {self.status: queued_status(self.training_queue, ticket)}
            self.training_queue.wait(ticket, 1.0)
        if ticket.state == CANCELLED:
            yield {self.status: ticket.reason}

    def _follow(self, ticket, watching, request):
        """Updates from the run's events until it is done (or cancelled, said in words)."""
        while True:
            if listening(self.demo, request):
                self.training_queue.touch(ticket)
            if ticket.state == CANCELLED:
                yield {self.status: ticket.reason}
                return
            try:
                event = ticket.run.events.get(timeout=1.0)
            except queue.Empty:
                yield {self.status: watching.status(ticket.stop_requested)}  # Time moves on between events.
                continue
            if event["event"] == "error":
                raise person_error(ValueError(f"Training failed: {event['message']}"))
            watching.add(event)
            if event["event"] == "done":
                return
            update = {self.status: watching.status(ticket.stop_requested), self.watch: watching.watch_rows()}
            if event["event"] == "epoch":
                update[self.accuracy_plot], update[self.loss_plot] = watching.curves()
                update[self.watched_grid], update[self.watched_addition] = live_grids(watching.grid)
            yield update

    @not_an_mcp_tool
    def stop(self, request: gr.Request = None) -> str:
        return self.training_queue.stop(session_of(request))

    @not_an_mcp_tool
    @answering
    def publish(self, model_label, repo_name, oauth_token: gr.OAuthToken | None = None, request: gr.Request = None):
        """Publish the visitor's own trained model to their Hub account, with its model card.
        The name is checked first; the token is used for this request only, never stored or shown."""
        from addition.errors import first_line
        from addition.hub import check_repo_name, push_folder

        folder = self.models.visitors.folder(session_of(request), model_label) if isinstance(model_label, str) else None
        if folder is None:
            raise ValueError(
                "Only a model you trained here can be published: train one, then pick it in the Model menu."
            )
        name = check_repo_name(repo_name)
        if oauth_token is None:
            raise ValueError(
                "Sign in with Hugging Face first (the button above), so that the model goes to your account."
                if self.parts.on_a_space
                else "Publishing needs a Hugging Face sign-in, which this app offers when it runs as a Space. "
                "Here: download the zip, unzip it, and run python push_to_hub.py FOLDER you/REPO."
            )
        from huggingface_hub import HfApi

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


def at_once(trainers: int) -> str:
    return "One training runs at once" if trainers == 1 else f"{trainers} trainings run at once"


def setting_control(setting: train_settings.Setting):
    """The Train tab's control for one row of ``SETTINGS``."""
    options = {
        "label": setting.label,
        "value": setting.default,
        "info": setting.info,
        "elem_id": f"{setting.name.replace('_', '-')}-setting",
    }
    if setting.choices is not None:
        return gr.Radio(list(setting.choices), **options)
    if isinstance(setting.default, bool):
        return gr.Checkbox(**options)
    low, high = setting.limits
    if high - low > 1000:  # A slider cannot pick one of 100,000 values: type it.
        return gr.Number(precision=0, minimum=low, maximum=high, **options)
    return gr.Slider(low, high, step=setting.step, **options)


def live_grids(grid: dict | None) -> tuple[str, str]:
    """The watched sum's grids as HTML: the network's (cells that disagree marked), addition's."""
    if not grid:
        return "", ""
    return inside_views.dependency_tables(
        grid, f"the network now, on {grid['question']}", f"addition itself, on {grid['question']}"
    )


def queued_status(training_queue: TrainingQueue, ticket) -> str:
    place, wait = training_queue.place(ticket), training_queue.estimated_wait(ticket)
    trainers = training_queue.trainers
    running = "the training under way" if trainers == 1 else "the trainings under way"
    ahead = running if place == 1 else f"{running} and {place - 1} waiting"
    pace = "one at a time" if trainers == 1 else f"{trainers} at a time on this machine"
    return (
        f"**Waiting: number {place} in line** behind {ahead} ({pace}, so that answering sums stays "
        f"fast). Yours starts {'in under a minute' if wait < 60 else f'in about {round(wait / 60)} min'}; "
        "Stop leaves the line."
    )


def describe_run(config) -> str:
    """A visitor's model as the Model menu names it: "LSTM, 2 digits", "column GRU, any length"."""
    cell = CELLS[config.cell]
    return (
        f"column {cell}, any length" if config.architecture == "column" else f"{cell}, {plural(config.digits, 'digit')}"
    )


def zip_folder(folder: Path, config) -> str:
    """The model folder as a zip beside it (in the run folder, so freed with it), holding one
    folder that app.py --model, evaluate.py and push_to_hub.py take as it is once unzipped."""
    reads = "column" if config.architecture == "column" else f"{config.digits}digit"
    name = f"addition-{reads}-{config.cell}"
    path = folder.parent / f"{name}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(folder.iterdir()):
            archive.write(file, f"{name}/{file.name}")
    return str(path)
