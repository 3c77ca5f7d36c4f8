/**
 * Refresh races: for a provider that rotates refresh tokens, `trials` times: a fresh grant, then
 * `concurrent` refreshes of its refresh token at once, each on its own connection. Exactly one
 * must win (200); every other must get the provider's own error for a spent grant
 * (`invalid_grant`, 4xx), never a 5xx; and the winner's new refresh token must work.
 */
import type { ProviderFlows } from './flows.ts'
import { Client, type HttpAnswer } from './http.ts'

export interface RaceResult {
  name: string
  trials: number
  concurrent: number
  /** How many trials had exactly one winner. */
  exactlyOne: number
  /** Winners per trial → how many trials. */
  winnersHistogram: Record<string, number>
  /** `400 invalid_grant` → count. */
  losers: Record<string, number>
  /** Losers that were not a 4xx `invalid_grant`. */
  wrongLosers: number
  fiveXX: number
  transportErrors: number
  /** Trials whose winning refresh token then refreshed again. */
  chainOk: number
  examples: string[]
}

/** How a refresh is sent: the provider's default refresh request, or another endpoint's (cal.com API v2). */
export type RefreshSender = (client: Client, refreshToken: string) => Promise<HttpAnswer>

function errorCode(answer: HttpAnswer): string {
  try {
    const body = JSON.parse(answer.text) as { error?: unknown }
    return typeof body.error === 'string' ? body.error : JSON.stringify(body).slice(0, 60)
  } catch {
    return answer.text.slice(0, 60)
  }
}

export async function refreshRace(flows: ProviderFlows, options: { name: string; trials: number; concurrent: number; send?: RefreshSender }): Promise<RaceResult> {
  const send: RefreshSender = options.send ?? ((c, token) => flows.withClient(c).refreshRequest(token))
  // Its own sockets, `concurrent` of them, opened before the first trial so the requests of a trial leave together.
  const racers = new Client(flows.client.to, flows.client.hostHeader, options.concurrent)
  await Promise.all(Array.from({ length: options.concurrent }, () => racers.get('/', { accept: 'application/json' })))
  const result: RaceResult = { name: options.name, trials: 0, concurrent: options.concurrent, exactlyOne: 0, winnersHistogram: {}, losers: {}, wrongLosers: 0, fiveXX: 0, transportErrors: 0, chainOk: 0, examples: [] }
  try {
    for (let trial = 0; trial < options.trials; trial++) {
      const granted = await flows.exchange(await flows.authorize(`race-${trial}`))
      if (!granted.refresh) throw new Error(`${options.name}: no refresh token issued`)
      const answers = await Promise.all(Array.from({ length: options.concurrent }, () => send(racers, granted.refresh!).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))))))
      result.trials++
      let winners = 0
      let next: string | undefined
      for (const a of answers) {
        if (a instanceof Error) {
          result.transportErrors++
          if (result.examples.length < 10) result.examples.push(`trial ${trial}: ${a.message}`)
          continue
        }
        if (a.status === 200) {
          winners++
          next = (JSON.parse(a.text) as { refresh_token?: string }).refresh_token
          continue
        }
        if (a.status >= 500) result.fiveXX++
        const code = errorCode(a)
        const key = `${a.status} ${code}`
        result.losers[key] = (result.losers[key] ?? 0) + 1
        if (a.status < 400 || a.status > 499 || code !== 'invalid_grant') {
          result.wrongLosers++
          if (result.examples.length < 10) result.examples.push(`trial ${trial}: loser answered ${a.status} ${a.text.slice(0, 200)}`)
        }
      }
      result.winnersHistogram[winners] = (result.winnersHistogram[winners] ?? 0) + 1
      if (winners === 1) result.exactlyOne++
      else if (result.examples.length < 10) result.examples.push(`trial ${trial}: ${winners} winners`)
      if (winners === 1 && next) {
        const again = await send(racers, next)
        if (again.status === 200) result.chainOk++
        else if (result.examples.length < 10) result.examples.push(`trial ${trial}: the winner's refresh token then answered ${again.status} ${again.text.slice(0, 200)}`)
      }
    }
  } finally {
    racers.close()
  }
  return result
}
