/**
 * `--reporter html --output report.html`: one self-contained file to upload as a CI artifact.
 * The summary, every check with its references, and for each scenario the fake's request log as
 * the dashboard's sequence diagram (the same renderer, ../../mocks/ui/sequence-diagram.ts), the
 * failing requests marked and open; with `--browser`, the provider pages the browser saw.
 *
 * Failures come first everywhere. Inline CSS and one small script (expand/collapse, open what
 * matters before printing); a Content-Security-Policy in the file forbids loading anything, so
 * the report never reaches the network, and reads the same printed.
 */
import { randomBytes } from 'node:crypto'
import { type RawHtml, page, raw } from '../../mocks/engine/http.ts'
import { REQUEST_DETAILS_CSS } from '../../mocks/ui/request-details.ts'
import { SEQUENCE_DIAGRAM_CSS, sequenceDiagram } from '../../mocks/ui/sequence-diagram.ts'
import { BASE_CSS, PROVIDER_COLORS } from '../../mocks/ui/style.ts'
import { formatDuration } from '../../mocks/ui/exchange.ts'
import type { ConformanceReport } from '../report.ts'
import type { CheckResult, ProviderReport, ScenarioTrace } from '../runner.ts'
import type { Finding } from '../scenario-run.ts'

const STATUS_ORDER: Record<CheckResult['status'], number> = { FAILURE: 0, WARNING: 1, SUCCESS: 2, SKIPPED: 3 }
const SCENARIO_ORDER: Record<ScenarioTrace['status'], number> = { failed: 0, passed: 1, skipped: 2 }

/** Failures first; a baseline's expected failure after the unexpected ones; otherwise the catalog's order. */
function checkRank(c: CheckResult): number {
  return c.expectedFailure ? 1.5 : STATUS_ORDER[c.status]
}

const CHECK_BADGE: Record<CheckResult['status'], { cls: string; text: string }> = {
  FAILURE: { cls: 'bad', text: 'failed' },
  WARNING: { cls: 'warn', text: 'warning' },
  SUCCESS: { cls: 'ok', text: 'passed' },
  SKIPPED: { cls: 'skip', text: 'skipped' },
}

