import { html, page } from '../../engine/http.ts'
import type { ConsentView } from '../../engine/authorize.ts'
import { clientLogo, consentForm, htmlDocument } from '../../engine/pages.ts'
import { calcomProfile } from './profile.ts'

// cal.com's look: a grey "subtle" background, a white rounded card, near-black "brand" buttons,
// Inter/Cal Sans approximated with the system sans-serif (no network fonts).
const style = `
*{box-sizing:border-box}
body{margin:0;min-height:100vh;font-family:Inter,ui-sans-serif,system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;background:#f3f4f6;color:#111827;-webkit-font-smoothing:antialiased}
.shell{max-width:30rem;margin:0 auto;padding:2.5rem 1rem}
.wordmark{display:flex;align-items:center;justify-content:center;gap:.4rem;font-weight:800;font-size:1.6rem;letter-spacing:-.04em;margin-bottom:1.75rem;color:#111827}
.wordmark .mark{width:1.9rem;height:1.9rem;border-radius:.45rem;background:#111827;color:#fff;display:inline-flex;align-items:center;justify-content:center;font-size:1rem;letter-spacing:0}
main{background:#fff;border:1px solid #e5e7eb;border-radius:.75rem;padding:2rem 2rem 1.5rem;box-shadow:0 1px 2px rgba(0,0,0,.04)}
.logo{width:4rem;height:4rem;border-radius:9999px;background:linear-gradient(135deg,#292929,#6b7280);color:#fff;display:flex;align-items:center;justify-content:center;font-size:1.75rem;font-weight:700;margin:0 auto 1.25rem;box-shadow:0 0 0 4px #f3f4f6}
.logo img{width:100%;height:100%;border-radius:9999px;object-fit:cover}
h1{font-size:1.25rem;line-height:1.4;text-align:center;margin:0 0 1.5rem;font-weight:600;letter-spacing:-.01em}
.field{display:block;margin-bottom:1rem;font-size:.875rem;font-weight:500;color:#374151}.field span{display:block;margin-bottom:.375rem}
select{width:100%;height:2.4rem;padding:0 .6rem;border:1px solid #d1d5db;border-radius:.375rem;background:#fff;font:inherit;font-size:.875rem;color:#111827}
select:focus{outline:2px solid #111827;outline-offset:1px}
h2{font-size:.875rem;font-weight:600;margin:1.25rem 0 .75rem}
ul.perms{list-style:none;padding:0;margin:0 0 1.25rem;font-size:.875rem;color:#374151}
ul.perms li{display:flex;align-items:flex-start;gap:.6rem;margin:.55rem 0;line-height:1.35}
ul.perms li::before{content:"✓";flex:none;width:1.25rem;height:1.25rem;border-radius:.3rem;background:#f3f4f6;color:#111827;font-size:.75rem;font-weight:700;display:inline-flex;align-items:center;justify-content:center}
.note{display:flex;gap:.6rem;font-size:.8rem;line-height:1.45;color:#4b5563;background:#f9fafb;border:1px solid #e5e7eb;border-radius:.5rem;padding:.75rem .9rem;margin:1rem 0 0}
.note::before{content:"i";flex:none;width:1.1rem;height:1.1rem;border-radius:9999px;border:1.5px solid #6b7280;color:#6b7280;font-size:.7rem;font-weight:700;font-style:italic;display:inline-flex;align-items:center;justify-content:center;font-family:Georgia,serif}
.mismatch{font-size:.8rem;color:#b91c1c;background:#fef2f2;border:1px solid #fecaca;border-radius:.375rem;padding:.5rem .75rem;margin:0 0 1rem}
.buttons{display:flex;justify-content:flex-end;gap:.5rem;margin:1.5rem -2rem 0;padding:1.25rem 2rem 0;border-top:1px solid #e5e7eb}
button{font:inherit;font-size:.875rem;font-weight:500;height:2.4rem;padding:0 1rem;border-radius:.375rem;cursor:pointer}
.primary{background:#111827;color:#fff;border:1px solid #111827}.primary:hover{background:#1f2937}
.secondary{background:transparent;color:#111827;border:1px solid transparent}.secondary:hover{background:#f3f4f6}
button:focus-visible{outline:2px solid #111827;outline-offset:2px}
.error{text-align:center;padding:2.5rem 2rem}
.error h1{margin-bottom:.75rem}.error p#error-description{color:#4b5563;font-size:.9rem;margin:0}
.error .badge{width:3rem;height:3rem;border-radius:9999px;background:#fee2e2;color:#b91c1c;display:flex;align-items:center;justify-content:center;font-weight:800;font-size:1.4rem;margin:0 auto 1rem}
footer{text-align:center;font-size:.75rem;color:#9ca3af;margin-top:1.5rem}`

const wordmark = page`<div class="wordmark" aria-label="Cal.com"><span class="mark">C</span>Cal.com</div>`


/** "<app> would like access to your Cal.com account", the account/team selector, Allow / Go back. */
export function calcomConsentPage(view: ConsentView): Response {
  const name = view.client.name
  // cal.com's order: the account/team choice first, then what the app may do and the fine print.
  const note = page`<h2>This will allow ${name} to</h2>
<ul class="perms">
<li>Associate you with your personal info from Cal.com</li>
${view.scopes.map((s) => page`<li data-scope="${s}">${calcomProfile.scopeWords[s] ?? s}</li>`)}
</ul>
<p class="note"><span>By clicking allow, you allow ${name} to use your information in accordance with their terms of service and privacy policy. You can remove access in the Cal.com App Store.</span></p>`
  const body = page`<div class="shell">
${wordmark}
<main>
${clientLogo(view.client)}
<h1>${name} would like access to your Cal.com account</h1>
${consentForm(view, { allow: 'Allow', deny: 'Go back', subject: 'Select account or team', user: 'Signed in as', mismatch: 'That account or team belongs to another user: pick one of the signed-in user’s.', note })}
</main>
<footer>© Cal.com, Inc. · fake authorization server</footer>
</div>`
  return html(htmlDocument({ title: `${name} | Cal.com`, style, body }))
}

/** The authorize page's errors: never a redirect (calcom.md). */
export function calcomErrorPage(title: string, message: string, status = 400): Response {
  const body = page`<div class="shell">
${wordmark}
<main class="error">
<div class="badge" aria-hidden="true">!</div>
<h1>${title}</h1>
<p id="error-description">${message}</p>
</main>
<footer>© Cal.com, Inc. · fake authorization server</footer>
</div>`
  return html(htmlDocument({ title: `${title} | Cal.com`, style, body }), status)
}

/** What the page shows without `redirect_uri` from 2026 on: nothing (its client query never runs). */
export function calcomBlankPage(): Response {
  const body = page`<div class="shell">
${wordmark}
<main aria-busy="true"></main>
</div>`
  return html(htmlDocument({ title: 'Cal.com', style, body }))
}
