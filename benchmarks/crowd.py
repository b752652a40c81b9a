"""A class at once: visitors from distinct addresses press Train within a minute while others add.

    python -m benchmarks.crowd                          # 30 visitors, trainers as the app chooses
    python -m benchmarks.crowd --trainers 2             # ADDITION_TRAINERS=2
    python -m benchmarks.crowd --visitors 4 --spread 5  # a smoke test

Starts ``python app.py`` as behind a Space's proxy (ADDITION_BEHIND_PROXY=1: each visitor's
address is the X-Forwarded-For it sends). First ``--users`` users add sums for a while alone
(the baseline), then go on adding while ``--visitors`` visitors, each from its own address, press
Train with the tab's defaults at random moments within ``--spread`` seconds. A visitor told the
line is full tries again 20 s later, as a person would, until ``--deadline``. Prints the CPU, how
many visitors got a model, their p50/p95 time from their first press to the first finished epoch
and to the model, and the sums' p50/p95 during the crowd against before it.
"""

from __future__ import annotations

import argparse
import random
import statistics
import threading
import time

from benchmarks import cpu_model
from benchmarks.serve import start_app, stop_app
from demo.train_settings import DEFAULTS

RETRY_SECONDS = 20.0  # A refused visitor's patience.


def address(index: int, block: int) -> str:
    return f"10.{block}.{index // 250}.{index % 250 + 1}"


def visitor(url: str, index: int, delay: float, deadline: float, results: list) -> None:
    """Press Train after ``delay`` s; on a refusal, again every RETRY_SECONDS until ``deadline``."""
    from gradio_client import Client

    time.sleep(delay)
    client = Client(url, verbose=False, headers={"X-Forwarded-For": address(index, 1)})
    pressed, first_epoch, refusals = time.monotonic(), None, 0
    while time.monotonic() < deadline:
        try:
            job = client.submit(**DEFAULTS, api_name="/train")
            for update in job:
                if first_epoch is None and "held-out whole answers" in (update[0] or ""):
                    first_epoch = time.monotonic() - pressed
                if update[4] and update[4].get("model"):
                    results.append(
                        {"first_epoch": first_epoch, "model": time.monotonic() - pressed, "refusals": refusals}
                    )
                    return
            job.result()  # A refusal ends the updates quietly: it is raised here.
            break  # Ended without a model (cancelled, stopped): counted below.
        except Exception as error:  # A refusal in words: the line is full, or a share is taken.
            refusals += 1
            if "line is full" not in str(error) and "already" not in str(error):
                results.append({"error": str(error)[:120], "refusals": refusals})
                return
            time.sleep(RETRY_SECONDS)
    results.append({"gave_up": True, "refusals": refusals})


def adder(url: str, index: int, done: threading.Event, latencies: list, problems: list) -> None:
    from gradio_client import Client

    client = Client(url, verbose=False, headers={"X-Forwarded-For": address(index, 2)})
    rng = random.Random(index)
    while not done.is_set():
        a, b = rng.randrange(1000), rng.randrange(1000)
        started = time.perf_counter()
        try:
            details = client.predict(f"{a}+{b}", api_name="/add")[2]
            latencies.append((time.monotonic(), 1000 * (time.perf_counter() - started)))
            if details["true_answer"] != a + b:
                problems.append(f"{a}+{b}")
        except Exception as error:  # Counted: there must be none.
            problems.append(str(error)[:80])
        time.sleep(0.2)  # A person reads the answer before the next sum.


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visitors", type=int, default=30)
    parser.add_argument("--users", type=int, default=4, help="people adding sums throughout")
    parser.add_argument("--trainers", type=int, default=None, help="ADDITION_TRAINERS (default: the app's choice)")
    parser.add_argument("--spread", type=float, default=60.0, help="seconds over which the visitors press Train")
    parser.add_argument("--settle", type=float, default=20.0, help="seconds the app gets to start its workers")
    parser.add_argument("--baseline", type=float, default=20.0, help="seconds of sums before the crowd")
    parser.add_argument("--deadline", type=float, default=900.0, help="seconds after which a visitor gives up")
    arguments = parser.parse_args(argv)
    env = {"ADDITION_BEHIND_PROXY": "1"}
    if arguments.trainers:
        env["ADDITION_TRAINERS"] = str(arguments.trainers)
    process, url = start_app(env=env)
    try:
        time.sleep(arguments.settle)  # The workers import TensorFlow, and the other models load.
        latencies, problems, done = [], [], threading.Event()
        adders = [
            threading.Thread(target=adder, args=(url, index, done, latencies, problems))
            for index in range(arguments.users)
        ]
        for thread in adders:
            thread.start()
        time.sleep(arguments.baseline)
        crowd_started = time.monotonic()
        rng, results = random.Random(0), []
        deadline = crowd_started + arguments.deadline
        visitors = [
            threading.Thread(target=visitor, args=(url, index, rng.uniform(0, arguments.spread), deadline, results))
            for index in range(arguments.visitors)
        ]
        for thread in visitors:
            thread.start()
        for thread in visitors:
            thread.join()
        crowd_ended = time.monotonic()
        done.set()
        for thread in adders:
            thread.join()
    finally:
        stop_app(process)
    served = [result for result in results if "model" in result]
    before = [ms for at, ms in latencies if at < crowd_started]
    during = [ms for at, ms in latencies if crowd_started <= at <= crowd_ended]
    print(
        f"CPU: {cpu_model()}; trainers: {arguments.trainers or 'the app default'}; {arguments.visitors} visitors "
        f"pressing Train within {arguments.spread:.0f} s, {arguments.users} users adding"
    )
    print(
        f"got a model: {len(served)} of {arguments.visitors} in {crowd_ended - crowd_started:.0f} s "
        f"(gave up: {sum('gave_up' in result for result in results)}, other endings: "
        f"{[result['error'] for result in results if 'error' in result][:3]}); "
        f"refusals before a place: {sum(result['refusals'] for result in results)}"
    )
    for name in ("first_epoch", "model"):
        values = [result[name] for result in served if result[name] is not None]
        if values:
            print(
                f"from the first press to the {name.replace('_', ' ')}: p50 {statistics.median(values):.0f} s, "
                f"p95 {percentile(values, 0.95):.0f} s"
            )
    for name, values in (("sums before the crowd", before), ("sums during the crowd", during)):
        if values:
            print(
                f"{name}: {len(values)}, p50 {statistics.median(values):.0f} ms, p95 {percentile(values, 0.95):.0f} ms"
            )
    if before and during:
        print(
            f"during / before: p50 {statistics.median(during) / statistics.median(before):.2f}x, "
            f"p95 {percentile(during, 0.95) / percentile(before, 0.95):.2f}x"
        )
    print(f"sums refused or wrong: {len(problems)}")
    return 0 if not problems else 1


if __name__ == "__main__":
    main()
