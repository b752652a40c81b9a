"""The Inside tab: what each answer digit depends on, beside what addition's own depends on; the
network's states; where it keeps the carry. Its handler is also the API's ``/explain``."""

from __future__ import annotations

import dataclasses
import functools
import json
from dataclasses import dataclass

import gradio as gr

from addition import carry_units, inside

from . import inside_views, views
from .add_tab import BOX_CHARS
from .callbacks import EXPENSIVE, FairShare, answering, gently, not_an_mcp_tool, session_of
from .models import Models


@dataclass(frozen=True)
class InsidePage:
    """What the tab shows for one sum (the model's example, until the visitor asks another)."""

    question: str = ""
    hint: str = ""
    grids_intro: str = ""
    network_grid: str = ""
    addition_grid: str = ""
    attribution_intro: str = ""
    attribution_grid: str = ""
    states_intro: str = ""
    states: str = ""
    carry_intro: str = ""
    probe: str = ""
    other_intro: str = ""
    other_grid: str = ""


def page(models: Models, loaded, label: str, session: str | None = None, question: str | None = None) -> InsidePage:
    """The tab for ``question`` (by default the model's example sum), as the first page shows it."""
    question = question or loaded.codec.example
    result = explain_for(models, loaded, label, session, question)
    words, grids = inside_views.what_to_look_at(result), inside_views.grids_html(result)
    other_words, other_html = compare_reversal(models, loaded, question, session)
    hint = loaded.codec.describe_limits() + "."
    if loaded.architecture == "column":
        hint = f"The column network: sums of up to {COLUMN_INSIDE_DIGITS} digits are drawn here, like 47+985."
    return InsidePage(
        question=question,
        hint=hint,
        grids_intro=words["grids"],
        network_grid=grids["counterfactual"],
        addition_grid=grids["oracle"],
        attribution_intro=words["attribution"],
        attribution_grid=grids["attribution"],
        states_intro=words["states"],
        states=inside_views.states_html(result),
        carry_intro=" ".join(
            filter(None, [inside_views.carry_sentence(result), words.get("carry_units", ""), words.get("probe", "")])
        ),
        probe=inside_views.probe_html(result["probe"]),
        other_intro=other_words,
        other_grid=other_html,
    )


def page_for_pick(models: Models, loaded, label: str, session: str | None, question: str) -> InsidePage:
    """The tab when a model is picked: the sum in its box again when this model reads it, so that
    two networks can be compared on one sum; else this model's example, saying why."""
    if not question:
        return page(models, loaded, label, session)
    try:
        return page(models, loaded, label, session, question)
    except ValueError as error:  # How the library and the tab refuse a sum that does not suit a model.
        shown = page(models, loaded, label, session)
        # Often a sum left in the box by the model before, not one typed for this one: no reproach.
        left = f"*{views.as_text(question)}, the sum in the box, is not one this model reads: {views.as_text(error)}"
        why = f"{left} Here is its own example.*\n\n"
        return dataclasses.replace(shown, grids_intro=why + shown.grids_intro)


