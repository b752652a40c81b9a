"""The app as a public service, built in-process by ``build_demo`` with scripted training runs
and served on a free port: the /train line under real HTTP calls (order, limits, Stop while
waiting, visitors who leave or never read), each visitor's own models, and no file left behind."""

import json
import os
import threading
import urllib.error
import urllib.request
from pathlib import Path

import httpx
import pytest
from gradio_client import Client

from tests.helpers import MODELS_FOLDER
from tests.standins.scripted import build_parts, serve, wait_until

SMALL = dict(digits=2, training_size=600, cell="LSTM", hidden_size=16, layers=1, reverse=True, epochs=3, batch_size=64)
LONG = {**SMALL, "epochs": 100}  # 100 scripted epochs of 0.05 s: long enough to wait behind.


@pytest.fixture(scope="module")
def stage(tmp_path_factory):
    """(url, parts, workspace) of an in-process app whose runs follow a script."""
    from demo.layout import build_demo

    os.environ["GRADIO_HEARTBEAT_INTERVAL"] = "0.5"  # Unload fires within a second of a page closing.
    import uuid

    from gradio.utils import get_upload_folder

    workspace = Path(get_upload_folder()) / f"addition-lstm-test-{uuid.uuid4().hex[:8]}"  # Where the app keeps its own.
    parts, starts = build_parts(workspace, MODELS_FOLDER / "addition-2digit", epoch_seconds=0.05)
    demo = build_demo(parts)
    url = serve(demo)
    yield url, parts, workspace, starts
    demo.close()
    parts.shutdown()


def run_folders(workspace):
    return sorted(path.name for path in workspace.iterdir()) if workspace.exists() else []


def statuses(job):
    return [update[0] or "" for update in job.outputs()]


def final_result(updates):
    return next(update[4] for update in reversed(updates) if update[4])


def test_a_training_streams_and_its_model_answers_for_that_visitor_only(stage, monkeypatch):
    import huggingface_hub

    url, parts, workspace, _ = stage
    client = Client(url, verbose=False, download_files=False)
    updates = list(client.submit(**SMALL, api_name="/train"))
    assert "Finished" in updates[-1][0] and any("Epoch" in (update[0] or "") for update in updates)
    result = final_result(updates)
    label = result["model"]
    summary, _, details = client.predict("12+34", label, api_name="/add")
    assert details["true_answer"] == 46 and details["correct"] == (details["model_answer"] == "46")
    assert "Share this sum" not in summary  # No other page has this model: no link names it.
    assert "[Share this sum](?sum=12%2B34&model=3+digits)" in client.predict("12+34", "3 digits", api_name="/add")[0]
    with pytest.raises(Exception, match="There is no model called"):
        Client(url, verbose=False).predict("12+34", label, api_name="/add")
    # The zip downloads while the model is held: one folder the scripts take as it is.
    import io
    import zipfile

    with urllib.request.urlopen(zip_url(updates[-1][5]), timeout=10) as response:
        names = zipfile.ZipFile(io.BytesIO(response.read())).namelist()
    assert "addition-2digit-lstm/addition.json" in names and "addition-2digit-lstm/model.weights.h5" in names
    # Off a Space there is no sign-in: publishing says what to do instead, and nothing reaches the Hub.
    hub_clients = []
    monkeypatch.setattr(huggingface_hub, "HfApi", lambda *args, **kwargs: hub_clients.append(kwargs))
    with pytest.raises(Exception, match="sign-in, which this app offers when it runs as a Space.*push_to_hub.py"):
        client.predict(label, "my-adder", api_name="/publish")
    assert hub_clients == []
    assert not parts.training_queue.tickets()


def zip_url(download) -> str:
    return download["value"]["url"] if "value" in download else download["url"]


def visitor(url, number, **options):
    """A client from its own network address, as the Space's proxy reports it."""
    return Client(url, verbose=False, headers={"X-Forwarded-For": f"203.0.113.{number}"}, **options)


