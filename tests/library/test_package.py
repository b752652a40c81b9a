"""The library is a package of its own: pip builds it from pyproject.toml, with the library and
nothing of the app, the tests or the repository's folders; the README a reader starts from stays
short and points at real files."""

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


def test_the_test_command_skips_pip_only_when_every_requirement_is_installed_as_pinned(tmp_path):
    """scripts/test asks scripts/installed.py first (pip takes seconds to find nothing missing)."""
    from importlib import metadata

    def ready(*lines) -> int:
        wanted = tmp_path / "wanted.txt"
        wanted.write_text("\n".join(lines) + "\n")
        return subprocess.run([sys.executable, ROOT / "scripts" / "installed.py", wanted], timeout=60).returncode

    assert ready(f"-r {ROOT / 'requirements-dev.txt'}") == 0  # What this suite runs with, included files too.
    numpy = metadata.version("numpy")
    assert ready(f"numpy=={numpy}  # a comment", "", f"pytest=={metadata.version('pytest')}") == 0
    assert ready(f"numpy=={numpy}", "numpy==0.1") == 1  # Another version.
    assert ready("no-such-package-here==1.0") == 1
    assert ready(f"-r {tmp_path / 'missing.txt'}") == 1  # In doubt, pip decides.
    assert ready("numpy==0.1 ; python_version < '3'") == 0  # Not for this Python.


def test_the_readme_reads_in_five_minutes_and_its_reading_order_names_real_files():
    import re

    text = (ROOT / "README.md").read_text()
    assert len(text) <= 14_000  # Characters, as the issue counts them: the details live in docs/.
    reading = text.split("## Read the code", 1)[1].split("\n## ", 1)[0]
    files = re.findall(r"`([\w/]+\.py)`", reading)
    assert len(files) >= 5 and all((ROOT / name).is_file() for name in files), files
