import { type HeaderMap, type RawHtml, html, page, raw } from '../../engine/http.ts'
import type { ConsentView } from '../../engine/authorize.ts'
import { clientLogo, consentForm, htmlDocument } from '../../engine/pages.ts'
import { bookingsyncProfile as P } from './profile.ts'

// BookingSync's look: the blue top bar with the wordmark, a white panel on light grey, and
// Doorkeeper's Bootstrap buttons (green Authorize, red Deny).
const style = `
*{box-sizing:border-box}
body{margin:0;min-height:100vh;font-family:"Helvetica Neue",Helvetica,Arial,sans-serif;background:#eef2f6;color:#2c3e50;font-size:15px}
header.brand{background:#1f8dd6;background:linear-gradient(90deg,#1b7fc3,#23a0e6);color:#fff;padding:0 1.5rem;height:3.5rem;display:flex;align-items:center;gap:.6rem;box-shadow:0 2px 4px rgba(0,0,0,.12)}
header.brand .mark{width:1.9rem;height:1.9rem;border-radius:50%;background:#fff;color:#1f8dd6;display:inline-flex;align-items:center;justify-content:center;font-weight:800;font-size:1.05rem}
header.brand .name{font-weight:700;font-size:1.2rem;letter-spacing:.01em}header.brand .name b{font-weight:300}
header.brand .right{margin-left:auto;font-size:.8rem;opacity:.85}
main{max-width:36rem;margin:2.5rem auto;background:#fff;border:1px solid #d9e1ea;border-radius:4px;box-shadow:0 1px 3px rgba(31,60,90,.08)}
.panel-heading{padding:1rem 1.75rem;border-bottom:1px solid #e4e9ef;background:#f8fafc;border-radius:4px 4px 0 0}
h1{font-size:1.35rem;margin:0;font-weight:500;color:#22313f}
.panel-body{padding:1.5rem 1.75rem 1.75rem}
.app{display:flex;align-items:center;gap:.9rem;margin-bottom:1.25rem}
.app .logo{width:3rem;height:3rem;border-radius:4px;background:#34495e;color:#fff;display:flex;align-items:center;justify-content:center;font-weight:700;font-size:1.35rem;flex:none}
.app .logo img{width:100%;height:100%;border-radius:4px;object-fit:cover}
.lead{font-size:1.05rem;margin:0}
.field{display:block;margin-bottom:1rem;font-size:.85rem;font-weight:700;color:#34495e}.field span{display:block;margin-bottom:.35rem}
select{width:100%;height:2.35rem;padding:0 .5rem;border:1px solid #c7d1dc;border-radius:3px;background:#fff;font:inherit;font-size:.9rem;font-weight:400;color:#2c3e50}
select:focus{border-color:#1f8dd6;outline:0;box-shadow:0 0 0 3px rgba(31,141,214,.2)}
h2{font-size:.95rem;margin:1.25rem 0 .6rem;color:#34495e}
ul.scopes{list-style:none;padding:0;margin:0 0 1.25rem;border:1px solid #e4e9ef;border-radius:3px}
ul.scopes li{padding:.55rem .8rem;border-top:1px solid #eef2f6;font-size:.9rem;display:flex;justify-content:space-between;gap:1rem;align-items:baseline}
ul.scopes li:first-child{border-top:0}
ul.scopes li code{color:#7f8c9a;font-size:.75rem;background:#f4f6f9;border-radius:3px;padding:.1rem .35rem;white-space:nowrap}
.mismatch{font-size:.85rem;color:#a94442;background:#f2dede;border:1px solid #ebccd1;border-radius:3px;padding:.55rem .8rem;margin:0 0 1rem}
.buttons{display:flex;flex-direction:row-reverse;justify-content:flex-end;gap:.6rem;margin-top:1.5rem}
button{font:inherit;font-size:.95rem;padding:.55rem 1.4rem;border-radius:3px;cursor:pointer;font-weight:600}
.primary{background:#5cb85c;color:#fff;border:1px solid #4cae4c}.primary:hover{background:#449d44}
.secondary{background:#d9534f;color:#fff;border:1px solid #d43f3a}.secondary:hover{background:#c9302c}
button:focus-visible{outline:3px solid rgba(31,141,214,.45);outline-offset:1px}
.error .panel-heading{background:#f2dede;border-bottom-color:#ebccd1}.error h1{color:#a94442}
pre#error-description{white-space:pre-wrap;margin:0;font-family:inherit;font-size:.95rem;line-height:1.5;color:#2c3e50}
.hint{font-size:.9rem;color:#5d6d7e;margin:0 0 1rem}
.codebox{display:flex;gap:.5rem;align-items:stretch}
code#authorization_code{flex:1;display:block;font:1.05rem/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f4f6f9;border:1px solid #d9e1ea;border-radius:3px;padding:.8rem 1rem;word-break:break-all;user-select:all;color:#22313f}
#copy{background:#1f8dd6;color:#fff;border:1px solid #1b7fc3;font-size:.9rem;padding:0 1rem}#copy:hover{background:#1b7fc3}
footer{text-align:center;font-size:.75rem;color:#8a99a8;margin:-1.25rem 0 2rem}`

