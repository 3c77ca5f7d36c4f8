import { type HeaderMap, type RawHtml, html, page } from '../../engine/http.ts'
import type { ConsentView } from '../../engine/oauth.ts'
import { consentForm, htmlDocument } from '../../engine/pages.ts'
import { bookingsyncProfile as P } from './profile.ts'

const style = `
*{box-sizing:border-box}body{margin:0;font-family:"Helvetica Neue",Helvetica,Arial,sans-serif;background:#f5f7fa;color:#2c3e50}
header.brand{background:#1f8dd6;color:#fff;padding:.75rem 1.5rem;font-weight:700;letter-spacing:.02em}
main{max-width:34rem;margin:3rem auto;background:#fff;border:1px solid #dde3ea;border-radius:.25rem;padding:2rem}
h1{font-size:1.5rem;margin:0 0 1rem;font-weight:500}.lead{font-size:1rem;margin:0 0 1rem}
.field{display:block;margin-bottom:1rem;font-size:.875rem;font-weight:600}.field span{display:block;margin-bottom:.25rem}
select{width:100%;padding:.45rem;border:1px solid #ccd4dd;border-radius:.25rem;background:#fff;font:inherit}
h2{font-size:.95rem;margin:1.25rem 0 .5rem}ul{padding-left:1.25rem;margin:0 0 1rem;font-size:.9rem}li{margin:.25rem 0}li code{color:#7f8c8d;font-size:.8rem}
.buttons{display:flex;gap:.5rem;margin-top:1.5rem}
button{font:inherit;font-size:.9rem;padding:.5rem 1.25rem;border-radius:.25rem;cursor:pointer}
.primary{background:#27ae60;color:#fff;border:1px solid #219150}.secondary{background:#e74c3c;color:#fff;border:1px solid #c0392b}
pre{white-space:pre-wrap;background:#f8f9fb;border:1px solid #e4e8ee;padding:1rem;border-radius:.25rem}
code#authorization_code{display:block;font-size:1.1rem;background:#f8f9fb;border:1px solid #e4e8ee;padding:1rem;word-break:break-all}`

function document(title: string, body: RawHtml, status = 200, headers: HeaderMap = {}): Response {
  const full = page`<header class="brand">BookingSync</header>
${body}`
  return html(htmlDocument({ title: `${title} | BookingSync`, style, body: full }), status, headers)
}

/** Doorkeeper's `authorizations/new`, in BookingSync's look: the account choice and the scopes in words. */
export function bookingsyncConsentPage(view: ConsentView): Response {
  const body = page`<main>
<h1>${P.words.consentTitle}</h1>
<p class="lead">Authorize <strong>${view.client.name}</strong> to use your account?</p>
<h2>This application will be able to:</h2>
<ul>
${view.scopes.map((s) => page`<li>${P.scopeWords[s] ?? s} <code>${s}</code></li>`)}
</ul>
${consentForm(view, { allow: P.words.allow, deny: P.words.deny, subject: P.words.account, user: P.words.user })}
</main>`
  return document(P.words.consentTitle, body)
}

/** Doorkeeper's `authorizations/error`: "An error has occurred" and the description; never a redirect. */
export function bookingsyncErrorPage(description: string, status: number): Response {
  const body = page`<main class="error">
<h1>${P.words.errorTitle}</h1>
<pre id="error-description">${description}</pre>
</main>`
  return document(P.words.errorTitle, body, status)
}

/** Doorkeeper's `authorizations/show`: the out-of-band code for the user to copy. */
export function bookingsyncCodePage(code: string): Response {
  const body = page`<main>
<h1>${P.words.codeTitle}:</h1>
<code id="authorization_code">${code}</code>
</main>`
  return document(P.words.codeTitle, body)
}

/** Rails' public/404.html. */
export function bookingsyncNotFoundPage(): Response {
  const body = page`<main class="error"><h1>${P.words.notFound}</h1><p>You may have mistyped the address or the page may have moved.</p></main>`
  return document('Not Found', body, 404)
}

