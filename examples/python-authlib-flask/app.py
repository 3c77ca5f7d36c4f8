#!/usr/bin/env python3
"""An OAuth client for cal.com, BookingSync and Zapier on Authlib's Flask integration.

A Flask app that implements the conformance suite's client contract (docs/client-contract.md):
GET /login, GET /callback, POST /oob and GET /resource on 127.0.0.1:$PORT, configured by the
OAUTH_* environment. As in Authlib's docs, `authorize_redirect` keeps the login's state in
Flask's (signed cookie) session and `authorize_access_token` checks it at the callback, so the
browser must bring back the cookie /login set. One user; the grant lives in memory (a real app
keeps it in its database, per user).

Run it against the suite from the repository root (the suite keeps cookies per scenario, as a
browser does, in plain HTTP mode as in `--browser` mode):
    npm run conformance -- --provider all --client "/usr/bin/python3 examples/python-authlib-flask/app.py"
"""
import os
import secrets

import requests
from authlib.common.urls import url_decode, url_encode
from authlib.integrations.base_client import MismatchingStateError
from authlib.integrations.flask_client import OAuth, OAuthError
from flask import Flask, request

ENV = os.environ
PROVIDER = ENV["OAUTH_PROVIDER"]
REDIRECT_URI = ENV["OAUTH_REDIRECT_URI"]
RESOURCE_URL = ENV["OAUTH_RESOURCE_URL"]
IS_CALCOM = PROVIDER == "calcom"

app = Flask(__name__)
app.secret_key = secrets.token_bytes(32)  # signs the session cookie that carries the state


class Grant:
    """The user's token (what a real app keeps in its database), None while signed out."""

    token = None
    refreshed = False  # set when Authlib refreshed the token during the current request


def fetch_token():
    return Grant.token


def update_token(token, refresh_token=None, access_token=None):
    """Authlib calls this after every refresh. BookingSync, Zapier and today's cal.com rotate
    refresh tokens: the new token carries the new one; cal.com's answers before
    app-router-2025-11 have none and Authlib keeps ours."""
    Grant.token = token
    Grant.refreshed = True


def calcom_compliance_fix(session):
    """Quirks (cal.com), fixed with Authlib's compliance hooks."""

    def raise_for_error_status(response):
        # cal.com's errors before 2026 are {"message": …}, not RFC 6749 {"error": …}. Authlib looks
        # for "error" (and raises for 5xx only): without this hook a 400 would be taken for a
        # token. Today's {"error": …} answers raise either way.
        if response.status_code >= 400:
            raise OAuthError(error=f"http_{response.status_code}", description=response.text[:200])
        return response

    def refresh_at_calcom(url, headers, body):
        # Authlib refreshes at access_token_url (OAUTH_TOKEN_URL) with the refresh token in the
        # body (RFC 6749 §6) and the requested scope. cal.com (docs/providers/calcom.md):
        # - today (era oauth-service) refreshes at API v2's token endpoint, the refresh token in the
        #   body, and refuses any field its DTO does not know: `scope` gets 400 invalid_request
        #   "scope property is wrong,property scope should not exist". Drop it (a refresh keeps
        #   the grant's scope anyway).
        # - before 2026 (eras pages-router … app-router-2025-11) refreshes at its own endpoint and
        #   reads the refresh token from `Authorization: Bearer` only ("refresh: in the body it is
        #   not read"). Send it there too: each era reads the place it knows.
        # OAUTH_REFRESH_URL is the right URL in every era (API v2's token endpoint today).
        # client_id/client_secret are added to the body afterwards (client_secret_post).
        params = [(k, v) for k, v in url_decode(body) if k != "scope"]
        headers = {**headers, "Authorization": "Bearer " + dict(params)["refresh_token"]}
        return ENV["OAUTH_REFRESH_URL"], headers, url_encode(params)

    session.register_compliance_hook("access_token_response", raise_for_error_status)
    session.register_compliance_hook("refresh_token_response", raise_for_error_status)
    session.register_compliance_hook("refresh_token_request", refresh_at_calcom)


