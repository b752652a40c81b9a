"""The Train tab's line and the visitors' models, in-process with scripted runs: order, limits,
Stop while waiting, abandoned places, and every folder accounted for on disk."""

import pytest

from addition.config import TrainConfig
from demo.training_queue import CANCELLED, ENDED, RUNNING, WAITING, TrainingQueue, Visitor
from demo.visitor_models import SessionModels
from tests.helpers import MODELS_FOLDER
from tests.standins.scripted import ScriptedStarts, wait_until

MODEL = MODELS_FOLDER / "addition-2digit"
LONG = TrainConfig(digits=2, training_size=600, epochs=10_000)  # Runs until stopped.


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def line(tmp_path):
    clock = Clock()
    line = TrainingQueue(
        ScriptedStarts(MODEL, epoch_seconds=0.01),
        tmp_path / "work",
        max_waiting=3,
        gone_after=10.0,
        typical_seconds=60.0,
        clock=clock,
    )
    line.clock_stub = clock
    yield line
    line.shutdown()


def run_folders(line):
    return sorted(path.name for path in line.workspace.iterdir()) if line.workspace.exists() else []


def test_first_come_first_served_with_places_and_estimates(line):
    tickets = [line.join(Visitor(f"visitor-{index}"), LONG) for index in range(4)]
    assert [ticket.state for ticket in tickets] == [RUNNING, WAITING, WAITING, WAITING]
    assert [line.place(ticket) for ticket in tickets] == [0, 1, 2, 3]
    line.clock_stub.now += 20  # The run under way is 20 s into a typical 60.
    assert [line.estimated_wait(ticket) for ticket in tickets[1:]] == [40, 100, 160]
    assert len(run_folders(line)) == 1  # Waiting places have no folder yet.
    line.finish(tickets[0])
    assert tickets[1].state == RUNNING and [line.place(ticket) for ticket in tickets[2:]] == [1, 2]
    line.finish(tickets[1])
    assert tickets[2].state == RUNNING  # In the order they came.
    assert [run.config for run in line._start.runs] == [LONG, LONG, LONG]


@pytest.mark.parametrize("trainers", [1, 2])
def test_a_waiting_visitor_is_told_their_place_the_trainings_ahead_and_how_many_run_at_once(tmp_path, trainers):
    from demo.train_tab import queued_status

    line = TrainingQueue(ScriptedStarts(MODEL, epoch_seconds=0.01), tmp_path / "work", trainers=trainers)
    try:
        tickets = [line.join(Visitor(f"visitor-{index}"), LONG) for index in range(trainers + 2)]
        first, second = (queued_status(line, ticket) for ticket in tickets[trainers:])
        running = "the training under way" if trainers == 1 else "the trainings under way"
        assert f"number 1 in line** behind {running} (" in first and f"behind {running} and 1 waiting" in second
        assert ("one at a time" if trainers == 1 else "2 at a time on this machine") in first
        # A typical run is a minute until one ends: the first in line starts within it, not "in about 1 min".
        assert "Yours starts in under a minute;" in first
        assert ("in about 2 min;" if trainers == 1 else "in under a minute;") in second  # Two slots free first.
    finally:
        line.shutdown()


def test_one_place_per_visitor_and_a_full_line_is_said_at_once(line):
    line.join(Visitor("a"), LONG)
    with pytest.raises(ValueError, match="You already have a training running or waiting"):
        line.join(Visitor("a"), LONG)
    for name in "bcd":
        line.join(Visitor(name), LONG)
    with pytest.raises(ValueError, match="The line is full: 3 trainings are already waiting"):
        line.join(Visitor("e"), LONG)
    assert [ticket.session for ticket in line.tickets()] == list("abcd")


def test_stop_while_waiting_leaves_the_line_and_stop_while_running_keeps_the_best_epoch(line):
    running, waiting = line.join(Visitor("a"), LONG), line.join(Visitor("b"), LONG)
    assert line.stop("b") == "Cancelled before it started."
    assert waiting.state == CANCELLED and "pressed Stop" in waiting.reason and line.place(waiting) == 0
    assert "best epoch" in line.stop("a")
    assert running.stop_requested and running.run.stopped.is_set()
    assert line.stop("nobody") == "Nothing of yours is training or waiting."


def test_a_place_nobody_touches_is_cancelled_and_its_folder_deleted(line):
    gone, waiting = line.join(Visitor("gone"), LONG), line.join(Visitor("waiting"), LONG)
    line.clock_stub.now += 5
    line.touch(waiting)
    line.clock_stub.now += 6  # "gone" unseen for 11 s, "waiting" for 6.
    line.reap()
    assert gone.state == CANCELLED and "Nobody was reading" in gone.reason
    assert waiting.state == RUNNING  # The slot went to the next in line.
    assert wait_until(lambda: gone.run.ended()) and wait_until(lambda: len(run_folders(line)) == 1)
    assert gone.folder.parent.name not in run_folders(line)


