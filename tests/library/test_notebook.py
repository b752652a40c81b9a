"""The tutorial notebook: its .ipynb is its readable .py source converted, it uses only the
library's public API, and it runs top to bottom to a good 2-digit adder, as a reader runs it."""

import ast
import re

import jupytext
import nbformat

from tests.helpers import ROOT

SOURCE, NOTEBOOK = ROOT / "notebooks" / "tutorial.py", ROOT / "notebooks" / "tutorial.ipynb"


def cells(notebook):
    return [(cell.cell_type, cell.source) for cell in notebook.cells]


def test_the_notebook_is_its_py_source_converted():
    assert cells(nbformat.read(NOTEBOOK, as_version=4)) == cells(jupytext.read(SOURCE))


def test_the_notebook_uses_only_the_librarys_public_api():
    import addition

    imported = []
    for node in ast.walk(ast.parse(SOURCE.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "addition":
            assert node.module == "addition", f"from {node.module} import ...: not the public API"
            assert {alias.name for alias in node.names} <= set(addition.__all__)
            imported += [alias.name for alias in node.names]
        if isinstance(node, ast.Import):  # import addition.training reaches past the public API.
            assert all(alias.name.split(".")[0] != "addition" or alias.name == "addition" for alias in node.names)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "addition":
            assert node.attr in addition.__all__, f"addition.{node.attr}: not the public API"
    assert imported  # It does use the library.


def test_the_install_the_notebook_asks_for_gives_every_package_it_imports():
    import sys
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    (extras,) = re.findall(r'pip install "\.\[([\w,]+)\]"', SOURCE.read_text())
    wanted = project["dependencies"] + [
        need for extra in extras.split(",") for need in project["optional-dependencies"][extra]
    ]
    installed = {re.split(r"[<>=\[ ]", need)[0].replace("-", "_").lower() for need in wanted}
    imported = set()
    for node in ast.walk(ast.parse(SOURCE.read_text())):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        if isinstance(node, ast.ImportFrom) and node.level == 0:
            imported.add(node.module.split(".")[0])
    assert {name.lower() for name in imported - set(sys.stdlib_module_names) - {"addition"}} <= installed
    assert {"numpy", "pandas", "IPython"} <= imported  # What the check is for.


def test_the_notebook_runs_top_to_bottom_to_a_good_2_digit_adder():
    from nbclient import NotebookClient

    notebook = jupytext.read(SOURCE)
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.get("outputs", [])]
    printed = "\n".join(output.get("text", "") for output in outputs)
    shown = "\n".join(str(output.get("data", {}).get("text/plain", "")) for output in outputs)
    score = re.search(r"whole answers: ([\d.]+)% of all 10,000 sums \((\d+) wrong\)", printed)
    assert score and float(score.group(1)) >= 99.0, printed[-2000:]
    assert "Total params" in printed + shown and "epoch 11:" in printed
    assert shown.count("☑") + shown.count("☒") == 10  # The marked held-out table.
