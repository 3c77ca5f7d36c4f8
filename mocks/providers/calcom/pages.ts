import type { Client } from '../../engine/clients.ts'
import { html, page } from '../../engine/http.ts'
import type { ConsentView } from '../../engine/oauth.ts'
import { consentForm, htmlDocument } from '../../engine/pages.ts'
import { calcomProfile } from './profile.ts'

const style = `
*{box-sizing:border-box}body{margin:0;font-family:Inter,system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f3f4f6;color:#111827}
main{max-width:28rem;margin:4rem auto;background:#fff;border:1px solid #e5e7eb;border-radius:.75rem;padding:2rem}
.logo{width:4rem;height:4rem;border-radius:9999px;background:#111827;color:#fff;display:flex;align-items:center;justify-content:center;font-size:1.75rem;font-weight:700;margin:0 auto 1rem}
.logo img{width:100%;height:100%;border-radius:9999px;object-fit:cover}
h1{font-size:1.25rem;text-align:center;margin:.5rem 0 1.5rem;font-weight:600}
.field{display:block;margin-bottom:1rem;font-size:.875rem;font-weight:500}.field span{display:block;margin-bottom:.25rem}
select{width:100%;padding:.5rem;border:1px solid #d1d5db;border-radius:.375rem;background:#fff;font:inherit}
h2{font-size:.875rem;font-weight:600;margin:1.5rem 0 .5rem}ul{padding-left:1.25rem;margin:0 0 1rem;font-size:.875rem;color:#374151}li{margin:.25rem 0}
.note{font-size:.75rem;color:#6b7280;border-top:1px solid #e5e7eb;padding-top:1rem}
.buttons{display:flex;justify-content:flex-end;gap:.5rem;margin-top:1.5rem}
button{font:inherit;font-size:.875rem;font-weight:500;padding:.5rem 1rem;border-radius:.375rem;cursor:pointer}
.primary{background:#111827;color:#fff;border:1px solid #111827}.secondary{background:#fff;color:#111827;border:1px solid #d1d5db}
.error{text-align:center}.error p{color:#6b7280}`

function logo(client: Client) {
  return client.logo ? page`<div class="logo"><img src="${client.logo}" alt=""></div>` : page`<div class="logo">${(client.name.trim()[0] ?? '?').toUpperCase()}</div>`
}

/** "<app> would like access to your Cal.com account", the account/team selector, Allow / Go back. */
export function calcomConsentPage(view: ConsentView): Response {
  const name = view.client.name
  const body = page`<main>
${logo(view.client)}
<h1>${name} would like access to your Cal.com account</h1>
<h2>This will allow ${name} to</h2>
<ul>
<li>Associate you with your personal info from Cal.com</li>
${view.scopes.map((s) => page`<li>${calcomProfile.scopeWords[s] ?? s}</li>`)}
</ul>
${consentForm(view, { allow: 'Allow', deny: 'Go back', subject: 'Select account or team', user: 'Signed in as' })}
<p class="note">By clicking allow, you allow this app to use your information in accordance with their terms of service and privacy policy. You can remove access in the Cal.com App Store.</p>
</main>`
  return html(htmlDocument({ title: `${name} | Cal.com`, style, body }))
}

/** The authorize page's errors: never a redirect (calcom.md). */
export function calcomErrorPage(title: string, message: string, status = 400): Response {
  const body = page`<main class="error"><h1>${title}</h1><p id="error-description">${message}</p></main>`
  return html(htmlDocument({ title: `${title} | Cal.com`, style, body }), status)
}
