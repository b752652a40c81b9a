"""The Inside tab: what each answer digit depends on, beside what addition's own depends on; the
network's states; where it keeps the carry. Its handler is also the API's ``/explain``."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from addition import inside

from . import inside_views, views
from .callbacks import EXPENSIVE, FairShare, answering, session_of
from .models import Models


@dataclass(frozen=True)
class InsidePage:
    """What the tab shows for one model before anything is asked: its example sum in the box."""

    question: str = ""
    hint: str = ""


def page(loaded) -> InsidePage:
    return InsidePage(question=loaded.codec.example, hint=loaded.codec.describe_limits() + ".")


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
                first.question, label="A sum to look inside", info=first.hint, max_length=200, elem_id="inside-question"
            )
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
        probe = gr.Dataframe(
            interactive=False, label="Reading the carry with a straight line (a linear probe)", elem_id="probe"
        )
        gr.Markdown(
            '### Reversed or not\nThe keras-io example reverses the question because it "introduces '
            'shorter term dependencies between source and target". The same grid for a network that '
            "reads the question the other way:"
        )
        other_intro = gr.Markdown(elem_id="other-intro")
        other_grid = gr.HTML(elem_id="other-grid")

        def explained(question, model_label, request):
            with fair_share.turn(request, "a look inside"):
                loaded = models.get(model_label, session_of(request))
                return loaded, explain_for(models, loaded, model_label, session_of(request), question)

        @answering
        def look_inside(question, model_label, request: gr.Request = None):
            loaded, result = explained(question, model_label, request)
            words, grids = inside_views.what_to_look_at(result), inside_views.grids_html(result)
            other_words, other_html = compare_reversal(models, loaded, question, session_of(request))
            return {
                grids_intro: words["grids"],
                network_grid: grids["counterfactual"],
                addition_grid: grids["oracle"],
                attribution_intro: words["attribution"],
                attribution_grid: grids["attribution"],
                states_intro: words["states"],
                states: inside_views.states_html(result),
                carry_intro: words.get("carry_units", "") + " " + words.get("probe", ""),
                probe: inside_views.probe_frame(result["probe"]),
                other_intro: other_words,
                other_grid: other_html,
            }

        @answering
        def explain(question: str, model: str = models.default, request: gr.Request = None) -> dict:
            """Look inside the neural network that learned addition, for one sum: which question
            digits each answer digit depends on, beside what addition itself depends on, and where
            the network keeps the carry.

            Args:
                question: A sum of two whole numbers, like "999+1", within the model's digits.
                model: Which network: "2 digits", "3 digits", "4 digits" or "5 digits".
            Returns:
                JSON: question, model_answer, true_answer, correct; grids (counterfactual: how often
                each answer character changes when one question digit does; oracle: the same for
                exact addition; disagreement), each {"rows", "columns", "values"} in reading order;
                the states (units x steps), the carry units and the probe's accuracy per column.
            """
            return explained(question, model, request)[1]

        outputs = [
            grids_intro,
            network_grid,
            addition_grid,
            attribution_intro,
            attribution_grid,
            states_intro,
            states,
            carry_intro,
            probe,
            other_intro,
            other_grid,
        ]
        gr.on(
            [inside_button.click, self.question.submit],
            look_inside,
            inputs=[self.question, model_choice],
            outputs=outputs,
            api_visibility="private",
            preprocess=False,
            concurrency_id=EXPENSIVE,  # Many forward and backward passes: not in the sums' way.
            concurrency_limit=1,
        )
        gr.Button(visible=False).click(
            explain,
            inputs=[self.question, model_choice],
            outputs=gr.JSON(visible=False),
            api_name="explain",
            preprocess=False,
            concurrency_id=EXPENSIVE,
            concurrency_limit=1,
        )

    @property
    def outputs(self) -> list:
        return [self.question]

    def show(self, shown: InsidePage) -> dict:
        return {self.question: gr.Textbox(shown.question, info=shown.hint)}


def explain_for(models: Models, loaded, label: str, session, question: str) -> dict:
    """``inside.explain`` with the model's carry units and probe, computed once per model."""

    def survey(model):
        return (
            inside.rank_carry_units(model.model, model.codec, model.validation_pairs),
            inside.train_probe(model.model, model.codec, model.validation_pairs),
        )

    carry_units, probe = models.cached(label, session, "inside", survey)
    return inside.explain(loaded.model, loaded.codec, question, carry_units, probe)


def compare_reversal(models: Models, loaded, question: str, session) -> tuple[str, str]:
    """The counterfactual grid of the same sum from a model that reads the question the other
    way, with the same digits: the visitor's own, else the bundled ones (and the illustration)."""
    wanted = not loaded.codec.reverse
    for label, other in models.counterparts(loaded.codec.digits, wanted, session, loaded.codec.zero_pad):
        try:
            result = inside.explain(other.model, other.codec, question)
        except ValueError:
            continue
        order = "reversed" if wanted else "in reading order"
        padding = (
            ""
            if other.codec.zero_pad == loaded.codec.zero_pad
            else f" It also writes the numbers {'with' if other.codec.zero_pad else 'without'} leading zeros, "
            f"so its columns differ."
        )
        return (
            f"**{views.as_text(label)}** reads the question {order}: compare where its dependencies fall." + padding,
            inside_views.grids_html(result)["counterfactual"],
        )
    order = "reversed" if wanted else "in reading order"
    return (
        f"No {loaded.codec.digits}-digit model here reads the question {order}. Train one in the Train tab "
        f'with "Reverse the question" {"on" if wanted else "off"}, or pick the 3-digit model.',
        "",
    )
