"""6 concurrent users x 10 sums against the launched app: all answered, all true sums right.
(`python -m benchmarks.load_test` runs 32 x 25 and prints the figures; the in-process flood test
in tests/app/test_service.py sends /train calls beside the sums.)"""


def test_6_concurrent_users_are_all_answered_correctly(app_url):
    from benchmarks.load_test import run

    report = run(app_url, users=6, per_user=10, warm_up_seconds=6)
    assert report["errors"] == []
    assert report["answered"] == report["requests"] == 60
    assert report["wrong_true_answers"] == [] and report["dishonest_marks"] == []
    assert report["model_accuracy"] >= 0.995  # The model's own error rate, not the server's.


def test_the_server_alone_answers_plain_http_calls(app_url):
    # The benchmark's baseline: Gradio's plain HTTP API, every input given (the model's default
    # read from the API info).
    from benchmarks.load_test import server_latency_ms

    # It raises unless every plain-HTTP answer came back complete, true and honestly marked.
    assert server_latency_ms(app_url, count=20) > 0
