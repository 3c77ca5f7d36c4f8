/**
 * The look the dashboard and the HTML conformance report share: colours, type, badges, tables,
 * code blocks. Plain CSS strings for a `<style>` element — the pages load nothing from anywhere.
 */

/** Provider accent colours (the index page uses the same). */
export const PROVIDER_COLORS: Record<string, string> = { calcom: '#111827', bookingsync: '#1f8dd6', zapier: '#ff4f00', oauth2: '#4f46e5' }

export const BASE_CSS = `
:root{--ink:#0f172a;--muted:#64748b;--line:#e2e8f0;--soft:#f8fafc;--bg:#f1f5f9;--card:#fff;--accent:#4f46e5;
--ok:#15803d;--ok-bg:#dcfce7;--info:#1d4ed8;--info-bg:#dbeafe;--warn:#b45309;--warn-bg:#fef3c7;--bad:#b91c1c;--bad-bg:#fee2e2;
--mono:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:15px/1.5 ui-sans-serif,system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:var(--bg)}
a{color:#1d4ed8}
a:focus-visible,button:focus-visible,summary:focus-visible,input:focus-visible,select:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
code,pre,.mono{font-family:var(--mono);font-size:.8125rem}
h1,h2,h3{line-height:1.25;margin:0}
.card{background:var(--card);border:1px solid var(--line);border-radius:.75rem;box-shadow:0 1px 2px rgba(15,23,42,.04)}
.card>h2,.card>header{padding:.85rem 1.1rem;border-bottom:1px solid var(--line)}
.card>h2,.card>header h2{font-size:.95rem;font-weight:650}
.card-body{padding:.9rem 1.1rem}
.muted{color:var(--muted)}
.badge{display:inline-block;border-radius:999px;padding:.05rem .55rem;font-size:.72rem;font-weight:650;letter-spacing:.02em;white-space:nowrap;border:1px solid transparent;vertical-align:middle}
.badge.ok,.badge.live{background:var(--ok-bg);color:var(--ok)}
.badge.bad,.badge.revoked,.badge.failed{background:var(--bad-bg);color:var(--bad)}
.badge.warn,.badge.expired{background:var(--warn-bg);color:var(--warn)}
.badge.info,.badge.rotated{background:var(--info-bg);color:var(--info)}
.badge.skip,.badge.consumed,.badge.neutral{background:#f1f5f9;color:#475569;border-color:#e2e8f0}
table.kv{border-collapse:collapse;width:100%;font-size:.8125rem}
table.kv th,table.kv td{text-align:left;vertical-align:top;padding:.28rem .5rem;border-top:1px solid var(--line)}
table.kv tr:first-child th,table.kv tr:first-child td{border-top:0}
table.kv th{width:34%;max-width:16rem;font-weight:600;color:#334155;font-family:var(--mono);font-size:.78rem;word-break:break-all}
table.kv td{font-family:var(--mono);font-size:.78rem;word-break:break-all}
pre.body{margin:0;padding:.6rem .75rem;background:var(--soft);border:1px solid var(--line);border-radius:.5rem;white-space:pre-wrap;word-break:break-all;max-height:24rem;overflow:auto}
.visually-hidden{position:absolute!important;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`