def test_the_line_is_first_come_first_served_says_each_place_and_refuses_past_its_limit(stage):
    url, parts, workspace, starts = stage
    clients = [visitor(url, number) for number in range(6)]
    kept = set(run_folders(workspace))  # Other visitors' models, from the tests before.
    jobs = [clients[0].submit(**LONG, api_name="/train")]
    assert wait_until(lambda: parts.training_queue.tickets())
    for client in clients[1:5]:  # Four more, one after another.
        jobs.append(client.submit(**LONG, api_name="/train"))
        assert wait_until(lambda: len(parts.training_queue.tickets()) == len(jobs))
    for place, job in enumerate(jobs[1:], start=1):
        assert wait_until(lambda place=place, job=job: any(f"number {place} in line" in line for line in statuses(job)))
    assert len(set(run_folders(workspace)) - kept) == 1  # Only the run under way has a folder.
    with pytest.raises(Exception, match="The line is full: 4 trainings are already waiting"):
        clients[5].predict(**SMALL, api_name="/train")
    with pytest.raises(Exception, match="You already have a training running or waiting"):
        clients[1].predict(**SMALL, api_name="/train")
    # Stop while waiting: the third visitor leaves the line at once, the others move up.
    assert "Cancelled before it started" in clients[2].predict(api_name="/stop_training")
    assert "Cancelled before it started" in list(jobs[2])[-1][0]
    clients[0].predict(api_name="/stop_training")
    assert "Stopped" in list(jobs[0])[-1][0]
    assert wait_until(lambda: parts.training_queue.tickets()[0].session == clients[1].session_hash)
    order = [run.config for run in starts.runs[-2:]]
    assert order == [order[0], order[0]]
    for client, job in [(clients[1], jobs[1]), (clients[3], jobs[3]), (clients[4], jobs[4])]:
        session = client.session_hash
        assert wait_until(
            lambda session=session: parts.training_queue.ticket_of(session).state == "running", timeout=30
        )
        client.predict(api_name="/stop_training")
        assert "Stopped" in list(job)[-1][0]
    assert not parts.training_queue.tickets()


def test_one_address_holds_two_places_and_a_signed_in_visitor_is_themselves(stage):
    url, parts, _, _ = stage
    classroom = [visitor(url, 77) for _ in range(3)]  # Three pages behind one router.
    jobs = [client.submit(**LONG, api_name="/train") for client in classroom[:2]]
    assert wait_until(lambda: len(parts.training_queue.tickets()) == 2)
    with pytest.raises(Exception, match="2 trainings from your network address are already running or waiting"):
        classroom[2].predict(**SMALL, api_name="/train")
    other = visitor(url, 78)  # Another network: a place of its own.
    job = other.submit(**LONG, api_name="/train")
    assert wait_until(lambda: len(parts.training_queue.tickets()) == 3)
    for client, running in [(other, job), *zip(classroom, jobs)]:
        client.predict(api_name="/stop_training")
        list(running)
    assert wait_until(lambda: not parts.training_queue.tickets())


