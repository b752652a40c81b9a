"""From `python app.py` to the first answer, and the app's memory with every bundled model loaded.

    python -m benchmarks.startup            # 3 starts, the median kept
    python -m benchmarks.startup --starts 1

Each start launches `python app.py` on a free port and asks /add for 535+61 until it answers
(the clock runs from the launch to that answer). After the first start's answer, every bundled
model is picked once (each loads on first use), and the app's resident memory is read before
and after (VmRSS, and the peak VmHWM, from /proc). Prints the CPU beside the figures.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from benchmarks import cpu_model
from benchmarks.serve import ROOT, free_port, stop_app


def memory_mb(pid: int) -> dict:
    found = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key = line.split(":")[0]
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(line.split()[1]) / 1024
    return found


def start_and_answer():
    """(process, url, seconds from launch to the first right answer)."""
    import os

    from gradio_client import Client

    port = free_port()
    environment = {
        **os.environ,
        "GRADIO_SERVER_NAME": "127.0.0.1",
        "GRADIO_SERVER_PORT": str(port),
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "app.py"], cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}/"
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"app.py exited with {process.returncode}")
        try:
            details = Client(url, verbose=False).predict("535+61", api_name="/add")[2]
            if details["true_answer"] == 596:
                return process, url, time.perf_counter() - started
        except Exception:  # Not serving yet.
            time.sleep(0.1)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--starts", type=int, default=3)
    arguments = parser.parse_args(argv)
    from gradio_client import Client

    from demo.launch import MODELS_FOLDER
    from demo.models import bundled_entries

    times, memory = [], {}
    for start in range(arguments.starts):
        process, url, seconds = start_and_answer()
        times.append(seconds)
        if start == 0:
            memory["first answer"] = memory_mb(process.pid)
            client = Client(url, verbose=False)
            for entry in bundled_entries(MODELS_FOLDER):
                client.predict("1+1", entry.label, api_name="/add")
            memory["every bundled model picked"] = memory_mb(process.pid)
        stop_app(process)
    print(f"CPU: {cpu_model()}")
    print(
        f"python app.py to the first answer: median {statistics.median(times):.1f} s of {len(times)} "
        f"start(s) ({', '.join(f'{t:.1f}' for t in times)} s)"
    )
    for when, figures in memory.items():
        print(f"resident memory at {when}: {figures['VmRSS']:,.0f} MB (peak {figures['VmHWM']:,.0f} MB)")


if __name__ == "__main__":
    main()
