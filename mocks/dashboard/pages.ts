/**
 * The dashboard's pages, server-rendered: the main page (the request timeline as a sequence
 * diagram, the controls, the grants, the tenants), one exchange's page, and the fragments the
 * script fetches. Every value goes through `page`, which escapes it; the only script is
 * ./script.ts, allowed by the page's nonce.
 */
import type { BuiltinProviderId, ProviderId } from '../engine/controls.ts'
import { CONTROL_ENDPOINTS } from '../engine/controls.ts'
import { type RawHtml, page, raw } from '../engine/http.ts'
import type { RecordedRequest } from '../engine/log.ts'
import type { Fakes } from '../fakes.ts'
import { bookingsyncProfile } from '../providers/bookingsync/profile.ts'
import { calcomProfile } from '../providers/calcom/profile.ts'
import { oauth2Profile } from '../providers/oauth2/profile.ts'
import { zapierProfile } from '../providers/zapier/profile.ts'
import type { TenantInfo } from '../tenants.ts'
import { type InvolvedGrant, bodyParams, clockParts, formatDuration, involvedGrants } from '../ui/exchange.ts'
import { REQUEST_DETAILS_CSS, requestDetails } from '../ui/request-details.ts'
import { SEQUENCE_DIAGRAM_CSS, type SequenceDiagramOptions, sequenceDiagram } from '../ui/sequence-diagram.ts'
import { BASE_CSS, PROVIDER_COLORS } from '../ui/style.ts'
import { GRANT_STATE_LABEL, type GrantRow, type GrantState, grantStateOf, listGrants } from './grants.ts'
import { DASHBOARD_SCRIPT } from './script.ts'

/** Where the dashboard of one set of fakes lives and what it may show. */
export interface DashboardContext {
  fakes: Fakes
  /** The control API's path (`/__admin`, `/t/job-42/__admin`). */
  prefix: string
  /** `null`: the default tenant. */
  tenant: string | null
  tenants: readonly TenantInfo[]
  /** The server's base path (`''` unless its public URL has a path). */
  root: string
  /** The hidden field every form carries (./index.ts checks it). */
  csrf: string
}

export interface MainView extends DashboardContext {
  provider: ProviderId
  requests: RecordedRequest[]
  /** Requests of this provider in the log (`requests` is the newest `limit` of them). */
  total: number
  limit: number
  /** A line saying what the last control did. */
  notice?: string
  nonce: string
}

/** Lifetimes worth a clock button: moving past them expires codes or access tokens. */
const LIFETIMES: Record<BuiltinProviderId, { code: number; access: number }> = {
  calcom: { code: calcomProfile.codeLifetimeSeconds, access: calcomProfile.accessLifetimeSeconds },
  bookingsync: { code: bookingsyncProfile.codeLifetimeSeconds, access: bookingsyncProfile.accessLifetimeSeconds },
  zapier: { code: zapierProfile.codeLifetimeSeconds, access: zapierProfile.accessLifetimeSeconds },
  oauth2: { code: oauth2Profile.codeLifetimeSeconds, access: oauth2Profile.accessToken.lifetimeSeconds },
}

export const dashboardUrl = (prefix: string, provider?: ProviderId, extra: Record<string, string> = {}) => {
  const q = new URLSearchParams({ ...(provider ? { provider } : {}), ...extra }).toString()
  return `${prefix}/dashboard${q ? `?${q}` : ''}`
}
export const requestUrl = (prefix: string, id: number) => `${prefix}/dashboard/request/${id}`