def post_train(url, session_hash):
    """A training asked for over plain HTTP, whose stream nobody reads; returns its event id."""
    from demo.train_settings import api_arguments

    arguments = api_arguments(training_size=600, hidden_size=16, epochs=100)
    body = json.dumps({"data": arguments, "session_hash": session_hash})
    request = urllib.request.Request(
        url + "gradio_api/call/train", data=body.encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["event_id"]


def test_a_training_nobody_reads_and_a_dropped_stream_are_cancelled_within_seconds(stage):
    url, parts, workspace, _ = stage
    kept = run_folders(workspace)  # Other visitors' models, from the tests before.
    post_train(url, "never-reads")
    assert wait_until(lambda: parts.training_queue.ticket_of("never-reads"))
    run = parts.training_queue.ticket_of("never-reads").run
    assert wait_until(lambda: parts.training_queue.ticket_of("never-reads") is None, timeout=20)
    assert wait_until(run.ended) and wait_until(lambda: set(run_folders(workspace)) <= set(kept), timeout=10)
    # A reader who goes away mid-stream.
    event = post_train(url, "drops")
    with httpx.stream("GET", url + f"gradio_api/call/train/{event}", timeout=10) as stream:
        for line in stream.iter_lines():
            if "Epoch" in line:
                break  # Reading stops here and the connection closes.
    assert wait_until(lambda: parts.training_queue.ticket_of("drops") is None, timeout=20)
    assert wait_until(lambda: set(run_folders(workspace)) <= set(kept), timeout=10)


def test_a_visitor_keeps_three_models_and_leaving_frees_them_and_their_zips(stage):
    url, parts, workspace, _ = stage
    client = Client(url, verbose=False, download_files=False)
    kept = run_folders(workspace)  # Other visitors' models, from the tests before.
    labels, zips = [], []
    for _ in range(4):
        updates = list(client.submit(**SMALL, api_name="/train"))
        labels.append(final_result(updates)["model"])
        zips.append(updates[-1][5])
    assert parts.models.visitors.labels(client.session_hash) == labels[1:]  # The oldest was replaced.
    assert "It replaced" in updates[-1][0]
    mine = set(run_folders(workspace)) - set(kept)
    assert len(mine) == 3
    with pytest.raises(Exception, match="is no longer kept: a page keeps its 3 newest models"):
        client.predict("1+2", labels[0], api_name="/add")
    # The page closes: Gradio's heartbeat stops and the unload event frees the visitor's models.
    with httpx.stream("GET", url + f"gradio_api/heartbeat/{client.session_hash}", timeout=10) as beat:
        next(beat.iter_lines())
    assert wait_until(lambda: parts.models.visitors.labels(client.session_hash) == [], timeout=20)
    assert not set(run_folders(workspace)) & mine
    with pytest.raises(urllib.error.HTTPError) as gone:  # Its link no longer downloads.
        urllib.request.urlopen(zip_url(zips[-1]), timeout=10)
    assert gone.value.code in (403, 404)


def test_a_flood_of_anonymous_trainings_never_stops_the_sums(stage, monkeypatch):
    url, parts, workspace, starts = stage
    kept = run_folders(workspace)
    # Runs (of 100 epochs) that last far longer than a reaping takes: on a busy machine a run of
    # the module's short epochs could end, its model kept for its session, before anyone noticed
    # that nobody read it.
    monkeypatch.setattr(starts, "epoch_seconds", 0.5)
    answered, failures, most_in_line = [], [], [0]

    def user():
        client = Client(url, verbose=False)
        for a in range(15):
            try:
                details = client.predict(f"{a}+{a + 1}", api_name="/add")[2]
                answered.append(details["true_answer"] == 2 * a + 1)
            except Exception as error:  # Counted: there must be none.
                failures.append(str(error))

    def flood(start):
        for index in range(start, start + 10):
            try:
                post_train(url, f"flood-{index}")
            except urllib.error.HTTPError as error:
                failures.append(f"train {error.code}")
            most_in_line[0] = max(most_in_line[0], len(parts.training_queue.tickets()))

    threads = [threading.Thread(target=flood, args=(10 * index,)) for index in range(4)]  # The line, many times over.
    threads += [threading.Thread(target=user) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert failures == [] and len(answered) == 45 and all(answered)
    assert most_in_line[0] <= 1 + parts.training_queue.max_waiting
    # Nobody read them: all cancelled, every folder deleted. (A call's handler can still be queued
    # after the line has once been empty: it joins, then is cancelled in turn, so both are awaited together.)
    assert wait_until(
        lambda: not parts.training_queue.tickets() and set(run_folders(workspace)) <= set(kept), timeout=50
    ), (parts.training_queue.tickets(), sorted(set(run_folders(workspace)) - set(kept)), kept)


HOSTILE_CALLS = [
    ("/add", ("1+1", ["3 digits"]), "There is no model called"),
    ("/add", ({"a": 1}, "3 digits"), "A question must be text"),
    ("/add", ("<script>1</script>+2", "3 digits"), "is not a sum"),
    ("/sample", ("ten", "3 digits"), "whole number from 1 to 100"),
    ("/sample", (True, "3 digits"), "whole number from 1 to 100"),
    ("/add_numbers", ("1e3", 1, "3 digits"), "a must be a whole number of 0 or more"),
    ("/add_numbers", (5, "-3", "3 digits"), "b must be a whole number of 0 or more"),
    ("/add_numbers", (-5, 3, "3 digits"), "a must be a whole number of 0 or more"),
    ("/add_numbers", (" ", 3, "3 digits"), "a must be a whole number, like 535"),
    # A long operand is named, with its own length, not the length of a sum made of the two.
    (
        "/add_numbers",
        ("7" * 70, 1, "3 digits"),
        "^a has 70 digits. This model adds two whole numbers of up to 3 digits",
    ),
    ("/add_numbers", (1, 10**5, "3 digits"), "^b has 6 digits. This model adds"),
    ("/publish", ("3 digits", "name"), "Only a model you trained here"),
    ("/publish", (None, None), "Only a model you trained here"),
]


@pytest.mark.parametrize("endpoint, arguments, words", HOSTILE_CALLS, ids=lambda value: str(value)[:20])
def test_hostile_api_calls_get_a_sentence_and_leave_no_traceback(stage, capfd, endpoint, arguments, words):
    url, _, _, _ = stage
    with pytest.raises(Exception, match=words) as refused:
        Client(url, verbose=False).predict(*arguments, api_name=endpoint)
    assert "<" not in str(refused.value) and "&#" not in str(refused.value)
    captured = capfd.readouterr()
    assert "Traceback" not in captured.err + captured.out


@pytest.mark.parametrize(
    "settings, words",
    [
        ({"epochs": True}, "Epochs must be a whole number"),
        ({"training_size": "many"}, "Training questions must be"),
        ({"layers": None}, "Layers must be"),
        ({"hidden_size": [16]}, "Hidden size must be"),
        ({"cell": 3}, "Cell must be one of"),
        ({"reverse": "yes"}, "yes or no"),
    ],
)
def test_wrong_types_in_the_training_settings_get_a_sentence_naming_the_setting(stage, capfd, settings, words):
    url, parts, _, _ = stage
    with pytest.raises(Exception, match=words):
        Client(url, verbose=False).predict(**{**SMALL, **settings}, api_name="/train")
    assert not parts.training_queue.tickets()
    assert "Traceback" not in capfd.readouterr().err


def test_explain_gives_each_grid_in_reading_order_for_a_catalog_model_and_a_visitors_own(stage):
    url, _, _, _ = stage
    client = Client(url, verbose=False)
    explained = client.predict("535+61", "3 digits", api_name="/explain")
    grid = explained["grids"]["counterfactual"]
    assert grid["rows"] == list(" 596") and grid["columns"] == list("535+061")  # Zero-padded, in reading order.
    # The bundled 3-digit model is right on every sum: its grid is addition's own, cell for cell.
    assert grid["values"] == explained["grids"]["oracle"]["values"]
    probe = explained["probe"]
    assert all(accuracy > baseline for accuracy, baseline in zip(probe["accuracy"], probe["baseline"]))
    assert explained["carry_units"] and explained["states"]["encoder"]["steps"] == list("+513650")  # In columns.
    with pytest.raises(Exception, match="up to 3 digits"):
        client.predict("1000+1", "3 digits", api_name="/explain")
    own = final_result(list(client.submit(**SMALL, api_name="/train")))["model"]
    assert client.predict("12+34", own, api_name="/explain")["grids"]["oracle"]["rows"] == list(" 46")
    with pytest.raises(Exception, match="There is no model called"):
        Client(url, verbose=False).predict("12+34", own, api_name="/explain")


def mcp_session(url, work):
    """Run ``work(session)`` in an MCP client session over streamable HTTP."""
    import asyncio

    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    async def run():
        async with streamable_http_client(url + "gradio_api/mcp/") as (read, write, _):
            async with ClientSession(read, write) as session:
                await session.initialize()
                return await work(session)

    return asyncio.run(run())


def test_an_mcp_client_finds_the_add_tool_and_gets_json_answers_and_refusals(stage):
    url, _, _, _ = stage

    async def work(session):
        tools = {tool.name: tool for tool in (await session.list_tools()).tools}
        answers = [await session.call_tool("add_numbers", {"a": a, "b": b}) for a, b in [(535, 61), (999, 1)]]
        other = await session.call_tool("add_numbers", {"a": 12, "b": 34, "model": "2 digits"})
        refused = await session.call_tool("add_numbers", {"a": 5350, "b": 61})
        explained = await session.call_tool("explain", {"question": "999+1", "model": "3 digits"})
        return tools, answers, other, refused, explained

    tools, answers, other, refused, explained = mcp_session(url, work)
    assert set(tools) == {"add_numbers", "explain"}  # What an agent can use; the page's own endpoints are not tools.
    assert all(len(tool.description) > 80 for tool in tools.values())  # Each described.
    for tool in tools.values():  # Every argument described whole, the column network named.
        described = {name: schema.get("description", "") for name, schema in tool.inputSchema["properties"].items()}
        assert all(text.endswith(".") for text in described.values()), described
        assert "Any length (column LSTM)" in described["model"]
    assert set(tools["explain"].inputSchema["properties"]) == {"question", "model"}
    tool = tools["add_numbers"]
    assert set(tool.inputSchema["properties"]) == {"a", "b", "model"} and tool.inputSchema["required"] == ["a", "b"]
    assert {kind["type"] for kind in tool.inputSchema["properties"]["a"]["anyOf"]} == {
        "integer",
        "string",
    } and "can be wrong" in tool.description
    for (a, b), answer in zip([(535, 61), (999, 1)], answers):
        result = json.loads(answer.content[0].text)
        assert result["answer"] == str(a + b) and result["correct"] is True and result["true_answer"] == str(a + b)
        assert result["model"] == "3 digits" and 0 < result["confidence"] <= 1
    assert json.loads(other.content[0].text)["true_answer"] == "46"  # A digit string, as the column network's.
    assert (
        refused.isError
        and "a has 4 digits. This model adds two whole numbers of up to 3 digits" in refused.content[0].text
    )
    assert "JSON text" in tools["explain"].description
    look = json.loads(explained.content[0].text)  # JSON, as the tool says: not Python's repr of a dict.
    assert look["true_answer"] == 1000 and look["model_answer"] == "1000" and look["correct"] is True
    assert set(look["grids"]) >= {"counterfactual", "oracle", "disagreement"}


def test_a_plain_http_call_missing_an_input_gets_a_sentence_and_no_traceback(stage, capfd):
    url, _, _, _ = stage
    for endpoint, data in [("add", ["535+61"]), ("add", []), ("sample", [5]), ("explain", []), ("train", [2, 600])]:
        body = json.dumps({"data": data}).encode()
        request = urllib.request.Request(
            url + f"gradio_api/call/{endpoint}", data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        sentence = json.loads(refused.value.read())["error"]
        assert refused.value.code == 422 and f"/{endpoint} takes" in sentence and f"sent {len(data)}" in sentence
    # Complete calls still go through, and nothing above reached the log as a traceback.
    body = json.dumps({"data": ["535+61", "3 digits"]}).encode()
    request = urllib.request.Request(
        url + "gradio_api/call/add", data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        event = json.loads(response.read())["event_id"]
    with urllib.request.urlopen(url + f"gradio_api/call/add/{event}", timeout=30) as stream:
        assert "596" in stream.read().decode()
    captured = capfd.readouterr()
    assert "Traceback" not in captured.err + captured.out


COLUMN = "Any length (column LSTM)"


def test_the_column_network_answers_long_sums_through_the_api_and_the_mcp_tool(stage):
    url, _, _, _ = stage
    client = Client(url, verbose=False)
    a, b = "9" * 500, "1" + "0" * 300
    _, table, details = client.predict(f"{a}+{b}", COLUMN, api_name="/add")
    assert details["true_answer"] == str(int(a) + int(b)) and details["correct"] is True
    answer = json.loads(client.predict(a, b, COLUMN, api_name="/add_numbers"))  # Digits as strings: nothing rounded.
    assert answer["answer"] == answer["true_answer"] == str(int(a) + int(b)) and answer["correct"] is True
    with pytest.raises(Exception, match="1,001 digits. This model adds two whole numbers of up to 1,000 digits"):
        client.predict("1" * 1001 + "+1", COLUMN, api_name="/add")
    with pytest.raises(Exception, match="^b has 1,001 digits. This model adds two whole numbers of up to 1,000"):
        client.predict(1, "2" * 1001, COLUMN, api_name="/add_numbers")
    zeros = json.loads(
        client.predict("0" * 1500 + "7", "5", COLUMN, api_name="/add_numbers")
    )  # Leading zeros: 1 digit.
    assert zeros["true_answer"] == "12" and zeros["answer"] == "12"
    inside = client.predict("47+985", COLUMN, api_name="/explain")
    oracle = inside["grids"]["oracle"]
    assert inside["true_answer"] == "1032" and oracle["rows"] == list("1032") and oracle["columns"] == list("47+985")
    with pytest.raises(Exception, match="Inside draws sums of up to 30 digits"):  # Where the grid stays readable.
        client.predict("1" * 31 + "+1", COLUMN, api_name="/explain")


def test_a_new_run_clears_the_run_befores_results_says_it_is_stopping_and_refuses_without_error_marks(tmp_path):
    """In-process, the /train handler's own updates: the first one of a run empties the curves and
    grids the run before left (a run stopped before its first epoch has none to show); Stop is
    said until the run ends; the event draws no spinner or "Error" over its outputs (the Model
    menu among them), since the status line says how the run goes and a refusal is a message."""
    from types import SimpleNamespace

    from demo.layout import build_demo
    from demo.train_settings import DEFAULTS

    parts, _ = build_parts(tmp_path / "work", MODELS_FOLDER / "addition-2digit", epoch_seconds=3.0)
    try:
        demo = build_demo(parts)
        train = next(event for event in demo.fns.values() if event.name == "train")
        assert train.show_progress == "hidden"
        page = SimpleNamespace(session_hash="page-9", headers={"x-forwarded-for": "203.0.113.90"}, client=None)
        updates = train.fn(request=page, profile=None, **DEFAULTS)
        first = {block.elem_id: update for block, update in next(updates).items()}
        assert first["train-accuracy"] is None and first["train-loss"] is None
        assert first["watched-grid"] == "" and first["watched-addition"] == ""
        parts.training_queue.stop("page-9")  # Within the first epoch, which the stand-in stretches (epoch_seconds).
        said = [next(update for block, update in shown.items() if block.elem_id == "train-status") for shown in updates]
        assert any(status.startswith("**Stopping**") for status in said)
        assert said[-1].startswith("**Stopped** before its first epoch ended")
    finally:
        parts.shutdown()


def test_listening_reads_how_many_updates_a_session_left_unread():
    """``callbacks.listening`` reads Gradio's private table of each session's unread updates (no
    public way exists): this fails the day Gradio renames or reshapes it."""
    import asyncio
    from types import SimpleNamespace

    import gradio as gr

    from demo.callbacks import UNREAD_LIMIT, listening

    with gr.Blocks() as demo:
        gr.Markdown()
    demo.queue()
    reader = SimpleNamespace(session_hash="reader")
    assert listening(demo, reader)  # Nothing held for this session: nothing unread.
    unread = asyncio.Queue()
    demo._queue.pending_messages_per_session["reader"] = unread
    for _ in range(UNREAD_LIMIT):
        unread.put_nowait("an update")
    assert listening(demo, reader)
    unread.put_nowait("one more")
    assert not listening(demo, reader)
    assert listening(demo, SimpleNamespace(session_hash="someone else"))
