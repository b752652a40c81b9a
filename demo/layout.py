"""The whole page: a title, the Model menu, the four tabs, and how the page follows the menu."""

from __future__ import annotations

import dataclasses
import functools
import threading
from dataclasses import dataclass, field

import gradio as gr

from . import add_tab, inside_tab, learn_tab, views
from .add_tab import AddTab, shared_page
from .callbacks import EXPENSIVE, PICKS, FairShare, answering, session_of
from .inside_tab import InsideTab
from .learn_tab import LearnTab
from .models import Models
from .train_tab import TrainTab
from .training_queue import TrainingQueue


@dataclass
class Parts:
    """What the app is built from: passed to ``build_demo``, so that a test can build the app
    with stand-ins (a scripted queue, its own folders)."""

    models: Models
    training_queue: TrainingQueue
    training_seconds: float  # Wall-time cap of one visitor's run.
    on_a_space: bool
    # Behind a Space's proxy a visitor's address is the one it appends to X-Forwarded-For.
    behind_proxy: bool = False
    workers: object = None  # The TrainingWorkers the queue starts runs in (a stand-in's runs need none).
    fair_share: FairShare = field(init=False)

    def __post_init__(self):
        self.fair_share = FairShare(behind_proxy=self.behind_proxy)

    def shutdown(self) -> None:
        """End every training and delete every visitor's files (the app is stopping)."""
        self.training_queue.shutdown()
        if self.workers is not None:
            self.workers.close()
        self.models.visitors.clear()


@dataclass(frozen=True)
class Pages:
    """What the tabs that follow the Model menu show for one model (the Train tab does not)."""

    add: add_tab.AddPage
    learn: learn_tab.LearnPage
    inside: inside_tab.InsidePage


def pages_for(
    models: Models, label: str, question: str = "", session: str | None = None, inside_question: str = ""
) -> Pages:
    """The pages for model ``label``: the Add tab answering ``question`` (the sum in its box), the
    Inside tab drawing ``inside_question`` (its box's) when this model reads it."""
    learned, looked = other_pages_for(models, label, session, inside_question)
    return Pages(add_page_for(models, label, question, session), learned, looked)


def add_page_for(models: Models, label: str, question: str = "", session: str | None = None) -> add_tab.AddPage:
    loaded = models.get(label, session)
    reader = functools.partial(models.reader_for, shown=label)
    return add_tab.page(loaded, label, question, reader, models.offered_to_all(label))


def other_pages_for(
    models: Models, label: str, session: str | None = None, inside_question: str = ""
) -> tuple[learn_tab.LearnPage, inside_tab.InsidePage]:
    """How it learns and Inside: a model's first drawing searches its mistakes and its carry."""
    loaded = models.get(label, session)
    return learn_tab.page(models, loaded, label, session), inside_tab.page_for_pick(
        models, loaded, label, session, inside_question
    )


class DrawnPages:
    """Per page (a session): the model and sum it was last drawn for, once drawn. Gradio's Dropdown
    sends one pick from the menu as two identical events (and one when the menu is opened and
    left without a pick). Drawing a page a second time for the same model and sum costs seconds
    and lands late: over the answer to a sum typed since, and resetting what the visitor did
    since (a sample, a look inside, a mistake picked). So the menu's events skip what is already
    drawn: picking the model shown again leaves the page as it is. (Two are kept: the Add tab's,
    with its sum, and the other tabs', for their model alone.)"""

    def __init__(self):
        self._drawn: dict[str, tuple[str, str]] = {}
        self._lock = threading.Lock()

    def shows(self, session: str | None, label: str, question: str) -> bool:
        """Whether ``session``'s page was last drawn for ``label`` and ``question``."""
        with self._lock:
            return session is not None and self._drawn.get(session) == (label, question)

    def note(self, session: str | None, label: str, question: str) -> None:
        """``session``'s page is now drawn for ``label`` and ``question`` (noted once it is)."""
        if session is not None:
            with self._lock:
                self._drawn[session] = (label, question)

    def label(self, session: str | None) -> str | None:
        """The model ``session``'s page was last drawn for, or None."""
        with self._lock:
            return self._drawn.get(session, (None, None))[0]

    def forget(self, session: str | None) -> None:
        with self._lock:
            self._drawn.pop(session, None)


