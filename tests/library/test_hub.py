"""The Hub, offline: uploads go to a recording stand-in, downloads come from a pre-filled cache
through the real huggingface_hub code with HF_HUB_OFFLINE=1."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from addition.hub import build_model_card, push_folder
from tests.helpers import MODELS_FOLDER, ROOT

FAKE_TOKEN = "hf_" + "TestTokenThatMustNeverLeak" * 2
COMMIT = "0123456789abcdef0123456789abcdef01234567"


class RecordingHubApi:
    """Stands in for HfApi's write calls and records what would be sent."""

    def __init__(self, token=None, **kwargs):
        self.token = token
        self.calls = []
        RecordingHubApi.last = self

    def create_repo(self, repo_id, private=False, exist_ok=False, repo_type=None, **kwargs):
        self.calls.append(("create_repo", {"repo_id": repo_id, "private": private, "exist_ok": exist_ok}))
        return f"https://huggingface.co/{repo_id}"

    def upload_folder(self, repo_id, folder_path, commit_message=None, **kwargs):
        files = {
            str(path.relative_to(folder_path)): path.read_bytes()
            for path in sorted(Path(folder_path).rglob("*"))
            if path.is_file()
        }
        self.calls.append(("upload_folder", {"repo_id": repo_id, "files": files, "message": commit_message}))


def card_metadata(readme: bytes) -> dict:
    text = readme.decode()
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n")[1])


def test_push_uploads_the_folder_and_a_card_in_one_commit(tiny_model):
    _, folder = tiny_model
    api = RecordingHubApi(token=FAKE_TOKEN)
    url = push_folder(folder, "me/addition-tiny", private=True, api=api)
    assert url == "https://huggingface.co/me/addition-tiny"
    assert [name for name, _ in api.calls] == ["create_repo", "upload_folder"]
    assert api.calls[0][1] == {"repo_id": "me/addition-tiny", "private": True, "exist_ok": True}
    files = api.calls[1][1]["files"]
    assert {
        "config.json",
        "metadata.json",
        "model.weights.h5",
        "addition.json",
        "validation.json",
        "history.json",
        "README.md",
    } <= set(files)
    for name, content in files.items():
        if name != "README.md":
            assert content == (folder / name).read_bytes()
        assert FAKE_TOKEN.encode() not in content


def test_model_card_carries_metadata_usage_and_credit(tiny_model):
    result, folder = tiny_model
    card = build_model_card(folder, "me/addition-tiny")
    metadata = card_metadata(str(card).encode())
    assert metadata["library_name"] == "keras"
    assert {"keras", "lstm", "addition"} <= set(metadata["tags"])
    # A task the Hub lists, as the pipeline tag and the results' task type.
    assert metadata["pipeline_tag"] == "text-generation"
    assert {result["task"]["type"] for result in metadata["model-index"][0]["results"]} == {"text-generation"}
    metrics = {m["type"]: m["value"] for m in metadata["model-index"][0]["results"][0]["metrics"]}
    assert metrics["exact_match"] == pytest.approx(result.validation["exact_match"], abs=1e-6)
    assert metrics["accuracy"] == pytest.approx(result.validation["per_character"], abs=1e-6)
    text = str(card)
    assert 'keras.saving.load_model("hf://me/addition-tiny")' in text
    assert "pytest tiny" in text  # The training command.
    assert "at most 2 digits" in text
    assert "keras.io/examples/nlp/addition_rnn" in text
    # The usage example fits a 2-digit model, and its "right" answer is Python's sum, padded as
    # the predictor returns it.
    import re

    a, b, shown = re.search(r"answers\(\[\((\d+), (\d+)\)\]\)\)  # right: \['([^']*)'\]", text).groups()
    a, b = int(a), int(b)
    assert max(a, b) < 100 and shown.strip() == str(a + b) and len(shown) == result.codec.answer_length
    assert shown == result.codec.answer_string(a + b)
    # The Keras-alone recipe shows the question as this model reads it: zero-padded, in columns.
    shown = f"zero-padded, column by column, units first, each operand 2 digits: `{result.codec.question_string(a, b)}`"
    assert f"{shown} for {a}+{b}" in text


