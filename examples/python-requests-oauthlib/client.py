#!/usr/bin/env python3
"""An OAuth client for cal.com, BookingSync and Zapier on requests-oauthlib's OAuth2Session.

A small web app (stdlib http.server) that implements the conformance suite's client contract
(docs/client-contract.md): GET /login, GET /callback, POST /oob and GET /resource on
127.0.0.1:$PORT, configured by the OAUTH_* environment. One user; the grant lives in memory.

Run it against the suite from the repository root:
    npm run conformance -- --provider all --client "/usr/bin/python3 examples/python-requests-oauthlib/client.py"
"""
import os
import secrets
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, parse_qsl, urlsplit

import requests
from oauthlib.oauth2 import TokenExpiredError
from requests_oauthlib import OAuth2Session

# oauthlib refuses plain-HTTP endpoints. The fakes listen on http://127.0.0.1 only, so allow it
# here; never set this for a real deployment.
os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")
# Quirk (cal.com, oauth-service era): we ask for "PROFILE_READ,BOOKING_READ" (cal.com's commas) and
# API v2's token answer says `"scope": "PROFILE_READ BOOKING_READ"` (spaces). oauthlib splits scopes
# on spaces only, sees a different scope and raises Warning('Scope has changed …') instead of
# returning the token. The scope granted is the one asked for: relax oauthlib's comparison (its
# documented switch); the answer's scope is still in the token dict.
os.environ.setdefault("OAUTHLIB_RELAX_TOKEN_SCOPE", "1")

ENV = os.environ
PORT = int(ENV["PORT"])
PROVIDER = ENV["OAUTH_PROVIDER"]
CLIENT_ID = ENV["OAUTH_CLIENT_ID"]
CLIENT_SECRET = ENV["OAUTH_CLIENT_SECRET"]
AUTHORIZE_URL = ENV["OAUTH_AUTHORIZE_URL"]
TOKEN_URL = ENV["OAUTH_TOKEN_URL"]  # Zapier's ends in a slash: use it exactly as given.
REFRESH_URL = ENV.get("OAUTH_REFRESH_URL") or TOKEN_URL
RESOURCE_URL = ENV["OAUTH_RESOURCE_URL"]
REDIRECT_URI = ENV["OAUTH_REDIRECT_URI"]
# Passed as one string, oauthlib sends it as is: cal.com's comma-separated scopes survive.
SCOPE = ENV.get("OAUTH_SCOPE", "")
TIMEOUT = 5
IS_CALCOM = PROVIDER == "calcom"


class CalcomRefreshAuth(requests.auth.AuthBase):
    """Quirk (cal.com, eras before oauth-service): the refresh token also as `Authorization: Bearer`.

    OAuth2Session.refresh_token() puts refresh_token in the form body (RFC 6749 §6), next to
    grant_type, client_id and client_secret: what today's cal.com reads (API v2's
    `POST /v2/auth/oauth2/token`, docs/providers/calcom.md "API v2 refresh"). cal.com's refresh
    endpoint before 2026 (`/api/auth/oauth/refreshToken`, the pages-router to app-router-2025-11
    eras) reads the refresh token from the Authorization header only ("refresh: in the body it is
    not read"). This auth hook copies it into the header and leaves the body as the library made
    it, so one request works in every era: each reads the place it knows and ignores the other.
    """

    def __call__(self, request):
        form = dict(parse_qsl(request.body))
        request.headers["Authorization"] = "Bearer " + form["refresh_token"]
        return request


def client_auth():
    """How the client authenticates at the token endpoint, per provider.

    cal.com reads client_id/client_secret only from the body; Zapier documents HTTP Basic;
    BookingSync (Doorkeeper) takes either. Never in a URL.
    """
    if IS_CALCOM:
        return {"include_client_id": True, "client_secret": CLIENT_SECRET}
    return {"auth": requests.auth.HTTPBasicAuth(CLIENT_ID, CLIENT_SECRET)}


class Grant:
    """What the app remembers: logins in progress (their states) and the user's token."""

    pending_states = set()
    token = None  # the dict OAuth2Session returns, or None while signed out


def authorization_url():
    oauth = OAuth2Session(CLIENT_ID, redirect_uri=REDIRECT_URI, scope=SCOPE)
    # A fresh state per login (oauthlib: 30 random characters, ~178 bits), kept server-side.
    url, state = oauth.authorization_url(AUTHORIZE_URL)
    Grant.pending_states.add(state)
    return url


