// Command go-x-oauth2 is an OAuth client for cal.com, BookingSync and Zapier on golang.org/x/oauth2.
//
// A small web app (net/http) that implements the conformance suite's client contract
// (docs/client-contract.md): GET /login, GET /callback, POST /oob and GET /resource on
// 127.0.0.1:$PORT, configured by the OAUTH_* environment. One user; the grant lives in memory.
//
// Build it (offline, from Debian's golang-golang-x-oauth2-dev) and run it against the suite from
// the repository root:
//
//	examples/build.sh go
//	npm run conformance -- --provider all --client examples/go-x-oauth2/bin/go-x-oauth2
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

type app struct {
	provider    string
	conf        *oauth2.Config // authorize, exchange, and (BookingSync, Zapier) refresh
	refreshConf *oauth2.Config // refresh: cal.com's own endpoint, else conf
	refreshHTTP *http.Client   // the HTTP client refreshes go through
	tokenHTTP   *http.Client   // the HTTP client exchanges and API calls go through
	resourceURL string

	mu      sync.Mutex
	pending map[string]bool // states of logins in progress, one callback each
	token   *oauth2.Token   // the user's token (Expiry on the provider's clock), nil while signed out
}

func newApp() *app {
	need := func(name string) string {
		v := os.Getenv(name)
		if v == "" {
			log.Fatalf("missing environment variable %s", name)
		}
		return v
	}
	provider := need("OAUTH_PROVIDER")
	// cal.com reads client_id/client_secret only from the body; Zapier documents HTTP Basic;
	// BookingSync (Doorkeeper) takes either. Never AuthStyleAutoDetect: after a failed exchange it
	// tries again the other way, presenting the same code twice (and hiding a 503).
	style := oauth2.AuthStyleInHeader
	if provider == "calcom" {
		style = oauth2.AuthStyleInParams
	}
	var scopes []string
	if s := os.Getenv("OAUTH_SCOPE"); s != "" {
		// One element, sent as is: cal.com's comma-separated scopes survive (x/oauth2 joins with spaces).
		scopes = []string{s}
	}
	conf := &oauth2.Config{
		ClientID:     need("OAUTH_CLIENT_ID"),
		ClientSecret: need("OAUTH_CLIENT_SECRET"),
		Endpoint: oauth2.Endpoint{
			AuthURL:   need("OAUTH_AUTHORIZE_URL"),
			TokenURL:  need("OAUTH_TOKEN_URL"), // Zapier's ends in a slash: exactly as given
			AuthStyle: style,
		},
		RedirectURL: need("OAUTH_REDIRECT_URI"), // the same at authorize and at the exchange
		Scopes:      scopes,
	}
	a := &app{
		provider:    provider,
		conf:        conf,
		refreshConf: conf,
		tokenHTTP:   &http.Client{Timeout: 5 * time.Second},
		refreshHTTP: &http.Client{Timeout: 5 * time.Second},
		resourceURL: need("OAUTH_RESOURCE_URL"),
		pending:     map[string]bool{},
	}
	if provider == "calcom" {
		// Quirk (cal.com): refreshes go to OAUTH_REFRESH_URL — API v2's token endpoint today (the
		// same as OAUTH_TOKEN_URL), its own /api/auth/oauth/refreshToken before 2026 — and the
		// eras before 2026 read the refresh token from `Authorization: Bearer` only.
		rc := *conf
		rc.Endpoint.TokenURL = need("OAUTH_REFRESH_URL")
		a.refreshConf = &rc
		a.refreshHTTP.Transport = calcomRefresh{next: http.DefaultTransport}
	}
	return a
}

// calcomRefresh copies the refresh token of x/oauth2's refresh request (RFC 6749 §6: a body
// parameter, next to grant_type, client_id and client_secret) into `Authorization: Bearer`.
// Today's cal.com (era oauth-service, API v2's token endpoint) reads it from the body; the eras
// before it (pages-router … app-router-2025-11, /api/auth/oauth/refreshToken) from the header only
// (docs/providers/calcom.md, "refresh: in the body it is not read"). With both, one request works
// in every era; the body is left as the library made it.
type calcomRefresh struct{ next http.RoundTripper }

func (t calcomRefresh) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, err
	}
	out := req.Clone(req.Context())
	if refreshToken := form.Get("refresh_token"); refreshToken != "" {
		out.Header.Set("Authorization", "Bearer "+refreshToken)
	}
	out.Body = io.NopCloser(bytes.NewReader(body))
	out.ContentLength = int64(len(body))
	out.GetBody = nil
	return t.next.RoundTrip(out)
}