def test_finish_keeps_the_folder_only_when_asked(line):
    kept = line.join(Visitor("a"), TrainConfig(digits=2, training_size=600, epochs=2))
    assert wait_until(lambda: kept.run.ended())
    line.finish(kept, keep=True)
    dropped = line.join(Visitor("b"), TrainConfig(digits=2, training_size=600, epochs=2))
    assert wait_until(lambda: dropped.run.ended())
    line.finish(dropped, keep=False)
    assert kept.state == dropped.state == ENDED
    assert wait_until(lambda: run_folders(line) == [kept.folder.parent.name])
    assert (kept.folder / "model.weights.h5").is_file()


def test_shutdown_ends_every_run_and_deletes_the_workspace(line):
    tickets = [line.join(Visitor(name), LONG) for name in "ab"]
    line.shutdown()
    assert all(ticket.state == CANCELLED for ticket in tickets) and tickets[0].run.ended()
    assert not line.workspace.exists()
    with pytest.raises(ValueError, match="shutting down"):
        line.join(Visitor("c"), LONG)


def test_visitors_keep_three_models_each_and_the_app_refuses_past_its_bound(tmp_path):
    models = SessionModels(per_session=3, total=4)

    def add(session):
        folder = tmp_path / f"run-{session}-{len(list(tmp_path.iterdir()))}" / "model"
        folder.mkdir(parents=True)
        return models.add(Visitor(session), object(), folder, "LSTM, 2 digits")

    labels = [add("a")[0] for _ in range(3)]
    label, replaced = add("a")  # The fourth replaces their own oldest, nobody else's.
    assert replaced == labels[0] and models.labels("a") == [*labels[1:], label]
    assert len(list(tmp_path.iterdir())) == 3  # The replaced model's run folder is gone.
    add("b")
    with pytest.raises(ValueError, match="holding 4 visitors' models, its limit"):
        models.check_room(Visitor("c"))
    models.check_room(Visitor("a"))  # "a" replaces their own: no new room needed.
    assert models.labels("b") and len(models.labels("a")) == 3  # Nobody lost a model.


def test_the_line_asks_for_room_before_it_takes_a_place(tmp_path):
    models = SessionModels(per_session=3, total=2)
    line = TrainingQueue(ScriptedStarts(MODEL), tmp_path / "work", admit=models.check_room)
    try:
        line.join(Visitor("a"), LONG)
        line.join(Visitor("b"), LONG)  # Two places taken: two models to come.
        with pytest.raises(ValueError, match="its limit"):
            line.join(Visitor("c"), LONG)
    finally:
        line.shutdown()


def test_one_address_holds_two_places_one_account_one_and_signing_in_gives_a_place_of_ones_own(tmp_path):
    line = TrainingQueue(ScriptedStarts(MODEL), tmp_path / "work", max_waiting=10, sign_in=True)
    try:
        line.join(Visitor("page-1", address="10.0.0.1"), LONG)
        line.join(Visitor("page-2", address="10.0.0.1"), LONG)
        with pytest.raises(ValueError, match="2 trainings from your network address.*Sign in with Hugging Face"):
            line.join(Visitor("page-3", address="10.0.0.1"), LONG)
        line.join(Visitor("page-4", address="10.0.0.2"), LONG)  # Another network.
        line.join(Visitor("page-3", account="ada", address="10.0.0.1"), LONG)  # Signed in: counts as herself.
        with pytest.raises(ValueError, match="Your account already has a training"):
            line.join(Visitor("page-5", account="ada", address="10.0.0.9"), LONG)  # Her second page.
        assert [ticket.session for ticket in line.tickets()] == ["page-1", "page-2", "page-4", "page-3"]
    finally:
        line.shutdown()


def test_with_two_trainers_two_run_at_once_and_the_estimates_follow_both(tmp_path):
    clock = Clock()
    line = TrainingQueue(
        ScriptedStarts(MODEL), tmp_path / "work", trainers=2, max_waiting=4, typical_seconds=60.0, clock=clock
    )
    try:
        tickets = [line.join(Visitor(f"visitor-{index}"), LONG) for index in range(5)]
        assert [ticket.state for ticket in tickets] == [RUNNING, RUNNING, WAITING, WAITING, WAITING]
        clock.now += 20  # Both runs 20 s into a typical 60: 40 s left each.
        assert [line.estimated_wait(ticket) for ticket in tickets[2:]] == [40, 40, 100]
        line.finish(tickets[1])
        assert tickets[2].state == RUNNING and line.place(tickets[3]) == 1  # The freed slot, in order.
    finally:
        line.shutdown()


