"""The "Inside the network" tab's views: ``inside.explain``'s JSON rendered as HTML, Markdown
and DataFrames. Pure functions, no Gradio; every label from the data is escaped, every table
wrapped in ``<div class="table-scroll">`` so that a phone scrolls the table, not the page.
"""

from __future__ import annotations

import html

import pandas as pd

DISAGREES = "≠"  # Marks a cell where the network's counterfactual is not addition's.
POSITIVE, NEGATIVE = "249, 115, 22", "59, 130, 246"  # Orange and blue, as RGB for rgba().
HEATMAP_TOP_UNITS = 8  # Units drawn large in a state heat map: the strongest carry units.


def label(char) -> str:
    """A character as a header: the padding space shown as ␣, everything escaped."""
    return "␣" if char == " " else html.escape(str(char))


def _shade(value: float) -> str:
    """A cell's background: orange for positive, blue for negative, opacity |value|."""
    colour = POSITIVE if value >= 0 else NEGATIVE
    return f"background: rgba({colour}, {min(abs(value), 1.0):.3f})"


def grid_table(
    grid: dict, row_places: list, column_places: list, disagreement: dict | None = None, caption: str = ""
) -> str:
    """One dependency grid as a heat map: rows the answer characters, columns the typed question
    (both reading order), each headed by its character and place; True/False masks shade as
    1/0 and show ✓; cells where ``disagreement`` is true get class "disagrees" and a ≠."""
    header = "".join(
        f'<th title="{html.escape(place or "")}">{label(char)}<br><small>{html.escape(place or "")}</small></th>'
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
            text = "✓" if isinstance(value, bool) and value else ("" if isinstance(value, bool) else f"{number:.2f}")
            text += f" {DISAGREES}" if flagged else ""
            cells.append(f'<td class="{classes}" style="{_shade(number)}" title="{number:.2f}">{text}</td>')
        body.append(f"<tr><th>{label(char)} <small>{html.escape(place)}</small></th>{''.join(cells)}</tr>")
    caption_html = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return (
        f'<div class="table-scroll"><table class="inside-grid">{caption_html}<thead><tr><th>answer \\ question</th>'
        f"{header}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def grids_html(explained: dict) -> dict[str, str]:
    """Every grid of ``explain()`` as a table, the counterfactual marked where it disagrees."""
    rows, columns = _places(explained)
    network, addition = dependency_tables(
        explained, "the network: share of digit swaps that change this character", "addition: the same, with Python's +"
    )
    return {
        "counterfactual": network,
        "oracle": addition,
        "attribution": grid_table(
            explained["grids"]["attribution"],
            rows,
            columns,
            None,
            "|gradient x input| of the chosen character, row maximum 1",
        ),
    }


def dependency_tables(explained: dict, network_caption: str, addition_caption: str) -> tuple[str, str]:
    """The network's counterfactual grid (cells that disagree with addition marked) and
    addition's, as two tables: from ``inside.explain`` or ``inside.dependency_grids``."""
    rows, columns = _places(explained)
    grids = explained["grids"]
    return (
        grid_table(grids["counterfactual"], rows, columns, grids["disagreement"], network_caption),
        grid_table(grids["oracle"], rows, columns, None, addition_caption),
    )


def _places(explained: dict) -> tuple[list, list]:
    return explained["answer_places"], [place or "" for place in explained["question_places"]]


def _state_cell(value: float, text: str, title: str = "") -> str:
    title_attribute = f' title="{title}"' if title else ""
    return f'<td style="{_shade(value)}"{title_attribute}>{text}</td>'


def state_heatmap(state: dict, highlight: list | None = None, top_units: int = HEATMAP_TOP_UNITS) -> str:
    """A recurrent layer's states, units x steps: the ``highlight`` units (e.g. the strongest
    carry units) drawn large with their values, then every unit as one thin unlabelled row."""
    steps = "".join(f"<th>{label(char)}</th>" for char in state["steps"])
    values = state["values"]
    chosen = [unit for unit in (highlight or []) if 0 <= unit < len(values)][:top_units]
    large = "".join(
        f"<tr><th>unit {unit}</th>{''.join(_state_cell(v, f'{v:+.2f}') for v in values[unit])}</tr>" for unit in chosen
    )
    order = state.get("order") or list(range(len(values)))  # Decoders: the carry's closest followers first.
    thin = "".join(
        f'<tr class="thin">{"".join(_state_cell(v, "") for v in values[unit])}</tr>' for unit in order
    )  # No titles: 128 units x steps of them would weigh the page.
    name = html.escape(state["layer"])
    return (
        f'<div class="table-scroll"><table class="inside-states"><caption>{name}: {len(values)} units, '
        f"one column per step</caption><thead><tr><th>step</th>{steps}</tr></thead><tbody>{large}</tbody>"
        f'</table><table class="inside-states compact"><caption>{name}: every unit'
        f"{', the closest followers of the carry first' if state.get('order') else ''}</caption>"
        f"<tbody>{thin}</tbody></table></div>"
    )


def states_html(explained: dict) -> str:
    """The encoder, then each decoder layer, each decoder layer's carry units drawn large."""
    states = explained["states"]
    parts = [state_heatmap(states["encoder"], [])]
    for layer in states["decoder"]:
        units = [unit["unit"] for unit in explained["carry_units"] if unit["layer"] == layer["layer"]]
        parts.append(state_heatmap(layer, units))
    return "".join(parts)


def probe_frame(probe: dict | None) -> pd.DataFrame:
    """Probe accuracy per answer place beside always guessing the more common carry, in %."""
    columns = ["carry into", "probe accuracy %", "majority baseline %", "gain (points)"]
    if not probe:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(
        [
            [place, round(100 * accuracy, 1), round(100 * baseline, 1), round(100 * (accuracy - baseline), 1)]
            for place, accuracy, baseline in zip(probe["places"], probe["accuracy"], probe["baseline"])
        ],
        columns=columns,
    )


def what_to_look_at(explained: dict) -> dict[str, str]:
    """One or two sentences in Markdown per part of the tab, read from the sum's own figures."""
    grids = explained["grids"]
    disagreeing = sum(value for row in grids["disagreement"]["values"] for value in row)
    question = html.escape(explained["question"])
    verdict = (
        f"Here the network agrees with addition in every cell for {question}."
        if not disagreeing
        else f"Here {disagreeing} cell(s) for {question} disagree with addition, marked {DISAGREES}."
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
    if units:
        strongest = ", ".join(
            f"{html.escape(u['layer'])} unit {u['unit']} (r = {u['correlation']:+.2f})" for u in units
        )
        text["carry_units"] = (
            f"The units whose state best follows the carry into the column being written: "
            f"{strongest}. A correlation near ±1 would be a carry flag; smaller ones mean the "
            f"carry is spread over many units."
        )
    if explained["probe"]:
        text["probe"] = (
            "A straight line through the decoder's state, fitted on half the held-out questions, "
            "reads the carry into each column of the other half; beating the baseline means the "
            "carry is there, linearly."
        )
    return text
