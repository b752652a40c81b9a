"""Untrusted model folders as the app lists and shows them: a broken one skipped with a warning,
text from a folder shown as text, no server path in what a visitor sees (the loader's own
refusals: tests/library/test_hostile_folders.py)."""

import shutil

import numpy as np
import pytest

from addition.loading import load_model_folder
from demo import add_views, views
from tests.helpers import BUNDLED_MODEL
from tests.library.test_hostile_folders import copy_of_bundled, edit_info, mangle


def test_text_from_the_folder_is_shown_as_text_not_markup(tmp_path):
    attack = "x` ![pixel](https://evil.example/p.png) [win](https://evil.example) <img src=x onerror=alert(1)> `"
    folder = edit_info(
        copy_of_bundled(tmp_path), lambda info: (info.update(command=attack), info["training"].update(sampling=attack))
    )
    shown = add_views.describe_model(load_model_folder(folder))
    for markup in ("`", "](", "<img", "https://", "evil.example"):
        assert markup not in shown
    # Every character is still there, as character references a browser shows literally.
    import html

    assert attack in html.unescape(shown)


def test_a_broken_bundled_folder_is_skipped_with_a_warning_and_the_app_still_starts(tmp_path):
    from demo.models import Catalog, bundled_entries

    models = tmp_path / "models"
    models.mkdir()
    shutil.copytree(BUNDLED_MODEL, models / "addition-3digit")
    shutil.copytree(BUNDLED_MODEL, models / "addition-3digit-copy")  # Same digits: listed under its name.
    broken = copy_of_bundled(models, "addition-4digit")
    edit_info(broken, mangle("digits", 4))  # Loads as a 4-digit codec over a 3-digit network: refused on pick.
    unreadable = models / "addition-9digit"
    unreadable.mkdir()
    (unreadable / "addition.json").write_text("[" * 100_000)
    odd_column = shutil.copytree(BUNDLED_MODEL.parent / "addition-column", models / "addition-column")
    edit_info(odd_column, mangle("training", ["cell"]))  # Its settings a list: listed, refused on pick.
    warnings = []
    entries = bundled_entries(models, warn=warnings.append)
    assert [entry.label for entry in entries] == [
        "3 digits",
        "3 digits (addition-3digit-copy)",
        "4 digits",
        "Any length (column LSTM)",
    ]
    assert len(warnings) == 1 and "addition-9digit" in warnings[0] and str(tmp_path) not in warnings[0]
    # The broken one as the default: skipped, with a warning, and the next one serves.
    catalog = Catalog(None, entries, preferred=str(broken))
    loaded = catalog.load_default(warn=warnings.append)
    assert catalog.default == "3 digits" and loaded.predictor.answers([(12, 34)])[0].strip() == "46"
    assert "4 digits" not in catalog.labels and "is not the network" in warnings[-1]
    assert str(tmp_path) not in warnings[-1]
    with pytest.raises(ValueError, match="training .* should be an object"):
        catalog.get("Any length (column LSTM)")


def test_a_named_folder_is_labelled_by_its_name_not_the_server_path(tmp_path):
    from demo.models import Catalog, entry_for

    folder = copy_of_bundled(tmp_path, "my-model")
    catalog = Catalog(entry_for(str(folder)), [])
    assert catalog.labels == ["my-model"]
    assert catalog.get("my-model").source == "my-model"
    with pytest.raises(ValueError) as unknown:
        catalog.get("other")
    assert str(tmp_path) not in str(unknown.value)


def test_probabilities_in_the_details_are_rounded_to_six_places(bundled):
    _, _, details = views.answer_question(bundled, "535+61")
    values = [p for row in details["probabilities"] for p in row]
    assert all(round(p, 6) == p for p in values)
    assert np.allclose([sum(row) for row in details["probabilities"]], 1, atol=1e-4)
