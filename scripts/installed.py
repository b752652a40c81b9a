"""Exit 0 when every requirement in the files named (and the files they include with ``-r``) is
installed at a version it allows, 1 otherwise or on any doubt: ``scripts/test`` then runs pip,
which takes seconds to find that nothing is missing."""

import sys
from importlib import metadata
from pathlib import Path


def requirements(path: Path):
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r"):
            yield from requirements(path.parent / line[2:].strip())
        elif line:
            yield line


def installed(text: str) -> bool:
    from packaging.requirements import Requirement

    wanted = Requirement(text)
    if wanted.marker is not None and not wanted.marker.evaluate():
        return True  # Not for this platform.
    try:
        version = metadata.version(wanted.name)
    except metadata.PackageNotFoundError:
        return False
    return wanted.specifier.contains(version, prereleases=True)


if __name__ == "__main__":
    try:
        ready = all(installed(text) for name in sys.argv[1:] for text in requirements(Path(name)))
    except Exception:  # An unreadable file, no packaging module: let pip decide.
        ready = False
    sys.exit(0 if ready else 1)
