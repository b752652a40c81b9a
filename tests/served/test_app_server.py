"""The launched app through its HTTP API, as a gradio_client user calls it."""

import subprocess
import sys

import pytest
from gradio_client import Client

from tests.helpers import MODELS_FOLDER, ROOT


@pytest.fixture(scope="module")
def client(app_url):
    return Client(app_url, verbose=False)


def test_add_answers_against_the_oracle(client):
    # The bundled 3-digit model is right on every one of the 1,000,000 sums (test_bundled_model).
    for a, b in [(535, 61), (999, 1), (1, 999), (999, 999), (500, 500), (0, 0), (12, 345)]:
        summary, table, details = client.predict(f"{a}+{b}", api_name="/add")
        assert details["model_answer"] == str(a + b) and details["correct"] is True
        assert f"{a} + {b} = {a + b} ☑" in summary and "<table" in table


@pytest.mark.parametrize("question", ["", "abc", "1+2+3", "-1+2", "1.5+1", "1000+1", "１+２", "9" * 100_000])
def test_add_refuses_bad_input_and_keeps_serving(client, question):
    with pytest.raises(Exception, match="up to 3 digits"):
        client.predict(question, api_name="/add")
    assert client.predict("1+1", api_name="/add")[2]["true_answer"] == 2


def test_sample_returns_marked_validation_rows(client):
    score, table = client.predict(7, api_name="/sample")
    rows = table["data"]
    assert len(rows) == 7 and table["headers"] == ["question", "true answer", "model answer", "right?"]
    for question, true_answer, model_answer, mark in rows:
        a, b = map(int, question.split("+"))
        assert int(true_answer) == a + b
        assert mark == ("☑" if model_answer == str(a + b) else "☒")
    assert "/7 correct" in score


@pytest.mark.parametrize("count", [1000, 0, -5])
def test_sample_refuses_a_bad_count_and_keeps_serving(client, count):
    # Gradio's slider checks its own bounds ("Value 1000 is greater than maximum value 100.").
    with pytest.raises(Exception, match="from 1 to 100|(maximum|minimum) value"):
        client.predict(count, api_name="/sample")
    assert "/3 correct" in client.predict(3, api_name="/sample")[0]


def test_every_bundled_model_answers_through_the_api(client):
    from addition.loading import load_model_folder
    from demo.models import bundled_entries

    entries = bundled_entries(MODELS_FOLDER)
    keras_io = [entry for entry in entries if entry.architecture == "keras-io" and not entry.snapshot]
    assert [entry.label for entry in keras_io] == ["2 digits", "3 digits", "4 digits", "5 digits"]
    assert entries[-1].label == "Any length (column LSTM)"  # Answered through the API in tests/app/test_service.py.
    for entry in keras_io:
        digits = entry.digits
        top = 10**digits - 1
        for a, b in [(top, 1), (1, top), (top, top), (12, 3)]:
            summary, _, details = client.predict(f"{a}+{b}", model=entry.label, api_name="/add")
            assert details["true_answer"] == a + b
            assert details["correct"] == (details["model_answer"] == str(a + b))
            assert len(details["probabilities"]) == digits + 1  # One row per answer position.
        with pytest.raises(Exception, match=f"up to {digits} digits"):
            client.predict(f"{top + 1}+1", entry.label, api_name="/add")
        held_out = {tuple(pair) for pair in load_model_folder(entry.spec).validation_pairs.tolist()}
        _, table = client.predict(5, model=entry.label, api_name="/sample")
        for question, true_answer, model_answer, mark in table["data"]:
            a, b = map(int, question.split("+"))
            assert (a, b) in held_out and int(true_answer) == a + b
            assert mark == ("☑" if model_answer == str(a + b) else "☒")
    # The early snapshots answer too, marked against Python's addition, right or (after 1 epoch) mostly wrong.
    snapshots = [entry.label for entry in entries if entry.snapshot]
    assert snapshots == ["3 digits, after 1 epoch", "3 digits, after 2 epochs", "3 digits, after 4 epochs"]
    marks = []
    for a, b in [(535, 61), (999, 1), (123, 456), (808, 97)]:
        _, _, details = client.predict(f"{a}+{b}", model=snapshots[0], api_name="/add")
        assert details["true_answer"] == a + b and details["correct"] == (details["model_answer"] == str(a + b))
        marks.append(details["correct"])
    assert not all(marks)  # After one epoch it is wrong on nearly every sum.


def test_an_unknown_model_is_refused_and_the_app_keeps_serving(client):
    # Each name quoted: a name can hold a comma.
    words = "There is no model called '9 digits'. Choose one of: '2 digits', '3 digits', '3 digits, after 1 epoch'"
    with pytest.raises(Exception, match=words):
        client.predict("1+1", "9 digits", api_name="/add")
    with pytest.raises(Exception) as refused:  # A 1 MB label is not echoed back.
        client.predict("1+1", "x" * 1_000_000, api_name="/add")
    assert len(str(refused.value)) < 300
    assert client.predict("1+1", api_name="/add")[2]["true_answer"] == 2


def test_errors_are_said_once_in_plain_text(client):
    with pytest.raises(Exception) as refused:
        client.predict("<b>12</b>+<img src=x>", api_name="/add")
    message = str(refused.value)
    # Plain text for an API caller (no entities), and no markup for the page's toast to render.
    assert "'‹b›12‹/b›+‹img src=x›' is not a sum" in message and "<" not in message and "&" not in message
    with pytest.raises(Exception) as refused:
        client.predict("1+1", "it's <b>", api_name="/add")
    assert 'There is no model called "it\'s ‹b›"' in str(refused.value) and "&#" not in str(refused.value)
    with pytest.raises(Exception) as refused:
        client.predict("1+1", None, api_name="/add")
    assert "There is no model called None" in str(refused.value) and "'There" not in str(refused.value)