const DASHBOARD_CSS = `
.top{background:#0f172a;color:#e2e8f0}
.top-in{max-width:96rem;margin:0 auto;padding:.85rem 1.5rem;display:flex;flex-wrap:wrap;align-items:center;gap:.6rem 1.25rem}
.brand{color:#fff;text-decoration:none;font-weight:750;font-size:1.05rem;letter-spacing:-.01em}
.brand span{font-weight:500;color:#94a3b8}
.pill{font-size:.78rem;border:1px solid #334155;border-radius:999px;padding:.1rem .65rem;color:#cbd5e1}
.pill b{color:#fff;font-weight:650}
.clock-box{margin-left:auto;display:flex;align-items:baseline;gap:.5rem;font-size:.85rem}
.clock-box .lbl{color:#94a3b8;font-size:.72rem;text-transform:uppercase;letter-spacing:.07em}
#clock time{font-family:var(--mono);color:#fff;font-size:.9rem}
#clock small{color:#fbbf24;margin-left:.35rem}
.tabs{background:#fff;border-bottom:1px solid var(--line)}
.tabs-in{max-width:96rem;margin:0 auto;padding:0 1.5rem;display:flex;gap:.25rem;align-items:stretch;flex-wrap:wrap}
.tabs a{display:flex;align-items:center;gap:.45rem;padding:.7rem .9rem;text-decoration:none;color:#475569;font-weight:600;font-size:.9rem;border-bottom:3px solid transparent}
.tabs a:hover{color:var(--ink)}
.tabs a[aria-current=page]{color:var(--ink);border-bottom-color:var(--c)}
.tabs .dot{width:.6rem;height:.6rem;border-radius:50%;background:var(--c)}
.tabs .links{margin-left:auto;display:flex;gap:1rem;align-items:center;font-size:.82rem}
.tabs .links a{padding:0;border:0;font-weight:500;color:#1d4ed8}
.wrap{max-width:96rem;margin:0 auto;padding:1.25rem 1.5rem 3rem}
.notice{background:#ecfdf5;border:1px solid #a7f3d0;color:#065f46;border-radius:.6rem;padding:.55rem .9rem;margin:0 0 1rem;font-size:.9rem}
.grid{display:grid;grid-template-columns:minmax(0,1fr) 26rem;gap:1.25rem;align-items:start}
@media (max-width:74rem){.grid{grid-template-columns:minmax(0,1fr)}}
.timeline>header{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem .75rem}
.count{font-size:.75rem;font-weight:650;color:#475569;background:#f1f5f9;border-radius:999px;padding:.05rem .5rem}
.live-badge{margin-left:auto;font-size:.75rem;font-weight:600;display:inline-flex;align-items:center;gap:.35rem;color:var(--muted)}
.live-badge::before{content:"";width:.5rem;height:.5rem;border-radius:50%;background:#cbd5e1}
.live-badge.on{color:var(--ok)}.live-badge.on::before{background:#22c55e;box-shadow:0 0 0 3px #bbf7d0}
.timeline .more{font-size:.8rem;color:var(--muted);padding:.5rem 1.1rem 0;margin:0}
.timeline .seq{padding:0 .6rem .4rem}
aside{display:grid;gap:1.25rem}
.ctl{padding:.8rem 1.1rem;border-top:1px solid var(--line)}
.ctl:first-of-type{border-top:0}
.ctl h3{font-size:.72rem;text-transform:uppercase;letter-spacing:.07em;color:var(--muted);font-weight:650;margin:0 0 .5rem}
.ctl form{margin:0}
.row{display:flex;flex-wrap:wrap;gap:.4rem;align-items:end}
.row+.row{margin-top:.45rem}
label.f{display:grid;gap:.15rem;font-size:.72rem;color:#475569;font-weight:600}
input,select{font:inherit;font-size:.85rem;border:1px solid #cbd5e1;border-radius:.4rem;padding:.3rem .45rem;background:#fff;color:var(--ink);min-width:0}
input[type=number]{width:6.5rem}
button{font:inherit;font-size:.82rem;font-weight:600;border:1px solid #cbd5e1;background:#fff;color:var(--ink);border-radius:.4rem;padding:.32rem .65rem;cursor:pointer}
button:hover{background:#f8fafc;border-color:#94a3b8}
button.primary{background:#0f172a;border-color:#0f172a;color:#fff}
button.primary:hover{background:#1e293b}
button.danger{color:var(--bad);border-color:#fecaca}
button.danger:hover{background:var(--bad-bg)}
.seg{display:inline-flex;border:1px solid #cbd5e1;border-radius:.45rem;overflow:hidden}
.seg button{border:0;border-radius:0;border-left:1px solid #cbd5e1;padding:.32rem .8rem}
.seg button:first-child{border-left:0}
.seg button[aria-pressed=true]{background:#0f172a;color:#fff}
.hint{font-size:.75rem;color:var(--muted);margin:.4rem 0 0}
.grants h3{font-size:.72rem;text-transform:uppercase;letter-spacing:.07em;color:var(--muted);font-weight:650;margin:0;padding:.7rem 1.1rem .35rem;display:flex;justify-content:space-between}
.grants ul{list-style:none;margin:0;padding:0 .6rem .4rem}
.grants li{padding:.45rem .5rem;border-radius:.45rem;display:grid;gap:.1rem}
.grants li+li{border-top:1px solid #f1f5f9}
.g-top{display:flex;align-items:center;gap:.45rem;min-width:0}
.g-top code{overflow:hidden;text-overflow:ellipsis;white-space:nowrap;min-width:0;flex:1;font-size:.78rem}
.g-meta{font-size:.74rem;color:var(--muted);overflow-wrap:anywhere}
.g-meta time{font-family:var(--mono);font-size:.72rem;color:#334155}
.grants .none{font-size:.8rem;color:var(--muted);padding:.1rem .5rem .5rem}
.g-dead code{color:#94a3b8}
.tenants ul{list-style:none;margin:0;padding:.5rem .6rem .7rem}
.tenants li a{display:flex;justify-content:space-between;gap:.5rem;padding:.3rem .5rem;border-radius:.4rem;text-decoration:none;color:var(--ink);font-size:.85rem}
.tenants li a:hover{background:#f1f5f9}
.tenants li a[aria-current=page]{background:#eef2ff;font-weight:650}
.tenants small{color:var(--muted)}
.back{display:inline-block;margin:0 0 1rem;font-size:.88rem}
.req-card{padding:.4rem .6rem 1rem}
@media print{.tabs .links,aside form,.live-badge{display:none}.grid{grid-template-columns:1fr}body{background:#fff}}
`