def test_one_person_holds_a_fair_part_of_the_apps_models(tmp_path):
    models = SessionModels(per_session=1, total=9, per_person=3)

    def add(visitor):
        folder = tmp_path / f"run-{len(list(tmp_path.iterdir()))}" / "model"
        folder.mkdir(parents=True)
        models.check_room(visitor)
        return models.add(visitor, object(), folder, "LSTM, 2 digits")[0]

    labels = [add(Visitor(f"page-{index}", address="10.0.0.1")) for index in range(3)]
    assert labels == ["Your model 1: LSTM, 2 digits"] * 3  # Numbered per page.
    with pytest.raises(ValueError, match="Your network address holds 3 of this app's 9 visitors' models"):
        models.check_room(Visitor("page-4", address="10.0.0.1"))
    with pytest.raises(ValueError, match="fair share"):  # A training under way counts too.
        SessionModels(per_person=1).check_room(Visitor("x", address="10.0.0.3"), [Visitor("y", address="10.0.0.3")])
    add(Visitor("page-4", account="ada", address="10.0.0.1"))  # Signed in: her own share.
    assert add(Visitor("page-1", address="10.0.0.1")) == "Your model 2: LSTM, 2 digits"  # Replaces its own.


def test_expensive_calls_hold_one_place_per_page_and_a_fair_share_per_address():
    """FairShare, the bound on /explain, big /sample calls and first loads: one in flight per page,
    ``per_address`` per network address (behind a proxy: the address the proxy appended, never what
    the caller wrote), each freed when its call ends, even by an error."""
    from contextlib import ExitStack
    from types import SimpleNamespace

    from demo.callbacks import FairShare

    def request(session, address, forwarded=None):
        headers = {"x-forwarded-for": forwarded} if forwarded else {}
        return SimpleNamespace(session_hash=session, client=SimpleNamespace(host=address), headers=headers)

    share = FairShare(per_address=2)
    with share.turn(request("a", "10.0.0.1"), "a look inside"):
        with pytest.raises(ValueError, match="You already have a look inside under way"):
            with share.turn(request("a", "10.0.0.1"), "a look inside"):
                pass
        with share.turn(request("b", "10.0.0.1"), "a look inside"):  # A second page from the same address.
            with pytest.raises(ValueError, match="2 calls like this from your network address"):
                with share.turn(request("c", "10.0.0.1"), "a look inside"):
                    pass
            with share.turn(request("d", "10.0.0.2"), "a look inside"):  # Another address is not held up.
                pass
    with pytest.raises(RuntimeError):  # A call that fails frees its place too.
        with share.turn(request("a", "10.0.0.1"), "a look inside"):
            raise RuntimeError
    with ExitStack() as held:  # All freed: the address's full share again.
        for session in ("a", "b"):
            held.enter_context(share.turn(request(session, "10.0.0.1"), "a look inside"))
    # Behind a proxy the address is the one it appended; a caller's own X-Forwarded-For entries
    # in front of it change nothing.
    proxied = FairShare(per_address=1, behind_proxy=True)
    with proxied.turn(request("a", "127.0.0.1", "1.2.3.4, 203.0.113.9"), "a look inside"):
        with pytest.raises(ValueError, match="from your network address"):
            with proxied.turn(request("b", "127.0.0.1", "5.6.7.8, 203.0.113.9"), "a look inside"):
                pass
        with proxied.turn(request("c", "127.0.0.1", "203.0.113.10"), "a look inside"):
            pass


def standin_workers(monkeypatch, **options):
    """``TrainingWorkers(**options)`` whose spawned processes are stand-ins: each says "ready",
    and "done" for each job it is sent; returns it, the workers spawned and those retired."""
    import queue
    from types import SimpleNamespace

    from demo.training_workers import TrainingWorkers, Worker

    workers = TrainingWorkers(max_seconds=60, **options)
    spawned, retired = [], []

    def spawn(runs, ahead=True):
        events = queue.Queue()
        events.put({"event": "ready"})

        def send(message):
            if message != "stop":
                events.put({"event": "done"})
                events.put({"event": "ready"})  # As a worker does once it has forgotten the run.

        process = SimpleNamespace(is_alive=lambda: True, join=lambda timeout=None: None, exitcode=None)
        worker = Worker(process, SimpleNamespace(send=send), SimpleNamespace(recv=events.get), runs)
        worker.retire = lambda: retired.append(worker)
        spawned.append(worker)
        return worker

    monkeypatch.setattr(workers, "_spawn", spawn)
    return workers, spawned, retired


def run_to_its_end(workers):
    run = workers.start(TrainConfig(digits=1, training_size=40), "unused")
    assert run.over.wait(5) and run.events.get(timeout=5) == {"event": "done"}
    assert wait_until(lambda: len(workers._busy) == 0, timeout=5)
    return run


