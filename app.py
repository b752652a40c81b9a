"""The Space's entry point: ``python app.py [--model FOLDER_OR_REPO] [--port PORT]`` (see ``--help``).

The app itself is the ``demo`` package: ``demo/layout.py`` builds the page, one module per tab.
"""

import sys

from demo.launch import main, parse_arguments

if __name__ == "__main__":
    main(parse_arguments(sys.argv[1:]))
