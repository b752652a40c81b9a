"""A script floods /train, or /explain, while people add: do the sums still come back, and how fast?

    python -m benchmarks.flood                 # starts python app.py itself; 4 users, 300 /train calls
    python -m benchmarks.flood --url http://127.0.0.1:7860/ --users 8 --trainings 500
    python -m benchmarks.flood --explain 10    # instead: one script keeps 10 /explain calls going at once

The same users send the same number of sums twice in one run: first with no flood, then while
``--trainings`` anonymous /train calls arrive over plain HTTP from as many sessions (nobody
reads their streams, as a script would not). Prints the CPU, each phase's p50/p95 and their
ratios, how the /train calls were answered, and whether any sum was refused or wrong.
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
import urllib.error
import urllib.request

from benchmarks import cpu_model
from demo.train_settings import api_arguments

TRAIN_SETTINGS = api_arguments(training_size=600, hidden_size=16, epochs=100)  # A small network's long run.


def users_phase(url: str, users: int, sums: int) -> tuple[list[float], list[str]]:
    """``users`` gradio_client users, each sending ``sums`` sums one after another: (latencies
    in ms, problems). A problem is any refusal or a wrong true sum."""
    from gradio_client import Client

    latencies, problems = [], []
    clients = [Client(url, verbose=False) for _ in range(users)]

    def one(client, offset):
        for index in range(sums):
            a, b = (offset * 37 + index * 11) % 1000, (index * 7) % 1000
            started = time.perf_counter()
            try:
                details = client.predict(f"{a}+{b}", api_name="/add")[2]
                if details["true_answer"] != a + b:
                    problems.append(f"{a}+{b}: true answer {details['true_answer']}")
            except Exception as error:  # Counted, not raised.
                problems.append(f"{a}+{b}: {str(error)[:80]}")
                continue
            latencies.append(1000 * (time.perf_counter() - started))

    threads = [threading.Thread(target=one, args=(client, offset)) for offset, client in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, problems


def flood(url: str, trainings: int, answers: dict) -> None:
    """``trainings`` /train calls over plain HTTP, each from a session of its own, from 8 threads."""

    def send(indices):
        for index in indices:
            body = json.dumps({"data": TRAIN_SETTINGS, "session_hash": f"flood-{index}"}).encode()
            request = urllib.request.Request(
                url + "gradio_api/call/train", data=body, method="POST", headers={"Content-Type": "application/json"}
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    response.read()
                    answers["accepted"] = answers.get("accepted", 0) + 1
            except urllib.error.HTTPError as error:
                answers[f"HTTP {error.code}"] = answers.get(f"HTTP {error.code}", 0) + 1

    threads = [threading.Thread(target=send, args=(range(start, trainings, 8),)) for start in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def explain_flood(url: str, callers: int, done: threading.Event, answers: dict) -> None:
    """``callers`` clients of one script (one address), each sending /explain calls back to back
    on the 5-digit model until ``done``: refusals are counted, not raised."""
    from gradio_client import Client

    def call(client):
        while not done.is_set():
            try:
                client.predict("12345+67890", "5 digits", api_name="/explain")
                answers["answered"] = answers.get("answered", 0) + 1
            except Exception as error:  # A refusal in words (one at a time per page, a few per address).
                key = "refused: " + str(error).split(":")[0][:60]
                answers[key] = answers.get(key, 0) + 1

    threads = [threading.Thread(target=call, args=(Client(url, verbose=False),)) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(url: str, users: int, sums: int, trainings: int, explain: int = 0) -> dict:
    quiet, quiet_problems = users_phase(url, users, sums)
    answers: dict = {}
    done = threading.Event()
    if explain:
        flooding = threading.Thread(target=explain_flood, args=(url, explain, done, answers))
        flooding.start()
        time.sleep(2)  # The callers connected and calling.
    else:
        flooding = threading.Thread(target=flood, args=(url, trainings, answers))
        flooding.start()
    loud, loud_problems = users_phase(url, users, sums)
    done.set()
    flooding.join()
    return {"quiet": quiet, "loud": loud, "problems": quiet_problems + loud_problems, "flood_answers": answers}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running app (default: start python app.py)")
    parser.add_argument("--users", type=int, default=4)
    parser.add_argument("--sums", type=int, default=50, help="sums per user in each phase")
    parser.add_argument("--trainings", type=int, default=300)
    parser.add_argument("--explain", type=int, default=0, help="instead of /train calls: this many /explain callers")
    arguments = parser.parse_args(argv)
    process = None
    url = arguments.url
    if url is None:
        from .serve import start_app

        process, url = start_app()
    try:
        report = run(url, arguments.users, arguments.sums, arguments.trainings, arguments.explain)
    finally:
        if process is not None:
            from .serve import stop_app

            stop_app(process)
    quiet, loud = report["quiet"], report["loud"]
    print(f"CPU: {cpu_model()}; {arguments.users} users x {arguments.sums} sums per phase")
    flooded = f"{arguments.explain} /explain callers" if arguments.explain else f"{arguments.trainings} /train calls"
    for name, values in (("no flood", quiet), (flooded, loud)):
        print(
            f"{name:>20}: {len(values)} answered, p50 {statistics.median(values):.0f} ms, "
            f"p95 {percentile(values, 0.95):.0f} ms"
        )
    print(
        f"flood / no flood: p50 {statistics.median(loud) / statistics.median(quiet):.2f}x, "
        f"p95 {percentile(loud, 0.95) / percentile(quiet, 0.95):.2f}x"
    )
    if arguments.explain:
        print(f"/explain calls: {report['flood_answers']}")
    else:
        print(f"/train calls: {report['flood_answers']} (each is then refused in a sentence or waits in line)")
    print(f"sums refused or wrong: {len(report['problems'])}" + "".join(f"\n  {p}" for p in report["problems"][:5]))
    return 0 if not report["problems"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
