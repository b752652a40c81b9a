"""The library is a package of its own: pip builds it from pyproject.toml, with the library and
nothing of the app, the tests or the repository's folders."""

import shutil
import subprocess
import sys
import zipfile

from tests.helpers import ROOT


def test_pip_builds_the_library_alone_into_a_wheel(tmp_path):
    source = tmp_path / "source"  # A copy: building writes build/ and *.egg-info beside the sources.
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "addition", source / "addition", ignore=shutil.ignore_patterns("__pycache__"))
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path / "wheel"), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = (tmp_path / "wheel").glob("addition_lstm-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    packages = {name.split("/")[0] for name in names}
    assert packages == {"addition", wheel.name.split("-")[0] + "-" + wheel.name.split("-")[1] + ".dist-info"}
    library = {name.split("/")[-1] for name in names if name.startswith("addition/")}
    assert {"__init__.py", "model.py", "codec.py", "training.py"} <= library