oauth = OAuth(app)
client = oauth.register(
    name=PROVIDER,
    client_id=ENV["OAUTH_CLIENT_ID"],
    client_secret=ENV["OAUTH_CLIENT_SECRET"],
    authorize_url=ENV["OAUTH_AUTHORIZE_URL"],
    access_token_url=ENV["OAUTH_TOKEN_URL"],  # also where Authlib refreshes; Zapier's ends in a slash
    client_kwargs={
        "scope": ENV.get("OAUTH_SCOPE", ""),  # one string, sent as is: cal.com's commas survive
        # cal.com reads client_id/client_secret only from the body; Zapier documents HTTP Basic;
        # BookingSync (Doorkeeper) takes either.
        "token_endpoint_auth_method": "client_secret_post" if IS_CALCOM else "client_secret_basic",
        "default_timeout": 5,
    },
    fetch_token=fetch_token,
    update_token=update_token,
    compliance_fix=calcom_compliance_fix if IS_CALCOM else None,
)


@app.get("/login")
def login():
    # A fresh state per login (30 random characters, ~178 bits), saved in the session cookie.
    return client.authorize_redirect(REDIRECT_URI)


@app.get("/callback")
def callback():
    try:
        # Raises on error=… (access_denied) and on a missing or unknown state; pops the state from
        # the session, so a replayed callback never re-exchanges the code.
        token = client.authorize_access_token()
    except MismatchingStateError:
        return "state missing or unknown: possible CSRF", 400
    except OAuthError as error:  # error=… in the redirect, or the token endpoint refused the code
        return f"authorization failed: {error.error}: {error.description}", 403 if "error" in request.args else 502
    except requests.RequestException as error:  # the token endpoint answered 5xx, or not at all
        return f"the code exchange failed: {error}", 502
    Grant.token = token
    return "Connected."


@app.post("/oob")
def out_of_band():
    code = request.form.get("code", "").strip()
    if not code:
        return "form field code is required", 400
    try:
        # BookingSync out-of-band: REDIRECT_URI is urn:ietf:wg:oauth:2.0:oob, as at authorize.
        Grant.token = client.fetch_access_token(redirect_uri=REDIRECT_URI, code=code)
    except (OAuthError, requests.RequestException) as error:
        return f"the code exchange failed: {error}", 502
    return "Connected."


@app.get("/resource")
def resource():
    if Grant.token is None:
        return "not signed in", 401
    Grant.refreshed = False
    try:
        # Authlib refreshes first when the token has expired by our clock (expires_in).
        response = client.get(RESOURCE_URL)
        if response.status_code == 401 and not Grant.refreshed:
            # Expired by the provider's clock (cal.com's tokens before app-router-2025-11 carry no
            # expires_in), or revoked. Authlib refreshes only what ITS clock calls expired: say so
            # (any past expires_at), and it refreshes once before it asks again.
            response = client.get(RESOURCE_URL, token={**Grant.token, "expires_at": 1})
    except OAuthError as error:
        Grant.token = None  # the provider refused the refresh: the grant is dead, log in again
        return f"the grant is no longer valid: log in again ({error})", 401
    except requests.RequestException as error:  # the provider could not be reached (or a 5xx)
        return f"upstream error: {error}", 502
    return response.content, response.status_code, {"Content-Type": response.headers.get("Content-Type", "text/plain")}


if __name__ == "__main__":
    # One request at a time: the grant (and Grant.refreshed) is one process-wide object, so requests
    # must not overlap. It also keeps clear of a thread per request, which under the suite's
    # libfaketime (DONT_FAKE_MONOTONIC=1) costs from a tenth of a second to seconds per thread start.
    app.run(host="127.0.0.1", port=int(ENV["PORT"]), threaded=False)
