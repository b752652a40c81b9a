"""A stand-in for huggingface_hub.HfApi's calls that records what would be sent, for a launched
app: ``python -c "import tests.standins.hub_standin as s; s.run_app()"`` with HUB_RECORD=path.jsonl."""

import hashlib
import json
import os
import runpy
from pathlib import Path


class RecordingHubApi:
    def __init__(self, token=None, **kwargs):
        self.token = token

    def _record(self, call, **fields):
        # The token itself is never written: a hash of it shows which one was used.
        used = hashlib.sha256(self.token.encode()).hexdigest() if self.token else None
        with open(os.environ["HUB_RECORD"], "a") as record:
            record.write(json.dumps({"call": call, "token_sha256": used, **fields}) + "\n")

    def whoami(self, token=None):
        self._record("whoami")
        return {"name": "visitor"}

    def create_repo(self, repo_id, private=False, exist_ok=False, repo_type=None, **kwargs):
        self._record("create_repo", repo_id=repo_id, exist_ok=exist_ok)
        return f"https://huggingface.co/{repo_id}"

    def upload_folder(self, repo_id, folder_path, commit_message=None, **kwargs):
        files = {
            str(path.relative_to(folder_path)): path.read_bytes().decode("latin-1")
            for path in sorted(Path(folder_path).rglob("*"))
            if path.is_file()
        }
        self._record("upload_folder", repo_id=repo_id, files=files)


def run_app():
    import huggingface_hub

    huggingface_hub.HfApi = RecordingHubApi
    runpy.run_path("app.py", run_name="__main__")
