"""Answering sums while a visitor trains: the same load on /add with no training, then during one.

    python -m benchmarks.train_beside_app               # starts python app.py; 4 users x 60 sums each time
    python -m benchmarks.train_beside_app --quick       # a smoke test (tiny training, few sums)

Prints p50/p95 latency of /add for both loads and their ratio, what the Train tab's default
settings reached in how long, and the peak resident memory of the app and of the training process.
"""

from __future__ import annotations

import argparse
import threading
import time

from benchmarks import cpu_model, running_trainers
from benchmarks.load_test import peak_memory_mb, run
from benchmarks.serve import start_app, stop_app
from demo.train_settings import DEFAULTS


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=4)
    parser.add_argument("--sums", type=int, default=60, help="sums per user")
    parser.add_argument("--quick", action="store_true")
    arguments = parser.parse_args()
    from gradio_client import Client

    settings = dict(DEFAULTS)
    users, sums, warm_up = arguments.users, arguments.sums, 10
    if arguments.quick:
        settings.update(training_size=600, epochs=2, hidden_size=16)
        users, sums, warm_up = 2, 5, 4
    print(f"CPU: {cpu_model()}", flush=True)
    process, url = start_app()
    try:
        alone = run(url, users, sums, warm_up_seconds=warm_up)
        outcome, trainer_memory = {}, [0.0]

        def train():
            job = Client(url, verbose=False).submit(**settings, api_name="/train")
            outcome["updates"] = list(job)

        trainer = threading.Thread(target=train)
        started = time.monotonic()
        trainer.start()
        while not running_trainers() and trainer.is_alive():
            time.sleep(0.2)

        def watch_memory():
            while trainer.is_alive():
                for pid in running_trainers():
                    trainer_memory[0] = max(trainer_memory[0], peak_memory_mb(pid) or 0)
                time.sleep(0.5)

        threading.Thread(target=watch_memory, daemon=True).start()
        during = run(url, users, sums, warm_up_seconds=warm_up)
        still_training = trainer.is_alive()
        trainer.join(timeout=900)
        wall = time.monotonic() - started
        app_memory = peak_memory_mb(process.pid)
    finally:
        stop_app(process)
    result = next((update[4] for update in reversed(outcome.get("updates", [])) if update[4]), {})
    print(
        f"{users} users x {sums} sums on /add, before and during one training with the Train tab's settings {settings}"
    )
    print("| load on /add | answered | p50 | p95 |")
    print("|---|---|---|---|")
    for name, report in (("no training", alone), ("while training", during)):
        print(
            f"| {name} | {report['answered']}/{report['requests']} | {report['p50_ms']:.0f} ms | "
            f"{report['p95_ms']:.0f} ms |"
        )
    print(
        f"p50 while training / alone: {during['p50_ms'] / alone['p50_ms']:.2f}x; "
        f"p95: {during['p95_ms'] / alone['p95_ms']:.2f}x"
        + ("" if still_training else " (the training ended before the load did)")
    )
    if result:
        print(
            f"training: {result['epochs_run']} epochs in {result['seconds']:.0f} s of training "
            f"({wall:.0f} s from the click, process start and scoring included), held-out whole answers "
            f"{result['validation_exact_match']:.2%}"
        )
    print(f"peak resident memory: app {app_memory or float('nan'):.0f} MB, training process {trainer_memory[0]:.0f} MB")


if __name__ == "__main__":
    main()
