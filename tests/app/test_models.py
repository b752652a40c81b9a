"""The app's list of models: bundled folders by digit count, the named model, loading on first use."""

import shutil
import threading
import time

import pytest

from demo import models as catalog_module
from demo.models import Catalog, Entry, bundled_entries
from demo.training_queue import Visitor
from tests.helpers import BUNDLED_MODEL


def test_bundled_entries_are_every_model_folder_by_digit_count(tmp_path, tiny_model):
    _, tiny_folder = tiny_model  # 2 digits
    shutil.copytree(BUNDLED_MODEL, tmp_path / "b-three")
    shutil.copytree(tiny_folder, tmp_path / "a-two")
    (tmp_path / "notes").mkdir()  # Not a model folder: ignored.
    entries = bundled_entries(tmp_path)
    assert [entry.label for entry in entries] == ["2 digits", "3 digits"]
    assert entries[0].spec == str(tmp_path / "a-two") and [entry.digits for entry in entries] == [2, 3]


def test_a_named_bundled_folder_is_listed_once_and_chosen(tmp_path, tiny_model):
    _, tiny_folder = tiny_model
    shutil.copytree(tiny_folder, tmp_path / "two")
    shutil.copytree(BUNDLED_MODEL, tmp_path / "three")
    catalog = Catalog(Entry("whatever", str(tmp_path / "three" / ".." / "three")), bundled_entries(tmp_path))
    assert catalog.labels == ["2 digits", "3 digits"] and catalog.default == "3 digits"
    assert catalog.get("3 digits").codec.digits == 3


