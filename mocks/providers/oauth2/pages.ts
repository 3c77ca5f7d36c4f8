/**
 * The generic provider's pages: consent (the engine's form) and the authorize error page shown
 * when the client or its redirect URI cannot be trusted (RFC 6749 §4.1.2.1: the server MUST NOT
 * redirect then). Plain, neutral look in the provider's color; every value escaped by `page`.
 */
import type { ConsentView } from '../../engine/authorize.ts'
import { html, page } from '../../engine/http.ts'
import { clientLogo, consentForm, htmlDocument } from '../../engine/pages.ts'

const style = (color: string) => `
*{box-sizing:border-box}
body{margin:0;min-height:100vh;font-family:ui-sans-serif,system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f5f6f8;color:#1f2330}
header{height:3.5rem;padding:0 1.5rem;background:#fff;border-bottom:1px solid #e3e5ea;display:flex;align-items:center;font-weight:700;letter-spacing:-.01em}
header b{color:${color}}
main{max-width:28rem;margin:3rem auto 1.5rem;background:#fff;border:1px solid #e3e5ea;border-radius:.6rem;padding:2rem;box-shadow:0 2px 10px rgba(0,0,0,.04)}
.logos{display:flex;justify-content:center;margin-bottom:1rem}
.logo{width:3.25rem;height:3.25rem;border-radius:.6rem;background:${color};color:#fff;display:flex;align-items:center;justify-content:center;font-size:1.4rem;font-weight:700}
.logo img{width:100%;height:100%;border-radius:.6rem;object-fit:cover}
h1{font-size:1.2rem;text-align:center;margin:0 0 1.25rem;line-height:1.4}
h2{font-size:.85rem;margin:1rem 0 .5rem;text-transform:uppercase;letter-spacing:.04em;color:#5b6170}
ul.scopes{margin:0 0 1.25rem;padding-left:1.2rem;font-size:.95rem}ul.scopes li{margin:.3rem 0}
.field{display:block;margin-bottom:1rem;font-size:.8rem;font-weight:600;color:#3b4050}.field span{display:block;margin-bottom:.3rem}
select{width:100%;height:2.4rem;padding:0 .5rem;border:1px solid #c7cad3;border-radius:.35rem;background:#fff;font:inherit;font-size:.9rem}
.mismatch{font-size:.85rem;color:#9b1c1c;background:#fdecec;border:1px solid #f5c2c2;border-radius:.35rem;padding:.5rem .75rem}
.buttons{display:flex;justify-content:flex-end;gap:.6rem;margin-top:1.25rem}
button{font:inherit;font-weight:600;height:2.5rem;padding:0 1.25rem;border-radius:.35rem;cursor:pointer}
.primary{background:${color};color:#fff;border:1px solid ${color}}.secondary{background:#fff;color:#1f2330;border:1px solid #c7cad3}
button:focus-visible{outline:2px solid ${color};outline-offset:2px}
.error h1{margin-bottom:.5rem}.error code{background:#f1f2f5;padding:.1rem .35rem;border-radius:.25rem}
.error p{text-align:center;color:#3b4050;margin:.5rem 0 0}`

export interface PageLook {
  title: string
  color: string
  scopeWords: Readonly<Record<string, string>>
}

export function consentPage(look: PageLook, view: ConsentView): Response {
  const name = view.client.name
  const body = page`<header><span><b>●</b> ${look.title}</span></header><main>
<div class="logos">${clientLogo(view.client)}</div>
<h1>${name} wants to access your ${look.title} account</h1>
<h2>It will be able to</h2>
<ul class="scopes">${view.scopes.map((s) => page`<li data-scope="${s}">${look.scopeWords[s] ?? s}</li>`)}</ul>
${consentForm(view, { allow: 'Allow', deny: 'Deny', subject: 'Account', user: 'Signed in as', mismatch: 'That account belongs to another user.' })}
</main>`
  return html(htmlDocument({ title: `Authorize ${name} | ${look.title}`, style: style(look.color), body }))
}

/** The error page: the RFC 6749 error code and what is wrong, never a redirect. */
export function errorPage(look: PageLook, error: string, description: string, status = 400): Response {
  const body = page`<header><span><b>●</b> ${look.title}</span></header><main class="error">
<h1>Error: <code id="error">${error}</code></h1>
<p id="error-description">${description}</p>
</main>`
  return html(htmlDocument({ title: `Error | ${look.title}`, style: style(look.color), body }), status)
}
