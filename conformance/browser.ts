/**
 * The suite plays the user's browser over plain HTTP: it opens the authorize URL the client
 * redirected to, answers the provider's consent form (Allow / Deny) like a person clicking, and
 * hands back where the provider redirects. No real browser: the consent page is a form of hidden
 * fields, two selects and two submit buttons (mocks/engine/pages.ts consentForm).
 */
export type Transport = (request: Request) => Promise<Response>

export type Decision = 'allow' | 'deny'

/** The provider answered something a browser could not get past (an error page, no form). */
export class BrowserError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly page: string,
  ) {
    super(message)
    this.name = 'BrowserError'
  }
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", apos: "'" }
const unescape = (s: string) => s.replace(/&(amp|lt|gt|quot|#39|apos);/g, (_, e: string) => ENTITIES[e] ?? _)

function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const m of tag.matchAll(/([a-zA-Z_][\w-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) out[m[1]!.toLowerCase()] = unescape(m[2] ?? m[3] ?? '')
  return out
}

/** The fields a browser would submit for the button whose value is `decision`. */
export function answerConsentForm(page: string, decision: Decision): { action: string; fields: URLSearchParams } | undefined {
  const form = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(page)
  if (!form) return undefined
  const formAttrs = attributes(form[1] ?? '')
  if ((formAttrs.method ?? 'get').toLowerCase() !== 'post') return undefined
  const body = form[2] ?? ''
  const fields = new URLSearchParams()
  for (const m of body.matchAll(/<input\b[^>]*>/gi)) {
    const a = attributes(m[0])
    if (!a.name || ['submit', 'button', 'image'].includes((a.type ?? 'text').toLowerCase())) continue
    if (['checkbox', 'radio'].includes((a.type ?? '').toLowerCase()) && !/\bchecked\b/i.test(m[0])) continue
    fields.append(a.name, a.value ?? '')
  }
  for (const m of body.matchAll(/<select\b([^>]*)>([\s\S]*?)<\/select>/gi)) {
    const name = attributes(m[1] ?? '').name
    if (!name) continue
    const options = [...(m[2] ?? '').matchAll(/<option\b([^>]*)>/gi)]
    const chosen = options.find((o) => /\bselected\b/i.test(o[1] ?? '')) ?? options[0]
    if (chosen) fields.append(name, attributes(chosen[1] ?? '').value ?? '')
  }
  const button = [...body.matchAll(/<button\b([^>]*)>/gi)].map((b) => attributes(b[1] ?? '')).find((a) => a.name && a.value === decision)
  if (!button?.name) return undefined
  fields.append(button.name, decision)
  return { action: formAttrs.action ?? '', fields }
}

export class Browser {
  constructor(readonly transport: Transport) {}

  async #fetch(url: string, init: RequestInit = {}): Promise<Response> {
    return this.transport(new Request(url, { ...init, redirect: 'manual' }))
  }

  /**
   * Opens `authorizeUrl`, answers the consent page if one is shown, and returns the absolute URL
   * the provider redirects the browser to (the client's callback, or the provider's oob page).
   */
  async authorize(authorizeUrl: string, decision: Decision): Promise<string> {
    const first = await this.#fetch(authorizeUrl)
    const location = first.headers.get('location')
    if (first.status >= 300 && first.status < 400 && location) return new URL(location, authorizeUrl).href
    const page = await first.text()
    const answer = answerConsentForm(page, decision)
    if (!answer) throw new BrowserError(`the authorize URL answered ${first.status} without a redirect or a consent form`, first.status, page)
    const target = new URL(answer.action || authorizeUrl, authorizeUrl).href
    const second = await this.#fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: answer.fields.toString(),
    })
    const next = second.headers.get('location')
    if (second.status >= 300 && second.status < 400 && next) return new URL(next, target).href
    throw new BrowserError(`the consent form (${decision}) answered ${second.status} without a redirect`, second.status, await second.text())
  }

  /** Opens a provider page and returns its text (the oob code page). */
  async open(url: string): Promise<{ status: number; text: string }> {
    const response = await this.#fetch(url)
    return { status: response.status, text: await response.text() }
  }
}
