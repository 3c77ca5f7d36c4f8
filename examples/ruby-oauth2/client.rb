#!/usr/bin/env ruby
# frozen_string_literal: true

# An OAuth client for cal.com, BookingSync and Zapier on the oauth2 gem (OAuth2::Client).
#
# A small web app (stdlib WEBrick) that implements the conformance suite's client contract
# (docs/client-contract.md): GET /login, GET /callback, POST /oob and GET /resource on
# 127.0.0.1:$PORT, configured by the OAUTH_* environment. One user; the grant lives in memory.
#
# Run it against the suite from the repository root, on the offset file only: under the suite's
# default libfaketime (DONT_FAKE_MONOTONIC=1) Ruby's timed thread waits stall, for seconds at
# random, and WEBrick misses the 5 s a route has (README.md, "The suite's clock"):
#   npm run conformance -- --provider all --client-clock offset-file --client "ruby examples/ruby-oauth2/client.rb"

require 'oauth2'
require 'securerandom'
require 'set'
require 'webrick'

PORT = Integer(ENV.fetch('PORT'))
PROVIDER = ENV.fetch('OAUTH_PROVIDER')
CLIENT_ID = ENV.fetch('OAUTH_CLIENT_ID')
CLIENT_SECRET = ENV.fetch('OAUTH_CLIENT_SECRET')
AUTHORIZE_URL = ENV.fetch('OAUTH_AUTHORIZE_URL')
TOKEN_URL = ENV.fetch('OAUTH_TOKEN_URL') # Zapier's ends in a slash: use it exactly as given.
REFRESH_URL = ENV.fetch('OAUTH_REFRESH_URL', TOKEN_URL)
RESOURCE_URL = ENV.fetch('OAUTH_RESOURCE_URL')
REDIRECT_URI = ENV.fetch('OAUTH_REDIRECT_URI')
SCOPE = ENV.fetch('OAUTH_SCOPE', '') # in the provider's own separator, sent as is
CALCOM = PROVIDER == 'calcom'

def oauth_client(token_url)
  OAuth2::Client.new(
    CLIENT_ID, CLIENT_SECRET,
    authorize_url: AUTHORIZE_URL,
    token_url: token_url,
    redirect_uri: REDIRECT_URI, # the same at authorize and at the exchange
    # cal.com reads client_id/client_secret only from the body; Zapier documents HTTP Basic;
    # BookingSync (Doorkeeper) takes either.
    auth_scheme: CALCOM ? :request_body : :basic_auth,
    connection_opts: { request: { timeout: 5 } }
  )
end

CLIENT = oauth_client(TOKEN_URL)
# Quirk (cal.com): refreshes go to OAUTH_REFRESH_URL — API v2's token endpoint today (the same as
# OAUTH_TOKEN_URL), its own /api/auth/oauth/refreshToken before 2026.
REFRESH_CLIENT = oauth_client(REFRESH_URL)

# What the app remembers: logins in progress (their states) and the user's token.
module Grant
  LOCK = Mutex.new
  PENDING_STATES = Set.new
  class << self
    attr_accessor :token # OAuth2::AccessToken, or nil while signed out
  end
end

def authorize_url
  state = SecureRandom.urlsafe_base64(32) # 256 bits, one per login
  Grant::PENDING_STATES << state
  CLIENT.auth_code.authorize_url(scope: SCOPE, state: state)
end

# One refresh attempt; returns the new token, or nil (the grant is dead: forget it).
def refresh(token)
  if CALCOM
    # Quirk (cal.com): today's cal.com (era oauth-service, API v2's token endpoint) reads the
    # refresh token from the body, as RFC 6749 §6 says; the eras before 2026 (pages-router …
    # app-router-2025-11) read it from `Authorization: Bearer` only ("refresh: in the body it is
    # not read", docs/providers/calcom.md). Send both: each era reads the place it knows.
    # client_id/client_secret go in the body (auth_scheme :request_body). AccessToken#refresh!
    # cannot add a header and refreshes at the token URL, so ask the refresh client directly.
    fresh = REFRESH_CLIENT.get_token(
      'grant_type' => 'refresh_token',
      'refresh_token' => token.refresh_token,
      headers: { 'Authorization' => "Bearer #{token.refresh_token}" }
    )
    # cal.com's answers before app-router-2025-11 have no refresh token (keep ours); later ones
    # rotate it (take it).
    fresh.refresh_token ||= token.refresh_token
    fresh
  else
    # BookingSync and Zapier rotate refresh tokens: refresh! returns the new pair.
    token.refresh!
  end
rescue OAuth2::Error, Faraday::Error
  nil
end

def resource
  return [401, 'not signed in', 'text/plain'] unless Grant.token

  dead = [401, 'the grant is no longer valid: log in again', 'text/plain']
  refreshed = false
  if Grant.token.expired? # by our own clock (expires_in); cal.com's tokens before app-router-2025-11 never say
    return dead unless (Grant.token = refresh(Grant.token))

    refreshed = true
  end
  response = Grant.token.get(RESOURCE_URL, raise_errors: false)
  if response.status == 401 && !refreshed
    # Expired by the provider's clock, or revoked: refresh once, then try again once.
    return dead unless (Grant.token = refresh(Grant.token))

    response = Grant.token.get(RESOURCE_URL, raise_errors: false)
  end
  [response.status, response.body, response.headers['content-type'] || 'text/plain']
end

def callback(query)
  state = query['state']
  # One callback per login: a replayed redirect finds its state gone and never re-exchanges.
  return [400, 'state missing or unknown: possible CSRF'] unless state && Grant::PENDING_STATES.delete?(state)

  return [403, "authorization failed: #{query['error']}"] if query['error']
  return [400, 'no code in the callback'] unless query['code']

  Grant.token = CLIENT.auth_code.get_token(query['code'])
  [200, 'Connected.']
rescue OAuth2::Error, Faraday::Error => e
  [502, "the code exchange failed: #{e.message}"] # nothing stored
end

def oob(code)
  return [400, 'form field code is required'] if code.to_s.strip.empty?

  # BookingSync out-of-band: REDIRECT_URI is urn:ietf:wg:oauth:2.0:oob, as at authorize.
  Grant.token = CLIENT.auth_code.get_token(code.strip)
  [200, 'Connected.']
rescue OAuth2::Error, Faraday::Error => e
  [502, "the code exchange failed: #{e.message}"]
end

server = WEBrick::HTTPServer.new(
  BindAddress: '127.0.0.1', Port: PORT, AccessLog: [], Logger: WEBrick::Log.new($stderr, WEBrick::Log::WARN)
)

def answer(res, status, body, type = 'text/plain; charset=utf-8')
  res.status = status
  res['Content-Type'] = type
  res.body = body
end

server.mount_proc('/login') do |_req, res|
  res.status = 302
  res['Location'] = Grant::LOCK.synchronize { authorize_url }
end
server.mount_proc('/callback') { |req, res| answer(res, *Grant::LOCK.synchronize { callback(req.query) }) }
server.mount_proc('/resource') { |_req, res| answer(res, *Grant::LOCK.synchronize { resource }) }
server.mount_proc('/oob') do |req, res|
  next answer(res, 405, 'POST only') unless req.request_method == 'POST'

  answer(res, *Grant::LOCK.synchronize { oob(req.query['code']) })
end

trap('TERM') { server.shutdown }
trap('INT') { server.shutdown }
server.start