@pytest.mark.parametrize("ready", [0, 1, 2])
def test_the_workers_started_ahead_serve_run_after_run(ready, monkeypatch):
    """``ready`` workers are started ahead and no more: each run takes an idle one, which waits
    again once the run is over; with 0 (ADDITION_READY_WORKERS=0) each run starts a worker of its
    own, which is let go after it."""
    workers, spawned, retired = standin_workers(monkeypatch, ready=ready)
    workers.prepare()
    assert len(spawned) == ready
    for run_number in range(1, 4):
        run = run_to_its_end(workers)
        assert run.worker in spawned
        if ready:
            assert len(spawned) == ready and len(workers._idle) == ready and not retired  # The same ones, again.
        else:
            assert len(spawned) == run_number and wait_until(lambda: retired == spawned, timeout=5)


def test_a_worker_that_has_served_its_runs_is_replaced_at_once(monkeypatch):
    workers, spawned, retired = standin_workers(monkeypatch, ready=1, runs_per_worker=2)
    workers.prepare()
    first = spawned[0]
    run_to_its_end(workers), run_to_its_end(workers)
    # Retired after its second run, and its successor started then, before anyone presses Train.
    assert wait_until(lambda: retired == [first], timeout=5) and len(spawned) == 2 and workers._idle == [spawned[1]]
    assert run_to_its_end(workers).worker is spawned[1]


def test_stop_before_the_worker_is_ready_reaches_the_run_once_it_starts(monkeypatch):
    """A visitor who presses Stop while their worker still imports TensorFlow: the worker gets
    the job, then "stop" (it ends the run before its first epoch), and nothing is sent after."""
    import queue
    from types import SimpleNamespace

    from demo.training_workers import TrainingWorkers, Worker

    events, sent = queue.Queue(), []
    process = SimpleNamespace(is_alive=lambda: True, join=lambda timeout=None: None, exitcode=None)
    worker = Worker(process, SimpleNamespace(send=sent.append), SimpleNamespace(recv=events.get), 1)
    worker.retire = lambda: None
    workers = TrainingWorkers(max_seconds=60, ready=0)
    monkeypatch.setattr(workers, "_spawn", lambda runs, ahead=True: worker)
    run = workers.start(TrainConfig(digits=1, training_size=40), "unused")
    run.stop()
    assert sent == []  # Not ready: nothing can be sent yet.
    events.put({"event": "ready"})
    assert wait_until(lambda: len(sent) == 2, timeout=5) and sent[1] == "stop" and sent[0][0] == "keras-io"
    events.put({"event": "done", "epochs_run": 0})
    assert run.over.wait(5)
    run.stop()  # Over: its worker may be another visitor's by now.
    assert len(sent) == 2


@pytest.mark.slow  # Trains.
def test_a_run_made_ahead_trains_exactly_the_weights_of_one_made_at_the_press():
    """A worker traces the tab's default network while it waits (one training step, the forward
    pass), then puts its weights and optimizer back: the visitor's run must learn exactly what it
    would from scratch, epoch for epoch."""
    import hashlib

    from addition.training import train
    from demo.worker import KerasIoRun

    config = TrainConfig().replace(digits=2, training_size=1000, epochs=2, hidden_size=16, random_seed=5)

    def learned(result):
        weights = hashlib.sha256(b"".join(array.tobytes() for array in result.model.get_weights())).hexdigest()
        return weights, [(record["loss"], record["val_exact_match"]) for record in result.history]

    ahead = KerasIoRun(config)
    ahead.trace_ahead()
    assert ahead.network.optimizer.iterations.numpy() == 0
    assert learned(train(config, data=ahead.data, network=ahead.network)) == learned(train(config))


@pytest.mark.slow  # Trains, for a batch.
@pytest.mark.parametrize("architecture", ["keras-io", "column"])
def test_a_worker_run_stopped_within_its_first_epoch_ends_with_nothing_saved(tmp_path, architecture):
    """The worker's own run (in this process): Stop before any epoch ends is a "done" event with
    no folder, not an error, and no folder is left."""
    import threading

    from demo.worker import run

    class Sent(list):
        send = list.append

    settings = {"keras-io": dict(digits=2, training_size=200, epochs=2, batch_size=32, hidden_size=8)}
    settings["column"] = dict(max_digits=2, sums_per_epoch=200, epochs=2, batch_size=32, hidden_size=8)
    stop, events = threading.Event(), Sent()
    stop.set()  # Pressed before the first step ends.
    run(architecture, settings[architecture], str(tmp_path / "run"), 60, stop, events)
    done = events[-1]
    kinds = [event["event"] for event in events]
    assert kinds[0] == "started" and kinds[-1] == "done" and "epoch" not in kinds
    assert done["folder"] is None and done["epochs_run"] == 0 and done["stopped"] and not done["capped"]
    assert not list(tmp_path.iterdir())
