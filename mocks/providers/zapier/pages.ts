import { html, page } from '../../engine/http.ts'
import type { ConsentView } from '../../engine/authorize.ts'
import { clientLogo, consentForm, htmlDocument } from '../../engine/pages.ts'
import { zapierProfile as P } from './profile.ts'

const orange = P.brandColor

// Zapier's look: warm off-white ("cream") background, the "_zapier" wordmark with its orange
// underscore, dark "earth" text and the orange primary button.
const style = `
*{box-sizing:border-box}
body{margin:0;min-height:100vh;font-family:Inter,"Degular",ui-sans-serif,system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#fffdf9;color:#201515;-webkit-font-smoothing:antialiased}
header{height:3.75rem;padding:0 1.75rem;border-bottom:1px solid #e7e3dd;background:#fff;display:flex;align-items:center}
.brand{font-weight:800;font-size:1.45rem;color:#201515;letter-spacing:-.04em}.brand b{color:${orange}}
main{max-width:30rem;margin:3rem auto 1.5rem;background:#fff;border:1px solid #e7e3dd;border-radius:.75rem;padding:2rem;box-shadow:0 4px 16px rgba(32,21,21,.05)}
.logos{display:flex;align-items:center;justify-content:center;gap:.75rem;margin-bottom:1.25rem}
.logo{width:3.5rem;height:3.5rem;border-radius:.6rem;background:#201515;color:#fff;display:flex;align-items:center;justify-content:center;font-size:1.5rem;font-weight:700}
.logo img{width:100%;height:100%;border-radius:.6rem;object-fit:cover}.logo.zapier{background:${orange};font-size:1.35rem;letter-spacing:-.05em}
.dots{color:#b5aea6;font-size:1.25rem;letter-spacing:.15em}
h1{font-size:1.3rem;line-height:1.35;text-align:center;margin:0 0 .5rem;font-weight:700;letter-spacing:-.01em}
.sub{text-align:center;color:#75706a;font-size:.875rem;margin:0 0 1.5rem}
.field{display:block;margin-bottom:1rem;font-size:.8rem;font-weight:700;color:#3d3834;text-transform:uppercase;letter-spacing:.03em}.field span{display:block;margin-bottom:.35rem}
select{width:100%;height:2.5rem;padding:0 .6rem;border:1px solid #c5c0b8;border-radius:.3rem;background:#fff;font:inherit;font-size:.9rem;text-transform:none;letter-spacing:0;font-weight:400;color:#201515}
select:focus{outline:2px solid ${orange};outline-offset:1px}
h2{font-size:.9rem;font-weight:700;margin:1.25rem 0 .6rem}
ul.scopes{list-style:none;padding:0;margin:0 0 1.25rem;font-size:.9rem;color:#3d3834;background:#fffaf5;border:1px solid #f1e6da;border-radius:.5rem;padding:.35rem .9rem}
ul.scopes li{display:flex;gap:.6rem;align-items:flex-start;margin:.5rem 0;line-height:1.35}
ul.scopes li::before{content:"✓";flex:none;color:${orange};font-weight:800}
.mismatch{font-size:.85rem;color:#8f1d0a;background:#fff1ec;border:1px solid #ffc7b3;border-radius:.3rem;padding:.55rem .8rem;margin:0 0 1rem}
.note{font-size:.75rem;line-height:1.5;color:#75706a;border-top:1px solid #e7e3dd;padding-top:1rem;margin:1.5rem 0 0}
.buttons{display:flex;justify-content:flex-end;gap:.6rem;margin-top:1.5rem}
button{font:inherit;font-size:.9rem;font-weight:700;height:2.6rem;padding:0 1.4rem;border-radius:.3rem;cursor:pointer}
.primary{background:${orange};color:#fff;border:1px solid ${orange}}.primary:hover{background:#e64700}
.secondary{background:#fff;color:#201515;border:1px solid #c5c0b8}.secondary:hover{background:#f7f4f0}
button:focus-visible{outline:2px solid ${orange};outline-offset:2px}
.error{text-align:center}.error .badge{width:3rem;height:3rem;border-radius:50%;background:#fff1ec;color:${orange};display:flex;align-items:center;justify-content:center;font-weight:800;font-size:1.4rem;margin:0 auto 1rem}
.error p#error-description{color:#3d3834;margin:0}
footer{text-align:center;font-size:.75rem;color:#a39d96;margin-bottom:2rem}`


const header = page`<header><span class="brand" aria-label="Zapier"><b>_</b>zapier</span></header>`
const footer = page`<footer>© Zapier Inc. · fake authorization server</footer>`

/** "<app> is requesting access to your Zapier account", the scopes in words, Allow / Deny. */
export function zapierConsentPage(view: ConsentView): Response {
  const name = view.client.name
  const body = page`${header}<main>
<div class="logos">${clientLogo(view.client)}<span class="dots" aria-hidden="true">&middot;&middot;&middot;</span><div class="logo zapier" aria-hidden="true">_z</div></div>
<h1>${name} is requesting access to your Zapier account</h1>
<p class="sub">Powered by Zapier</p>
<h2>${name} will be able to</h2>
<ul class="scopes">
${view.scopes.map((s) => page`<li data-scope="${s}">${P.scopeWords[s] ?? s}</li>`)}
</ul>
${consentForm(view, { allow: 'Allow', deny: 'Deny', subject: 'Zapier account', user: 'Signed in as', mismatch: 'That Zapier account belongs to another user: choose the signed-in user’s account.' })}
<p class="note">By clicking Allow, you allow ${name} to use your information in accordance with its terms of service and privacy policy. You can remove this access at any time in your Zapier settings.</p>
</main>${footer}`
  return html(htmlDocument({ title: `Authorize ${name} | Zapier`, style, body }))
}

/** The authorize endpoint's error page (unknown client, unregistered redirect URI): never a redirect. */
export function zapierErrorPage(title: string, message: string, status = 400): Response {
  const body = page`${header}<main class="error"><div class="badge" aria-hidden="true">!</div><h1>${title}</h1><p id="error-description">${message}</p></main>${footer}`
  return html(htmlDocument({ title: `${title} | Zapier`, style, body }), status)
}

/** Django's CSRF failure page (CsrfViewMiddleware): a consent form posted from another site, or without its page's token. */
export function zapierCsrfPage(): Response {
  const body = page`${header}<main class="error"><div class="badge" aria-hidden="true">!</div><h1>Forbidden (403)</h1><p id="error-description">CSRF verification failed. Request aborted.</p></main>${footer}`
  return html(htmlDocument({ title: '403 Forbidden', style, body }), 403)
}

/** Django's plain 400 page (`SuspiciousOperation`, a multipart body without a boundary). */
export function djangoBadRequestPage(): Response {
  return html('<!doctype html>\n<html lang="en">\n<head>\n  <title>Bad Request (400)</title>\n</head>\n<body>\n  <h1>Bad Request (400)</h1><p></p>\n</body>\n</html>\n', 400)
}
