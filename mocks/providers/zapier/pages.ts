import type { Client } from '../../engine/clients.ts'
import { html, page } from '../../engine/http.ts'
import type { ConsentView } from '../../engine/oauth.ts'
import { consentForm, htmlDocument } from '../../engine/pages.ts'
import { zapierProfile as P } from './profile.ts'

const orange = P.brandColor

const style = `
*{box-sizing:border-box}body{margin:0;font-family:Inter,"Degular",system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#fffdf9;color:#201515}
header{padding:1rem 1.5rem;border-bottom:1px solid #e7e3dd;background:#fff}.brand{font-weight:800;font-size:1.25rem;color:#201515;letter-spacing:-.02em}.brand b{color:${orange}}
main{max-width:30rem;margin:3rem auto;background:#fff;border:1px solid #e7e3dd;border-radius:.5rem;padding:2rem}
.logos{display:flex;align-items:center;justify-content:center;gap:.75rem;margin-bottom:1rem}
.logo{width:3.5rem;height:3.5rem;border-radius:.5rem;background:#201515;color:#fff;display:flex;align-items:center;justify-content:center;font-size:1.5rem;font-weight:700}
.logo img{width:100%;height:100%;border-radius:.5rem;object-fit:cover}.logo.zapier{background:${orange}}.dots{color:#95908a}
h1{font-size:1.25rem;text-align:center;margin:.5rem 0 1.5rem;font-weight:700}
.field{display:block;margin-bottom:1rem;font-size:.875rem;font-weight:600}.field span{display:block;margin-bottom:.25rem}
select{width:100%;padding:.5rem;border:1px solid #c5c0b8;border-radius:.25rem;background:#fff;font:inherit}
h2{font-size:.875rem;font-weight:700;margin:1.5rem 0 .5rem}ul{padding-left:1.25rem;margin:0 0 1rem;font-size:.875rem;color:#3d3834}li{margin:.35rem 0}
.note{font-size:.75rem;color:#75706a;border-top:1px solid #e7e3dd;padding-top:1rem}
.buttons{display:flex;justify-content:flex-end;gap:.5rem;margin-top:1.5rem}
button{font:inherit;font-size:.875rem;font-weight:700;padding:.6rem 1.25rem;border-radius:.25rem;cursor:pointer}
.primary{background:${orange};color:#fff;border:1px solid ${orange}}.secondary{background:#fff;color:#201515;border:1px solid #c5c0b8}
.error{text-align:center}.error p{color:#75706a}`

function logo(client: Client) {
  return client.logo ? page`<div class="logo"><img src="${client.logo}" alt=""></div>` : page`<div class="logo">${(client.name.trim()[0] ?? '?').toUpperCase()}</div>`
}

const header = page`<header><span class="brand"><b>_</b>zapier</span></header>`

/** "<app> is requesting access to your Zapier account", the scopes in words, Allow / Deny. */
export function zapierConsentPage(view: ConsentView): Response {
  const name = view.client.name
  const body = page`${header}<main>
<div class="logos">${logo(view.client)}<span class="dots">&middot;&middot;&middot;</span><div class="logo zapier">_z</div></div>
<h1>${name} is requesting access to your Zapier account</h1>
<h2>${name} will be able to</h2>
<ul>
${view.scopes.map((s) => page`<li data-scope="${s}">${P.scopeWords[s] ?? s}</li>`)}
</ul>
${consentForm(view, { allow: 'Allow', deny: 'Deny', subject: 'Zapier account', user: 'Signed in as' })}
<p class="note">By clicking Allow, you allow ${name} to use your information in accordance with its terms of service and privacy policy. You can remove this access at any time in your Zapier settings.</p>
</main>`
  return html(htmlDocument({ title: `Authorize ${name} | Zapier`, style, body }))
}

/** The authorize endpoint's error page (unknown client, unregistered redirect URI): never a redirect. */
export function zapierErrorPage(title: string, message: string, status = 400): Response {
  const body = page`${header}<main class="error"><h1>${title}</h1><p id="error-description">${message}</p></main>`
  return html(htmlDocument({ title: `${title} | Zapier`, style, body }), status)
}