def test_a_card_names_the_folders_own_cell_example_and_where_it_was_trained(tiny_model, tmp_path):
    _, folder = tiny_model
    info = json.loads((folder / "addition.json").read_text())
    info["training"]["cell"], info["command"] = "gru", "the app's Train tab"  # As the Train tab saves one.
    (tmp_path / "addition.json").write_text(json.dumps(info))
    card = build_model_card(tmp_path, "me/addition-gru")
    assert (
        "gru" in card_metadata(str(card).encode())["tags"] and "lstm" not in card_metadata(str(card).encode())["tags"]
    )
    text = str(card)
    assert "sequence-to-sequence GRU that learned to add" in text and "LSTM" not in text
    assert "such as `55+6`" in text and f"the answer `{55 + 6}`" in text  # A sum a 2-digit model reads.
    assert "Trained in the app's Train tab" in text and "python train.py --like FOLDER" in text
    assert "```\nthe app's Train tab" not in text  # Not shown as a command to type.
    info["command"] = "python train.py --digits 2"
    (tmp_path / "addition.json").write_text(json.dumps(info))
    assert "```\npython train.py --digits 2\n```" in str(build_model_card(tmp_path, "me/addition-gru"))


def test_model_cards_of_the_bundled_models_fit_their_digits():

    two = str(build_model_card(MODELS_FOLDER / "addition-2digit", "me/addition-lstm-2digit"))
    recorded = json.loads((MODELS_FOLDER / "addition-2digit" / "addition.json").read_text())
    whole = recorded["metrics"]["whole_space_sample"]["exact_match"]
    assert f"Whole space (all 10,000 2-digit sums): {whole:.3%} whole answers" in two
    assert "reversed, padded on the right: ` 6+55` for 55+6" in two  # Saved before zero padding.
    assert whole == 1.0 and "it was right on all 10,000 sums of its range when it was saved" in two
    five = str(build_model_card(MODELS_FOLDER / "addition-5digit", "me/addition-lstm-5digit"))
    # The usage example's "right" answer is what the folder's own model returns for it, and Python's sum.
    from addition.loading import load_model_folder

    loaded = load_model_folder(MODELS_FOLDER / "addition-5digit")
    a, b = map(int, loaded.codec.example.split("+"))
    (answer,) = loaded.predictor.answers([(a, b)])
    assert answer.strip() == str(a + b) and f"answers([({a}, {b})]))  # right: ['{answer}']" in five
    assert "random 200,000 5-digit sums" in five
    wrong = round((1 - loaded.info["metrics"]["whole_space_sample"]["exact_match"]) * 200_000)
    assert f"it can be wrong on a few rare sums ({wrong:,} of 200,000 random sums when it was saved)" in five


