import { describe, expect, it } from 'vitest'
import { runConformanceInProcess } from '../conformance/index.ts'
import { parseRequest } from '../conformance/recorded.ts'
import { TypeScriptOAuthClient } from '../fixtures/clients/typescript-client.ts'
import { createFakes } from '../mocks/fakes.ts'

describe('conformance suite, in-process mode (msw, a client object)', () => {
  it('passes every check for a correct TypeScript client on all three providers and every cal.com era', { timeout: 300_000 }, async () => {
    const report = await runConformanceInProcess({ provider: ['calcom', 'bookingsync', 'zapier'], eras: 'all', client: (config) => new TypeScriptOAuthClient(config) })
    expect(report.providers).toHaveLength(7)
    const notPassed = report.providers.flatMap((p) => p.checks.filter((c) => c.status !== 'SUCCESS').map((c) => `${p.provider}/${p.variant}:${c.id} ${c.status} ${c.details.actual}`))
    expect(notPassed).toEqual([])
    expect(report.ok).toBe(true)
  })

  it('names exactly the state checks for a client object that ignores state', async () => {
    const report = await runConformanceInProcess({ provider: 'calcom', client: (config) => new TypeScriptOAuthClient(config, { ignoreState: true }) })
    const failed = report.providers[0]!.checks.filter((c) => c.status === 'FAILURE').map((c) => c.id)
    expect(failed.sort()).toEqual(['code-single-use', 'state-mismatch-rejected', 'state-missing-rejected'])
    expect(report.ok).toBe(false)
  })
})

describe('the suite reads a client request as the client sent it', () => {
  it('keeps parameters named constructor, toString and __proto__ (query, form and multipart bodies)', async () => {
    const fakes = createFakes({ providers: ['zapier'] })
    const url = `${fakes.bases('zapier').auth}/oauth/token/?constructor=q&__proto__=p`
    const form = { 'content-type': 'application/x-www-form-urlencoded' }
    await fakes.fetch(new Request(url, { method: 'POST', headers: form, body: 'grant_type=refresh_token&constructor=a&toString=b&__proto__=c' }))
    const multipart = new FormData()
    for (const [k, v] of [['grant_type', 'refresh_token'], ['constructor', 'm'], ['__proto__', 'n']]) multipart.append(k!, v!)
    await fakes.fetch(new Request(url, { method: 'POST', body: multipart }))
    const [formRequest, multipartRequest] = await Promise.all(fakes.requests('zapier').map(parseRequest))
    expect(Object.entries(formRequest!.queryParams)).toEqual([['constructor', 'q'], ['__proto__', 'p']])
    expect(Object.entries(formRequest!.bodyParams)).toEqual([['grant_type', 'refresh_token'], ['constructor', 'a'], ['toString', 'b'], ['__proto__', 'c']])
    expect(Object.entries(multipartRequest!.bodyParams)).toEqual([['grant_type', 'refresh_token'], ['constructor', 'm'], ['__proto__', 'n']])
    expect(Object.hasOwn(formRequest!.params, '__proto__') && formRequest!.params.constructor).toBe('a')
  })
})