class InsideTab:
    def __init__(
        self, models: Models, model_choice: gr.Dropdown, fair_share: FairShare, first: InsidePage | None = None
    ):
        first = first or InsidePage()
        gr.Markdown(
            "How does the network add? Change one digit of the question at a time and watch which "
            "answer digits change, beside what addition itself would change; then look at its memory "
            "while it reads and writes, and at where it keeps the carry."
        )
        with gr.Row():
            self.question = gr.Textbox(
                first.question,
                label="A sum to look inside",
                info=first.hint,
                max_length=BOX_CHARS,
                elem_id="inside-question",
            )
            inside_button = gr.Button("Look inside", variant="primary", elem_id="inside-button")
        self.grids_intro = gr.Markdown(first.grids_intro, elem_id="inside-intro")
        with gr.Row(elem_classes="side-by-side"):  # Stacked on a phone (style.css).
            self.network_grid = gr.HTML(first.network_grid, elem_id="network-grid")
            self.addition_grid = gr.HTML(first.addition_grid, elem_id="addition-grid")
        # The gradient's grid: the keras-io network's only (hidden, not left blank, for the column one).
        self.attribution_intro = gr.Markdown(first.attribution_intro, visible=bool(first.attribution_grid))
        self.attribution_grid = gr.HTML(
            first.attribution_grid, elem_id="attribution-grid", visible=bool(first.attribution_grid)
        )
        self.states_intro = gr.Markdown(first.states_intro)
        self.states = gr.HTML(first.states, elem_id="states")
        self.carry_intro = gr.Markdown(first.carry_intro, elem_id="carry-intro")
        self.probe = gr.HTML(first.probe, elem_id="probe")
        gr.Markdown(
            '### Reversed or not\nThe keras-io example reverses the question because it "introduces '
            'shorter term dependencies between source and target".'
        )
        self.other_intro = gr.Markdown(first.other_intro, elem_id="other-intro")
        self.other_grid = gr.HTML(first.other_grid, elem_id="other-grid")

        @answering
        def look_inside(question, model_label, request: gr.Request = None):
            """The tab for the visitor's sum; one that does not suit the model is said in the intro."""
            with fair_share.turn(request, "a look inside"):
                session = session_of(request)
                loaded = models.get(model_label, session)
                try:
                    shown = gently(page, models, loaded, model_label, session, question)
                except ValueError as error:  # A sum this model cannot read: said where the grids go.
                    reader = functools.partial(models.reader_for, shown=model_label)
                    shown = InsidePage(grids_intro=views.refusal(error, question, reader))
            return self.show(shown, with_question=False)

        @not_an_mcp_tool  # Agents get the same as JSON text, from ``explain`` below.
        @answering
        def explanation(question: str, model: str = models.default, request: gr.Request = None) -> dict:
            """Look inside the neural network that learned addition, for one sum: which question
            digits each answer digit depends on, beside what addition itself depends on, and where
            the network keeps the carry.

            Args:
                question: A sum of two whole numbers, like "999+1", within the model's digits.
                model: Which network: "2 digits" to "5 digits", or "Any length (column LSTM)".
            Returns:
                JSON: the answer and the true one, the dependency grids, the states, the carry units.
            """
            with fair_share.turn(request, "a look inside"):
                session = session_of(request)
                return gently(lambda: explain_for(models, models.get(model, session), model, session, question))

        def explain(question: str, model: str = models.default, request: gr.Request = None) -> str:
            # The MCP tool (named after this function): Gradio hands a tool's dict to an agent as
            # Python's repr, so the tool returns JSON text, as add_numbers does.
            return json.dumps(explanation(question, model, request), allow_nan=False)

        explain.__doc__ = explanation.__doc__.replace("JSON: the answer", "JSON text: the answer")  # Its description.

        expensive = {"preprocess": False, "concurrency_id": EXPENSIVE, "concurrency_limit": 1}
        gr.on(
            [inside_button.click, self.question.submit],
            look_inside,
            inputs=[self.question, model_choice],
            outputs=self.outputs[1:],  # Not the box: what the visitor typed stays.
            api_visibility="private",
            **expensive,  # Many forward and backward passes: not in the sums' way.
        )
        gr.Button(visible=False).click(
            explanation,
            inputs=[self.question, model_choice],
            outputs=gr.JSON(label="explanation", visible=False),
            api_name="explain",
            **expensive,
        )
        gr.Button(visible=False).click(  # The MCP tool: its name is the function's.
            explain,
            inputs=[self.question, model_choice],
            outputs=gr.Textbox(label="explanation as JSON text", visible=False),
            api_name="explain_json",
            **expensive,
        )

    @property
    def outputs(self) -> list:
        return [
            self.question,
            self.grids_intro,
            self.network_grid,
            self.addition_grid,
            self.attribution_intro,
            self.attribution_grid,
            self.states_intro,
            self.states,
            self.carry_intro,
            self.probe,
            self.other_intro,
            self.other_grid,
        ]

    def show(self, shown: InsidePage, with_question: bool = True) -> dict:
        updates = {
            self.grids_intro: gr.Markdown(shown.grids_intro),
            self.network_grid: gr.HTML(shown.network_grid),
            self.addition_grid: gr.HTML(shown.addition_grid),
            self.attribution_intro: gr.Markdown(shown.attribution_intro, visible=bool(shown.attribution_grid)),
            self.attribution_grid: gr.HTML(shown.attribution_grid, visible=bool(shown.attribution_grid)),
            self.states_intro: gr.Markdown(shown.states_intro),
            self.states: gr.HTML(shown.states),
            self.carry_intro: gr.Markdown(shown.carry_intro),
            self.probe: gr.HTML(shown.probe),
            self.other_intro: gr.Markdown(shown.other_intro),
            self.other_grid: gr.HTML(shown.other_grid),
        }
        if with_question:
            updates[self.question] = gr.Textbox(shown.question, info=shown.hint)
        return updates


