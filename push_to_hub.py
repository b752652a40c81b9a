"""Publish an existing model folder to the Hugging Face Hub, with its model card, without retraining.

    python push_to_hub.py models/addition-3digit me/addition-lstm [--private]

The token comes from HF_TOKEN or the cached login (`hf auth login`); it is never printed.
"""

from __future__ import annotations

import argparse
import sys

from addition.cli import OneLineErrorParser, fail
from addition.errors import first_line
from addition.hub import check_repo_id, find_token, push_folder


def main(argv=None):
    parser = OneLineErrorParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", help="a model folder written by train.py")
    parser.add_argument("repo_id", help="the Hub repo to create or update, like user/addition-lstm")
    parser.add_argument("--private", action="store_true", help="create the repo as private")
    arguments = parser.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        check_repo_id(arguments.repo_id)
    except ValueError as error:
        parser.error(str(error))
    token = find_token()
    if token is None:
        fail("publishing needs a Hugging Face token: set HF_TOKEN or run `hf auth login`")

    from addition.errors import ModelFolderError
    from addition.loading import load_model_folder

    try:
        load_model_folder(arguments.folder)  # Only a folder that loads is worth publishing.
    except ModelFolderError as error:
        fail(str(error))
    try:
        url = push_folder(arguments.folder, arguments.repo_id, token=token, private=arguments.private)
    except ModelFolderError as error:  # Without what its card reports, or an own file that is a link.
        fail(str(error))
    except Exception as error:  # The Hub's errors vary (HTTP, network, permissions): one line each.
        fail(f"could not publish to {arguments.repo_id}: {first_line(error)}")
    print(f"Published to {url}")


if __name__ == "__main__":
    main()
