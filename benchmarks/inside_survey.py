"""What "Inside the network" shows across the bundled models: the figures in docs/lab-notebook.md
("Inside the network").

    python -m benchmarks.inside_survey            # every bundled keras-io model, 200 random sums each
    python -m benchmarks.inside_survey --quick    # 20 sums each (a smoke test)

For each keras-io model folder under models/: how many decoder units follow the carry (|Pearson r| at
two thresholds, and the strongest), the probe's accuracy per place beside the majority
baseline, and over random sums how much of the counterfactual and attribution mass falls on
the cells column addition says should matter, and how many cells disagree with addition.
"""

from __future__ import annotations

import argparse

import numpy as np

from addition import carry_units, inside
from addition.data import sample_whole_space
from addition.loading import load_model_folder
from benchmarks import cpu_model
from demo.launch import MODELS_FOLDER

STRONG = (0.5, 0.8)  # |r| thresholds for "a carry unit".


def should_depend(codec, a: int, b: int) -> np.ndarray:
    """Boolean (answer_length, typed columns): the structure of column addition.

    Answer place k depends on the operands' digits in place k, and on the carry into k. That
    carry is decided by the nearest place below k whose digit sum is not 9 (sum >= 10 carries
    whatever comes in, sum <= 8 never does); places summing to 9 in between pass it on. So k
    depends on places k-1 down to that deciding place, and on nothing below it.
    How the oracle relates: a change can only reach place k along this chain, so the oracle
    is non-zero only where this mask is true (for right-aligned answers). The converse fails:
    in 12+30 the units decide the tens' carry, yet no digit put in place of the 2 makes x+0
    carry, so the oracle is 0 there while the mask is true. Written left-aligned (not
    ``reverse_answer``) the answer moves when its length changes; padding rows then get the next
    place up's mask, and the oracle is the exact truth.
    """
    column_sums = [a // 10**place % 10 + b // 10**place % 10 for place in range(codec.answer_length)]
    places = inside.answer_places(codec, a + b)
    length = len(str(a + b))
    mask = np.zeros((codec.answer_length, len(inside.question_columns(codec, a, b))), dtype=bool)
    for row, place in enumerate(places):
        place = length if place is None else place
        chain, below = {place}, place - 1
        while below >= 0:
            chain.add(below)
            if column_sums[below] != 9:
                break
            below -= 1
        for index, column in enumerate(inside.question_columns(codec, a, b)):
            mask[row, index] = column["place"] in chain
    return mask


def grid_masses(model, codec, sums) -> dict:
    """Mean share of each grid's mass on the should-depend cells, and the share of cells that
    disagree with addition, over ``sums``."""
    shares = {"counterfactual": [], "oracle": [], "attribution": []}
    disagreeing = []
    for a, b in sums:
        seen = inside.look(model, codec, a, b)
        mask = should_depend(codec, a, b)
        grids = {
            "counterfactual": inside.model_counterfactual(codec, seen),
            "oracle": inside.oracle_counterfactual(codec, a, b),
            "attribution": inside.attribution(codec, seen),
        }
        for name, grid in grids.items():
            grid = np.nan_to_num(grid)
            if grid.sum() > 0:
                shares[name].append(grid[mask].sum() / grid.sum())
        varied = ~np.isnan(grids["oracle"])
        disagreeing.append(inside.disagreement(grids["counterfactual"], grids["oracle"])[varied].mean())
    return {
        **{name: float(np.mean(values)) for name, values in shares.items()},
        "disagree": float(np.mean(disagreeing)),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="20 random sums per model")
    parser.add_argument("--sums", type=int, default=200, help="random sums per model for the grid masses")
    arguments = parser.parse_args()
    count = 20 if arguments.quick else arguments.sums
    print(f"CPU: {cpu_model()}")
    folders = sorted(
        path
        for folder in (MODELS_FOLDER, MODELS_FOLDER / "illustrations")
        for path in folder.iterdir()
        if (path / "addition.json").is_file()
    )
    print(
        "\n| model | reads | whole space | units |r|>=0.5 | |r|>=0.8 | strongest |r| | probe vs baseline per place "
        "| counterfactual on mask | addition's on mask | attribution on mask | cells disagreeing |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for folder in folders:
        loaded = load_model_folder(folder, name=folder.name)
        if loaded.architecture != "keras-io":  # This survey reads a keras-io codec; the column network has none.
            continue
        model, codec, pairs = loaded.model, loaded.codec, loaded.validation_pairs
        ranked = carry_units.rank_carry_units(model, codec, pairs)
        strengths = np.abs(ranked.correlations)
        probe = carry_units.train_probe(model, codec, pairs)
        probed = ", ".join(
            f"{inside.place_name(place)} {accuracy:.1%} vs {baseline:.1%}"
            for place, accuracy, baseline in zip(probe.places, probe.accuracy, probe.baseline)
        )
        masses = grid_masses(model, codec, sample_whole_space(codec.digits, count, seed=0).tolist())
        whole = loaded.info.get("metrics", {}).get("whole_space_sample", {}).get("exact_match")
        print(
            f"| {folder.name} | {'reversed' if codec.reverse else 'reading order'} | "
            f"{'-' if whole is None else f'{whole:.3%}'} | {(strengths >= STRONG[0]).sum()} | "
            f"{(strengths >= STRONG[1]).sum()} | {strengths[0]:.2f} | {probed} | {masses['counterfactual']:.1%} | "
            f"{masses['oracle']:.1%} | {masses['attribution']:.1%} | {masses['disagree']:.2%} |"
        )
    print(
        f"\nGrid masses over {count} random sums per model (sample_whole_space seed 0); carry units and the probe "
        f"over up to {carry_units.MAX_SURVEY_QUESTIONS:,} held-out validation questions of each folder."
    )


if __name__ == "__main__":
    main()