const REPORT_CSS = `
body{background:#fff}
.rp{max-width:78rem;margin:0 auto;padding:2rem 1.75rem 4rem}
.rp-head{display:flex;flex-wrap:wrap;gap:1rem 2rem;align-items:flex-start;justify-content:space-between;padding-bottom:1.25rem;border-bottom:1px solid var(--line)}
.rp-head h1{font-size:1.6rem;letter-spacing:-.02em}
.rp-head .cmd{margin:.4rem 0 0;color:var(--muted);font-size:.9rem}
.rp-head .cmd code{color:var(--ink);background:var(--soft);border:1px solid var(--line);border-radius:.35rem;padding:.1rem .4rem;word-break:break-all}
.rp-head .meta{margin:.35rem 0 0;color:var(--muted);font-size:.82rem}
.verdict{border-radius:.75rem;padding:.8rem 1.1rem;min-width:15rem;border:1px solid}
.verdict.ok{background:var(--ok-bg);border-color:#86efac;color:#14532d}
.verdict.bad{background:var(--bad-bg);border-color:#fca5a5;color:#7f1d1d}
.verdict b{display:block;font-size:1.15rem;letter-spacing:.02em}
.verdict span{font-size:.85rem}
.toc{display:flex;flex-wrap:wrap;gap:.6rem;margin:1.25rem 0 0;align-items:center}
.toc a{display:inline-flex;align-items:center;gap:.45rem;text-decoration:none;color:var(--ink);border:1px solid var(--line);border-radius:.6rem;padding:.4rem .75rem;font-size:.88rem;font-weight:600}
.toc a:hover{background:var(--soft)}
.toc .dot{width:.6rem;height:.6rem;border-radius:50%;background:var(--c)}
.tools{margin-left:auto;display:flex;gap:.5rem}
.tools button{font:inherit;font-size:.8rem;font-weight:600;border:1px solid #cbd5e1;background:#fff;border-radius:.4rem;padding:.3rem .65rem;cursor:pointer}
.rp-provider{margin-top:2.25rem}
.rp-provider>h2{font-size:1.3rem;display:flex;align-items:center;gap:.6rem;padding-bottom:.5rem;border-bottom:3px solid var(--c)}
.rp-provider>h2 small{font-size:.85rem;font-weight:500;color:var(--muted)}
.rp-provider h3{font-size:.8rem;text-transform:uppercase;letter-spacing:.07em;color:var(--muted);margin:1.5rem 0 .6rem}
table.checks{border-collapse:collapse;width:100%;font-size:.86rem}
table.checks th{font-size:.72rem;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);text-align:left;padding:.4rem .6rem;border-bottom:1px solid var(--line)}
table.checks td{padding:.55rem .6rem;border-bottom:1px solid var(--line);vertical-align:top}
table.checks tr.failure td{background:#fff7f7}
table.checks tr.failure td:first-child{box-shadow:inset 3px 0 0 var(--bad)}
table.checks tr.warning td:first-child{box-shadow:inset 3px 0 0 var(--warn)}
.ck-id{font-family:var(--mono);font-size:.78rem;color:#334155}
.ck-name{font-weight:650}
.ck-desc{color:var(--muted);font-size:.8rem}
.ck-why{margin:.35rem 0 0;font-size:.8rem;display:grid;grid-template-columns:auto 1fr;gap:.1rem .6rem}
.ck-why dt{color:var(--muted);font-weight:600}
.ck-why dd{margin:0;word-break:break-word}
.refs{margin:0;padding:0;list-style:none;font-size:.8rem}
details.rest{margin-top:1.5rem}
details.rest>summary{cursor:pointer;list-style-position:outside;margin-left:1rem}
details.rest>summary h3{display:inline-block;margin:0 0 .6rem}
.refs li{margin:0 0 .15rem}
.scenario{border:1px solid var(--line);border-radius:.75rem;margin:0 0 1.1rem;break-inside:auto}
.scenario>header{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem .75rem;padding:.75rem 1rem;border-bottom:1px solid var(--line);background:var(--soft);border-radius:.75rem .75rem 0 0}
.scenario.failed{border-color:#fca5a5}
.scenario.failed>header{background:#fef2f2}
.scenario>header h4{font-size:1rem;margin:0}
.scenario>header code{color:var(--muted)}
.findings{list-style:none;margin:0;padding:.7rem 1rem .2rem;display:grid;gap:.3rem;font-size:.84rem}
.findings li{display:grid;grid-template-columns:1.3rem 1fr;gap:.4rem}
.findings .mk{font-weight:800;text-align:center}
.findings .ok .mk{color:var(--ok)}.findings .bad .mk{color:var(--bad)}.findings .skip .mk{color:#94a3b8}
.findings .fid{font-family:var(--mono);font-size:.78rem;font-weight:600}
.findings .exp{color:var(--muted)}
.findings a{font-size:.78rem}
.scenario .seq{margin:.4rem .6rem .6rem}
.shots{display:flex;flex-wrap:wrap;gap:1rem;padding:.3rem 1rem 1rem}
.shots figure{margin:0;max-width:22rem}
.shots img{display:block;width:100%;height:auto;border:1px solid var(--line);border-radius:.5rem}
.shots figcaption{font-size:.75rem;color:var(--muted);margin-top:.3rem}
.stale{margin-top:2rem;border:1px solid #fca5a5;background:#fef2f2;border-radius:.75rem;padding:.9rem 1.1rem}
.rp-foot{margin-top:3rem;color:var(--muted);font-size:.78rem;border-top:1px solid var(--line);padding-top:.8rem}
@media print{
body{font-size:11pt}
.rp{padding:0;max-width:none}
.tools{display:none}
.rp-provider+.rp-provider{break-before:page}
.scenario,.verdict,table.checks tr.failure td{-webkit-print-color-adjust:exact;print-color-adjust:exact}
table.checks tr{break-inside:avoid}
table.attention a[href^="http"]::after{content:" <" attr(href) ">";font-size:.7rem;color:var(--muted);word-break:break-all}
.shots figure{max-width:45%}
}
`

/** Expand or collapse every exchange; before printing, open the failing ones (they start open anyway). */
const REPORT_SCRIPT = `(function () {
  function all(open) { document.querySelectorAll('.seq-msg details').forEach(function (d) { d.open = open; }); }
  var expand = document.getElementById('expand-all');
  var collapse = document.getElementById('collapse-all');
  if (expand) expand.addEventListener('click', function () { all(true); });
  if (collapse) collapse.addEventListener('click', function () { all(false); });
  // On paper every check shows, and the failing exchanges.
  window.addEventListener('beforeprint', function () { document.querySelectorAll('details.rest, .seq-msg.failing details').forEach(function (d) { d.open = true; }); });
})();`

const scenarioAnchor = (t: ScenarioTrace) => `s-${t.provider}-${t.scenario}`
const requestAnchorPrefix = (t: ScenarioTrace) => `${scenarioAnchor(t)}-req-`

