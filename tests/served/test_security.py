"""The launched app serves its page and API, not the files around it."""

import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.helpers import MODELS_FOLDER, ROOT

PRIVATE_FILES = [
    ROOT / "app.py",
    MODELS_FOLDER / "addition-3digit" / "model.weights.h5",
    MODELS_FOLDER / "addition-3digit" / "validation.json",
    "/etc/passwd",
]


def status_of(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize("path", PRIVATE_FILES, ids=lambda p: str(p).split("/")[-1])
@pytest.mark.parametrize("route", ["gradio_api/file=", "file="])
def test_files_outside_gradio_are_not_served(app_url, route, path):
    url = app_url + route + urllib.parse.quote(str(path))
    assert status_of(url) in (403, 404)


def test_the_page_itself_is_served(app_url):
    assert status_of(app_url) == 200
