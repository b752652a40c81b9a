"""The "How it learns" tab: the model's mistakes by number of carries and operand lengths, its
training curves, a gallery of the sums it gets wrong, and every bundled model compared."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr
import pandas as pd

from addition.config import lengths_trained, trained_range_label

from . import learn_views, views
from .callbacks import answering, session_of
from .models import Models

WHOLE_SPACE_SAMPLE = 50_000  # Random sums drawn to search for mistakes, once per model (a repeat searched once).


@dataclass(frozen=True)
class LearnPage:
    """What the tab shows for one model."""

    by_carries: pd.DataFrame | None = None
    carries_note: str = ""
    by_lengths: pd.DataFrame | None = None
    by_lengths_label: str = "By operand lengths (digits of a + digits of b)"
    accuracy_curves: pd.DataFrame | None = None
    loss_curves: pd.DataFrame | None = None
    curves_note: str = ""  # The curves' values in words when one epoch draws no line (the plots then hidden).
    mistakes_intro: str = ""
    mistakes: tuple = ()  # (label, sum) choices of the gallery.
    model_table: pd.DataFrame | None = None
    lesson: pd.DataFrame | None = None  # Whole answers by operand length: the column network beside a keras-io one.
    lesson_note: str = ""


COLUMN_CARRIES_NOTE = "The column network's held-out sums are counted by their length, in the table beside."
LESSON_NOTE = (
    "**Why one network is stuck at its width and the other is not.** The keras-io network squeezes the whole "
    "question into one vector, and its input has room for just so many digits: a longer sum it cannot even read "
    "(0% here). The column network reads one column per step, units first, both numbers' digits together, so "
    "each answer digit meets its own column and the carry from the one below: the alignment that the best "
    "published results had to learn or engineer (Abacus embeddings, McLeish et al. 2024; Position Coupling, "
    "Cho et al. 2024; the Neural GPU, Kaiser & Sutskever 2015) is handed to it by the format. Trained on numbers "
    "of {trained}, it is tested here on {per_length} random sums of each length, up to 10,000 digits."
)


def page(models: Models, loaded, label: str, session: str | None = None) -> LearnPage:
    by_carries, by_lengths = learn_views.difficulty_tables(loaded)
    accuracy_curves, loss_curves = learn_views.training_curves(loaded)
    intro, choices = learn_views.mistakes_gallery(loaded, *mistakes(models, label, session))
    return LearnPage(
        by_carries=by_carries,
        carries_note=learn_views.carries_note(by_carries) if loaded.architecture != "column" else COLUMN_CARRIES_NOTE,
        by_lengths=by_lengths,
        by_lengths_label=lengths_heading(loaded),
        accuracy_curves=accuracy_curves,
        loss_curves=loss_curves,
        curves_note=learn_views.one_epoch_note(accuracy_curves, loss_curves),
        mistakes_intro=intro,
        mistakes=tuple(choices),
        model_table=learn_views.compare_models(models.catalog.infos()),
        **lesson(models, loaded, label, session),
    )


def lesson(models: Models, loaded, label: str, session: str | None) -> dict:
    """The lesson chart's data and note: this model beside its counterpart of the other kind (the
    column network beside a keras-io one, which is the default model), each measured once."""
    column = next((entry.label for entry in models.catalog.entries if entry.architecture == "column"), None)
    if column is None:
        return {}
    compared = [label, column] if loaded.architecture != "column" else [models.default, label]
    curves, column_trained = [], ""
    for name in compared:
        model = models.get(name, session)
        found = models.cached(name, session, "lengths", learn_views.accuracy_by_length)
        settings = model.info.get("training", {})
        yours = ", yours" if name in models.visitors.labels(session) else ""  # Not the bundled one.
        if model.architecture == "column":
            legend, column_trained = column_names(settings)
            curves.append((legend + yours, found))
        else:  # Short names, for a phone's legend; a network still learning is not the finished one.
            epoch = model.info.get("snapshot_epoch")
            curves.append((f"keras-io, {model.codec.digits} digits{f', epoch {epoch}' if epoch else yours}", found))
    note = LESSON_NOTE.format(trained=column_trained, per_length=learn_views.SUMS_PER_LENGTH)
    return {"lesson": learn_views.length_chart(curves), "lesson_note": note}


def column_names(settings: dict) -> tuple[str, str]:
    """A column network in the lesson: its short name in the chart's legend (a phone's width) and
    the lengths it trained on in words, from its recorded settings ("1-20" and "1 to 20 digits";
    "3" and "3 digits" for a run on one length)."""
    low, high = settings["min_digits"], settings["max_digits"]  # Checked by the folder's loader.
    return f"column, trained {lengths_trained(low, high, short=True)}", lengths_trained(low, high)


def lengths_heading(loaded) -> str:
    """The by-lengths table's heading: a keras-io model's rows are "digits of a + digits of b";
    the column network's are each number's length, first its training lengths ("1-20"), then one
    length at a time ("10", "1000")."""
    if loaded.architecture != "column":
        return LearnPage.by_lengths_label
    settings = loaded.info["training"]
    trained = trained_range_label(settings["min_digits"], settings["max_digits"])  # Its held-out row's label.
    return f"By operand length (each number's digits: {trained} as it trained, then one length at a time)"


def search_mistakes(loaded):
    """(validation, short-sum and random-sum mistakes, how many random sums were searched): three
    batched passes."""
    return (
        learn_views.validation_mistakes(loaded),
        learn_views.short_sum_mistakes(loaded),
        *learn_views.whole_space_mistakes(loaded, count=WHOLE_SPACE_SAMPLE),
    )


def mistakes(models: Models, label: str, session: str | None):
    """A model's mistakes, searched once per model."""
    return models.cached(label, session, "mistakes", search_mistakes)


