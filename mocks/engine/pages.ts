/**
 * Building blocks of the server-rendered pages every provider shows (consent, code display,
 * errors). Plain HTML forms that work without JavaScript; every value goes through `page`, which
 * escapes it. Providers bring their own look (CSS) and words.
 */
import { type RawHtml, page, raw } from './http.ts'
import type { ConsentView } from './oauth.ts'

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
  /** Label of the account/team selector ("Select account"), omitted when there is one choice. */
  subject: string
  /** Label of the user picker ("Act as"). */
  user: string
}

/**
 * The consent form: the original authorize parameters as hidden fields, a user picker, the
 * account/team choice, and the two buttons (`decision=allow|deny`). It posts back to the
 * authorize endpoint, which validates everything again.
 */
export function consentForm(view: ConsentView, words: ConsentFormWords): RawHtml {
  const hidden = Object.entries(view.hidden)
    .filter(([k]) => !['decision', 'user_id', 'subject'].includes(k))
    .map(([k, v]) => page`<input type="hidden" name="${k}" value="${v}">`)
  const users = view.users.map((u) => page`<option value="${u.id}"${raw(u.id === view.userId ? ' selected' : '')}>${u.label}</option>`)
  // Choice values name their user (`1:personal`, `1:team:101`); the default user's first is preselected.
  const preselected = view.choices.find((c) => c.value.startsWith(`${view.userId}:`))?.value
  const choices = view.choices.map((c) => page`<option value="${c.value}"${raw(c.value === preselected ? ' selected' : '')}>${c.label}</option>`)
  return page`<form method="post" action="${view.action}" class="consent-form">
${hidden}
<label class="field"><span>${words.user}</span>
<select name="user_id" id="user_id">${users}</select></label>
<label class="field"><span>${words.subject}</span>
<select name="subject" id="subject">${choices}</select></label>
<div class="buttons">
<button type="submit" name="decision" value="deny" class="secondary" id="deny">${words.deny}</button>
<button type="submit" name="decision" value="allow" class="primary" id="allow">${words.allow}</button>
</div>
</form>`
}