function reference(r: { id: string; url: string }): RawHtml {
  // The project's own notes are cited by relative path: no link that would break in an artifact.
  return /^https?:\/\//i.test(r.url) ? page`<li><a href="${r.url}" rel="noreferrer">${r.id}</a></li>` : page`<li title="${r.url}">${r.id}</li>`
}

function checksTable(p: ProviderReport, checks: readonly CheckResult[], cls = ''): RawHtml {
  const rows = [...checks].sort((a, b) => checkRank(a) - checkRank(b))
  const scenarioLinks = (c: CheckResult) =>
    c.details.scenario
      .split(', ')
      .filter(Boolean)
      .map((id, i) => {
        const trace = p.scenarios.find((t) => t.scenario === id)
        return page`${i ? ', ' : ''}${trace ? page`<a href="#${scenarioAnchor(trace)}">${id}</a>` : id}`
      })
  return page`<table class="checks${cls ? ` ${cls}` : ''}">
<thead><tr><th style="width:7rem">Result</th><th>Check</th><th style="width:16rem">References</th></tr></thead>
<tbody>${rows.map((c) => {
    const badge = c.expectedFailure ? { cls: 'warn', text: 'expected failure' } : CHECK_BADGE[c.status]
    const judged = c.status === 'FAILURE' || c.status === 'WARNING'
    return page`<tr class="${c.status.toLowerCase()}" id="${`c-${p.provider}-${c.id}`}" data-check="${c.id}" data-status="${c.status}">
<td><span class="badge ${badge.cls}">${badge.text}</span>${c.severity === 'SHOULD' ? page` <span class="badge neutral">SHOULD</span>` : ''}</td>
<td><div><span class="ck-name">${c.name}</span> <span class="ck-id">${c.id}</span></div><div class="ck-desc">${c.description}</div>
${
  judged
    ? page`<dl class="ck-why"><dt>expected</dt><dd>${c.details.expected}</dd><dt>seen</dt><dd>${c.details.actual}</dd>${c.details.scenario ? page`<dt>scenario</dt><dd>${scenarioLinks(c)}</dd>` : ''}</dl>`
    : c.status === 'SKIPPED'
      ? page`<dl class="ck-why"><dt>skipped</dt><dd>${c.details.actual}</dd></dl>`
      : ''
}</td>
<td><ul class="refs">${c.specReferences.map(reference)}</ul></td>
</tr>`
  })}</tbody>
</table>`
}

function findingItem(t: ScenarioTrace, f: Finding): RawHtml {
  const cls = f.skipped ? 'skip' : f.ok ? 'ok' : 'bad'
  const mark = f.skipped ? '–' : f.ok ? '✓' : '✗'
  const links = (f.ok || f.skipped ? [] : (f.requestIds ?? [])).map((id) => page` <a href="#${requestAnchorPrefix(t)}${id}">#${id}</a>`)
  return page`<li class="${cls}"><span class="mk" aria-hidden="true">${mark}</span><span><span class="fid">${f.check}</span> ${f.actual}${!f.ok && !f.skipped ? page` <span class="exp">— expected ${f.expected}</span>` : ''}${links}</span></li>`
}

function scenarioSection(p: ProviderReport, t: ScenarioTrace): RawHtml {
  const failing = new Set(t.failingRequestIds)
  const findings = [...t.findings].sort((a, b) => Number(a.ok && !a.skipped) - Number(b.ok && !b.skipped) || Number(!!a.skipped) - Number(!!b.skipped))
  const badge = t.status === 'failed' ? 'bad' : t.status === 'passed' ? 'ok' : 'skip'
  const shots = t.screenshots.filter((s) => /^[A-Za-z0-9+/]+=*$/.test(s.png))
  return page`<section class="scenario ${t.status}" id="${scenarioAnchor(t)}" data-scenario="${t.scenario}" data-status="${t.status}">
<header><h4>${t.title}</h4><code>${t.scenario}</code><span class="badge ${badge}">${t.status}</span><span class="muted" style="margin-left:auto;font-size:.8rem">${t.requests.length} request${t.requests.length === 1 ? '' : 's'}${failing.size ? ` · ${failing.size} marked` : ''}</span></header>
<ul class="findings">${findings.map((f) => findingItem(t, f))}</ul>
${sequenceDiagram(t.requests, {
  provider: p.title,
  client: 'Your client',
  accent: PROVIDER_COLORS[p.provider],
  highlight: failing,
  idPrefix: requestAnchorPrefix(t),
  details: { kind: 'inline', open: (r) => failing.has(r.id) },
  empty: 'The fake recorded no request in this scenario.',
})}
${shots.length ? page`<div class="shots">${shots.map((s) => page`<figure><img alt="${s.title}" src="${`data:image/png;base64,${s.png}`}"><figcaption>${s.title}</figcaption></figure>`)}</div>` : ''}
</section>`
}

