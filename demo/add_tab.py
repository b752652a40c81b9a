"""The Add tab: type a sum, see the answer marked against Python's addition and each answer
character's probabilities; sample held-out questions. Its handlers are also the API's
``/add``, ``/sample`` and the MCP tool ``add_numbers``."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from urllib.parse import urlencode

import gradio as gr
import numpy as np

from addition.codec import MAX_OPERAND_DIGITS, MAX_QUESTION_CHARS, PLUS, VOCABULARY
from addition.column import ColumnCodec, operand_text

from . import add_views, views
from .callbacks import EXPENSIVE, FairShare, answering, gently, not_an_mcp_tool, session_of
from .models import Models

# The longest sum typed or linked: two of the column network's longest operands, and spaces.
LONGEST_SUM = 2 * ColumnCodec.digits + MAX_QUESTION_CHARS
# What a sum box keeps of a paste: far more than any model reads, so that a sum too long reaches
# the app whole and is refused as too long (the box cuts anything longer, which then is no sum).
BOX_CHARS = 2 * MAX_OPERAND_DIGITS + MAX_QUESTION_CHARS


@dataclass(frozen=True)
class AddPage:
    """What the Add tab shows for one model and the sum in the box."""

    placeholder: str = ""
    hint: str = ""
    examples: tuple = ()
    description: str = ""
    answer: str = ""
    table: str = ""
    details: dict | None = None


def page(loaded, label: str, question: str = "", reader=None, shareable: bool = True) -> AddPage:
    """The Add tab for ``loaded``: the sum in the box answered again by it, or the reason it
    does not suit this model said instead (a 5-digit sum left in the box is not an error of the
    visitor's). ``shareable``: a model everyone has, which a link can name."""
    answer, table, details = views.answer_if_valid(loaded, question, reader)
    return AddPage(
        placeholder=loaded.codec.example,
        hint=loaded.codec.describe_limits() + ". Press Enter.",
        examples=tuple(add_views.example_questions(loaded)),
        description=add_views.describe_model(loaded),
        answer=with_share_link(answer, details, label, shareable),
        table=table,
        details=details,
    )


class AddTab:
    """The tab's components, built inside the page's ``gr.Tab``, with their handlers."""

    def __init__(self, models: Models, model_choice: gr.Dropdown, fair_share: FairShare, first: AddPage | None = None):
        first = first or AddPage()
        with gr.Row():
            with gr.Column(scale=3):
                self.question = gr.Textbox(
                    label="Your sum",
                    max_length=BOX_CHARS,
                    elem_id="question",
                    placeholder=first.placeholder,
                    info=first.hint,
                )
                add_button = gr.Button("Add", variant="primary")
                # Shown only with something in them: no blank gap where the answer goes.
                self.answer = gr.Markdown(first.answer, label="answer", elem_id="answer", visible=bool(first.answer))
                self.table = gr.HTML(
                    first.table, label="probabilities", elem_id="probabilities", visible=bool(first.table)
                )
                with gr.Accordion("Details (JSON)", open=False):
                    self.details = gr.JSON(first.details, label="details")
                # A Dataset, not gr.Examples: its sums change with the model.
                self.examples = gr.Dataset(
                    components=[self.question],
                    type="index",
                    elem_id="examples",
                    label="Try these (carry chains are the hard ones)",
                    samples=[[example] for example in first.examples],
                )
            with gr.Column(scale=2):
                with gr.Accordion("About this model", open=True):
                    self.description = gr.Markdown(first.description, latex_delimiters=[], elem_id="description")
        gr.Markdown("### Held-out validation questions\nQuestions set aside before training: the model never saw them.")
        with gr.Row():
            count = gr.Slider(1, add_views.MAX_SAMPLES, value=10, step=1, label="How many")
            sample_button = gr.Button("Sample validation questions", elem_id="sample-button")
        self.score = gr.Markdown(label="score", elem_id="score")
        self.samples = gr.Dataframe(
            headers=views.MARKED_SUMS_HEADERS,
            datatype=["str", "str", "str", "str"],
            interactive=False,
            wrap=True,  # A long sum wraps in its cell rather than pushing the ☑/☒ column out of view.
            column_widths=views.MARKED_SUMS_WIDTHS,
            label="samples",
            show_label=False,  # The heading above says what they are.
            elem_id="samples",
        )

        @not_an_mcp_tool
        @answering
        def add(question: str, model: str = models.default, request: gr.Request = None):
            """The model's answer to a typed sum: (Markdown with a link that opens this sum, the
            per-digit probability table in HTML, details as JSON)."""
            summary, probabilities, details = views.answer_question(models.get(model, session_of(request)), question)
            return with_share_link(summary, details, model, models.offered_to_all(model)), probabilities, details

        def clear_answer():
            """Empties the answer first, so that an error never sits under the previous sum's answer."""
            return gr.Markdown("", visible=False), gr.HTML("", visible=False), None

        @answering
        def answer_on_page(question: str, model: str, request: gr.Request = None):
            """The page's answer: a sum the model cannot read is said where the answer goes, and
            stays until the next sum, naming a model that can read it."""
            loaded = models.get(model, session_of(request))
            if not (question or "").strip():  # Add pressed on an empty box: say what it wants.
                empty = views.refusal(ValueError(f"Please type a sum, like {loaded.codec.example}."))
                return gr.Markdown(empty, visible=True), gr.HTML("", visible=False), None
            reader = functools.partial(models.reader_for, shown=model)
            summary, probabilities, details = views.answer_if_valid(loaded, question, reader)
            summary = with_share_link(summary, details, model, models.offered_to_all(model))
            return (
                gr.Markdown(summary, visible=bool(summary)),
                gr.HTML(probabilities, visible=bool(probabilities)),
                details,
            )

        @not_an_mcp_tool
        @answering
        def sample(count, model: str = models.default, request: gr.Request = None):
            with fair_share.turn(request, "a sample of questions"):
                session = session_of(request)
                return gently(
                    lambda: add_views.sample_validation(models.get(model, session), count, np.random.default_rng())
                )

        @answering
        def show_example(index, model_label, request: gr.Request = None):
            return add_views.example_questions(models.get(model_label, session_of(request)))[index]

        @answering
        def add_numbers(a: int | str, b: int | str, model: str = models.default, request: gr.Request = None) -> str:
            """Add two whole numbers with a neural network that learned addition from examples, and
            check its answer against real addition. The network can be wrong: use it to see what it
            learned, not as a calculator.

            Args:
                a: A whole number within the model's digits (1,000 for Any length); as a string, exact.
                b: The second whole number, within the same limit.
                model: Which network: "2 digits" to "5 digits", or "Any length (column LSTM)".
            Returns:
                JSON: answer and true_answer (digit strings), correct (answer is a + b), confidence
                (0 to 1), model.
            """
            operands = {}  # Each operand's digits, each named in its refusal, not a sum made of the two.
            for name, value in (("a", a), ("b", b)):
                text = value.strip() if isinstance(value, str) else None
                if isinstance(value, bool) or not isinstance(value, (int, str)) or (text is not None and not text):
                    raise ValueError(f"{name} must be a whole number, like 535, or its digits as a string.")
                if (text is not None and not (text.isascii() and text.isdigit())) or (text is None and value < 0):
                    raise ValueError(f"{name} must be a whole number of 0 or more, written with the digits 0-9 only.")
                digits = text if text is not None else operand_text(value)  # A long int's digits, too.
                operands[name] = digits.lstrip("0") or "0"  # Leading zeros add no digit to the sum.
            loaded = models.get(model, session_of(request))
            for name, digits in operands.items():
                if len(digits) > loaded.codec.digits:
                    raise ValueError(f"{name} has {len(digits):,} digits. {loaded.codec.describe_limits()}.")
            _, _, details = views.answer_question(loaded, "+".join(operands.values()))
            return json.dumps(
                {
                    "answer": details["model_answer"],
                    "correct": details["correct"],
                    # As a string, like the answer, whichever network: a long sum's digits stay exact.
                    "true_answer": str(details["true_answer"]),
                    "confidence": details["confidence"],
                    "model": model,
                }
            )

        gr.api(add_numbers, api_name="add_numbers")
        answer_outputs = [self.answer, self.table, self.details]
        # A sum asked while the last is being answered is answered next, with what the box and the
        # menu say then (Gradio's default drops it, leaving the last answer under the new sum).
        answered = {"api_visibility": "private", "trigger_mode": "always_last"}
        # API callers send any JSON: preprocess=False hands the values over as sent, for the
        # handlers to check and answer in words (Gradio's own checks log a traceback).
        gr.on(
            [self.question.submit, add_button.click],
            clear_answer,
            outputs=answer_outputs,
            api_visibility="private",
            queue=False,
        ).then(answer_on_page, inputs=[self.question, model_choice], outputs=answer_outputs, **answered)
        # The API's /add says why a sum is refused as an error, as API callers expect.
        gr.Button(visible=False).click(
            add, inputs=[self.question, model_choice], outputs=answer_outputs, api_name="add", preprocess=False
        )
        self.sampling = sample_button.click(  # Cancelled by a model picked: its rows would be the old model's.
            sample,
            inputs=[count, model_choice],
            outputs=[self.score, self.samples],
            api_name="sample",
            preprocess=False,
            concurrency_id=EXPENSIVE,  # Up to a hundred questions: not in the sums' way.
            concurrency_limit=1,
        )
        self.examples.click(
            show_example, inputs=[self.examples, model_choice], outputs=self.question, api_visibility="private"
        ).then(answer_on_page, inputs=[self.question, model_choice], outputs=answer_outputs, **answered)

    @property
    def outputs(self) -> list:
        return [
            self.question,
            self.examples,
            self.description,
            self.answer,
            self.table,
            self.details,
            self.score,
            self.samples,
        ]

    def show(self, shown: AddPage, question: str | None = None) -> dict:
        """The updates that show ``shown``; ``question`` also puts a sum in the box."""
        box = {"placeholder": shown.placeholder, "info": shown.hint}
        return {
            self.question: gr.Textbox(**box) if question is None else gr.Textbox(value=question, **box),
            self.examples: gr.Dataset(samples=[[example] for example in shown.examples]),
            self.description: gr.Markdown(shown.description),
            self.answer: gr.Markdown(shown.answer, visible=bool(shown.answer)),
            self.table: gr.HTML(shown.table, visible=bool(shown.table)),
            self.details: gr.JSON(shown.details),
            self.score: gr.Markdown(""),
            self.samples: gr.Dataframe(None),
        }


def with_share_link(summary: str, details: dict | None, model: str, shareable: bool = True) -> str:
    """The answer with a link that opens the page on this sum and model (read back by
    ``shared_page``); made from the parsed numbers, so nothing typed is echoed into it. A
    visitor's own model is theirs alone: no other page has it, so no link names it."""
    if not details or not shareable:
        return summary
    query = urlencode({"sum": f"{details['a']}+{details['b']}", "model": model})
    return f"{summary}\n\n[Share this sum](?{query})"


def shared_page(request, labels: list[str], shown: str) -> tuple[str | None, str | None, list[str]]:
    """(model label, sum, what was wrong with the link) from the page's address
    (?sum=999%2B1&model=5+digits): the model only if the app has it (else ``shown``), the sum
    only if it is made of a sum's characters; what is refused is said in words, never echoed back."""
    try:
        query = request.query_params
        model, text = query.get("model"), query.get("sum")
    except AttributeError:  # Not called from a page.
        return None, None, []
    problems = []
    if model is not None and model not in labels:
        model = None
        problems.append(f"This link names a model this app does not have; it shows {shown} instead.")
    if text is not None and PLUS not in text and re.fullmatch(r" *\d+ +\d+ *", text):
        text = PLUS.join(text.split())  # A + typed into an address arrives as a space: 99+1 reads "99 1".
    if text is not None and not (text and set(text) <= set(VOCABULARY)):
        text = None
        problems.append("This link's sum could not be read: a sum is digits and one +, like 999+1.")
    elif text is not None and len(text) > LONGEST_SUM:
        text = None
        problems.append(
            f"This link's sum is too long: no model here adds numbers of more than {ColumnCodec.digits:,} digits."
        )
    return model, text, problems
