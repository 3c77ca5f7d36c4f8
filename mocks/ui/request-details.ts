/**
 * One recorded exchange in full: the codes and tokens it carried, then the request (query,
 * headers, body) beside the answer (status, headers, body). Shared by the dashboard's request
 * page and the HTML report's inline details. Every value goes through `page`, which escapes it.
 */
import { type RawHtml, page } from '../engine/http.ts'
import type { RecordedRequest } from '../engine/log.ts'
import { GRANT_KIND_LABEL, type InvolvedGrant, bodyParams, involvedGrants, jsonBody, reasonPhrase, statusClass } from './exchange.ts'

export interface RequestDetailsOptions {
  /** Something to say about a code or token (the dashboard: its state in the store now). */
  grantNote?: (grant: InvolvedGrant) => RawHtml | string | undefined
}

export const REQUEST_DETAILS_CSS = `
.rq{font-size:.85rem}
.rq-meta{display:flex;flex-wrap:wrap;gap:.35rem .9rem;align-items:baseline;margin:0 0 .6rem;color:var(--muted)}
.rq-meta code{color:var(--ink);word-break:break-all}
.rq h4{font-size:.72rem;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);margin:.9rem 0 .35rem;font-weight:650}
.rq h4:first-child{margin-top:0}
.rq h5{font-size:.75rem;color:#334155;margin:.7rem 0 .25rem;font-weight:650}
.rq-grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(20rem,1fr));gap:.5rem 1.25rem}
.rq-side{min-width:0}
.rq-grants{list-style:none;margin:0 0 .25rem;padding:0;display:grid;gap:.3rem}
.rq-grants li{display:flex;flex-wrap:wrap;gap:.25rem .5rem;align-items:baseline}
.rq-grants code{word-break:break-all;background:var(--soft);border:1px solid var(--line);border-radius:.3rem;padding:0 .3rem}
.rq-note{font-size:.75rem;color:var(--muted)}
.rq .trunc{font-size:.75rem;color:var(--warn);margin:.25rem 0 0}
`

function table(pairs: ReadonlyArray<readonly [string, string]>): RawHtml {
  return page`<table class="kv">${pairs.map(([k, v]) => page`<tr><th>${k}</th><td>${v}</td></tr>`)}</table>`
}

/** A body as people read it: parameters as a table, JSON indented, anything else as sent. */
function bodyBlock(headers: Record<string, string>, body: string, truncated: boolean, params: boolean): RawHtml {
  if (!body) return page`<p class="muted">(empty)</p>`
  const note = truncated ? page`<p class="trunc">Cut at 16 KiB: the log keeps no more of a body.</p>` : ''
  const json = jsonBody(headers, body)
  if (json !== undefined) return page`<pre class="body">${JSON.stringify(json, null, 2)}</pre>${note}`
  const pairs = params ? bodyParams(headers, body) : null
  if (pairs) return page`${table(pairs)}<h5>As sent</h5><pre class="body">${body}</pre>${note}`
  return page`<pre class="body">${body}</pre>${note}`
}

function queryPairs(query: RecordedRequest['query']): Array<[string, string]> {
  return Object.entries(query).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x): [string, string] => [k, x]) : [[k, v] as [string, string]]))
}

export function requestDetails(r: RecordedRequest, options: RequestDetailsOptions = {}): RawHtml {
  const grants = involvedGrants(r)
  const query = queryPairs(r.query)
  const status = r.response.status
  return page`<div class="rq">
<div class="rq-meta"><span>#${r.id}</span><code>${r.method} ${r.url}</code>${r.endpoint ? page`<span>counts as <b>${r.endpoint}</b></span>` : ''}<time datetime="${r.at}">${r.at}</time></div>
${
  grants.length
    ? page`<h4>Codes and tokens</h4><ul class="rq-grants">${grants.map((g) => {
        const note = options.grantNote?.(g)
        return page`<li><span class="badge neutral">${GRANT_KIND_LABEL[g.kind]}</span><code>${g.value}</code><span class="rq-note">${g.side === 'request' ? 'sent' : 'answered'} in ${g.where}</span>${note ? page`<span class="rq-note">${note}</span>` : ''}</li>`
      })}</ul>`
    : ''
}
<div class="rq-grid">
<section class="rq-side"><h4>Request</h4>
${query.length ? page`<h5>Query</h5>${table(query)}` : ''}
<h5>Headers</h5>${table(Object.entries(r.headers))}
<h5>Body</h5>${bodyBlock(r.headers, r.body, r.bodyTruncated, true)}
</section>
<section class="rq-side"><h4>Answer <span class="badge ${statusClass(status) === 's2' ? 'ok' : statusClass(status) === 's3' ? 'info' : statusClass(status) === 's4' ? 'warn' : 'bad'}">${status} ${reasonPhrase(status)}</span></h4>
<h5>Headers</h5>${table(Object.entries(r.response.headers))}
<h5>Body</h5>${bodyBlock(r.response.headers, r.response.body, r.response.bodyTruncated, false)}
</section>
</div>
</div>`
}
