"""32 concurrent users x 25 sums against the launched app: all answered, all true sums right."""

import sys

from .conftest import ROOT

sys.path.insert(0, str(ROOT))


def test_32_concurrent_users_are_all_answered_correctly(app_url):
    from benchmarks.load_test import run

    report = run(app_url, users=32, per_user=25)
    assert report["errors"] == []
    assert report["answered"] == report["requests"] == 800
    assert report["wrong_true_answers"] == [] and report["dishonest_marks"] == []
    assert report["model_accuracy"] >= 0.995  # The model's own error rate, not the server's.