def exchange(code=None, authorization_response=None, state=None):
    """The code for tokens; stores them only if the token endpoint answered with an access token."""
    oauth = OAuth2Session(CLIENT_ID, redirect_uri=REDIRECT_URI, scope=SCOPE, state=state)
    Grant.token = oauth.fetch_token(
        TOKEN_URL, code=code, authorization_response=authorization_response, timeout=TIMEOUT, **client_auth()
    )


def refresh(oauth):
    """One refresh attempt. On failure the grant is dead: forget it."""
    try:
        if IS_CALCOM:
            # OAUTH_REFRESH_URL: API v2's token endpoint today, `/api/auth/oauth/refreshToken` before.
            Grant.token = oauth.refresh_token(
                REFRESH_URL, auth=CalcomRefreshAuth(), client_id=CLIENT_ID, client_secret=CLIENT_SECRET, timeout=TIMEOUT
            )
        else:
            Grant.token = oauth.refresh_token(TOKEN_URL, timeout=TIMEOUT, **client_auth())
        # BookingSync, Zapier and today's cal.com rotate refresh tokens: the answer's refresh_token
        # replaced ours. cal.com's answers before app-router-2025-11 have none: refresh_token()
        # kept the one we sent.
        return True
    except Exception:  # an OAuth error answer, a non-JSON answer, the network: all the same here
        Grant.token = None
        return False


def call_resource():
    """GET the resource with the Bearer token; at most one refresh per call."""
    if Grant.token is None:
        return 401, b"not signed in", "text/plain"
    oauth = OAuth2Session(CLIENT_ID, token=Grant.token)
    refreshed = False
    try:
        response = oauth.get(RESOURCE_URL, timeout=TIMEOUT)
    except TokenExpiredError:
        # Expired by our own clock (expires_in): the library's documented try/except refresh.
        if not refresh(oauth):
            return 401, b"the grant is no longer valid: log in again", "text/plain"
        refreshed = True
        oauth = OAuth2Session(CLIENT_ID, token=Grant.token)
        response = oauth.get(RESOURCE_URL, timeout=TIMEOUT)
    if response.status_code == 401 and not refreshed:
        # Expired by the provider's clock (or revoked): refresh once, then try again once.
        if not refresh(oauth):
            return 401, b"the grant is no longer valid: log in again", "text/plain"
        response = OAuth2Session(CLIENT_ID, token=Grant.token).get(RESOURCE_URL, timeout=TIMEOUT)
    return response.status_code, response.content, response.headers.get("content-type", "text/plain")


class Handler(BaseHTTPRequestHandler):
    def send(self, status, body=b"", content_type="text/plain; charset=utf-8", headers=None):
        body = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urlsplit(self.path)
        try:
            if url.path == "/login":
                return self.send(302, headers={"Location": authorization_url()})
            if url.path == "/callback":
                return self.callback(url.query)
            if url.path == "/resource":
                return self.send(*call_resource())
            return self.send(404, "not found")
        except requests.RequestException as error:
            return self.send(502, f"upstream error: {error}")

    def do_POST(self):
        if urlsplit(self.path).path != "/oob":
            return self.send(404, "not found")
        length = int(self.headers.get("Content-Length") or 0)
        code = parse_qs(self.rfile.read(length).decode()).get("code", [""])[0].strip()
        if not code:
            return self.send(400, "form field code is required")
        # BookingSync out-of-band: REDIRECT_URI is urn:ietf:wg:oauth:2.0:oob, as at authorize.
        try:
            exchange(code=code)
        except Exception as error:
            return self.send(502, f"the code exchange failed: {error!r}")
        return self.send(200, "Connected.")

    def callback(self, query):
        params = parse_qs(query)
        state = params.get("state", [None])[0]
        if state not in Grant.pending_states:
            return self.send(400, "state missing or unknown: possible CSRF")
        # One callback per login: a replayed redirect finds its state gone and never re-exchanges.
        Grant.pending_states.discard(state)
        try:
            # oauthlib parses the redirect: it checks the state again and raises on error=… (access_denied).
            exchange(authorization_response=f"{REDIRECT_URI}?{query}", state=state)
        except Exception as error:  # an OAuth error (denied, refused code), a 5xx, the network
            return self.send(403 if "error" in params else 502, f"authorization failed: {error!r}")
        return self.send(200, "Connected.")


if __name__ == "__main__":
    HTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
