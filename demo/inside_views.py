"""The "Inside the network" tab's views: ``inside.explain``'s JSON rendered as HTML, Markdown
and DataFrames. Pure functions, no Gradio; every label from the data is escaped, every table
wrapped in ``<div class="table-scroll">`` so that a phone scrolls the table, not the page.
"""

from __future__ import annotations

import html

from addition.evaluation import plural, shown_answer
from addition.inside import DISAGREEMENT

from .views import char_label

DISAGREES = "≠"  # Marks a cell where the network's counterfactual is not addition's.
POSITIVE, NEGATIVE = "249, 115, 22", "59, 130, 246"  # Orange and blue, as RGB for rgba().
SHOWN_UNITS = 12  # Units drawn in a state map, the most telling first; the others are folded.
# Place values as a phone's narrow columns show them.
SHORT_PLACES = {
    "units": "1",
    "tens": "10",
    "hundreds": "10²",
    "thousands": "10³",
    "ten thousands": "10⁴",
    "hundred thousands": "10⁵",
    "millions": "10⁶",
    "ten millions": "10⁷",
    "hundred millions": "10⁸",
    "billions": "10⁹",
    "padding": "␣",
}


SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def place_label(place) -> str:
    """A place value under a character: its name on a wide screen, a power of ten on a phone
    (past the billions, a power of ten on both: "10^29" written 10²⁹, as the phone's 10⁹)."""
    if not place:
        return ""
    place = written_place(place)
    short = SHORT_PLACES.get(place, place)
    return (
        f'<small class="wide-only">{html.escape(place)}</small><small class="narrow-only">{html.escape(short)}</small>'
    )


def written_place(place: str) -> str:
    """A place's name as a page writes it: "tens", and past the names a power of ten, 10²⁹."""
    return "10" + place[3:].translate(SUPERSCRIPTS) if place.startswith("10^") else place


def _shade(value: float) -> str:
    """A cell's background: orange for positive, blue for negative, opacity |value|."""
    colour = POSITIVE if value >= 0 else NEGATIVE
    return f"background: rgba({colour}, {min(abs(value), 1.0):.3f})"