def test_a_named_outside_model_comes_first_and_the_others_load_on_first_use(tmp_path, tiny_model, monkeypatch):
    _, tiny_folder = tiny_model
    shutil.copytree(BUNDLED_MODEL, tmp_path / "three")
    loads = []
    real_load = catalog_module.load_model
    monkeypatch.setattr(
        catalog_module, "load_model", lambda spec, revision=None, name=None: loads.append(spec) or real_load(spec)
    )
    catalog = Catalog(Entry("tiny", str(tiny_folder)), bundled_entries(tmp_path))
    assert catalog.labels == ["tiny", "3 digits"] and catalog.default == "tiny"
    assert loads == []  # Nothing loads until asked: `import app` stays light.
    catalog.load_default()
    assert loads == [str(tiny_folder)]  # Only the first model at start.
    # Eight users pick the 3-digit model at once: it loads once.
    results = []
    threads = [threading.Thread(target=lambda: results.append(catalog.get("3 digits"))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert loads == [str(tiny_folder), str(tmp_path / "three")]
    assert len({id(result) for result in results}) == 1 and results[0].codec.digits == 3


def test_cached_computes_once_per_model_and_name(tiny_model):
    _, tiny_folder = tiny_model
    catalog = Catalog(Entry("tiny", str(tiny_folder)))
    calls = []
    for _ in range(3):
        assert catalog.cached("tiny", "digits", lambda loaded: calls.append(1) or loaded.codec.digits) == 2
    assert calls == [1]


def test_an_unknown_label_is_refused_in_words(tiny_model):
    _, tiny_folder = tiny_model
    catalog = Catalog(Entry("tiny", str(tiny_folder)))
    with pytest.raises(ValueError, match="There is no model called '9 digits'. Choose one of: 'tiny'\\."):
        catalog.get("9 digits")


def test_a_broken_bundled_folder_fails_when_picked_not_at_start(tmp_path, tiny_model):
    _, tiny_folder = tiny_model
    shutil.copytree(BUNDLED_MODEL, tmp_path / "three")
    (tmp_path / "three" / "model.weights.h5").write_bytes(b"not weights")
    catalog = Catalog(Entry("tiny", str(tiny_folder)), bundled_entries(tmp_path))
    with pytest.raises(ValueError, match="three/model.weights.h5 holds 11 bytes, too few"):
        catalog.get("3 digits")
    assert catalog.get("tiny").codec.digits == 2  # The others still answer.


def test_infos_read_the_folders_without_loading_them(tmp_path, tiny_model):
    _, tiny_folder = tiny_model
    shutil.copytree(BUNDLED_MODEL, tmp_path / "three")
    catalog = Catalog(Entry("tiny", str(tiny_folder)), bundled_entries(tmp_path))
    infos = dict(catalog.infos())
    assert infos["tiny"]["digits"] == 2 and infos["3 digits"]["digits"] == 3
    assert "3 digits" not in catalog._loaded  # Read from addition.json, the network not built.


def test_counterparts_lay_the_question_out_the_same_way_first(tmp_path, tiny_model):
    from addition.loading import load_model_folder
    from demo.models import Models
    from demo.visitor_models import SessionModels

    _, tiny_folder = tiny_model  # 2 digits, reversed, zero-padded, in columns (today's default).
    bundled_two = BUNDLED_MODEL.parent / "addition-2digit"  # 2 digits, reversed, space-padded.
    visitors = SessionModels()
    own_folder = shutil.copytree(tiny_folder, tmp_path / "own")
    label, _ = visitors.add(Visitor("visitor"), load_model_folder(own_folder), own_folder, "tiny")
    models = Models(Catalog(Entry("two", str(bundled_two))), visitors)
    columns = [name for name, model in models.counterparts(2, True, "visitor", (True, True))]
    spaced = [(name, model.codec.zero_pad) for name, model in models.counterparts(2, True, "visitor", (False, False))]
    assert columns == [label, "two"] and spaced == [("two", False), (label, True)]
    assert list(models.counterparts(2, False, "visitor", (True, True))) == []  # None reads in reading order.


def test_a_visitors_own_model_computes_each_view_once_and_frees_it_with_the_model(tmp_path, tiny_model):
    from addition.loading import load_model_folder
    from demo.models import Models
    from demo.visitor_models import SessionModels

    _, tiny_folder = tiny_model
    visitors = SessionModels()
    mine = load_model_folder(shutil.copytree(tiny_folder, tmp_path / "run" / "model"))
    label, _ = visitors.add(Visitor("visitor"), mine, tmp_path / "run" / "model", "tiny")
    models = Models(Catalog(Entry("tiny", str(tiny_folder)), []), visitors)
    calls = []

    def digits(loaded):
        calls.append(loaded)
        time.sleep(0.2)  # A search takes a while: long enough for the other asker to arrive.
        return loaded.codec.digits

    askers = [threading.Thread(target=models.cached, args=(label, "visitor", "digits", digits)) for _ in range(2)]
    for asker in askers:  # Two at once (a pick's event and an /explain): the second waits for the first's.
        asker.start()
    for asker in askers:
        asker.join()
    assert models.cached(label, "visitor", "digits", digits) == 2
    assert calls == [mine]  # Once, for that model.
    visitors.forget("visitor")
    assert not (tmp_path / "run").exists()  # Freed with its folder;
    assert visitors.cached("visitor", label, mine, "digits", digits) == 2 and len(calls) == 2  # its views too.


def test_a_visitors_model_replaced_by_a_newer_one_is_said_to_be_no_longer_kept(tmp_path, tiny_model):
    from addition.loading import load_model_folder
    from demo.models import Models
    from demo.visitor_models import SessionModels

    _, tiny_folder = tiny_model
    visitors = SessionModels(per_session=1)
    models = Models(Catalog(Entry("tiny", str(tiny_folder)), []), visitors)
    labels = []
    for run in ("one", "two"):
        folder = shutil.copytree(tiny_folder, tmp_path / run / "model")
        labels.append(visitors.add(Visitor("visitor"), load_model_folder(folder), folder, "tiny")[0])
    assert models.get(labels[1], "visitor") is not None
    with pytest.raises(ValueError, match="is no longer kept: a page keeps its 1 newest model ") as refused:
        models.get(labels[0], "visitor")
    assert labels[1] in str(refused.value)  # What it can pick instead.
    with pytest.raises(ValueError, match="There is no model called"):
        models.get(labels[1], "another page")  # Never that page's: not said to be anyone's.