class LearnTab:
    def __init__(self, models: Models, model_choice: gr.Dropdown, first: LearnPage | None = None):
        first = first or LearnPage()
        gr.Markdown("Whole-answer mistakes on the held-out validation questions, by difficulty.")
        with gr.Row():
            with gr.Column():
                self.by_carries = gr.BarPlot(
                    first.by_carries,
                    x="carries",
                    y="wrong per 10,000",
                    title="Wrong answers by number of carries",
                    y_lim=[0, None],  # Bars start at zero, or a bar of 750 beside one of 1,000 looks empty.
                    elem_id="by-carries",
                    visible=not first.carries_note,
                )
                self.carries_note = gr.Markdown(first.carries_note, elem_id="carries-note")
            self.by_lengths = gr.Dataframe(first.by_lengths, interactive=False, label=first.by_lengths_label)
        with gr.Row():
            self.accuracy_curves = gr.LinePlot(
                first.accuracy_curves,
                color_map=views.series_colors(first.accuracy_curves, "metric"),
                x="epoch",
                y="accuracy %",
                color="metric",
                title="Whole answers right per epoch (%)",
                elem_id="accuracy-curves",
                visible=not first.curves_note,  # One epoch draws an empty frame: its values are in words.
            )
            self.loss_curves = gr.LinePlot(
                first.loss_curves,
                color_map=views.series_colors(first.loss_curves, "metric"),
                x="epoch",
                y="loss",
                color="metric",
                title="Loss per epoch",
                elem_id="loss-curves",
                visible=not first.curves_note,
            )
        # Not the plots' caption: a caption in a plot's update makes Gradio draw its previous data.
        self.curves_note = gr.Markdown(first.curves_note, elem_id="curves-note", visible=bool(first.curves_note))
        self.mistakes_intro = gr.Markdown(first.mistakes_intro)
        self.mistake = gr.Dropdown(
            label="A sum the model gets wrong",
            elem_id="mistakes",
            choices=list(first.mistakes),
            value=None,
            visible=bool(first.mistakes),
        )
        self.mistake_answer = gr.Markdown()
        self.mistake_table = gr.HTML()
        mistake_details = gr.JSON(visible=False)
        gr.Markdown(
            "### Every model\nThe keras-io networks for 2 to 5 digits (LSTMs; their sizes are in the README) and the "
            "column network, scored when training ended (the training commands are in the README)."
        )
        self.model_table = gr.Dataframe(
            first.model_table,
            interactive=False,
            wrap=True,  # Long counts wrap in their cell: the last column stays in the frame,
            column_widths=["210px", "110px", "100px", "240px", "130px", "400px"],  # and no heading breaks.
            elem_id="model-table",
            label="Questions trained on (drawn afresh each epoch, counted each time); whole answers wrong, "
            "counted, on held-out questions and on random sums; characters right on held-out questions",
        )
        gr.Markdown("### Longer than it learned")
        self.lesson = gr.LinePlot(
            first.lesson,
            color_map=views.series_colors(first.lesson, "network"),
            x="digits",
            y="whole answers %",
            color="network",
            sort=[learn_views.length_label(length) for length in learn_views.LENGTHS],
            title="Whole answers right (%) by length",  # Short enough for a phone's chart.
            x_title="digits in each number (random sums)",
            x_label_angle=-45,  # Fourteen lengths side by side on a phone.
            elem_id="lesson",
        )
        self.lesson_note = gr.Markdown(first.lesson_note, elem_id="lesson-note")

        @answering
        def show_mistake(question, model_label, request: gr.Request = None):
            if not question:  # The dropdown was cleared.
                return "", "", None
            return views.answer_question(models.get(model_label, session_of(request)), question)

        self.mistake.change(
            show_mistake,
            inputs=[self.mistake, model_choice],
            outputs=[self.mistake_answer, self.mistake_table, mistake_details],
            api_visibility="private",
        )

    def recolor_plots_after(self, event) -> None:
        """After ``event`` has shown another model's page, each line plot gets its series' colours
        (``views.series_colors``), in an update of their own: Gradio draws a plot afresh when its
        colours change, from the data it holds then, so the new data must already be there."""
        plots = {self.accuracy_curves: "metric", self.loss_curves: "metric", self.lesson: "network"}

        def recolor(*shown):  # Each plot's data as the page holds it: {"columns", "data", ...}, or None.
            frames = [None if data is None else pd.DataFrame(data["data"], columns=data["columns"]) for data in shown]
            return [
                gr.LinePlot(color_map=views.series_colors(frame, series))
                for frame, series in zip(frames, plots.values())
            ]

        event.then(recolor, inputs=list(plots), outputs=list(plots), api_visibility="private", queue=False)

    @property
    def outputs(self) -> list:
        return [
            self.by_carries,
            self.carries_note,
            self.by_lengths,
            self.accuracy_curves,
            self.loss_curves,
            self.curves_note,
            self.mistakes_intro,
            self.mistake,
            self.mistake_answer,
            self.mistake_table,
            self.model_table,
            self.lesson,
            self.lesson_note,
        ]

    def show(self, shown: LearnPage) -> dict:
        return {
            self.by_carries: gr.BarPlot(shown.by_carries, visible=not shown.carries_note),
            self.carries_note: gr.Markdown(shown.carries_note),
            self.by_lengths: gr.Dataframe(shown.by_lengths, label=shown.by_lengths_label),
            self.accuracy_curves: gr.LinePlot(shown.accuracy_curves, visible=not shown.curves_note),
            self.loss_curves: gr.LinePlot(shown.loss_curves, visible=not shown.curves_note),
            self.curves_note: gr.Markdown(shown.curves_note, visible=bool(shown.curves_note)),
            self.mistakes_intro: gr.Markdown(shown.mistakes_intro),
            self.mistake: gr.Dropdown(choices=list(shown.mistakes), value=None, visible=bool(shown.mistakes)),
            self.mistake_answer: gr.Markdown(""),
            self.mistake_table: gr.HTML(""),
            self.model_table: gr.Dataframe(shown.model_table),
            self.lesson: gr.LinePlot(shown.lesson),
            self.lesson_note: gr.Markdown(shown.lesson_note),
        }
