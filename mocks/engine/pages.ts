/**
 * Building blocks of the server-rendered pages every provider shows (consent, code display,
 * errors). Plain HTML forms that work without JavaScript; every value goes through `page`, which
 * escapes it. Providers bring their own look (CSS) and words.
 */
import { type RawHtml, page, raw } from './http.ts'
import type { ConsentView } from './authorize.ts'

export function htmlDocument(opts: { title: string; style: string; body: RawHtml; lang?: string }): string {
  return page`<!doctype html>
<html lang="${opts.lang ?? 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${opts.title}</title>
<style>${raw(opts.style)}</style>
</head>
<body>
${opts.body}
</body>
</html>
`.html
}

export interface ConsentFormWords {
  allow: string
  deny: string
  /** Label of the account/team selector ("Select account"). */
  subject: string
  /** Label of the user picker ("Signed in as"). */
  user: string
  /** Shown (by CSS, no JavaScript needed) while the chosen account belongs to another user. */
  mismatch?: string
  /** Shown between the choices and the buttons (a provider's fine print). */
  note?: RawHtml
}

/**
 * The initial of a name, for a generated logo when a client has none (or one that is not a data
 * URL: pages load nothing from the network).
 */
export function initial(name: string): string {
  return ([...name.trim()][0] ?? '?').toUpperCase()
}

/** A client's logo as consent pages show it: the inline image, else the generated initial (style `.logo`). */
export function clientLogo(client: { name: string; logo: string | null }): RawHtml {
  const src = inlineLogo(client.logo)
  return src ? page`<div class="logo"><img src="${src}" alt=""></div>` : page`<div class="logo" aria-hidden="true">${initial(client.name)}</div>`
}

/** A client's logo when it is an inline image (`data:image/…`); anything else is never loaded. */
export function inlineLogo(logo: string | null): string | undefined {
  return logo && /^data:image\/(png|gif|jpe?g|webp|svg\+xml)[;,]/i.test(logo) ? logo : undefined
}

/** Which user a choice belongs to: choice values start with the user's id (`1:personal`, `11:account:101`). */
function ownerOf(value: string): string {
  return value.slice(0, value.indexOf(':'))
}

/**
 * The consent form: the original authorize parameters as hidden fields, a user picker, the
 * account/team choice, and the two buttons (`decision=allow|deny`). It posts back to the
 * authorize endpoint, which validates everything again.
 *
 * The account/team choices are grouped per user (`<optgroup>` labelled with the user). Without
 * JavaScript, CSS (`:has`) hides the other users' groups and warns while the chosen account is
 * another user's; with JavaScript, a tiny script also disables those groups and selects the
 * chosen user's first account.
 */
export function consentForm(view: ConsentView, words: ConsentFormWords): RawHtml {
  const hidden = Object.entries(view.hidden)
    .filter(([k]) => !['decision', 'user_id', 'subject', view.csrf.name].includes(k))
    .map(([k, v]) => page`<input type="hidden" name="${k}" value="${v}">`)
  hidden.push(page`<input type="hidden" name="${view.csrf.name}" value="${view.csrf.value}">`)
  const users = view.users.map((u) => page`<option value="${u.id}"${raw(u.id === view.userId ? ' selected' : '')}>${u.label}</option>`)
  // Choice values name their user (`1:personal`, `1:team:101`); the default user's first is preselected.
  const preselected = view.choices.find((c) => ownerOf(c.value) === String(view.userId))?.value
  const option = (c: { value: string; label: string }) => page`<option value="${c.value}"${raw(c.value === preselected ? ' selected' : '')}>${c.label}</option>`
  const groups = view.users.map((u) => {
    const mine = view.choices.filter((c) => ownerOf(c.value) === String(u.id))
    return page`<optgroup label="${u.label}" data-user="${u.id}">${mine.map(option)}</optgroup>`
  })
  // Choices of no listed user (none today) still show, ungrouped.
  const orphans = view.choices.filter((c) => !view.users.some((u) => ownerOf(c.value) === String(u.id))).map(option)
  return page`<form method="post" action="${view.action}" class="consent-form">
${hidden}
<style>${raw(fitStyle(view))}</style>
<label class="field"><span>${words.user}</span>
<select name="user_id" id="user_id">${users}</select></label>
<label class="field"><span>${words.subject}</span>
<select name="subject" id="subject">${groups}${orphans}</select></label>
<p class="mismatch" role="alert">${words.mismatch ?? 'That account belongs to another user: choose one of the signed-in user’s accounts.'}</p>
${words.note}
<div class="buttons">
<button type="submit" name="decision" value="deny" class="secondary" id="deny">${words.deny}</button>
<button type="submit" name="decision" value="allow" class="primary" id="allow">${words.allow}</button>
</div>
</form>
<script>${raw(FIT_SCRIPT)}</script>`
}

/**
 * CSS that fits the account choices to the chosen user without JavaScript: per user, hide the
 * other users' groups, and show the warning while another user's account is selected.
 */
function fitStyle(view: ConsentView): string {
  const rules = ['.consent-form .mismatch{display:none}']
  for (const u of view.users) {
    const id = Number(u.id)
    if (!Number.isInteger(id)) continue
    const chosen = `.consent-form:has(#user_id option[value="${id}"]:checked)`
    rules.push(`${chosen} #subject optgroup:not([data-user="${id}"]){display:none}`)
    rules.push(`${chosen}:has(#subject optgroup:not([data-user="${id}"]) option:checked) .mismatch{display:block}`)
  }
  return rules.join('\n')
}

/** With JavaScript on: only the chosen user's accounts can be picked, and the first is selected. */
const FIT_SCRIPT = `(function(){var u=document.getElementById('user_id'),s=document.getElementById('subject');if(!u||!s)return;
function fit(){var first=null;s.querySelectorAll('optgroup').forEach(function(g){var on=g.getAttribute('data-user')===u.value;g.disabled=!on;g.hidden=!on;if(on&&!first)first=g.querySelector('option')});
var cur=s.options[s.selectedIndex];if((!cur||cur.parentNode.getAttribute('data-user')!==u.value)&&first)first.selected=true}
u.addEventListener('change',fit);fit()})()`
