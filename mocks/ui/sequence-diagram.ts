/**
 * A request log as a sequence diagram: two lifelines (the client on the left, the provider on the
 * right), one solid arrow per request (method, path) and a dashed return arrow for its answer
 * (status, what came back), oldest at the top, times on the fakes' clock. A jump of the fakes'
 * clock shows between the arrows it separates, since scenarios and tests move it on purpose.
 *
 * Pure HTML and CSS (no script, no SVG to size): it reads the same in the dashboard, in a
 * self-contained report file and on paper. Each arrow opens its exchange in full, either inline
 * (`<details>`, for the report) or as a link (the dashboard's request page, which a script may
 * open in place). Every value goes through `page`, which escapes it.
 */
import { type RawHtml, page, raw } from '../engine/http.ts'
import type { RecordedRequest } from '../engine/log.ts'
import { answerSummary, callSummary, clockParts, formatDuration, reasonPhrase, statusClass } from './exchange.ts'
import { type RequestDetailsOptions, requestDetails } from './request-details.ts'

export type ArrowDetails =
  /** The exchange inside the arrow's `<details>` (a report file: nothing to fetch). */
  | { kind: 'inline'; open?: (r: RecordedRequest) => boolean; options?: RequestDetailsOptions }
  /** The arrow links to the exchange's own page. */
  | { kind: 'link'; href: (r: RecordedRequest) => string }

export interface SequenceDiagramOptions {
  /** The right lifeline: the provider's name. */
  provider: string
  /** The left lifeline (default "Client"). */
  client?: string
  /** The provider's colour (CSS colour). */
  accent?: string
  /** Ids of requests to mark (a failed check points at them). */
  highlight?: ReadonlySet<number>
  details: ArrowDetails
  /** The `id` of the list, for live updates that append to it. */
  listId?: string
  /** Each arrow's element id is this plus the request id (default `req-`; a report of many logs needs one per log). */
  idPrefix?: string
  /** A gap of at least this many seconds on the fakes' clock shows as a jump (default 30). */
  jumpSeconds?: number
  /** Shown in place of arrows when there is no request. */
  empty?: RawHtml | string
}

export const SEQUENCE_DIAGRAM_CSS = `
.seq{--t:6.75rem;--pad:4.25rem;--life:#94a3b8;--call:#334155;position:relative;font-size:.84rem}
.seq-head{display:grid;grid-template-columns:var(--t) 1fr;position:sticky;top:0;z-index:3;background:var(--card,#fff);padding:.6rem 0 .5rem;border-bottom:1px solid var(--line)}
.seq-head .seq-clock{font-size:.7rem;color:var(--muted);text-transform:uppercase;letter-spacing:.06em;align-self:center;text-align:right;padding-right:.6rem}
.seq-actors{display:flex;justify-content:space-between;gap:1rem;min-width:0}
.seq-actor{width:calc(var(--pad) * 2);text-align:center;border:1px solid #cbd5e1;border-radius:.5rem;padding:.3rem .4rem;font-weight:650;font-size:.8rem;background:var(--soft,#f8fafc);white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.seq-actor.seq-provider{border-color:var(--accent);box-shadow:inset 0 -3px 0 var(--accent)}
.seq-list{list-style:none;margin:0;padding:.35rem 0 .6rem;position:relative}
.seq-list::before,.seq-list::after{content:"";position:absolute;top:0;bottom:0;width:0;border-left:2px dashed var(--life);z-index:1;pointer-events:none}
.seq-list::before{left:calc(var(--t) + var(--pad) - 1px)}
.seq-list::after{right:calc(var(--pad) - 1px)}
.seq-msg{position:relative;border-radius:.4rem}
.seq-row{display:grid;grid-template-columns:var(--t) 1fr;padding:.3rem 0 .35rem;cursor:pointer;color:inherit;text-decoration:none;list-style:none;border-radius:.4rem}
.seq-row::-webkit-details-marker{display:none}
.seq-row:hover{background:#f1f5f9}
.seq-time{font:.72rem/1.25 var(--mono);color:var(--muted);text-align:right;padding:.15rem .6rem 0 0;white-space:nowrap}
.seq-time small{opacity:.75}
.seq-id{display:block;font-size:.68rem;color:#94a3b8}
.seq-lane{margin:0 var(--pad);display:flex;flex-direction:column;gap:.3rem;min-width:0}
.seq-call,.seq-ret{position:relative;display:block;padding:0 .8rem .12rem;text-align:center;min-width:0}
.seq-call{border-bottom:2px solid var(--call)}
.seq-call::after{content:"";position:absolute;right:-1px;bottom:-6px;border-style:solid;border-width:5px 0 5px 9px;border-color:transparent transparent transparent var(--call)}
.seq-ret{border-bottom:2px dashed var(--sc);color:var(--sc)}
.seq-ret::before{content:"";position:absolute;left:-1px;bottom:-6px;border-style:solid;border-width:5px 9px 5px 0;border-color:transparent var(--sc) transparent transparent}
.seq-label{display:block;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.seq-call .m{font-weight:700;font-size:.75rem;letter-spacing:.03em;margin-right:.3rem}
.seq-call .p{font-family:var(--mono);font-size:.8rem}
.seq-hint{color:var(--muted);font-size:.76rem;margin-left:.45rem}
.seq-ret .st{font-weight:700;margin-right:.3rem}
.seq-ret .what{color:#475569}
.seq-tag{display:inline-block;font-size:.66rem;font-weight:650;text-transform:uppercase;letter-spacing:.05em;color:#475569;background:#f1f5f9;border:1px solid var(--line);border-radius:.25rem;padding:0 .3rem;margin-left:.4rem;vertical-align:1px}
.s1,.s2{--sc:var(--ok)}.s3{--sc:var(--info)}.s4{--sc:var(--warn)}.s5{--sc:var(--bad)}
.seq-msg.failing>.seq-row,.seq-msg.failing>details>.seq-row{background:var(--bad-bg);box-shadow:inset 3px 0 0 var(--bad)}
.seq-flag{display:inline-block;margin-top:.2rem;font:700 .62rem/1.2 ui-sans-serif,system-ui,sans-serif;letter-spacing:.05em;color:#fff;background:var(--bad);border-radius:.25rem;padding:.1rem .3rem}
.seq-msg.fresh>.seq-row{animation:seq-fresh 1.6s ease-out}
@keyframes seq-fresh{from{background:#fef9c3}to{background:transparent}}
.seq-details{position:relative;z-index:2;margin:.15rem .25rem .75rem var(--t);padding:.85rem 1rem;background:var(--card,#fff);border:1px solid var(--line);border-radius:.6rem;box-shadow:0 4px 14px rgba(15,23,42,.08)}
.seq-jump{position:relative;z-index:2;display:flex;justify-content:center;padding:.35rem 0 .35rem var(--t)}
.seq-jump span{font-size:.72rem;color:#6b21a8;background:#f3e8ff;border:1px solid #e9d5ff;border-radius:999px;padding:.05rem .65rem}
.seq-empty{position:relative;z-index:2;margin:1.5rem var(--pad) 1.5rem calc(var(--t) + var(--pad));text-align:center;color:var(--muted);background:var(--card,#fff);padding:.75rem;border:1px dashed var(--line);border-radius:.5rem}
@media (max-width:40rem){.seq{--t:4.5rem;--pad:2.5rem}.seq-hint{display:none}}
@media print{
.seq-head{position:static}
.seq-row:hover{background:none}
.seq-msg{break-inside:avoid}
.seq-msg.failing>.seq-row,.seq-msg.failing>details>.seq-row{-webkit-print-color-adjust:exact;print-color-adjust:exact}
.seq-details{box-shadow:none;break-inside:auto}
}
`

