"""A stand-in for the Hugging Face Hub's HTTP API (HF_ENDPOINT), just what ``HfApi.whoami``,
``create_repo`` and ``upload_folder`` call: /api/whoami-v2, /api/repos/create, /api/validate-yaml,
and a model repo's preupload and commit (every file answered "regular", so no LFS or Xet).
It records every request as (method, path, sha256 of the bearer token): never the token itself.
Tokens are checked against ``user_for(token)``, as the real Hub knows the tokens its OAuth issued."""

from __future__ import annotations

import base64
import hashlib
import json
import re

from . import local_server

REPO_ROUTE = re.compile(r"/api/models/(?P<repo>[^/]+/[^/]+)/(?P<action>preupload|commit)/(?P<revision>[^/]+)")


def token_hash(token: str | None) -> str | None:
    return hashlib.sha256(token.encode()).hexdigest() if token else None


class HubStandIn:
    def __init__(self, user_for):
        self.user_for = user_for
        self.requests: list[dict] = []
        self.repos: dict[str, dict] = {}  # repo id -> {"owner_token_sha256", "files": {path: bytes}, "commits"}
        self.server, self.url = local_server.start(self)

    def stop(self):
        local_server.stop(self.server)

    def answer(self, request):
        token = local_server.bearer(request)
        self.requests.append({"method": request["method"], "path": request["path"], "token_sha256": token_hash(token)})
        user = self.user_for(token)
        if user is None:
            return 401, {"error": "Invalid credentials in Authorization header"}
        if (request["method"], request["path"]) == ("GET", "/api/whoami-v2"):
            return 200, {
                "type": "user",
                "name": user,
                "fullname": "A Visitor",
                "orgs": [],
                "auth": {"type": "oauth", "accessToken": {"role": "write"}},
            }
        if (request["method"], request["path"]) == ("POST", "/api/repos/create"):
            return self.create_repo(user, json.loads(request["body"]))
        if (request["method"], request["path"]) == ("POST", "/api/validate-yaml"):
            return 200, {"errors": [], "warnings": []}
        match = REPO_ROUTE.fullmatch(request["path"])
        if request["method"] == "POST" and match:
            repo_id = match["repo"]
            if repo_id not in self.repos:
                return 404, {"error": "Repository not found"}
            if not repo_id.startswith(f"{user}/"):
                return 403, {"error": "You don't have the rights to write to this repo"}
            if match["action"] == "preupload":
                files = json.loads(request["body"])["files"]
                return 200, {
                    "files": [{"path": file["path"], "uploadMode": "regular", "shouldIgnore": False} for file in files]
                }
            return self.commit(repo_id, request["body"])
        return 404, {"error": f"{request['method']} {request['path']} is not in the stand-in"}

    def create_repo(self, user, payload):
        repo_id = f"{payload.get('organization') or user}/{payload['name']}"
        if not repo_id.startswith(f"{user}/"):
            return 403, {"error": "You don't have the rights to create a model under this namespace"}
        if repo_id in self.repos:
            return 409, {"error": "You already created this model repo", "url": f"{self.url}/{repo_id}"}
        self.repos[repo_id] = {"type": payload.get("type", "model"), "files": {}, "commits": []}
        return 200, {"url": f"{self.url}/{repo_id}", "name": repo_id}

    def commit(self, repo_id, body: bytes):
        """An ndjson commit: a header line, then one line per file with its content in base64."""
        lines = [json.loads(line) for line in body.splitlines() if line.strip()]
        header = next(line["value"] for line in lines if line["key"] == "header")
        for line in lines:
            if line["key"] == "file":
                self.repos[repo_id]["files"][line["value"]["path"]] = base64.b64decode(line["value"]["content"])
        oid = hashlib.sha1(body).hexdigest()
        self.repos[repo_id]["commits"].append(header["summary"])
        return 200, {"commitUrl": f"{self.url}/{repo_id}/commit/{oid}", "commitOid": oid, "success": True}