def grid_table(
    grid: dict, row_places: list, column_places: list, disagreement: dict | None = None, caption: str = ""
) -> str:
    """One dependency grid as a heat map: rows the answer characters, columns the typed question
    (both reading order), each headed by its character and place; cells where ``disagreement`` is
    true get class "disagrees" and a ≠."""
    header = "".join(
        f'<th title="{html.escape(place or "")}">{char_label(char)}<br>{place_label(place)}</th>'
        for char, place in zip(grid["columns"], column_places)
    )
    body = []
    for row, (char, place) in enumerate(zip(grid["rows"], row_places)):
        cells = []
        for column, value in enumerate(grid["values"][row]):
            flagged = disagreement is not None and disagreement["values"][row][column]
            classes = "disagrees" if flagged else ""
            if value is None:  # The +: never varied.
                cells.append(f'<td class="not-varied {classes}" title="not a digit">·</td>')
                continue
            number = float(value)
            text = f"{number:.2f} {DISAGREES}" if flagged else f"{number:.2f}"
            cells.append(f'<td class="{classes}" style="{_shade(number)}" title="{number:.2f}">{text}</td>')
        body.append(f"<tr><th>{char_label(char)} {place_label(place)}</th>{''.join(cells)}</tr>")
    caption_html = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return (
        f'<div class="table-scroll"><table class="inside-grid">{caption_html}<thead><tr><th>answer \\ question</th>'
        f"{header}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def grids_html(explained: dict) -> dict[str, str]:
    """Every grid of ``explain()`` as a table, the counterfactual marked where it disagrees."""
    columns = _places(explained)[1]
    network, addition = dependency_tables(
        explained, "the network: share of digit swaps that change this character", "addition: the same, with Python's +"
    )
    return {
        "counterfactual": network,
        "oracle": addition,
        # The column network has no gradient view here: its grid is enough to read at any length.
        "attribution": grid_table(
            explained["grids"]["attribution"],
            explained["model_answer_places"],
            columns,
            None,
            "|gradient x input| of the chosen character, row maximum 1",
        )
        if "attribution" in explained["grids"]
        else "",
    }


def dependency_tables(explained: dict, network_caption: str, addition_caption: str) -> tuple[str, str]:
    """The network's counterfactual grid (cells that disagree with addition marked) and
    addition's, as two tables: from ``inside.explain`` or ``inside.dependency_grids``."""
    rows, columns = _places(explained)
    grids = explained["grids"]
    return (  # Each grid's rows headed by its own answer's places: the network's may be another length.
        grid_table(
            grids["counterfactual"], explained["model_answer_places"], columns, grids["disagreement"], network_caption
        ),
        grid_table(grids["oracle"], rows, columns, None, addition_caption),
    )


def _places(explained: dict) -> tuple[list, list]:
    return explained["answer_places"], [place or "" for place in explained["question_places"]]


LEGEND = (
    '<div class="state-legend" aria-hidden="true"><span>−1</span><span class="scale"></span><span>+1</span>'
    "<span>each cell: one unit's state after one step (blue negative, orange positive)</span></div>"
)


def signed(value: float, places: int) -> str:
    """``value`` with its sign, to ``places`` decimals; never "-0.0" (adding zero turns a
    negative zero, which rounding a small negative value leaves, into zero)."""
    return f"{round(value, places) + 0.0:+.{places}f}"


def _state_cell(value: float) -> str:
    return f'<td style="{_shade(value)}" title="{signed(value, 3)}">{signed(value, 1)}</td>'


def _state_rows(values: list, units: list, carry_units: dict) -> str:
    rows = []
    for unit in units:
        if unit in carry_units:
            name = (
                f'<span class="wide-only">★ unit {unit} (r {carry_units[unit]:+.2f})</span>'
                f'<span class="narrow-only">★{unit}</span>'
            )
        else:
            name = f'<span class="wide-only">unit {unit}</span><span class="narrow-only">{unit}</span>'
        rows.append(
            f"<tr{' class=carry' if unit in carry_units else ''}><th>{name}</th>"
            f"{''.join(_state_cell(v) for v in values[unit])}</tr>"
        )
    return "".join(rows)


def state_map(
    state: dict,
    carry_units: dict | None = None,
    carries: list | None = None,
    carry_name: str = "carry in",
    shown: int = SHOWN_UNITS,
) -> str:
    """A recurrent layer's states as a map you can read: one column per step, headed by the
    character read or written there, or the column's place value (and, where the carry lives,
    a row ``carry_name`` marking the steps with a carry), one labelled row per unit, the carry
    units (``{unit: correlation}``) marked ★ and first, then the units that change most across
    the steps; the rest folded below."""
    values, carry_units = state["values"], carry_units or {}
    order = state.get("order") or sorted(range(len(values)), key=lambda unit: -_spread(values[unit]))
    units = [unit for unit in carry_units if 0 <= unit < len(values)]
    units += [unit for unit in order if unit not in units]
    header = "".join(f"<th>{char_label(step) if len(step) <= 1 else place_label(step)}</th>" for step in state["steps"])
    carry_row = ""
    if carries is not None:
        marks = "".join(f"<th>{'↑' if carry else ''}</th>" for carry in carries)
        carry_row = f'<tr class="carry-in"><th>{carry_name}</th>{marks}</tr>'
    name = html.escape(state["layer"])
    heading = "writes" if carries is not None and carry_name == "carry in" else "reads"
    head = f"<thead><tr><th>{heading}</th>{header}</tr>{carry_row}</thead>"
    shown_rows = _state_rows(values, units[:shown], carry_units)
    folded = ""
    if len(units) > shown:
        folded = (
            f"<details><summary>The other {len(units) - shown} units of {name}</summary>"
            f'<div class="table-scroll"><table class="state-map folded">{head}'
            f"<tbody>{_state_rows(values, units[shown:], carry_units)}</tbody></table></div></details>"
        )
    return (  # In a box of its own that a phone scrolls: a long sum's map is wider than the screen.
        f'<div class="table-scroll"><table class="state-map"><caption>{name}: {plural(len(values), "unit")}</caption>'
        f"{head}<tbody>{shown_rows}</tbody></table></div>{folded}"
    )


def _spread(row: list) -> float:
    return max(row) - min(row)


def carry_marks(explained: dict) -> tuple[list, str, str]:
    """(per step of the layers that carry: whether a carry is there, the row's name, the words
    for it): for the keras-io decoder, the carry coming into the place it writes; for the column
    network, the carry its column hands on (the state after a step holds it)."""
    if "carries_in" in explained:
        return explained["carries_in"], "carry in", "a carry comes in"
    return explained["carries_out"], "carry out", "its column carries a one on"


def states_html(explained: dict) -> str:
    """The encoder's map, then each decoder layer's (or the column network's layers) with its
    carry units, under one colour legend."""
    states = explained["states"]
    marks, row_name, _ = carry_marks(explained)
    if isinstance(states, dict):  # The keras-io network: an encoder, then decoder layers.
        layers, parts = states["decoder"], [LEGEND, state_map(states["encoder"])]
    else:  # The column network: its layers, one step per column.
        layers, parts = states, [LEGEND]
    for layer in layers:
        carry_units = {
            unit["unit"]: unit["correlation"] for unit in explained["carry_units"] if unit["layer"] == layer["layer"]
        }
        parts.append(state_map(layer, carry_units, marks, row_name))
    return "".join(parts)


def probe_html(probe: dict | None) -> str:
    """The probe's accuracy per column beside always guessing the more common carry, in %."""
    if not probe:
        return ""
    if not probe["places"]:
        return (
            "<p>No probe: too few of the held-out questions differ in the carry into any place to fit a "
            "straight line on half of them and score it on the other half.</p>"
        )
    one_unit = probe.get("one_unit_accuracy")  # The column network's: the best unit alone.
    rows = "".join(
        f"<tr><th>{place_label(place)}</th><td>{100 * accuracy:.1f}</td>"
        + (f"<td>{100 * one_unit[index]:.1f}</td>" if one_unit else "")
        + f"<td>{100 * baseline:.1f}</td><td>{signed(100 * (accuracy - baseline), 1)}</td></tr>"
        for index, (place, accuracy, baseline) in enumerate(zip(probe["places"], probe["accuracy"], probe["baseline"]))
    )
    unit = probe.get("unit")
    one_unit_head = f"<th>unit {unit['unit']} alone %</th>" if one_unit and unit else ""
    return (
        '<table class="probe"><caption>Reading the carry with a straight line (a linear probe), on '
        f"{probe['test_questions']:,} held-out questions it was not fitted on</caption><thead><tr><th>carry into</th>"
        f"<th>probe %</th>{one_unit_head}<th>always guessing %</th><th>gain (points)</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


# A state runs from -1 to 1: readings closer than this, with a carry and without, tell them apart
# too little to point a learner at.
CLEAR_GAP = 0.1


def carry_sentence(explained: dict) -> str:
    """What to look for in the decoder's map for this sum: the strongest carry unit's state at
    the steps whose column receives a carry, against the others."""
    units = explained["carry_units"]
    if not units:
        return ""
    carries, _, words = carry_marks(explained)
    strongest = units[0]
    values = strongest["values"]
    question = html.escape(explained["question"])
    with_carry = [value for value, carry in zip(values, carries) if carry]
    without = [value for value, carry in zip(values, carries) if carry is False]
    name = f"{html.escape(strongest['layer'])}'s ★ unit {strongest['unit']}"
    if not with_carry:
        return (
            f"No column of {question} carries, so {name} stays on one side "
            f"({sum(values) / len(values):+.2f} on average): try 999+1 to see it flip."
        )
    if not without:
        return f"Every column of {question} carries: {name} reads {sum(with_carry) / len(with_carry):+.2f}."
    carried, not_carried = sum(with_carry) / len(with_carry), sum(without) / len(without)
    readings = f"{carried:+.2f} on average where {words} (↑) and {not_carried:+.2f} where none does"
    gap = (carried - not_carried) * (1 if strongest["correlation"] > 0 else -1)  # Its ranking's way round.
    if gap < CLEAR_GAP:  # One sum's few columns against the ranking's many.
        how = "not" if gap <= 0 else "hardly"
        return (
            f"{name} follows the carry best over the held-out questions (r = {strongest['correlation']:+.2f}), but "
            f"{how} in {question}: it reads {readings}. A sum's few columns are a small sample: try 999+1."
        )
    return f"Look at {name}, the one that follows the carry best: in {question} it reads {readings}."


def what_to_look_at(explained: dict) -> dict[str, str]:
    """One or two sentences in Markdown per part of the tab, read from the sum's own figures."""
    grids = explained["grids"]
    disagreeing = sum(value for row in grids["disagreement"]["values"] for value in row)
    question = html.escape(explained["question"])
    written, true = shown_answer(str(explained["model_answer"])), str(explained["true_answer"])
    if explained["correct"]:
        answer = f"For {question} the network writes {html.escape(written)}, the right sum. "
    elif written == true:  # The digits of the sum, a space out of place: a whole answer is every character.
        answer = (
            f"For {question} the network writes the digits of {html.escape(true)} with a space out of place: wrong. "
        )
    else:
        answer = (
            f"For {question} the network writes {html.escape(written)}, which is wrong: "
            f"the sum is {html.escape(true)}. "
        )
    verdict = answer + (
        "Its grid agrees with addition's in every cell."
        if not disagreeing
        else f"{plural(disagreeing, 'cell')} of its grid {'disagrees' if disagreeing == 1 else 'disagree'} with "
        f"addition's, marked {DISAGREES}: where one depends "
        f"on a digit and the other does not, or where the two differ by more than {DISAGREEMENT}."
    )
    text = {
        "grids": (
            "Each row is an answer character, each column a question digit; a cell is how often changing "
            "that digit changes that character. The units digit depends only on the two units digits; "
            "a higher digit also on every column below it while a carry runs through 9s. " + verdict
        ),
        "attribution": (
            "The gradient asks the same question locally: how fast the chosen character's logit moves "
            "with each input character. It is noisier than the swaps: a saturated gate hides a "
            "dependence, so read it beside the counterfactual grid."
        ),
        "states": (
            "The encoder's state after each character it reads (in its reading order), then each decoder "
            "layer's state as it writes each character; orange is positive, blue negative."
        ),
    }
    units = explained["carry_units"]
    column = isinstance(explained["states"], list)  # The column network: one step per column.
    if units:
        strongest = ", ".join(
            f"{html.escape(u['layer'])} unit {u['unit']} (r = {u['correlation']:+.2f})" for u in units
        )
        carry = "a column hands on" if column else "into the column being written"
        text["carry_units"] = (
            f"The units whose state best follows the carry {carry}: "
            f"{strongest}. A correlation near ±1 would be a carry flag; smaller ones mean the "
            f"carry is spread over many units."
        )
    elif explained["probe"] is not None:  # Looked for, and none found.
        text["carry_units"] = (
            "No unit is ranked by how closely it follows the carry: among the held-out questions the carry "
            "into each place never varies (a small training set holds few)."
        )
    probed = bool(explained["probe"] and explained["probe"]["places"])  # A probe fitted on some place.
    if probed:
        text["probe"] = (
            "A straight line through the decoder's state, fitted on half of a sample of held-out questions, "
            "reads the carry into each column of the other half; beating the baseline means the "
            "carry is there, linearly."
        )
    if column:
        text["states"] = (
            "The column network's state after each column it reads (units first), the one it hands to the next "
            "column: all it has to keep is the carry. Orange is positive, blue negative."
        )
        text["attribution"] = ""
        if probed:
            alone = explained["probe"]["unit"]
            text["probe"] = (
                "A straight line through the state handed on, fitted on half of some held-out sums, reads the carry "
                f"into each column of the other half; unit {alone['unit']} alone, the one that follows the carry "
                "best on the fitted half, nearly does too."
            )
            if units and (units[0]["layer"], units[0]["unit"]) != (alone["layer"], alone["unit"]):
                text["probe"] += " (The ★ unit above is ranked on all the sums, the scored half too: it can differ.)"
    return text
