"""The "How it learns" tab: the model's mistakes by number of carries and operand lengths, its
training curves, a gallery of the sums it gets wrong, and every bundled model compared."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr
import pandas as pd

from . import views
from .callbacks import answering, session_of
from .models import Models

WHOLE_SPACE_SAMPLE = 50_000  # Random sums searched for mistakes, once per model.


@dataclass(frozen=True)
class LearnPage:
    """What the tab shows for one model."""

    by_carries: pd.DataFrame | None = None
    carries_note: str = ""
    by_lengths: pd.DataFrame | None = None
    accuracy_curves: pd.DataFrame | None = None
    loss_curves: pd.DataFrame | None = None
    mistakes_intro: str = ""
    mistakes: tuple = ()  # (label, sum) choices of the gallery.
    model_table: pd.DataFrame | None = None


def page(models: Models, loaded, label: str, session: str | None = None) -> LearnPage:
    by_carries, by_lengths = views.difficulty_tables(loaded)
    accuracy_curves, loss_curves = views.training_curves(loaded)
    intro, choices = views.mistakes_gallery(loaded, *mistakes(models, label, session), WHOLE_SPACE_SAMPLE)
    return LearnPage(
        by_carries=by_carries,
        carries_note=views.carries_note(by_carries),
        by_lengths=by_lengths,
        accuracy_curves=accuracy_curves,
        loss_curves=loss_curves,
        mistakes_intro=intro,
        mistakes=tuple(choices),
        model_table=views.compare_models(models.catalog.infos()),
    )


def search_mistakes(loaded):
    """(validation, short-sum and random-sum mistakes): three batched passes."""
    return (
        views.validation_mistakes(loaded),
        views.short_sum_mistakes(loaded),
        views.whole_space_mistakes(loaded, count=WHOLE_SPACE_SAMPLE),
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
                    elem_id="by-carries",
                    visible=not first.carries_note,
                )
                self.carries_note = gr.Markdown(first.carries_note, elem_id="carries-note")
            self.by_lengths = gr.Dataframe(
                first.by_lengths, interactive=False, label="By operand lengths (digits of a + digits of b)"
            )
        with gr.Row():
            self.accuracy_curves = gr.LinePlot(
                first.accuracy_curves,
                x="epoch",
                y="accuracy %",
                color="metric",
                title="Whole answers right per epoch (%)",
                elem_id="accuracy-curves",
            )
            self.loss_curves = gr.LinePlot(
                first.loss_curves, x="epoch", y="loss", color="metric", title="Loss per epoch"
            )
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
            "### Every model: more digits, same network\nThe same 128-unit LSTMs trained for 2 to 5 "
            "digits, scored when training ended (the training commands are in the README)."
        )
        self.model_table = gr.Dataframe(
            first.model_table,
            interactive=False,
            elem_id="model-table",
            label="Whole answers wrong, counted, on held-out questions and on random "
            "sums; characters right on held-out questions",
        )

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

    @property
    def outputs(self) -> list:
        return [
            self.by_carries,
            self.carries_note,
            self.by_lengths,
            self.accuracy_curves,
            self.loss_curves,
            self.mistakes_intro,
            self.mistake,
            self.mistake_answer,
            self.mistake_table,
            self.model_table,
        ]

    def show(self, shown: LearnPage) -> dict:
        return {
            self.by_carries: gr.BarPlot(shown.by_carries, visible=not shown.carries_note),
            self.carries_note: gr.Markdown(shown.carries_note),
            self.by_lengths: gr.Dataframe(shown.by_lengths),
            self.accuracy_curves: gr.LinePlot(shown.accuracy_curves),
            self.loss_curves: gr.LinePlot(shown.loss_curves),
            self.mistakes_intro: gr.Markdown(shown.mistakes_intro),
            self.mistake: gr.Dropdown(choices=list(shown.mistakes), value=None, visible=bool(shown.mistakes)),
            self.mistake_answer: gr.Markdown(""),
            self.mistake_table: gr.HTML(""),
            self.model_table: gr.Dataframe(shown.model_table),
        }
