"""A stand-in for Hugging Face's OpenID Connect provider, as Gradio's "Sign in with Hugging Face"
uses it (authlib's authorization-code flow): discovery, authorize (approves at once, as one user),
token (a fresh access token per sign-in and an id_token signed with RS256), userinfo and the JWKS.
The tokens it issues stay in this process's memory: nothing is written anywhere."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
import urllib.parse

from joserfc import jwt
from joserfc.jwk import RSAKey

from . import local_server


class OpenIDProvider:
    def __init__(self, client_id: str, client_secret: str, username: str = "visitor"):
        self.client_id, self.client_secret, self.username = client_id, client_secret, username
        self.key = RSAKey.generate_key(2048, private=True, parameters={"kid": "stand-in", "use": "sig"})
        self.codes: dict[str, dict] = {}  # Authorization code -> what the token request must match.
        self.issued: list[str] = []  # Access tokens issued, in order (memory only).
        self.requests: list[tuple[str, str]] = []  # (method, path): never a query, code or token.
        self.server, self.url = local_server.start(self)

    def stop(self):
        local_server.stop(self.server)

    def user_for(self, token: str | None) -> str | None:
        """The user a token belongs to, if this provider issued it (the Hub stand-in asks)."""
        return self.username if token in self.issued else None

    def claims(self) -> dict:
        return {
            "sub": "0123456789abcdef01234567",
            "name": "A Visitor",
            "preferred_username": self.username,
            "profile": f"https://huggingface.co/{self.username}",
            "picture": "",
            "website": "",
        }

    def answer(self, request):
        self.requests.append((request["method"], request["path"]))
        route = {
            "/.well-known/openid-configuration": self.discovery,
            "/oauth/authorize": self.authorize,
            "/oauth/token": self.token,
            "/oauth/userinfo": self.userinfo,
            "/oauth/jwks": self.jwks,
        }
        handler = route.get(request["path"])
        return handler(request) if handler else (404, {"error": "not_found"})

    def discovery(self, request):
        return 200, {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/oauth/authorize",
            "token_endpoint": f"{self.url}/oauth/token",
            "userinfo_endpoint": f"{self.url}/oauth/userinfo",
            "jwks_uri": f"{self.url}/oauth/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "profile", "email", "contribute-repos"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        }

    def authorize(self, request):
        """Approves at once (the visitor said yes) and sends the browser back with a code."""
        query = request["query"]
        if query.get("client_id") != self.client_id or query.get("response_type") != "code" or not query.get("state"):
            return 400, {"error": "invalid_request"}
        if "openid" not in query.get("scope", "").split():
            return 400, {"error": "invalid_scope"}
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"redirect_uri": query["redirect_uri"], "nonce": query.get("nonce"), "scope": query["scope"]}
        separator = "&" if "?" in query["redirect_uri"] else "?"
        location = query["redirect_uri"] + separator + urllib.parse.urlencode({"code": code, "state": query["state"]})
        return 302, None, {"Location": location}

    def token(self, request):
        """Exchanges a code (once) for an access token and a signed id_token."""
        credentials = request["headers"].get("Authorization") or ""
        expected = "Basic " + base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if credentials != expected:
            return 401, {"error": "invalid_client"}
        form = dict(urllib.parse.parse_qsl(request["body"].decode()))
        grant = self.codes.pop(form.get("code", ""), None)
        if (
            form.get("grant_type") != "authorization_code"
            or grant is None
            or form.get("redirect_uri") != grant["redirect_uri"]
        ):
            return 400, {"error": "invalid_grant"}
        access_token = "hf_oauth_" + secrets.token_urlsafe(24)
        self.issued.append(access_token)
        now = int(time.time())
        digest = hashlib.sha256(access_token.encode()).digest()
        id_claims = {
            **self.claims(),
            "iss": self.url,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 3600,
            "auth_time": now,
            "nonce": grant["nonce"],
            "at_hash": base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode(),
        }
        id_token = jwt.encode({"alg": "RS256", "kid": "stand-in"}, id_claims, self.key)
        return 200, {
            "access_token": access_token,
            "token_type": "bearer",
            "expires_in": 3600,
            "scope": grant["scope"],
            "id_token": id_token,
        }

    def userinfo(self, request):
        if self.user_for(local_server.bearer(request)) is None:
            return 401, {"error": "invalid_token"}
        return 200, self.claims()

    def jwks(self, request):
        return 200, {"keys": [self.key.as_dict(private=False)]}