function document(title: string, body: RawHtml, status = 200, headers: HeaderMap = {}): Response {
  const full = page`<header class="brand"><span class="mark" aria-hidden="true">b</span><span class="name">Booking<b>Sync</b></span><span class="right">www.bookingsync.com</span></header>
${body}
<footer>BookingSync · fake authorization server</footer>`
  return html(htmlDocument({ title: `${title} | BookingSync`, style, body: full }), status, headers)
}


/** Doorkeeper's `authorizations/new`, in BookingSync's look: the account choice and the scopes in words. */
export function bookingsyncConsentPage(view: ConsentView): Response {
  const body = page`<main>
<div class="panel-heading"><h1>${P.words.consentTitle}</h1></div>
<div class="panel-body">
<div class="app">${clientLogo(view.client)}<p class="lead">Authorize <strong>${view.client.name}</strong> to use your account?</p></div>
<h2>This application will be able to:</h2>
<ul class="scopes">
${view.scopes.map((s) => page`<li data-scope="${s}"><span>${P.scopeWords[s] ?? s}</span> <code>${s}</code></li>`)}
</ul>
${consentForm(view, { allow: P.words.allow, deny: P.words.deny, subject: P.words.account, user: P.words.user, mismatch: 'This account is not one of the signed-in user’s accounts: choose another.' })}
</div>
</main>`
  return document(P.words.consentTitle, body)
}

/** Doorkeeper's `authorizations/error`: "An error has occurred" and the description; never a redirect. */
export function bookingsyncErrorPage(description: string, status: number): Response {
  const body = page`<main class="error">
<div class="panel-heading"><h1>${P.words.errorTitle}</h1></div>
<div class="panel-body">
<pre id="error-description">${description}</pre>
</div>
</main>`
  return document(P.words.errorTitle, body, status)
}

// Shown only when JavaScript runs (the button starts `hidden`): copies the code, with a fallback
// for browsers without the async clipboard API.
const COPY_SCRIPT = `(function(){var b=document.getElementById('copy'),c=document.getElementById('authorization_code');if(!b||!c)return;b.hidden=false;
function done(){b.textContent='Copied!';setTimeout(function(){b.textContent='Copy'},1500)}
b.addEventListener('click',function(){var t=c.textContent;function legacy(){var r=document.createRange();r.selectNodeContents(c);var s=getSelection();s.removeAllRanges();s.addRange(r);try{document.execCommand('copy')}catch(e){}done()}
if(navigator.clipboard&&navigator.clipboard.writeText)navigator.clipboard.writeText(t).then(done,legacy);else legacy()})})()`

/** Doorkeeper's `authorizations/show`: the out-of-band code for the user to copy. */
export function bookingsyncCodePage(code: string): Response {
  const body = page`<main>
<div class="panel-heading"><h1>${P.words.codeTitle}:</h1></div>
<div class="panel-body">
<p class="hint">Copy this code, switch to your application and paste it there.</p>
<div class="codebox"><code id="authorization_code">${code}</code><button type="button" id="copy" hidden>Copy</button></div>
</div>
</main>
<script>${raw(COPY_SCRIPT)}</script>`
  return document(P.words.codeTitle, body)
}

/** Rails' public/422.html: what `protect_from_forgery with: :exception` answers a form posted without its page's token. */
export function bookingsyncRejectedPage(): Response {
  const body = page`<main class="error"><div class="panel-heading"><h1>The change you wanted was rejected.</h1></div><div class="panel-body"><p>Maybe you tried to change something you didn't have access to.</p></div></main>`
  return document('The change you wanted was rejected (422)', body, 422)
}

/** Rails' public/404.html. */
export function bookingsyncNotFoundPage(): Response {
  const body = page`<main class="error"><div class="panel-heading"><h1>${P.words.notFound}</h1></div><div class="panel-body"><p>You may have mistyped the address or the page may have moved.</p></div></main>`
  return document('Not Found', body, 404)
}