function htmlPage(title: string, body: RawHtml, nonce: string | null): string {
  return page`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<link rel="icon" href="data:,">
<title>${title}</title>
<style>${raw(BASE_CSS)}${raw(SEQUENCE_DIAGRAM_CSS)}${raw(REQUEST_DETAILS_CSS)}${raw(DASHBOARD_CSS)}</style>
</head>
<body>
${body}
${nonce ? page`<script nonce="${nonce}">${raw(DASHBOARD_SCRIPT)}</script>` : ''}
</body>
</html>
`.html
}

/** `2025-06-01 12:00:03` on the fakes' clock (UTC), the date left out when it is today's. */
function fakeTime(ms: number, now: number): RawHtml {
  const iso = new Date(ms).toISOString()
  const { date, time } = clockParts(iso)
  const today = clockParts(new Date(now).toISOString()).date
  return page`<time datetime="${iso}" title="${iso}">${date === today ? '' : `${date} `}${time}</time>`
}

function clockLine(fakes: Fakes): RawHtml {
  const now = fakes.clock.now()
  const ahead = now - Date.now()
  const iso = new Date(now).toISOString()
  const { date, time } = clockParts(iso)
  return page`<span id="clock"><time datetime="${iso}">${date} ${time}</time> UTC${Math.abs(ahead) >= 1000 ? page`<small>${ahead > 0 ? '+' : ''}${formatDuration(ahead)} vs real time</small>` : ''}</span>`
}