/** Failed checks, warnings and expected failures: what the report is read for. */
const needsAttention = (c: CheckResult) => c.status === 'FAILURE' || c.status === 'WARNING' || !!c.expectedFailure

function providerSection(p: ProviderReport): RawHtml {
  const failed = p.checks.filter((c) => (c.status === 'FAILURE' || c.status === 'WARNING') && !c.expectedFailure).length
  const scenarios = [...p.scenarios].sort((a, b) => SCENARIO_ORDER[a.status] - SCENARIO_ORDER[b.status])
  const attention = p.checks.filter(needsAttention)
  const rest = p.checks.filter((c) => !needsAttention(c))
  const passed = rest.filter((c) => c.status === 'SUCCESS').length
  const skipped = rest.length - passed
  return page`<section class="rp-provider" id="p-${p.provider}" style="--c:${PROVIDER_COLORS[p.provider] ?? '#4f46e5'}">
<h2>${p.title} <span class="badge ${failed ? 'bad' : 'ok'}">${failed ? `${failed} failed` : 'all passed'}</span> <small>${p.checks.length} checks · ${p.scenarios.length} scenarios · ${formatDuration(p.durationMs)}</small></h2>
${attention.length ? page`<h3>Failed checks</h3>${checksTable(p, attention, 'attention')}` : ''}
<h3>Scenarios</h3>
${scenarios.map((t) => scenarioSection(p, t))}
${rest.length ? page`<details class="rest"${attention.length ? '' : raw(' open')}><summary><h3>${attention.length ? 'Other checks' : 'Checks'}: ${passed} passed${skipped ? `, ${skipped} skipped` : ''}</h3></summary>${checksTable(p, rest)}</details>` : ''}
</section>`
}

export function renderHtml(report: ConformanceReport): string {
  const nonce = randomBytes(16).toString('base64')
  const s = report.summary
  const counts = [`${s.passed} passed`, `${s.failed} failed`, s.warnings ? `${s.warnings} warnings` : '', `${s.skipped} skipped`, s.expectedFailures ? `${s.expectedFailures} expected failures` : '', s.stale ? `${s.stale} stale baseline entries` : ''].filter(Boolean).join(' · ')
  const body = page`<div class="rp">
<header class="rp-head">
<div><h1>OAuth client conformance</h1>
<p class="cmd">Client: <code>${report.client}</code></p>
<p class="meta">Started ${report.startedAt} · ${formatDuration(report.durationMs)} · against the oauth-fakes of ${report.providers.map((p) => p.title).join(', ')}</p></div>
<div class="verdict ${report.ok ? 'ok' : 'bad'}" id="verdict"><b>${report.ok ? 'PASSED' : 'FAILED'}</b><span>${counts}</span></div>
</header>
<nav class="toc">${report.providers.map((p) => {
    const failed = p.checks.filter((c) => (c.status === 'FAILURE' || c.status === 'WARNING') && !c.expectedFailure).length
    return page`<a href="#p-${p.provider}" style="--c:${PROVIDER_COLORS[p.provider] ?? '#4f46e5'}"><span class="dot"></span>${p.title} <span class="badge ${failed ? 'bad' : 'ok'}">${failed ? `${failed} failed` : 'passed'}</span></a>`
  })}<span class="tools"><button type="button" id="expand-all">Expand all requests</button><button type="button" id="collapse-all">Collapse all</button></span></nav>
${report.stale.length ? page`<section class="stale"><b>Stale baseline entries</b> — they no longer fail; remove them from the expected-failures file: ${report.stale.map((e, i) => page`${i ? ', ' : ''}<code>${e.raw}</code>`)}</section>` : ''}
${report.providers.map(providerSection)}
<footer class="rp-foot">oauth-fakes conformance suite · times in the timelines are on the fakes' clock (UTC), which scenarios move on purpose · request and response bodies are cut at 16 KiB</footer>
</div>`
  return page`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${`default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'nonce-${nonce}'; base-uri 'none'; form-action 'none'`}">
<meta name="referrer" content="no-referrer">
<title>${report.ok ? 'PASSED' : 'FAILED'} · OAuth client conformance</title>
<style>${raw(BASE_CSS)}${raw(SEQUENCE_DIAGRAM_CSS)}${raw(REQUEST_DETAILS_CSS)}${raw(REPORT_CSS)}</style>
</head>
<body>
${body}
<script nonce="${nonce}">${raw(REPORT_SCRIPT)}</script>
</body>
</html>
`.html
}
