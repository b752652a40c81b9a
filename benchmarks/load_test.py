"""Many users at once: concurrent gradio_client users send sums to a launched app.

    python -m benchmarks.load_test                      # starts python app.py itself, 32 users x 25 sums
    python -m benchmarks.load_test --url http://127.0.0.1:7860/ --users 64
    python -m benchmarks.load_test --all-models         # users spread over the 2-, 3-, 4- and 5-digit models

Every request must be answered, with the true sum right (the oracle: Python's addition) and the
model's answer marked honestly. Prints p50/p95 latency, throughput, the model's own accuracy on
the sums sent, and the app process's peak resident memory (when it started the app).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np


def peak_memory_mb(pid: int) -> float | None:
    """VmHWM: the most resident memory the process ever had (Linux)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def user(url: str, sums: list, start_at: float, model: str | None = None):
    """One user in its own process (as real users are): connect, wait for the common start,
    send the sums one after another. Returns (timings, errors)."""
    from gradio_client import Client

    try:
        client = Client(url, verbose=False)
    except Exception as error:  # Counted, not raised: the report says how many failed.
        return [], [f"connect: {error}"]
    time.sleep(max(0.0, start_at - time.time()))
    timings, errors = [], []
    for a, b in sums:
        started = time.time()
        try:
            options = {"model": model} if model else {}  # Else the app's first model.
            details = client.predict(f"{a}+{b}", api_name="/add", **options)[2]
        except Exception as error:
            errors.append(f"{a}+{b}: {error}")
            continue
        timings.append((started, time.time(), a, b, details))
    return timings, errors


def server_latency_ms(url: str, count: int = 50) -> float:
    """Median time of one sum through Gradio's plain HTTP API (/gradio_api/call/add), one at a
    time: what the server itself spends, without gradio_client's own overhead."""
    import json
    import urllib.request

    # Plain HTTP takes every input: the sum, then the model, whose default the API info gives.
    with urllib.request.urlopen(f"{url}gradio_api/info", timeout=30) as response:
        parameters = json.load(response)["named_endpoints"]["/add"]["parameters"]
    defaults = [parameter.get("parameter_default") for parameter in parameters[1:]]
    timings = []
    for index in range(count):
        started = time.perf_counter()
        payload = {"data": [f"{index}+{index}", *defaults]}
        request = urllib.request.Request(
            f"{url}gradio_api/call/add", data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            event_id = json.load(response)["event_id"]
        with urllib.request.urlopen(f"{url}gradio_api/call/add/{event_id}", timeout=30) as response:
            body = response.read().decode()
        if "event: complete" not in body:
            raise RuntimeError(f"no answer for {index}+{index}: {body[:200]}")
        details = json.loads(body.split("event: complete")[1].split("data:", 1)[1].strip())[2]
        if details["true_answer"] != index + index or details["correct"] != (details["model_answer"] == str(2 * index)):
            raise RuntimeError(f"a wrong or dishonest answer to {index}+{index}: {details}")
        timings.append(time.perf_counter() - started)
    return 1000 * statistics.median(timings)


def run(
    url: str,
    users: int,
    per_user: int,
    seed: int = 0,
    warm_up_seconds: float = 20.0,
    models: dict[str, int] | None = None,
) -> dict:
    """``models``: model label -> digits; user i asks model i mod len(models) sums of its size."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from addition.data import sample_whole_space

    models = models or {None: 3}
    labels = list(models)
    start_at = time.time() + warm_up_seconds  # Time for every user process to start and connect.
    # Processes, not threads: 32 clients in one interpreter would measure its lock, not the app.
    with ProcessPoolExecutor(users, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = []
        for i in range(users):
            label = labels[i % len(labels)]
            sums = sample_whole_space(models[label], per_user, seed + i).tolist()
            futures.append(pool.submit(user, url, sums, start_at, label))
        outcomes = [future.result(timeout=900) for future in futures]
    results = [timing for timings, _ in outcomes for timing in timings]
    errors = [error for _, errors in outcomes for error in errors]
    latencies = sorted(end - begin for begin, end, *_ in results)
    wall = max(end for _, end, *_ in results) - min(begin for begin, *_ in results) if results else float("nan")
    wrong_truth = [(a, b) for *_, a, b, d in results if d["true_answer"] != a + b]
    dishonest = [(a, b) for *_, a, b, d in results if d["correct"] != (d["model_answer"] == str(a + b))]
    model_right = sum(d["correct"] for *_, d in results)
    return {
        "requests": users * per_user,
        "answered": len(results),
        "errors": errors,
        "wrong_true_answers": wrong_truth,
        "dishonest_marks": dishonest,
        "model_accuracy": model_right / max(1, len(results)),
        "p50_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
        "p95_ms": 1000 * float(np.percentile(latencies, 95)) if latencies else float("nan"),
        "throughput": len(results) / wall,
        "wall": wall,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="an app that is already running (default: start python app.py)")
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--sums", type=int, default=25, help="sums per user")
    parser.add_argument(
        "--all-models",
        action="store_true",
        help="spread the users over every bundled model (peak memory with all four loaded)",
    )
    arguments = parser.parse_args()
    models = None
    if arguments.all_models:
        from demo.launch import MODELS_FOLDER
        from demo.models import bundled_entries

        models = {entry.label: entry.digits for entry in bundled_entries(MODELS_FOLDER)}
    process = None
    if arguments.url:
        url = arguments.url
    else:
        from benchmarks.serve import start_app

        process, url = start_app()
    try:
        alone_ms = server_latency_ms(url)
        report = run(url, arguments.users, arguments.sums, models=models)
        memory = peak_memory_mb(process.pid) if process else None
    finally:
        if process:
            process.terminate()
            process.wait(timeout=30)
    print(
        f"{arguments.users} users x {arguments.sums} sums against {url}"
        + (f", spread over {', '.join(models)}" if models else "")
    )
    print("| requests | answered | errors | p50 | p95 | throughput | model right | app peak memory |")
    print("|---|---|---|---|---|---|---|---|")
    print(
        f"| {report['requests']} | {report['answered']} | {len(report['errors'])} | {report['p50_ms']:.0f} ms | "
        f"{report['p95_ms']:.0f} ms | {report['throughput']:.0f} sums/s | {report['model_accuracy']:.2%} | "
        f"{f'{memory:.0f} MB' if memory else 'n/a'} |"
    )
    print(f"one sum at a time through plain HTTP (/gradio_api/call/add, median of 50): {alone_ms:.0f} ms")
    for error in report["errors"][:5]:
        print("error:", error)
    ok = report["answered"] == report["requests"] and not report["wrong_true_answers"] and not report["dishonest_marks"]
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