def test_nothing_the_app_does_not_use_is_open(app_url):
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.HTTPError) as closed:  # No public traffic dashboard.
        urllib.request.urlopen(app_url + "monitoring/summary", timeout=10)
    assert closed.value.code in (403, 404)
    boundary = "x" * 16
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.bin"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + b"0" * 100_000
        + f"\r\n--{boundary}--\r\n".encode()
    )
    upload = urllib.request.Request(
        app_url + "gradio_api/upload",
        data=body,
        method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:  # The app takes no files.
        urllib.request.urlopen(upload, timeout=10)
    assert refused.value.code == 413


def test_no_server_path_in_the_page_or_the_api_description(app_url, client):
    import urllib.request

    for route in ("", "config", "gradio_api/info"):
        with urllib.request.urlopen(app_url + route, timeout=30) as response:
            assert str(ROOT) not in response.read().decode(), route
    outputs = [client.predict("535+61", api_name="/add"), client.predict(5, api_name="/sample")]
    assert str(ROOT) not in repr(outputs)


def test_the_api_description_names_every_input_and_output(client):
    # Gradio names an unlabelled component "value_<its id>", and a function's own parameters
    # "1st", "2nd": a caller could not tell the answer from the probability table, nor the status
    # from the grids. The agents' tool add_numbers is such a function: its parameters are named.
    import re

    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    expected = {"/add", "/add_numbers", "/sample", "/explain", "/explain_json", "/train", "/stop_training", "/publish"}
    assert expected <= set(endpoints)
    assert [part["parameter_name"] for part in endpoints["/add_numbers"]["parameters"]] == ["a", "b", "model"]
    names = {
        endpoint: [part["label"] for part in info["parameters"] + info["returns"]]
        for endpoint, info in endpoints.items()
        if endpoint != "/add_numbers"
    }
    unnamed = {
        endpoint: labels
        for endpoint, labels in names.items()
        if any(not label or re.fullmatch(r"value_\d+|\d+(st|nd|rd|th)", label) for label in labels)
    }
    assert unnamed == {}
    assert names["/add"][-3:] == ["answer", "probabilities", "details"]


@pytest.mark.parametrize(
    "args, words",
    [
        (["--model", "/no/such/folder"], "/no/such/folder is not a model folder (no such directory)"),
        (["--model", "no such thing"], "neither a model folder nor a Hugging Face repo id"),
        (["--model", "me/repo", "--revision", "../../etc"], "is not a Hub branch, tag or commit"),
        (["--port", "eighty"], "a port is a whole number from 1 to 65535"),
        (["--port", "99999"], "a port is a whole number from 1 to 65535"),
        (["--host", "999.1.1.1"], "cannot serve on 999.1.1.1 ("),
        (["--bogus"], "unrecognized arguments"),
    ],
)
def test_app_start_up_errors_are_one_line(args, words, capsys):
    # In-process: main() with these arguments, as `python app.py ARGS` runs it (the bad ones stop
    # before anything is served).
    import app

    with pytest.raises(SystemExit) as stopped:
        app.main(app.parse_arguments(args))
    assert stopped.value.code != 0
    stderr = capsys.readouterr().err
    assert "Traceback" not in stderr
    last = stderr.strip().splitlines()[-1]
    assert words in last and "error" in last


def test_a_port_in_use_or_not_a_port_is_refused_in_one_line_before_tensorflow_loads(monkeypatch, capsys):
    import socket

    import app

    monkeypatch.setattr("demo.launch.import_tensorflow", lambda: pytest.fail("TensorFlow imported"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        with pytest.raises(SystemExit) as stopped:
            app.main(app.parse_arguments(["--port", str(busy)]))
    error = capsys.readouterr().err
    assert stopped.value.code == 1 and len(error.splitlines()) == 1
    assert f"cannot serve on 127.0.0.1:{busy} (Address already in use): name another --host or --port" in error
    monkeypatch.setenv("GRADIO_SERVER_PORT", "xyz")
    with pytest.raises(SystemExit):
        app.main(app.parse_arguments([]))
    assert "GRADIO_SERVER_PORT: a port is a whole number from 1 to 65535, got 'xyz'" in capsys.readouterr().err


def test_help_and_flag_errors_answer_before_tensorflow_or_gradio_load():
    code = (
        "import runpy, sys\nsys.argv = ['app.py', '--help']\ntry:\n    runpy.run_path('app.py', run_name='__main__')\n"
        "except SystemExit:\n    pass\nprint('loaded:', 'tensorflow' in sys.modules, 'gradio' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "--port PORT" in done.stdout and "GRADIO_SERVER_PORT" in done.stdout
    assert "loaded: False False" in done.stdout


def test_generated_strings_through_the_add_endpoint(app_url):
    # Whatever the endpoint answers is the sum of what was typed (Python's int and +), and whatever
    # it refuses it refuses in words; plainly written sums are always answered.
    import random

    from gradio_client import Client

    client = Client(app_url, verbose=False)
    rng = random.Random(2015)  # The same alphabet as the property tests, a fixed sample of strings.
    texts = ["".join(rng.choice("0123456789+- .,e１\t\u00a0x") for _ in range(rng.randint(0, 12))) for _ in range(25)]
    plain = [f"{rng.randint(0, 999)} + {rng.randint(0, 999)}" for _ in range(5)]
    answered = []
    for text in texts + plain:
        try:
            details = client.predict(text, api_name="/add")[2]
        except Exception as error:
            assert "This model adds two whole numbers" in str(error), text
            continue
        left, right = text.split("+")
        assert details["true_answer"] == int(left) + int(right), text
        answered.append(text)
    assert set(plain) <= set(answered)