def build_demo(parts: Parts, first_page: bool = False) -> gr.Blocks:
    """The app. With ``first_page`` the default model's page is in the first HTML the browser
    gets (it loads that model, so a test that only calls the API leaves it out)."""
    models = parts.models
    first = pages_for(models, models.default) if first_page else None
    with gr.Blocks(title="An LSTM learns to add") as demo:
        gr.Markdown(
            "# An LSTM learns to add\n"
            "A sequence-to-sequence network reads a sum one character at a time and writes the answer "
            "one character at a time. It was never told the rules of addition: it learned them from examples."
        )
        model_choice = gr.Dropdown(
            models.labels(),
            value=models.default,
            label="Model",
            elem_id="model",
            info="A keras-io network per operand length, and a column network for any length, each trained "
            "with train.py (see the README).",
        )
        with gr.Tabs():
            with gr.Tab("Add"):
                add = AddTab(models, model_choice, parts.fair_share, first and first.add)
            with gr.Tab("How it learns"):
                learn = LearnTab(models, model_choice, first and first.learn)
            with gr.Tab("Inside"):
                inside = InsideTab(models, model_choice, parts.fair_share, first and first.inside)
            with gr.Tab("Train"):
                train = TrainTab(parts, model_choice, demo)
        other_outputs = [*learn.outputs, *inside.outputs]
        outputs = [*add.outputs, *other_outputs]
        drawn, drawn_others = DrawnPages(), DrawnPages()

        def page_updates(model_label, question, inside_question, session, shared_sum=None, notes: str = "") -> dict:
            """Every tab's updates; ``shared_sum`` put in the Add tab's box, ``notes`` (HTML) above its answer."""
            shown = pages_for(models, model_label, question, session, inside_question)
            drawn.note(session, model_label, question)
            drawn_others.note(session, model_label, "")
            answered = shown.add
            if notes:  # A blank line between: the notes' HTML block would otherwise swallow the answer.
                answered = dataclasses.replace(answered, answer=f"{notes}\n\n{answered.answer}")
            return {**add.show(answered, shared_sum), **learn.show(shown.learn), **inside.show(shown.inside)}

        @answering
        def show_page(model_label, question, inside_question, request: gr.Request = None):
            return page_updates(model_label, question, inside_question, session_of(request))

        @answering
        def show_picked_page(model_label, question, request: gr.Request = None):
            """The Add tab for the model picked in the menu, unless it already shows it; the other
            tabs follow (``show_picked_others``), so that the answer does not wait for a model's
            first search of its mistakes. (The two events of one pick run one after the other in
            their group: the second finds the first's page noted; a pick whose model failed to
            load is not noted, and is tried again when picked again.)"""
            session = session_of(request)
            if drawn.shows(session, model_label, question):
                return {component: gr.skip() for component in add.outputs}
            updates = add.show(add_page_for(models, model_label, question, session))
            drawn.note(session, model_label, question)
            return updates

        @answering
        def show_picked_others(model_label, inside_question, request: gr.Request = None):
            """How it learns and Inside for the model the Add tab shows: after a quick second pick,
            the one that tab was last drawn for (so that every tab ends on one model, and a model
            left behind is not searched); skipped when they show it already."""
            session = session_of(request)
            model_label = drawn.label(session) or model_label
            if drawn_others.shows(session, model_label, ""):
                return {component: gr.skip() for component in other_outputs}
            learned, looked = other_pages_for(models, model_label, session, inside_question)
            drawn_others.note(session, model_label, "")
            updates = {**learn.show(learned), **inside.show(looked)}
            if looked.question == inside_question:  # Its sum kept: what was typed there since stays too.
                updates[inside.question] = gr.Textbox(info=looked.hint)
            return updates

        @answering
        def open_page(model_label, question, inside_question, request: gr.Request = None):
            """The first page: the model and sum a shared link names, else the defaults."""
            shared_model, shared_sum, problems = shared_page(request, models.labels(session_of(request)), model_label)
            if not (shared_model or shared_sum or problems) and first:
                drawn.note(session_of(request), model_label, question)
                drawn_others.note(session_of(request), model_label, "")
                return {model_choice: gr.skip()}  # The first paint already shows this page.
            model_label, question = shared_model or model_label, shared_sum or question
            inside_question = shared_sum or ""  # A link's sum in both boxes; else the model's example inside.
            notes = "".join(views.refusal(problem) for problem in problems)  # Kept above the answer.
            updates = page_updates(model_label, question, inside_question, session_of(request), shared_sum, notes)
            return {**updates, model_choice: model_label}

        def leave(request: gr.Request = None):
            """The visitor closed the page: cancel their training, free their models."""
            try:
                parts.training_queue.leave(session_of(request))
                models.visitors.forget(session_of(request))
            finally:
                drawn.forget(session_of(request))
                drawn_others.forget(session_of(request))

        # A model's page searches its mistakes the first time: in the group that cannot crowd out sums.
        expensive = {"api_visibility": "private", "concurrency_id": EXPENSIVE, "concurrency_limit": 1}
        page_inputs = [model_choice, add.question, inside.question]  # The model, and each tab's sum.
        learn.recolor_plots_after(
            demo.load(open_page, inputs=page_inputs, outputs=[*outputs, model_choice], **expensive)
        )
        # The page follows the menu when the visitor picks a model (drawn once per pick; a pick
        # made while one is drawn is drawn next, the last one only), and when a training has just
        # chosen theirs (not on the first page's own choice, which already drew it).
        picks = {"api_visibility": "private", "concurrency_id": PICKS, "concurrency_limit": 1}
        picked = model_choice.input(
            show_picked_page,
            inputs=[model_choice, add.question],
            outputs=add.outputs,
            trigger_mode="always_last",
            cancels=[add.sampling],  # A sample still running is the old model's: it would land under the new one.
            **picks,
        ).success(
            show_picked_others,
            inputs=[model_choice, inside.question],
            outputs=other_outputs,
            trigger_mode="always_last",  # Not "once": a pick made while they are drawn would be dropped.
            **expensive,
        )
        learn.recolor_plots_after(picked)
        learn.recolor_plots_after(train.trained.then(show_page, inputs=page_inputs, outputs=outputs, **expensive))
        demo.unload(leave)
    # Each answer is one short forward pass: several at once keep the queue short, and the
    # models are safe to call from several threads.
    demo.queue(default_concurrency_limit=8, max_size=256)
    return demo