function topBar(ctx: DashboardContext): RawHtml {
  return page`<header class="top"><div class="top-in">
<a class="brand" href="${dashboardUrl(ctx.prefix)}">oauth-fakes <span>dashboard</span></a>
<span class="pill">tenant <b>${ctx.tenant ?? 'default'}</b></span>
<div class="clock-box"><span class="lbl">Fakes' clock</span>${clockLine(ctx.fakes)}</div>
</div></header>`
}

function tabs(ctx: DashboardContext, current: ProviderId | null): RawHtml {
  return page`<nav class="tabs" aria-label="Providers"><div class="tabs-in">
${ctx.fakes.providers.map((p) => page`<a href="${dashboardUrl(ctx.prefix, p)}" style="--c:${PROVIDER_COLORS[p] ?? '#4f46e5'}"${p === current ? raw(' aria-current="page"') : ''}><span class="dot"></span>${ctx.fakes.definition(p).title}</a>`)}
<span class="links"><a href="${`${ctx.prefix}/requests${current ? `?provider=${current}` : ''}`}">Log as JSON</a><a href="${`${ctx.root}/`}">Providers &amp; demo clients</a></span>
</div></nav>`
}

const hidden = (ctx: DashboardContext, provider: ProviderId) => page`<input type="hidden" name="csrf" value="${ctx.csrf}"><input type="hidden" name="provider" value="${provider}">`

function controls(ctx: MainView): RawHtml {
  const p = ctx.provider
  // A user-defined provider: the generic provider's lifetimes (its own are in its declaration).
  const life = LIFETIMES[p as BuiltinProviderId] ?? LIFETIMES.oauth2
  const consent = ctx.fakes.consent(p)
  const title = ctx.fakes.definition(p).title
  const clients = ctx.fakes.clients(p)
  const action = (name: string) => `${ctx.prefix}/dashboard/${name}`
  return page`<section class="card controls" aria-labelledby="controls-title">
<h2 id="controls-title">Controls</h2>
<div class="ctl">
<h3>Clock</h3>
<form method="post" action="${action('clock')}" id="clock-form">${hidden(ctx, p)}
<div class="row">
<button type="submit" name="seconds" value="${life.code + 1}" title="${`${title} codes live ${formatDuration(life.code * 1000)}`}">+${formatDuration((life.code + 1) * 1000)} <span class="muted">codes expire</span></button>
<button type="submit" name="seconds" value="${life.access + 1}" id="expire-access" title="${`${title} access tokens live ${formatDuration(life.access * 1000)}`}">+${formatDuration((life.access + 1) * 1000)} <span class="muted">access tokens expire</span></button>
</div>
<div class="row">
<button type="submit" name="seconds" value="60">+1 min</button>
<button type="submit" name="seconds" value="3600">+1 h</button>
<button type="submit" name="seconds" value="86400">+1 day</button>
</div>
</form>
<form method="post" action="${action('clock')}">${hidden(ctx, p)}
<div class="row"><label class="f">Seconds<input type="number" name="seconds" min="0" step="any" required value="30" id="clock-seconds"></label><button type="submit" class="primary" id="clock-advance">Advance</button></div>
</form>
</div>
<div class="ctl">
<h3>Consent for ${title}</h3>
<form method="post" action="${action('consent')}" id="consent-form">${hidden(ctx, p)}
<div class="seg" role="group" aria-label="Consent mode">${(['ask', 'allow', 'deny'] as const).map((m) => page`<button type="submit" name="mode" value="${m}" id="${`consent-${m}`}" aria-pressed="${m === consent ? 'true' : 'false'}">${m}</button>`)}</div>
<p class="hint">ask shows the consent page; allow / deny answer at once as the default user.</p>
</form>
</div>
<div class="ctl">
<h3>Inject a fault</h3>
<form method="post" action="${action('fault')}" id="fault-form">${hidden(ctx, p)}
<div class="row">
<label class="f">Endpoint<select name="endpoint" id="fault-endpoint">${CONTROL_ENDPOINTS.map((e) => page`<option value="${e}">${e}</option>`)}</select></label>
<label class="f">Status<input type="number" name="status" min="200" max="599" value="503" required id="fault-status"></label>
<label class="f">Times<input type="number" name="times" min="1" max="1000000" value="1" required id="fault-times"></label>
<button type="submit" class="primary" id="fault-inject">Inject</button>
</div>
<p class="hint">The next requests to that endpoint answer the status in ${title}'s error shape.</p>
</form>
</div>
<div class="ctl">
<h3>Revoke a client's grants</h3>
<form method="post" action="${action('revoke')}" id="revoke-form">${hidden(ctx, p)}
<div class="row">
<label class="f" style="flex:1">Client<select name="clientId" id="revoke-client" style="width:100%">${clients.map((c) => page`<option value="${c.clientId}">${c.name === c.clientId ? c.clientId : `${c.name} — ${c.clientId}`}</option>`)}</select></label>
<button type="submit" class="danger" id="revoke">Revoke</button>
</div>
</form>
</div>
<div class="ctl">
<h3>Reset</h3>
<form method="post" action="${action('reset')}" id="reset-form">${hidden(ctx, p)}
<div class="row"><button type="submit" class="danger" id="reset">Reset to the fixtures</button></div>
<p class="hint">Clock, grants, consent modes, faults, options and the log of ${ctx.tenant ? `tenant ${ctx.tenant}` : 'the default tenant'}.</p>
</form>
</div>
</section>`
}