def fill_cache(cache: Path, repo_id: str, files: dict) -> None:
    """The layout huggingface_hub writes: refs/main names a commit, snapshots/<commit>/ holds files."""
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(COMMIT)
    snapshot = repo / "snapshots" / COMMIT
    for name, content in files.items():
        (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
        (snapshot / name).write_bytes(content)


@pytest.fixture(scope="module")
def pushed_cache(tiny_model, tmp_path_factory):
    """Train tiny, push to the recorder, stage what was sent in an HF cache."""
    _, folder = tiny_model
    api = RecordingHubApi()
    push_folder(folder, "me/addition-tiny", api=api)
    cache = tmp_path_factory.mktemp("hf-cache")
    fill_cache(cache, "me/addition-tiny", api.calls[1][1]["files"])
    return cache


def offline_env(cache, home):
    return {"HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(cache), "HF_HOME": str(home), "HF_TOKEN": ""}


def run_python(code, env, timeout=120):
    import os

    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


PAIRS = [[12, 34], [99, 1], [50, 50]]


def card_snippet(folder, backend: str) -> str:
    """The model card's Keras snippet, on ``backend``, followed by what prints its answers to PAIRS
    and the backend it ran on (lines starting ANSWERS and BACKEND)."""
    import re

    card = str(build_model_card(folder, "me/addition-tiny"))
    snippet = re.search(r'```python\n(import os\nos.environ\["KERAS_BACKEND"\].*?)```', card, re.S).group(1)
    assert 'os.environ["KERAS_BACKEND"] = "tensorflow"' in snippet
    return snippet.replace('"tensorflow"', f'"{backend}"') + (
        f"\nfrom addition.codec import Codec\ncodec = Codec(digits=2, reverse=True, reverse_answer=True)\n"
        f"print('ANSWERS', codec.decode_answers(model.predict_on_batch(codec.encode_questions({PAIRS})).argmax(-1)))\n"
        f"print('BACKEND', keras.backend.backend())\n"
    )


@pytest.fixture(scope="module")
def offline_interpreter(tiny_model, pushed_cache, tmp_path_factory):
    """One fresh interpreter with the Hub out of reach (importing TensorFlow is seconds of CPU):
    first the card's snippet on TensorFlow, as a reader pastes it, then ``load_model("me/addition-tiny")``
    and the app as ``python app.py --model me/addition-tiny`` builds it (its catalog, its first
    model, its answer to a typed sum), with Keras already imported by the snippet (the app's own
    start from nothing is tested by test_an_unreachable_uncached_repo_… and tests/served).
    Returns its output's lines by their first word."""
    _, folder = tiny_model
    code = card_snippet(folder, "tensorflow") + (
        "import json; from addition.loading import load_model; m = load_model('me/addition-tiny'); "
        "from demo.launch import default_parts; from demo import views; "
        "parts = default_parts('me/addition-tiny'); shown = parts.models.catalog.load_default(); "
        "typed = [views.answer_question(shown, q)[2]['model_answer'] for q in ('12+34', '99+1', '50+50')]; "
        f"print('LIBRARY', json.dumps([m.source, m.predictor.answers({PAIRS}), "
        "parts.models.catalog.default, shown.source, typed]))"
    )
    done = run_python(code, offline_env(pushed_cache, tmp_path_factory.mktemp("home")))
    assert done.returncode == 0, done.stderr[-2000:]
    return printed(done.stdout)


def printed(stdout: str) -> dict:
    """The lines a check printed, by their first word (ANSWERS, BACKEND, LIBRARY)."""
    return {line.split(" ", 1)[0]: line.split(" ", 1)[1] for line in stdout.splitlines() if " " in line}


def test_the_library_and_the_app_load_a_repo_id_from_the_cache_offline(tiny_model, offline_interpreter):
    import json

    from addition.predictor import Predictor

    result, _ = tiny_model
    source, answers, label, shown_source, typed = json.loads(offline_interpreter["LIBRARY"])
    assert source == shown_source == "Hugging Face Hub: me/addition-tiny" and label == "me/addition-tiny"
    expected = Predictor(result.model, result.codec).answers(PAIRS)
    assert answers == expected and typed == [answer.strip() for answer in expected]


@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_the_cards_keras_snippet_loads_the_repo_offline_and_answers_like_the_local_model(
    tiny_model, pushed_cache, offline_interpreter, tmp_path, backend
):
    import ast

    from addition.predictor import Predictor

    result, folder = tiny_model
    if backend == "tensorflow":  # Run first in the module's fresh interpreter.
        lines = offline_interpreter
    else:
        done = run_python(card_snippet(folder, backend), offline_env(pushed_cache, tmp_path))
        assert done.returncode == 0, done.stderr[-2000:]
        lines = printed(done.stdout)
    answers, used = lines["ANSWERS"], lines["BACKEND"]
    assert ast.literal_eval(answers) == Predictor(result.model, result.codec).answers(PAIRS) and used == backend


def test_an_unreachable_uncached_repo_is_a_one_line_error_before_tensorflow_loads(tmp_path):
    code = (
        "import runpy, sys\nsys.argv = ['app.py', '--model', 'me/not-cached']\ntry:\n"
        "    runpy.run_path('app.py', run_name='__main__')\nexcept SystemExit as exit:\n"
        "    print('exit:', exit.code, 'loaded:', 'tensorflow' in sys.modules)"
    )
    done = run_python(code, offline_env(tmp_path / "empty", tmp_path))
    assert "Traceback" not in done.stderr and "exit: 1 loaded: False" in done.stdout, done.stdout + done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert "me/not-cached" in last and "no usable copy is cached" in last


def test_push_without_a_token_fails_before_training(tmp_path):
    import os

    env = {**os.environ, "HF_HOME": str(tmp_path), "HF_TOKEN": ""}
    env.pop("HF_TOKEN")
    done = subprocess.run(
        [sys.executable, "train.py", "--push-to-hub", "me/x", "--output", str(tmp_path / "m")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "needs a Hugging Face token" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "m").exists() and "epoch" not in done.stdout


@pytest.mark.slow  # Trains.
def test_train_push_to_hub_never_shows_the_token(tmp_path, monkeypatch, capsys, caplog):
    import huggingface_hub

    import train

    monkeypatch.setenv("HF_TOKEN", FAKE_TOKEN)
    monkeypatch.setattr(huggingface_hub, "HfApi", RecordingHubApi)
    output = tmp_path / "pushed"
    train.main(
        [
            "--digits",
            "2",
            "--training-size",
            "1000",
            "--epochs",
            "1",
            "--quiet",
            "--output",
            str(output),
            "--whole-space-sample",
            "100",
            "--push-to-hub",
            "me/addition-cli",
            "--private",
        ]
    )
    printed = capsys.readouterr()
    api = RecordingHubApi.last
    assert api.token == FAKE_TOKEN  # Handed to the client, and nowhere else:
    assert "Published to https://huggingface.co/me/addition-cli" in printed.out
    assert FAKE_TOKEN not in printed.out + printed.err + caplog.text
    for _, call in api.calls:
        for content in call.get("files", {}).values():
            assert FAKE_TOKEN.encode() not in content
    for path in output.rglob("*"):
        if path.is_file():
            assert FAKE_TOKEN.encode() not in path.read_bytes()
    metadata = card_metadata(api.calls[1][1]["files"]["README.md"])
    assert metadata["library_name"] == "keras"


def test_publishing_an_existing_folder_without_retraining(tiny_model, monkeypatch, capsys):
    import huggingface_hub

    import push_to_hub

    _, folder = tiny_model
    monkeypatch.setenv("HF_TOKEN", FAKE_TOKEN)
    monkeypatch.setattr(huggingface_hub, "HfApi", RecordingHubApi)
    push_to_hub.main([str(folder), "me/addition-existing"])
    api = RecordingHubApi.last
    files = api.calls[1][1]["files"]
    assert files["model.weights.h5"] == (folder / "model.weights.h5").read_bytes()
    assert "Published to https://huggingface.co/me/addition-existing" in capsys.readouterr().out


def test_publishing_a_broken_folder_is_refused_before_any_upload(tmp_path, monkeypatch):
    import huggingface_hub

    import push_to_hub

    monkeypatch.setenv("HF_TOKEN", FAKE_TOKEN)
    RecordingHubApi.last = None
    monkeypatch.setattr(huggingface_hub, "HfApi", RecordingHubApi)
    with pytest.raises(SystemExit) as exit_info:
        push_to_hub.main([str(tmp_path), "me/addition-broken"])
    assert exit_info.value.code == 1 and RecordingHubApi.last is None


@pytest.mark.parametrize(
    "bundled, removed",
    [
        ("addition-2digit", "metrics"),
        ("addition-2digit", "parameters"),
        ("addition-2digit", "metrics.validation.by_carries"),
        ("addition-column", "metrics"),
    ],
)
def test_a_folder_without_what_its_card_reports_is_refused_in_one_line_before_any_upload(
    bundled, removed, tmp_path, monkeypatch, capsys
):
    """The loader takes a folder without its measurements; its card cannot be written without them."""
    import shutil

    import huggingface_hub

    import push_to_hub
    from addition.loading import load_model_folder

    folder = Path(shutil.copytree(MODELS_FOLDER / bundled, tmp_path / "model"))
    info = json.loads((folder / "addition.json").read_text())
    *parents, last = removed.split(".")
    table = info
    for key in parents:
        table = table[key]
    del table[last]
    (folder / "addition.json").write_text(json.dumps(info))
    load_model_folder(folder)  # It loads.
    monkeypatch.setenv("HF_TOKEN", FAKE_TOKEN)
    RecordingHubApi.last = None
    monkeypatch.setattr(huggingface_hub, "HfApi", RecordingHubApi)
    with pytest.raises(SystemExit) as exit_info:
        push_to_hub.main([str(folder), "me/addition-unmeasured"])
    error = capsys.readouterr().err.strip()
    assert exit_info.value.code == 1 and RecordingHubApi.last is None
    assert f"addition.json has no {removed}, which its model card reports" in error and len(error.splitlines()) == 1


# A model folder someone hands you is untrusted: only its own files are published, never what a
# link in it points at, and its text reaches the card escaped.
OWN_FILES = {"addition.json", "validation.json", "history.json", "config.json", "metadata.json", "model.weights.h5"}
SECRET = FAKE_TOKEN.encode()


def copy_of_bundled(tmp_path, bundled="addition-2digit") -> Path:
    import shutil

    return Path(shutil.copytree(MODELS_FOLDER / bundled, tmp_path / "model"))


def secrets_in(tmp_path) -> Path:
    """A stand-in for ~/.cache/huggingface (a token) and ~/.ssh (a key), outside the model folder."""
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "token").write_bytes(SECRET)
    (secrets / "id_ed25519").write_bytes(b"PRIVATE KEY " + SECRET)
    return secrets


def test_push_uploads_only_the_folders_own_files_never_what_a_link_points_at(tmp_path):
    folder = copy_of_bundled(tmp_path)
    secrets = secrets_in(tmp_path)
    (folder / "stray.txt").write_text("a note left in the folder")
    (folder / "notes.txt").symlink_to(secrets / "token")
    (folder / "extra").symlink_to(secrets, target_is_directory=True)
    api = RecordingHubApi()
    push_folder(folder, "me/addition-handed", api=api)
    assert [name for name, _ in api.calls] == ["create_repo", "upload_folder"]
    files = api.calls[1][1]["files"]
    assert set(files) == OWN_FILES | {"README.md"}
    for name in OWN_FILES:
        assert files[name] == (MODELS_FOLDER / "addition-2digit" / name).read_bytes()
    for content in files.values():
        assert SECRET not in content and b"a note left" not in content


@pytest.mark.parametrize(
    "own_file, replacement",
    [("addition.json", "link"), ("model.weights.h5", "link"), ("history.json", "folder")],
)
def test_a_folder_whose_own_file_is_a_link_or_not_a_file_is_refused_before_the_hub_is_asked(
    own_file, replacement, tmp_path, monkeypatch
):
    import huggingface_hub

    from addition.errors import ModelFolderError

    folder = copy_of_bundled(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (folder / own_file).rename(elsewhere / own_file)  # The same bytes, outside the folder.
    if replacement == "link":
        (folder / own_file).symlink_to(elsewhere / own_file)
    else:
        (folder / own_file).mkdir()
    RecordingHubApi.last = None
    monkeypatch.setattr(huggingface_hub, "HfApi", RecordingHubApi)
    with pytest.raises(ModelFolderError) as refused:
        push_folder(folder, "me/addition-linked", token=FAKE_TOKEN)
    message = str(refused.value)
    assert RecordingHubApi.last is None and own_file in message and len(message.splitlines()) == 1


@pytest.mark.parametrize("script", ["push_to_hub", "train"])
def test_the_scripts_show_a_linked_own_file_as_one_line_and_exit_1(script, tmp_path, monkeypatch, capsys):
    """push_to_hub.py FOLDER, and train.py --push-to-hub with its training stood in for by a
    folder whose addition.json is a link (the refusal, not the training, is under test)."""
    import huggingface_hub

    import push_to_hub
    import train
    from addition import training

    folder = copy_of_bundled(tmp_path)
    (folder / "addition.json").rename(tmp_path / "addition.json")
    (folder / "addition.json").symlink_to(tmp_path / "addition.json")
    monkeypatch.setenv("HF_TOKEN", FAKE_TOKEN)
    RecordingHubApi.last = None
    monkeypatch.setattr(huggingface_hub, "HfApi", RecordingHubApi)
    monkeypatch.setattr(training, "train_and_save", lambda *args, **kwargs: (None, folder, "trained"))
    main, args = {
        "push_to_hub": (push_to_hub.main, [str(folder), "me/x"]),
        "train": (train.main, ["--quiet", "--output", str(tmp_path / "out"), "--push-to-hub", "me/x"]),
    }[script]
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    error = capsys.readouterr().err.strip()
    assert exit_info.value.code == 1 and RecordingHubApi.last is None
    assert "addition.json is a symbolic link" in error and len(error.splitlines()) == 1 and "Traceback" not in error


HOSTILE = "<img src=x onerror=alert(1)>"


def table_rows(text: str, header: str) -> list[str]:
    """The rows of the card's table under ``header`` (its line), up to the blank line that ends it."""
    lines = text.split(header + "\n", 1)[1].splitlines()[1:]  # After the |---| line.
    return lines[: lines.index("")]


def fence_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("```")]


def test_folder_text_reaches_the_card_escaped(tmp_path):
    folder = copy_of_bundled(tmp_path)
    normal = str(build_model_card(folder, "me/addition-hostile"))
    info = json.loads((folder / "addition.json").read_text())
    info["command"] = f"python train.py\n```\n{HOSTILE}\n```\n| a | b |"
    info["training"]["note`|" + HOSTILE] = "`|</code>" + HOSTILE
    info["metrics"]["validation"]["by_carries"]["1|`<b>x"] = {"count": 1, "exact_match": 1.0}
    info["metrics"]["validation"]["by_carries"]["![](//ev.il/p.png)"] = {"count": 1, "exact_match": 1.0}
    (folder / "addition.json").write_text(json.dumps(info))
    text = str(build_model_card(folder, "me/addition-hostile"))
    assert "<img" not in text and "<b>" not in text and "</code>" not in text
    assert fence_lines(text) == fence_lines(normal)  # No fence opened or closed from inside the command.
    settings = table_rows(text, "| setting | value |")
    carries = table_rows(text, "| carries | questions | whole-answer accuracy |")
    assert len(settings) == len(info["training"]) and len(carries) == len(info["metrics"]["validation"]["by_carries"])
    assert all(row.count("|") == 3 for row in settings) and all(row.count("|") == 4 for row in carries)
    assert text.count("&lt;img src=x onerror=alert(1)&gt;") == 3  # Still visible: in the command, a key and a value.
    assert "1&#124;&#96;&lt;b&gt;x" in carries[-2]
    assert "![" not in text and "\\!\\[\\]\\(//ev.il/p.png\\)" in carries[-1]  # Text, not an image to fetch.


def test_a_column_folders_text_reaches_its_card_escaped(tmp_path):
    folder = copy_of_bundled(tmp_path, "addition-column")
    normal = str(build_model_card(folder, "me/addition-hostile"))
    info = json.loads((folder / "addition.json").read_text())
    info["command"] = f"python train.py --architecture column\n```\n{HOSTILE}"
    info["metrics"]["exact_match_by_length"]["7|`<img src=x>"] = {"count": 1, "exact_match": 1.0}
    (folder / "addition.json").write_text(json.dumps(info))
    text = str(build_model_card(folder, "me/addition-hostile"))
    assert "<img" not in text and fence_lines(text) == fence_lines(normal)
    rows = table_rows(text, "| operand digits | sums | whole-answer accuracy |")
    assert len(rows) == len(info["metrics"]["exact_match_by_length"]) and all(row.count("|") == 4 for row in rows)
    assert "&lt;img src=x onerror=alert(1)&gt;" in text and "7&#124;&#96;&lt;img src=x&gt;" in rows[-1]


def test_a_cached_ref_naming_a_folder_outside_the_cache_is_refused(tmp_path, monkeypatch):
    """Offline, huggingface_hub reads the commit from the cache's ref file: one that climbs out of
    the cache would load a folder from anywhere."""
    import shutil

    from huggingface_hub import constants

    from addition.hub import download
    from addition.saving import ModelFolderError

    cache, outside = tmp_path / "cache", tmp_path / "outside"
    shutil.copytree(MODELS_FOLDER / "addition-2digit", outside)
    fill_cache(cache, "me/climbs", {"addition.json": b"{}"})
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    assert Path(download("me/climbs")).parent.parent.name == "models--me--climbs"  # Its own snapshot: loads.
    fill_cache(cache, "someone/else", {"addition.json": b"{}"})
    for elsewhere in ("../../../outside", f"../../models--someone--else/snapshots/{COMMIT}"):
        (cache / "models--me--climbs" / "refs" / "main").write_text(elsewhere)
        with pytest.raises(ModelFolderError, match="^cannot load me/climbs: its cached copy points outside its own"):
            download("me/climbs")