// clockOffset is how far the provider's clock is ahead of ours. The conformance suite moves the
// fakes' clock instead of waiting, and writes the offset (whole seconds) to
// OAUTH_CLOCK_OFFSET_FILE. Other runtimes get their clock moved by libfaketime; Go reads the time
// from the kernel (vDSO), not libc, so it must read the file itself.
func clockOffset() time.Duration {
	path := os.Getenv("OAUTH_CLOCK_OFFSET_FILE")
	if path == "" {
		return 0
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	seconds, err := strconv.ParseInt(strings.TrimSpace(string(raw)), 10, 64)
	if err != nil {
		return 0
	}
	return time.Duration(seconds) * time.Second
}

// keep stores a token the library handed us, its Expiry moved from our clock to the provider's.
func (a *app) keep(t *oauth2.Token) {
	stored := *t
	if !stored.Expiry.IsZero() {
		stored.Expiry = stored.Expiry.Add(clockOffset())
	}
	a.token = &stored
}

// current is the user's token for the library, its Expiry moved to our clock at today's offset:
// x/oauth2 decides "expired" on its own clock (time.Now), so this is what makes it refresh when
// the PROVIDER says the token has expired.
func (a *app) current() *oauth2.Token {
	t := *a.token
	if !t.Expiry.IsZero() {
		t.Expiry = t.Expiry.Add(-clockOffset())
	}
	return &t
}

func (a *app) refreshing(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, a.refreshHTTP)
}

func (a *app) resource(ctx context.Context) (int, string, []byte) {
	if a.token == nil {
		return http.StatusUnauthorized, "text/plain", []byte("not signed in")
	}
	dead := func() (int, string, []byte) {
		a.token = nil // the grant is dead: the user must log in again
		return http.StatusUnauthorized, "text/plain", []byte("the grant is no longer valid: log in again")
	}
	before := a.current()
	// The library's TokenSource refreshes only if the token has expired (expires_in), else hands
	// it back; BookingSync and Zapier rotate refresh tokens and it keeps the newest.
	tok, err := a.refreshConf.TokenSource(a.refreshing(ctx), before).Token()
	if err != nil {
		return dead()
	}
	refreshed := tok.AccessToken != before.AccessToken
	a.keep(tok)
	resp, err := a.get(ctx, tok)
	if err != nil {
		return http.StatusBadGateway, "text/plain", []byte(err.Error())
	}
	if resp.status == http.StatusUnauthorized && !refreshed {
		// Expired by the provider's clock (cal.com's tokens before app-router-2025-11 carry no
		// expires_in), or
		// revoked: refresh once — a token without an access token is never valid, so the
		// TokenSource refreshes — then try once more.
		tok, err = a.refreshConf.TokenSource(a.refreshing(ctx), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
		if err != nil {
			return dead()
		}
		// cal.com's refresh answers before app-router-2025-11 have no refresh token: x/oauth2
		// keeps the one we sent; today's rotate it, and x/oauth2 takes the new one.
		a.keep(tok)
		if resp, err = a.get(ctx, tok); err != nil {
			return http.StatusBadGateway, "text/plain", []byte(err.Error())
		}
	}
	return resp.status, resp.contentType, resp.body
}

type answer struct {
	status      int
	contentType string
	body        []byte
}

// get calls the resource with `Authorization: Bearer <access token>` (oauth2.Transport).
func (a *app) get(ctx context.Context, tok *oauth2.Token) (answer, error) {
	client := &http.Client{Timeout: 5 * time.Second, Transport: &oauth2.Transport{Source: oauth2.StaticTokenSource(tok)}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.resourceURL, nil)
	if err != nil {
		return answer{}, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header.Get("Content-Type"), body}, err
}

// exchange trades a code for tokens; nothing is stored unless the token endpoint issued them.
func (a *app) exchange(ctx context.Context, code string) (int, string) {
	tok, err := a.conf.Exchange(context.WithValue(ctx, oauth2.HTTPClient, a.tokenHTTP), code)
	if err != nil {
		return http.StatusBadGateway, "the code exchange failed: " + err.Error()
	}
	a.keep(tok)
	return http.StatusOK, "Connected."
}

func (a *app) callback(ctx context.Context, q url.Values) (int, string) {
	state := q.Get("state")
	if state == "" || !a.pending[state] {
		return http.StatusBadRequest, "state missing or unknown: possible CSRF"
	}
	// One callback per login: a replayed redirect finds its state gone and never re-exchanges.
	delete(a.pending, state)
	if e := q.Get("error"); e != "" {
		return http.StatusForbidden, "authorization failed: " + e
	}
	if q.Get("code") == "" {
		return http.StatusBadRequest, "no code in the callback"
	}
	return a.exchange(ctx, q.Get("code"))
}

func newState() string {
	b := make([]byte, 32) // 256 bits
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func main() {
	a := newApp()
	text := func(w http.ResponseWriter, status int, body string) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		defer a.mu.Unlock()
		state := newState()
		a.pending[state] = true
		http.Redirect(w, r, a.conf.AuthCodeURL(state), http.StatusFound)
	})
	mux.HandleFunc("/callback", func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		defer a.mu.Unlock()
		status, body := a.callback(r.Context(), r.URL.Query())
		text(w, status, body)
	})
	mux.HandleFunc("/oob", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			text(w, http.StatusMethodNotAllowed, "POST only")
			return
		}
		code := strings.TrimSpace(r.PostFormValue("code"))
		if code == "" {
			text(w, http.StatusBadRequest, "form field code is required")
			return
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		// BookingSync out-of-band: RedirectURL is urn:ietf:wg:oauth:2.0:oob, as at authorize.
		status, body := a.exchange(r.Context(), code)
		text(w, status, body)
	})
	mux.HandleFunc("/resource", func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		defer a.mu.Unlock()
		status, contentType, body := a.resource(r.Context())
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		w.Write(body)
	})
	addr := "127.0.0.1:" + os.Getenv("PORT")
	if err := http.ListenAndServe(addr, mux); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