const STATE_CLASS: Record<GrantState, string> = { live: 'live', expired: 'expired', revoked: 'revoked', rotated: 'rotated', consumed: 'consumed' }

function relative(ms: number, now: number): string {
  const d = ms - now
  return Math.abs(d) < 1000 ? 'now' : d > 0 ? `in ${formatDuration(d)}` : `${formatDuration(-d)} ago`
}

function grantItem(g: GrantRow, now: number, issuedBy: ReadonlyMap<string, number>, prefix: string): RawHtml {
  const by = issuedBy.get(g.value)
  const times: RawHtml[] = [page`issued ${fakeTime(g.issuedAt, now)}`]
  if (g.state === 'revoked' || g.state === 'rotated') times.push(page`${g.state} ${fakeTime(g.revokedAt!, now)}`)
  else if (g.expiresAt !== null) times.push(page`${g.expiresAt <= now ? 'expired' : 'expires'} ${fakeTime(g.expiresAt, now)} (${relative(g.expiresAt, now)})`)
  else if (g.kind !== 'code') times.push(page`never expires`)
  const who = [g.clientId, g.subject, g.scopes.length ? g.scopes.join(' ') : ''].filter(Boolean)
  return page`<li class="${g.state === 'live' ? 'g-live' : 'g-dead'}" data-state="${g.state}" data-kind="${g.kind}">
<div class="g-top"><span class="badge ${STATE_CLASS[g.state]}">${GRANT_STATE_LABEL[g.state]}</span><code title="${g.value}">${g.value}</code>${by !== undefined ? page`<a href="${requestUrl(prefix, by)}" class="g-by" title="the request that answered it">#${by}</a>` : ''}</div>
<div class="g-meta">${who.join(' · ')}</div>
<div class="g-meta">${times.map((t, i) => page`${i ? ' · ' : ''}${t}`)}${g.state === 'consumed' ? ' · exchanged or revoked' : ''}</div>
</li>`
}

/** The grants panel (also the fragment the script fetches again). */
export function grantsPanel(ctx: DashboardContext, provider: ProviderId, requests: readonly RecordedRequest[]): RawHtml {
  const fakes = ctx.fakes
  const now = fakes.clock.now()
  // Which request answered each code or token, and the codes the store no longer holds.
  const issuedBy = new Map<string, number>()
  const answered: Array<{ value: string; clientId: string; at: number }> = []
  for (const r of requests) {
    for (const g of involvedGrantsAnswered(r)) {
      if (!issuedBy.has(g.value)) issuedBy.set(g.value, r.id)
      if (g.kind === 'code') answered.push({ value: g.value, clientId: clientIdOf(r), at: Date.parse(r.at) })
    }
  }
  const grants = listGrants(fakes.runtime(provider), now, answered)
  const group = (title: string, rows: GrantRow[], total: number, id: string, note = '') => page`<h3 id="${id}">${title}<span>${total > rows.length ? `${rows.length} newest of ${total}` : rows.length}</span></h3>
${note ? page`<p class="none">${note}</p>` : ''}${rows.length ? page`<ul aria-labelledby="${id}">${[...rows].reverse().map((g) => grantItem(g, now, issuedBy, ctx.prefix))}</ul>` : page`<p class="none">None.</p>`}`
  return page`${group('Authorization codes', grants.codes, Math.max(grants.total.codes, grants.codes.length), 'g-codes', grants.codes.some((g) => g.state === 'consumed') ? 'Codes are single use: the fake forgets one once it is exchanged (or its client revoked); the log still shows it as consumed.' : '')}
${group('Access tokens', grants.access, grants.total.access, 'g-access')}
${group('Refresh tokens', grants.refresh, grants.total.refresh, 'g-refresh')}`
}

function involvedGrantsAnswered(r: RecordedRequest): InvolvedGrant[] {
  return involvedGrants(r).filter((g) => g.side === 'response')
}

/** The client a request names (query, body, or HTTP Basic). */
function clientIdOf(r: RecordedRequest): string {
  const q = r.query.client_id
  if (typeof q === 'string') return q
  if (Array.isArray(q) && q[0]) return q[0]
  const fromBody = new Map(bodyParams(r.headers, r.body) ?? []).get('client_id')
  if (fromBody) return fromBody
  const basic = /^Basic\s+(\S+)/i.exec(r.headers.authorization ?? '')?.[1]
  return basic ? Buffer.from(basic, 'base64').toString('utf8').split(':', 1)[0]! : ''
}

function tenantsCard(ctx: DashboardContext, provider: ProviderId | null): RawHtml {
  const link = (name: string | null) => `${ctx.root}${name === null ? '' : `/t/${name}`}/__admin/dashboard${provider ? `?provider=${provider}` : ''}`
  const items = [
    page`<li><a href="${link(null)}"${ctx.tenant === null ? raw(' aria-current="page"') : ''}><span>default</span><small>${ctx.tenant === null ? `${ctx.fakes.log.lastId} requests` : ''}</small></a></li>`,
    ...ctx.tenants.map((t) => page`<li><a href="${link(t.name)}"${t.name === ctx.tenant ? raw(' aria-current="page"') : ''}><span>${t.name}</span><small>${t.requests} requests</small></a></li>`),
  ]
  return page`<section class="card tenants" aria-labelledby="tenants-title"><h2 id="tenants-title">Tenants</h2><ul>${items}</ul>
<p class="hint" style="padding:0 1.1rem .9rem;margin:0">Each <code>/t/&lt;name&gt;/…</code> prefix is an isolated set of fakes, created on first use.</p></section>`
}

export function diagramOptions(ctx: DashboardContext, provider: ProviderId): SequenceDiagramOptions {
  return {
    provider: ctx.fakes.definition(provider).title,
    accent: PROVIDER_COLORS[provider],
    details: { kind: 'link', href: (r) => requestUrl(ctx.prefix, r.id) },
    listId: 'seq-list',
    empty: 'No requests yet. They appear here as they happen.',
  }
}

export function mainPage(view: MainView): string {
  const p = view.provider
  const title = view.fakes.definition(p).title
  const shown = view.requests.length
  const events = `${view.prefix}/dashboard/events?provider=${p}`
  const state = `${view.prefix}/dashboard/state?provider=${p}`
  const body = page`${topBar(view)}
${tabs(view, p)}
<div class="wrap" id="dashboard" data-events="${events}" data-state="${state}" data-after="${view.fakes.log.lastId}">
${view.notice ? page`<p class="notice" role="status" id="notice">${view.notice}</p>` : ''}
<div class="grid">
<section class="card timeline" aria-labelledby="timeline-title">
<header><h2 id="timeline-title">Requests to ${title}</h2><span class="count" id="request-count">${view.total}</span><span class="live-badge off" id="live">static: reload for new requests</span></header>
${view.total > shown ? page`<p class="more">The newest ${shown} of ${view.total}. <a href="${dashboardUrl(view.prefix, p, { limit: String(Math.min(view.total, 2000)) })}">Show up to ${Math.min(view.total, 2000)}</a></p>` : ''}
${sequenceDiagram(view.requests, diagramOptions(view, p))}
</section>
<aside>
${controls(view)}
<section class="card grants" aria-labelledby="grants-title"><h2 id="grants-title">Grants</h2><div id="grants">${grantsPanel(view, p, view.requests)}</div></section>
${tenantsCard(view, p)}
</aside>
</div>
</div>`
  return htmlPage(`${title} · oauth-fakes dashboard${view.tenant ? ` · ${view.tenant}` : ''}`, body, view.nonce)
}

/** The grants panel and the clock, as the script fetches them (no script in it). */
export function statePage(ctx: DashboardContext, provider: ProviderId, requests: readonly RecordedRequest[]): string {
  return htmlPage('state', page`${clockLine(ctx.fakes)}<div id="grants">${grantsPanel(ctx, provider, requests)}</div>`, null)
}

/** What the dashboard says of a code or token seen in an exchange: its state now. */
function grantNote(ctx: DashboardContext, provider: ProviderId) {
  return (g: InvolvedGrant): RawHtml => {
    const now = ctx.fakes.clock.now()
    const state = grantStateOf(ctx.fakes.runtime(provider), g.kind, g.value, now)
    if (state) return page`now <span class="badge ${STATE_CLASS[state]}">${GRANT_STATE_LABEL[state]}</span>`
    return page`now not held by the fake${g.kind === 'code' ? ' (exchanged or revoked: codes are single use; or never issued)' : ' (never issued, or swept a day after it died)'}`
  }
}

/** One exchange: the fragment the script opens in place. */
export function requestFragment(ctx: DashboardContext, r: RecordedRequest): string {
  return requestDetails(r, { grantNote: grantNote(ctx, r.provider) }).html
}

/** One exchange's own page: its arrow, open, and a way back. */
export function requestPage(ctx: DashboardContext, r: RecordedRequest): string {
  const title = ctx.fakes.definition(r.provider).title
  const body = page`${topBar(ctx)}
${tabs(ctx, r.provider)}
<div class="wrap">
<a class="back" href="${`${dashboardUrl(ctx.prefix, r.provider)}#req-${r.id}`}">← ${title} requests</a>
<section class="card"><header><h2>Request #${r.id} to ${title}</h2></header>
<div class="req-card">${sequenceDiagram([r], { provider: title, accent: PROVIDER_COLORS[r.provider], details: { kind: 'inline', open: () => true, options: { grantNote: grantNote(ctx, r.provider) } } })}</div>
</section>
</div>`
  return htmlPage(`#${r.id} ${r.method} ${r.path} · oauth-fakes dashboard`, body, null)
}

/** An error or a refusal, with a way back. */
export function messagePage(ctx: DashboardContext, heading: string, text: string): string {
  const body = page`${topBar(ctx)}
<div class="wrap"><section class="card"><header><h2>${heading}</h2></header><div class="card-body"><p id="message">${text}</p><p><a href="${dashboardUrl(ctx.prefix)}">Back to the dashboard</a></p></div></section></div>`
  return htmlPage(`${heading} · oauth-fakes dashboard`, body, null)
}