/** A gap in the fakes' time, when it is worth a marker. */
function jumpMarker(previousAt: string | undefined, at: string, jumpSeconds: number): RawHtml | '' {
  if (previousAt === undefined) return ''
  const gap = Date.parse(at) - Date.parse(previousAt)
  if (!(gap >= jumpSeconds * 1000)) return ''
  const before = clockParts(previousAt)
  const after = clockParts(at)
  return page`<li class="seq-jump"><span>${formatDuration(gap)} later on the fakes' clock${before.date !== after.date ? ` (${after.date})` : ''}</span></li>`
}

/**
 * One arrow pair (and the clock-jump marker before it, given the previous request's time): what
 * the diagram is made of, also sent on its own to append to a live diagram.
 */
export function sequenceRow(r: RecordedRequest, options: SequenceDiagramOptions, previousAt?: string): RawHtml {
  const call = callSummary(r)
  const status = r.response.status
  const answer = answerSummary(r)
  const time = clockParts(r.at)
  const failing = options.highlight?.has(r.id) ?? false
  const inner = page`<span class="seq-time"><time datetime="${r.at}">${time.time}<small>${time.ms}</small></time><span class="seq-id">#${r.id}</span>${failing ? page`<span class="seq-flag">FAILING</span>` : ''}</span>
<span class="seq-lane">
<span class="seq-call" title="${`${r.method} ${r.url}`}"><span class="seq-label"><span class="m">${call.method}</span><span class="p">${call.path}</span>${r.endpoint ? page`<span class="seq-tag">${r.endpoint}</span>` : ''}${call.hint ? page`<span class="seq-hint">${call.hint}</span>` : ''}</span></span>
<span class="seq-ret ${statusClass(status)}" title="${`${status} ${reasonPhrase(status)} ${answer}`}"><span class="seq-label"><span class="st">${status}</span><span class="what">${reasonPhrase(status)}${answer ? ` · ${answer}` : ''}</span></span></span>
</span>`
  const details = options.details
  const body =
    details.kind === 'inline'
      ? page`<details${details.open?.(r) ? raw(' open') : ''}><summary class="seq-row">${inner}</summary><div class="seq-details">${requestDetails(r, details.options)}</div></details>`
      : page`<a class="seq-row" href="${details.href(r)}">${inner}</a>`
  return page`${jumpMarker(previousAt, r.at, options.jumpSeconds ?? 30)}<li class="seq-msg${failing ? ' failing' : ''}" id="${options.idPrefix ?? 'req-'}${r.id}" data-id="${r.id}" data-at="${r.at}">${body}</li>`
}

/** The whole diagram. */
export function sequenceDiagram(requests: readonly RecordedRequest[], options: SequenceDiagramOptions): RawHtml {
  const rows = requests.map((r, i) => sequenceRow(r, options, requests[i - 1]?.at))
  return page`<div class="seq"${options.accent ? page` style="--accent:${options.accent}"` : ''}>
<div class="seq-head"><span class="seq-clock">fake clock</span><div class="seq-actors"><span class="seq-actor seq-client">${options.client ?? 'Client'}</span><span class="seq-actor seq-provider">${options.provider}</span></div></div>
<ol class="seq-list"${options.listId ? page` id="${options.listId}"` : ''}>${rows}${requests.length ? '' : page`<li class="seq-empty">${options.empty ?? 'No requests.'}</li>`}</ol>
</div>`
}