# The column network's grid grows with the square of the length: Inside draws sums of up to
# this many digits (the Add tab answers far longer ones).
COLUMN_INSIDE_DIGITS = 30
SURVEY_SUMS = 600  # Held-out sums a column network's carry units and probe are found on.


def explain_for(models: Models, loaded, label: str, session, question: str) -> dict:
    """``inside.explain`` (or ``column_inside.explain``) with the model's carry units and probe,
    computed once per model."""
    if loaded.architecture == "column":
        return explain_column(models, loaded, label, session, question)

    def survey(model):
        try:
            ranked = carry_units.rank_carry_units(model.model, model.codec, model.validation_pairs)
        except ValueError:  # A tiny run's few held-out questions may never differ in a carry: none ranked.
            ranked = None
        return ranked, carry_units.train_probe(model.model, model.codec, model.validation_pairs)

    ranked, probe = models.cached(label, session, "inside", survey)
    return inside.explain(loaded.model, loaded.codec, question, ranked, probe)


def explain_column(models: Models, loaded, label: str, session, question: str) -> dict:
    import numpy as np

    from addition import column_inside
    from addition.column import ColumnCodec
    from addition.column_data import random_sums

    def survey(model):
        # Sums of the lengths it trained on, to the longest Inside draws: a folder's max_digits can
        # be 100,000, and every state of 600 such sums would fill the server's memory.
        longest = min(model.info["training"]["max_digits"], COLUMN_INSIDE_DIGITS)
        sums = random_sums(np.random.default_rng(0), longest, SURVEY_SUMS)
        return column_inside.rank_carry_units(model.model, sums), column_inside.train_probe(model.model, sums, seed=0)

    a, b = loaded.codec.parse_question(question)  # The model's own sentences for what it cannot read.
    if max(len(str(a)), len(str(b))) > COLUMN_INSIDE_DIGITS:
        raise ValueError(
            f"Inside draws sums of up to {COLUMN_INSIDE_DIGITS} digits, where the grid stays readable; "
            f"the Add tab answers sums of up to {loaded.codec.digits:,}."
        )
    ranked, probe = models.cached(label, session, "inside", survey)
    codec = ColumnCodec(digits=COLUMN_INSIDE_DIGITS)
    return column_inside.explain(loaded.model, codec, f"{a}+{b}", ranked, probe)


def compare_reversal(models: Models, loaded, question: str, session) -> tuple[str, str]:
    """The counterfactual grid of the same sum from a model that reads the question the other
    way, with the same digits: the visitor's own, else the bundled ones (and the illustration)."""
    if loaded.architecture == "column":
        return (
            "The column network reads both numbers' digits of one column at each step, units first: there is "
            "no order of the question to reverse, and each answer digit meets its own column directly.",
            "",
        )
    wanted = not loaded.codec.reverse
    layout = loaded.codec.layout
    for label, other in models.counterparts(loaded.codec.digits, wanted, session, layout):
        try:
            result = inside.explain(other.model, other.codec, question)
        except ValueError:
            continue
        differs = (
            ""
            if other.codec.layout == layout
            else " (Its question is laid out differently too: match the digits by their place, units with units.)"
        )
        return (
            f"The same grid for **{views.as_text(label)}**, which reads the question "
            f"{other.codec.describe_question()}: compare where its dependencies fall." + differs,
            inside_views.grids_html(result)["counterfactual"],
        )
    order = "reversed" if wanted else "in reading order"
    return (
        f"No {loaded.codec.digits}-digit model here reads the question {order}. Train one in the Train tab "
        f'with "Reverse the question" {"on" if wanted else "off"}, or pick the 3-digit model.',
        "",
    )
