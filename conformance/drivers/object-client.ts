/**
 * A client under test that is a TypeScript object in this process (in-process mode): its
 * methods stand for the client docs/client-contract.md §5 routes. A method that resolves is a 2xx (a `Response` keeps
 * its own status, `false` counts as a refusal); one that throws is a non-2xx.
 */
import { type ClientAnswer, type ClientDriver, ClientNoAnswerError } from './driver.ts'

/** What an in-process client offers the suite. */
export interface InProcessClient {
  /** The authorize URL a `GET /login` would redirect to (a new login each call). */
  loginUrl(): string | URL | Promise<string | URL>
  /** Handles the provider's redirect (the full callback URL); resolves once it holds tokens, throws when it rejects it. */
  handleCallback(url: string): unknown
  /** Exchanges a pasted out-of-band code (BookingSync); optional. */
  handleOob?(code: string): unknown
  /** Calls the provider's resource endpoint with its tokens, refreshing as it sees fit; throws when it cannot. */
  callResource(): unknown
}

export class ObjectClient implements ClientDriver {
  constructor(
    readonly client: InProcessClient,
    readonly timeoutMs = 5_000,
  ) {}

  async #call(route: string, fn: () => unknown): Promise<ClientAnswer> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ClientNoAnswerError(`${route} did not settle within ${this.timeoutMs} ms`)), this.timeoutMs)
    })
    try {
      const value: unknown = await Promise.race([Promise.resolve().then(fn), timeout])
      if (value instanceof Response) return { status: value.status, location: value.headers.get('location'), body: await value.text() }
      if (value === false) return { status: 400, location: null, body: `${route} answered false` }
      return { status: 200, location: null, body: value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value) }
    } catch (error) {
      if (error instanceof ClientNoAnswerError) throw error
      return { status: 500, location: null, body: error instanceof Error ? error.message : String(error) }
    } finally {
      clearTimeout(timer)
    }
  }

  async login(): Promise<ClientAnswer> {
    try {
      return { status: 302, location: String(await this.client.loginUrl()), body: '' }
    } catch (error) {
      return { status: 500, location: null, body: error instanceof Error ? error.message : String(error) }
    }
  }

  callback(url: string): Promise<ClientAnswer> {
    return this.#call('handleCallback', () => this.client.handleCallback(url))
  }

  oob(code: string): Promise<ClientAnswer> {
    const handle = this.client.handleOob
    if (!handle) return Promise.resolve({ status: 404, location: null, body: 'the client has no handleOob' })
    return this.#call('handleOob', () => handle.call(this.client, code))
  }

  resource(): Promise<ClientAnswer> {
    return this.#call('callResource', () => this.client.callResource())
  }

  async close(): Promise<void> {}
}
