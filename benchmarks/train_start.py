"""How soon a visitor's training shows: from pressing Train (the tab's defaults) to the first
finished epoch, and to the model in the Model menu.

    python -m benchmarks.train_start             # starts python app.py twice; 3 presses each
    python -m benchmarks.train_start --presses 1 # a smoke test

Both in one invocation: the baseline app starts each run's worker when the run starts
(ADDITION_READY_WORKERS=0: a new interpreter importing TensorFlow for every press, as before
workers were started ahead); the app as it ships has one ready and waiting, reused run after run,
with the tab's default run made ahead. Each press waits until the app is idle (no training, and
the app itself quiet: its models loaded, the last page drawn) and, as shipped, until the worker
is ready again (as a visitor arriving a little later finds it). Prints the CPU,
each press's two times, their medians and the ratios.
"""

from __future__ import annotations

import argparse
import statistics
import time

from benchmarks import cpu_model, ready_workers, running_trainers, wait_until_quiet
from benchmarks.serve import start_app, stop_app
from demo.train_settings import DEFAULTS


def press(url: str) -> tuple[float, float]:
    """One visitor presses Train with the tab's defaults: (seconds to the first finished epoch,
    seconds to the model in the menu)."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    started = time.perf_counter()
    first_epoch = None
    job = client.submit(**DEFAULTS, api_name="/train")
    for update in job:
        if first_epoch is None and "held-out whole answers" in (update[0] or ""):
            first_epoch = time.perf_counter() - started
        if update[4] and update[4].get("model"):  # The result: the model is in the menu.
            return first_epoch, time.perf_counter() - started
    raise RuntimeError(f"the training ended without a model: {job.outputs()[-1][0] if job.outputs() else ''}")


def wait_until_idle(pid: int, ready: bool, timeout: float = 300) -> None:
    """No training under way, a worker ready (as shipped), and the app itself quiet: its models
    loaded and the last visitor's page drawn."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not running_trainers(pid) and (not ready or ready_workers(pid)):
            wait_until_quiet(pid, timeout=deadline - time.monotonic())
            return
        time.sleep(0.2)
    raise RuntimeError("the app's workers did not settle")


def measure(presses: int, ready_workers_env: str) -> list[tuple[float, float]]:
    process, url = start_app(env={"ADDITION_READY_WORKERS": ready_workers_env})
    try:
        times = []
        for _ in range(presses):
            wait_until_idle(process.pid, ready=ready_workers_env != "0")
            times.append(press(url))
        return times
    finally:
        stop_app(process)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--presses", type=int, default=3)
    arguments = parser.parse_args(argv)
    print(f"CPU: {cpu_model()}; the tab's defaults: {DEFAULTS}", flush=True)
    results = {}
    for name, env in (("a worker started per press", "0"), ("a worker started ahead", "1")):
        results[name] = measure(arguments.presses, env)
        for index, (first, model) in enumerate(results[name], 1):
            print(
                f"{name}, press {index}: first epoch after {first:.1f} s, the model in the menu after {model:.1f} s",
                flush=True,
            )
    (cold_name, cold), (warm_name, warm) = results.items()
    medians = {name: [statistics.median(column) for column in zip(*times)] for name, times in results.items()}
    for name, (first, model) in medians.items():
        print(f"median, {name}: first epoch {first:.1f} s, model {model:.1f} s")
    print(
        f"started ahead vs per press: first epoch {medians[cold_name][0] / medians[warm_name][0]:.2f}x sooner, "
        f"model {medians[cold_name][1] / medians[warm_name][1]:.2f}x sooner"
    )


if __name__ == "__main__":
    main()
