import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { latestGrant } from '../mocks/engine/authorize.ts'
import { createClock } from '../mocks/engine/clock.ts'
import { type ExchangeRecord, RequestLog } from '../mocks/engine/log.ts'
import { AnswerError, ProviderError } from '../mocks/engine/errors.ts'
import { randomAlphanumeric, safeEqual, signJwtHs256, verifyJwtHs256 } from '../mocks/engine/crypto.ts'
import { BUFFERED_BODY, PARSED_URL, escapeHtml, lightRequest, page, requestUrl, withParams } from '../mocks/engine/http.ts'
import { issueTokens } from '../mocks/engine/oauth.ts'
import { readParams, validateParams } from '../mocks/engine/params.ts'
import { ExpiringStore, ORDER_SLOT, SWEEP_STEP, type StoredGrant, shardOf } from '../mocks/engine/store.ts'
import { createFakes } from '../mocks/fakes.ts'

describe('error answers', () => {
  it('carry no stack frames (capturing one cost more than the rest of an error answer), and leave Error.stackTraceLimit as it was', () => {
    const before = Error.stackTraceLimit
    const error = new ProviderError(400, 'invalid_request', 'Missing grant_type parameter.')
    expect(error).toBeInstanceOf(Error)
    expect(error).toBeInstanceOf(AnswerError)
    expect(error.message).toBe('Missing grant_type parameter.')
    expect(error.name).toBe('ProviderError')
    expect(error.stack).not.toMatch(/\n\s+at /)
    expect(Error.stackTraceLimit).toBe(before)
    // An ordinary error made after it still has its frames.
    expect(new Error('a failure').stack).toMatch(/\n\s+at /)
  })

  it('are made all the same where Error.stackTraceLimit cannot be changed (frozen intrinsics)', () => {
    const original = Object.getOwnPropertyDescriptor(Error, 'stackTraceLimit')!
    Object.defineProperty(Error, 'stackTraceLimit', { ...original, writable: false })
    try {
      const error = new ProviderError(401, 'invalid_client', 'Client authentication failed.')
      expect(error.message).toBe('Client authentication failed.')
      expect(Error.stackTraceLimit).toBe(original.value)
    } finally {
      Object.defineProperty(Error, 'stackTraceLimit', original)
    }
  })
})

describe('the clock', () => {
  it('follows its base time and moves forward with advance(seconds)', () => {
    let base = 1_000_000
    const clock = createClock(() => base)
    expect(clock.now()).toBe(1_000_000)
    clock.advance(1.5)
    expect(clock.now()).toBe(1_001_500)
    base += 10
    expect(clock.now()).toBe(1_001_510)
    expect(clock.nowSeconds()).toBe(1001)
    clock.reset()
    expect(clock.now()).toBe(1_000_010)
  })

  it('refuses to go backwards or by a non-number', () => {
    const clock = createClock(() => 0)
    expect(() => clock.advance(-1)).toThrow(RangeError)
    expect(() => clock.advance(Number.NaN)).toThrow(RangeError)
  })
})

describe('the expiring store', () => {
  const entry = (clientId: string, expiresAt: number | null): StoredGrant => ({ clientId, expiresAt, revokedAt: null })

  it('tells valid, expired, revoked and unknown apart', () => {
    const store = new ExpiringStore<StoredGrant>()
    store.set('a', entry('c', 1000), 0)
    store.set('b', entry('c', null), 0)
    expect(store.lookup('a', 999).state).toBe('valid')
    expect(store.lookup('a', 1000).state).toBe('expired')
    store.revoke('b', 5)
    expect(store.lookup('b', 6).state).toBe('revoked')
    expect(store.lookup('zzz', 0).state).toBe('unknown')
    // Not a string (a repeated parameter's array, should one slip past a schema): unknown, not a crash.
    expect(store.lookup(['a', 'b'] as unknown as string, 0).state).toBe('unknown')
    expect(store.delete(['a'] as unknown as string)).toBe(false)
  })

  it('revokes every entry of one client and only those', () => {
    const store = new ExpiringStore<StoredGrant>()
    store.set('a', entry('c1', null), 0)
    store.set('b', entry('c1', null), 0)
    store.set('x', entry('c2', null), 0)
    expect(store.revokeClient('c1', 1)).toBe(2)
    expect(store.lookup('a', 2).state).toBe('revoked')
    expect(store.lookup('x', 2).state).toBe('valid')
  })

  it("keeps each client's keys through deletes, re-sets and moves to another client: each key once, the client's own only", () => {
    const store = new ExpiringStore<StoredGrant>()
    const keysOf = (clientId: string) => [...store.entriesOf(clientId)].map(([k]) => k)
    for (let i = 0; i < 100; i++) store.set(`k${i}`, entry('c1', null), 0)
    store.set('k1', entry('c1', null), 0) // re-set for its client: moves to the newest end, listed once
    expect(keysOf('c1').slice(-2)).toEqual(['k99', 'k1'])
    expect(store.revokeClient('c9', 0)).toBe(0)
    store.delete('k2')
    store.set('k2', entry('c1', null), 0) // gone and back: listed once
    store.set('k3', entry('c2', null), 0) // now another client's…
    expect(keysOf('c2')).toEqual(['k3'])
    store.set('k3', entry('c1', null), 0) // …and back
    expect(keysOf('c2')).toEqual([])
    // Most of the client's keys gone (its index compacts past half of them): the rest, oldest first.
    for (let i = 10; i < 100; i++) store.delete(`k${i}`)
    expect(keysOf('c1')).toEqual(['k0', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9', 'k1', 'k2', 'k3'])
    store.set('k50', entry('c1', null), 0)
    expect(keysOf('c1').at(-1)).toBe('k50')
    expect(store.revokeClient('c2', 1)).toBe(0)
    expect(store.revokeClient('c1', 1)).toBe(11)
    for (const key of keysOf('c1')) store.delete(key)
    expect(keysOf('c1')).toEqual([])
  })

  it("compacts a client's keys on a move to another client without keeping the key that moves", () => {
    // 40 keys of one client in one shard; 36 deleted; the 37th gone (a move) compacts the shard's array.
    const store = new ExpiringStore<StoredGrant>()
    const keys: string[] = []
    for (let i = 0; keys.length < 40; i++) if (shardOf(`k${i}`) === 0) keys.push(`k${i}`)
    for (const key of keys) store.set(key, entry('A', null), 0)
    for (const key of keys.slice(0, 36)) store.delete(key)
    const moved = keys[36]!
    store.set(moved, entry('B', null), 0)
    store.set(moved, entry('A', null), 0) // and back: listed once
    expect([...store.entriesOf('A')].map(([k]) => k)).toEqual([...keys.slice(37), moved])
    expect(store.revokeClient('A', 1)).toBe(4)
  })

  it('sweeps expired entries once the retention window has passed, so memory stays bounded', () => {
    const store = new ExpiringStore<StoredGrant>({ retainSeconds: 10, sweepEverySeconds: 1 })
    let now = 0
    for (let i = 0; i < 10_000; i++) store.set(`t${i}`, entry('c', now + 1000), now)
    expect(store.size).toBe(10_000)
    now = 1000 + 9_999 // expired, still inside the retention window: still answers "expired"
    store.set('fresh', entry('c', now + 1000), now)
    expect(store.lookup('t1', now).state).toBe('expired')
    now = 1000 + 10_000 + 1000 // retention over, and a pass is due (at most one per second): writes sweep
    // Each write looks at SWEEP_STEP entries, oldest first: no write pauses for a walk of the whole store.
    // (An entry the current pass had already looked at waits for the next pass: at most two passes.)
    let writes = 0
    while (store.size > 1 + writes) store.set(`fresh${++writes}`, entry('c', now + 1000), now)
    expect(writes).toBeLessThanOrEqual(2 * Math.ceil(10_001 / (SWEEP_STEP - 1)))
    expect(store.lookup('t1', now).state).toBe('unknown')
    expect([...store.entriesOf('c')].map(([k]) => k)).toEqual(['fresh', ...Array.from({ length: writes }, (_, i) => `fresh${i + 1}`)])
  })

  it('sweeps 100,000 dead entries a bounded slice per write (npm run bench times the writes)', () => {
    const store = new ExpiringStore<StoredGrant>({ retainSeconds: 1, sweepEverySeconds: 1 })
    for (let i = 0; i < 100_000; i++) store.set(`t${i}`, entry('c', 1000), 0)
    let now = 10_000
    let most = 0
    let writes = 0
    while (store.size > writes) {
      const before = store.size
      store.set(`n${now}`, entry('c', null), now++)
      writes++
      most = Math.max(most, before + 1 - store.size)
    }
    expect(most).toBe(SWEEP_STEP)
    // One pass: each write looks at SWEEP_STEP entries (one look fewer where the pass moves to the next shard).
    expect(writes).toBeLessThanOrEqual(Math.ceil(100_000 / (SWEEP_STEP - 2)))
    expect(store.lookup('t99999', now).state).toBe('unknown')
  })

  it('starts no sweep pass while nothing can be swept yet: writes to a store of live entries look at none of them', () => {
    const store = new ExpiringStore<StoredGrant>({ retainSeconds: 10, sweepEverySeconds: 1 })
    // Entries that count the sweep's looks: it reads `revokedAt` before anything else.
    let looks = 0
    const watched = (expiresAt: number | null): StoredGrant => {
      const e = entry('c', expiresAt)
      let revokedAt: number | null = null
      return Object.defineProperty(e, 'revokedAt', {
        get: () => (looks++, revokedAt),
        set: (v: number | null) => void (revokedAt = v),
        enumerable: true,
      })
    }
    for (let i = 0; i < 1_000; i++) store.set(`live${i}`, watched(i < 500 ? 60_000 : null), 0)
    // Passes would be due every second; the earliest any entry can go is 60 s + 10 s of retention.
    looks = 0
    for (let now = 1_000; now < 60_000; now += 100) store.set(`w${now}`, entry('c', null), now)
    expect(looks).toBe(0)
    // A revocation brings the bound forward: 10 s after it, that entry is swept.
    store.revoke('live999', 20_000)
    for (let now = 30_000; store.lookup('live999', now).state !== 'unknown'; now++) {
      store.set(`r${now}`, entry('c', null), now)
      expect(now).toBeLessThan(30_000 + 1_000)
    }
    expect(store.lookup('live0', 30_000).state).toBe('valid')
    // Once the first expiries are past their retention, passes run again and sweep them.
    const expired = Array.from({ length: 500 }, (_, i) => `live${i}`)
    let now = 70_000
    while (expired.some((key) => store.lookup(key, now).state !== 'unknown')) {
      store.set(`x${now}`, entry('c', null), now++)
      expect(now).toBeLessThan(70_000 + 2 * 1_000)
    }
    expect(store.lookup('live500', now).state).toBe('valid')
  })

  it('keeps one insertion order over its shards: entries() and entriesOf() oldest first, a re-set key moved to the newest end', () => {
    const store = new ExpiringStore<StoredGrant>()
    const keys = Array.from({ length: 200 }, (_, i) => `key-${(i * 7919) % 1000}`)
    keys.forEach((key, i) => store.set(key, entry(i % 2 ? 'odd' : 'even', null), 0))
    store.set(keys[3]!, entry('odd', null), 1) // set again: now the newest
    store.delete(keys[4]!)
    const expected = [...keys.filter((_, i) => i !== 3 && i !== 4), keys[3]!]
    expect([...store.entries()].map(([k]) => k)).toEqual(expected)
    expect([...store.entriesOf('odd')].map(([k]) => k)).toEqual(expected.filter((k) => keys.indexOf(k) % 2 === 1))
    expect(store.size).toBe(199)
    // The order is the store's own: no field a client, the state file or a test comparing entries sees.
    const [, stored] = [...store.entries()][0]!
    expect(JSON.stringify(stored)).toBe(JSON.stringify(entry('even', null)))
    expect(stored).toStrictEqual(entry('even', null))
  })

  it('hides the order in the slot an entry brings (ORDER_SLOT) as it does on any entry: not enumerable, not copied, not compared', () => {
    const store = new ExpiringStore<StoredGrant>()
    const made = (clientId: string): StoredGrant => ({ clientId, expiresAt: null, revokedAt: null, [ORDER_SLOT]: 0 })
    for (const key of ['b', 'a', 'c']) store.set(key, made(key), 0)
    expect([...store.entries()].map(([k]) => k)).toEqual(['b', 'a', 'c'])
    const stored = store.lookup('a', 0)
    if (stored.state !== 'valid') throw new Error('a is stored')
    expect(Object.getOwnPropertySymbols(stored.entry).filter((s) => Object.prototype.propertyIsEnumerable.call(stored.entry, s))).toEqual([])
    expect(Object.getOwnPropertySymbols({ ...stored.entry })).toEqual([])
    expect(stored.entry).toStrictEqual(entry('a', null))
    expect(JSON.stringify(stored.entry)).toBe(JSON.stringify(entry('a', null)))
  })

  it('finds a group’s newest live entry and its live tags without walking the store', () => {
    const grant = (clientId: string, group: string | null, tag: string): StoredGrant & { group: string | null; tag: string } => ({ clientId, expiresAt: null, revokedAt: null, group, tag })
    const store = new ExpiringStore<ReturnType<typeof grant>>({ groupOf: (e) => e.group, tagOf: (e) => e.tag })
    store.set('a', grant('c', 'c|u1', 'read'), 0)
    store.set('b', grant('c', 'c|u1', 'write'), 1)
    store.set('x', grant('c', 'c|u2', 'read'), 2)
    store.set('none', grant('c', null, 'read'), 3)
    expect(store.newestLive('c|u1')?.[0]).toBe('b')
    expect(store.groupsOf('c').sort()).toEqual(['c|u1', 'c|u2'])
    store.revoke('b', 4)
    expect(store.newestLive('c|u1')?.[0]).toBe('a')
    expect(store.hasLiveTagged('c|u1', 'write')).toBe(false)
    expect(store.hasLiveTagged('c|u1', 'read')).toBe(true)
    store.delete('a')
    expect(store.newestLive('c|u1')).toBeUndefined()
    expect(store.groupsOf('c')).toEqual(['c|u2'])
    expect([...store.liveOf('c|u2')].map(([k]) => k)).toEqual(['x'])
  })

  it('counts a group’s live tags the same while they are one tag and once a second appears', () => {
    const grant = (tag: string): StoredGrant & { tag: string } => ({ clientId: 'c', expiresAt: null, revokedAt: null, tag })
    const store = new ExpiringStore<ReturnType<typeof grant>>({ groupOf: () => 'c|u', tagOf: (e) => e.tag })
    const live = (tag: string) => store.hasLiveTagged('c|u', tag)
    store.set('r1', grant('read'), 0)
    store.set('r2', grant('read'), 0)
    expect([live('read'), live('write')]).toEqual([true, false])
    store.revoke('r1', 1)
    expect(live('read')).toBe(true) // r2 still has it
    store.set('w1', grant('write'), 2) // a second tag: one `read`, one `write` live
    expect([live('read'), live('write')]).toEqual([true, true])
    store.delete('r2')
    expect([live('read'), live('write')]).toEqual([false, true])
    store.set('r3', grant('read'), 3)
    store.revoke('w1', 4)
    expect([live('read'), live('write')]).toEqual([true, false])
    store.revoke('r3', 5) // nothing live: the group is gone, and a new one starts with one tag
    expect(live('read')).toBe(false)
    store.set('w2', grant('write'), 6)
    expect([live('read'), live('write')]).toEqual([false, true])
  })

  it('refuses group questions its maker did not ask it to answer: no groupOf, no groups; no tagOf, no tags', () => {
    // A "no" here would be a wrong answer (no matching token, no live token), not an error anyone sees.
    const untagged = new ExpiringStore<StoredGrant>({ groupOf: () => 'g' })
    untagged.set('k', { clientId: 'c', expiresAt: null, revokedAt: null }, 0)
    expect(untagged.newestLive('g')?.[0]).toBe('k')
    expect(() => untagged.hasLiveTagged('g', 'read')).toThrow(/no tagOf/)
    const ungrouped = new ExpiringStore<StoredGrant>()
    ungrouped.set('k', { clientId: 'c', expiresAt: null, revokedAt: null }, 0)
    expect(() => ungrouped.newestLive('g')).toThrow(/no groups/)
    expect(() => [...ungrouped.liveOf('g')]).toThrow(/no groups/)
    expect(() => ungrouped.groupsOf('c')).toThrow(/no groups/)
    expect(() => ungrouped.hasLiveTagged('g', 'read')).toThrow(/no groups/)
  })

  it('keeps the newest grant per client and subject only for a provider that asks (Zapier), and refuses the question elsewhere', async () => {
    const fakes = createFakes({ providers: ['zapier', 'calcom'] })
    for (const p of ['zapier', 'calcom'] as const) {
      const rt = fakes.runtime(p)
      const client = fakes.clients(p)[0]!
      issueTokens(rt, { accessLifetimeSeconds: 60, refreshLifetimeSeconds: null, newAccessToken: () => `a-${p}`, newRefreshToken: () => `r-${p}` }, { clientId: client.clientId, subject: { userId: 1, teamId: null, accountId: null }, scopes: [], grantType: 'authorization_code', withRefresh: true })
    }
    const subject = { userId: 1, teamId: null, accountId: null }
    expect(latestGrant(fakes.runtime('zapier'), fakes.clients('zapier')[0]!.clientId, subject)).toMatchObject({ key: 'a-zapier', state: 'valid' })
    expect(fakes.runtime('calcom').latestGrants).toBeNull()
    expect(() => latestGrant(fakes.runtime('calcom'), fakes.clients('calcom')[0]!.clientId, subject)).toThrow(/does not keep its latest grants/)
  })
})

describe('parameters', () => {
  const url = new URL('https://x.test/p?a=1&b=2')
  const enc = (s: string) => new TextEncoder().encode(s)

  it('reads only the declared sources', async () => {
    const form = await readParams(url, 'application/x-www-form-urlencoded; charset=utf-8', enc('c=3'), ['form'])
    expect(form).toEqual({ ok: true, params: { c: '3' } })
    const both = await readParams(url, 'application/x-www-form-urlencoded', enc('c=3'), ['query', 'form'])
    expect(both.ok && { ...both.params }).toEqual({ a: '1', b: '2', c: '3' })
    const ignored = await readParams(url, 'text/plain', enc('c=3'), ['form', 'json'])
    expect(ignored.ok && { ...ignored.params }).toEqual({})
  })

  it('turns a repeated parameter into an array of its values, which no schema accepts as one value', async () => {
    const r = await readParams(new URL('https://x.test/?a=1'), 'application/x-www-form-urlencoded', enc('a=2&a=3'), ['query', 'form'])
    expect(r.ok && r.params.a).toEqual(['1', '2', '3'])
    const checked = validateParams(z.object({ a: z.string() }), r.ok ? r.params : {})
    expect(checked.ok).toBe(false)
  })

  it('keeps a parameter of any name as its own, and inherits none (`__proto__`, `constructor`, `toString`)', async () => {
    const r = await readParams(url, 'application/x-www-form-urlencoded', enc('__proto__=p&constructor=c&hasOwnProperty=h'), ['form'])
    const params = r.ok ? r.params : {}
    expect(Object.keys(params)).toEqual(['__proto__', 'constructor', 'hasOwnProperty'])
    expect([params.__proto__, params.constructor, params.hasOwnProperty]).toEqual(['p', 'c', 'h'])
    expect(Object.prototype.isPrototypeOf(params)).toBe(false)
    // A name no request gave is missing, not inherited: a schema sees no `toString` or `valueOf`.
    const none = await readParams(url, 'application/x-www-form-urlencoded', enc('a=1'), ['form'])
    const given = none.ok ? none.params : {}
    for (const name of ['toString', 'valueOf', 'constructor', '__proto__', 'hasOwnProperty']) expect(name in given).toBe(false)
    expect(JSON.stringify(given)).toBe('{"a":"1"}')
  })

  it('reports malformed JSON and non-object JSON', async () => {
    expect(await readParams(url, 'application/json', enc('{"a":'), ['json'])).toEqual({ ok: false, problem: 'malformed_json' })
    expect(await readParams(url, 'application/json', enc('[1,2]'), ['json'])).toEqual({ ok: false, problem: 'malformed_json' })
  })

  it('reads multipart bodies', async () => {
    const fd = new FormData()
    fd.set('grant_type', 'client_credentials')
    const req = new Request('https://x.test/', { method: 'POST', body: fd })
    const r = await readParams(url, req.headers.get('content-type'), new Uint8Array(await req.arrayBuffer()), ['multipart'])
    expect(r.ok && { ...r.params }).toEqual({ grant_type: 'client_credentials' })
  })

  it('reports the first failing field in the order the schema declares (the provider check order)', () => {
    const schema = z.object({ first: z.literal('x'), second: z.string(), third: z.string() })
    const r = validateParams(schema, { third: 5 })
    expect(r.ok === false && r.field).toBe('first')
    const r2 = validateParams(schema, { first: 'x', third: 5 })
    expect(r2.ok === false && r2.field).toBe('second')
  })
})

describe('crypto helpers', () => {
  it('signs HS256 JWTs that verify, and rejects forged, expired or alg-swapped ones', () => {
    const token = signJwtHs256({ sub: 1, exp: 100 }, 'k')
    expect(verifyJwtHs256(token, 'k', 99)).toEqual({ sub: 1, exp: 100 })
    expect(verifyJwtHs256(token, 'k', 100)).toBeUndefined()
    expect(verifyJwtHs256(token, 'other', 99)).toBeUndefined()
    const [, body] = token.split('.')
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${body}.`
    expect(verifyJwtHs256(none, 'k', 0)).toBeUndefined()
    expect(verifyJwtHs256('a.b', 'k', 0)).toBeUndefined()
  })

  it('compares secrets by value whatever their length', () => {
    expect(safeEqual('secret', 'secret')).toBe(true)
    expect(safeEqual('secret', 'secreT')).toBe(false)
    expect(safeEqual('secret', 'secret-longer')).toBe(false)
    expect(safeEqual('', '')).toBe(true)
  })

  it('makes alphanumeric tokens of the asked length', () => {
    const t = randomAlphanumeric(30)
    expect(t).toMatch(/^[A-Za-z0-9]{30}$/)
    expect(randomAlphanumeric(30)).not.toBe(t)
  })
})

describe('the light Request', () => {
  it('is a Request with the given url, method and headers; its other members come from a real Request built on first use', async () => {
    const headers = new Headers({ 'content-type': 'application/x-www-form-urlencoded' })
    const parsed = new URL('https://fakes.example/token?x=1')
    const body = new TextEncoder().encode('grant_type=client_credentials')
    const request = lightRequest(parsed.href, 'POST', headers, body, parsed)
    expect(request).toBeInstanceOf(Request)
    expect([request.url, request.method, request.headers]).toEqual([parsed.href, 'POST', headers])
    expect(request.headers).toBe(headers)
    expect((request as Request & { [BUFFERED_BODY]: Uint8Array })[BUFFERED_BODY]).toBe(body)
    expect((request as Request & { [PARSED_URL]: URL })[PARSED_URL]).toBe(parsed)
    expect(requestUrl(request)).toBe(parsed)
    // Read-only, as a Request's own are.
    expect(() => Object.assign(request, { method: 'GET' })).toThrow(TypeError)
    expect(request.method).toBe('POST')
    expect(request.redirect).toBe('follow')
    const copy = request.clone()
    expect(await request.text()).toBe('grant_type=client_credentials')
    expect(await copy.text()).toBe('grant_type=client_credentials')
    expect(request.bodyUsed).toBe(true)
  })

  it('without a parsed URL, parses its url when asked', () => {
    const request = lightRequest('https://fakes.example/a?b=c', 'GET', new Headers(), new Uint8Array(0))
    expect(requestUrl(request).searchParams.get('b')).toBe('c')
  })
})

describe('html helpers', () => {
  it('escapes everything interpolated into a page', () => {
    const evil = `<script>"'&`
    expect(page`<p title="${evil}">${evil}</p>`.html).toBe('<p title="&lt;script&gt;&quot;&#39;&amp;">&lt;script&gt;&quot;&#39;&amp;</p>')
    expect(escapeHtml(undefined)).toBe('')
  })

  it('adds redirect parameters while keeping the registered query', () => {
    expect(withParams('https://app.test/cb?tenant=a', { code: 'x y', state: undefined })).toBe('https://app.test/cb?tenant=a&code=x+y')
  })
})

describe('the request log', () => {
  const exchange = (i: number, extra: Partial<ExchangeRecord> = {}): ExchangeRecord => ({
    provider: i % 2 ? 'zapier' : 'calcom',
    method: 'GET',
    path: `/${i}`,
    url: `https://x.test/${i}?a=1&a=2`,
    endpoint: null,
    at: 0,
    requestHeaders: new Headers({ 'x-n': String(i) }),
    requestBody: new Uint8Array(0),
    status: 200,
    responseHeaders: new Headers({ 'content-type': 'application/json' }),
    responseBody: `{"n":${i}}`,
    ...extra,
  })

  it('keeps the newest entries up to its limit, oldest first, each with its answer', () => {
    const log = new RequestLog({ maxEntries: 3 })
    for (let i = 0; i < 5; i++) log.record(exchange(i))
    expect(log.list().map((e) => e.path)).toEqual(['/2', '/3', '/4'])
    expect(log.list().map((e) => e.id)).toEqual([3, 4, 5])
    expect(log.list('zapier').map((e) => e.path)).toEqual(['/3'])
    const [first] = log.list()
    expect(first).toMatchObject({ query: { a: ['1', '2'] }, headers: { 'x-n': '2' }, response: { status: 200, headers: { 'content-type': 'application/json' }, body: '{"n":2}', bodyTruncated: false } })
    log.clear()
    expect(log.list()).toEqual([])
  })

  it('shows every header of the request and of the answer by name, as the Headers held them', () => {
    const log = new RequestLog()
    const requestHeaders = new Headers([['Accept', 'a/b'], ['X-Twice', '1'], ['x-twice', '2'], ['Authorization', 'Bearer t'], ['__proto__', 'p']])
    const responseHeaders = new Headers([['content-type', 'application/json'], ['set-cookie', 'a=1'], ['set-cookie', 'b=2'], ['cache-control', 'no-store']])
    log.record(exchange(1, { requestHeaders, responseHeaders }))
    const [entry] = log.list()
    expect(JSON.stringify(entry!.headers)).toBe('{"__proto__":"p","accept":"a/b","authorization":"Bearer t","x-twice":"1, 2"}')
    // A header any client may send, `__proto__` included, is a header like the others.
    expect(Object.getPrototypeOf(entry!.headers)).toBe(Object.prototype)
    // One value per name in the log's shape: of two cookies, the last.
    expect(entry!.response.headers).toEqual({ 'cache-control': 'no-store', 'content-type': 'application/json', 'set-cookie': 'b=2' })
  })

  it('shows every query parameter by name, `__proto__` and `constructor` too, repeated or not', () => {
    const log = new RequestLog()
    log.record(exchange(1, { url: 'https://x.test/p?__proto__=a&__proto__=b&length=x&constructor=c&toString=t' }))
    const [entry] = log.list()
    expect(JSON.stringify(entry!.query)).toBe('{"__proto__":["a","b"],"length":"x","constructor":"c","toString":"t"}')
    expect(Object.getPrototypeOf(entry!.query)).toBe(Object.prototype)
  })

  it('pages with after and limit', () => {
    const log = new RequestLog()
    for (let i = 0; i < 10; i++) log.record(exchange(i))
    expect(log.list({ after: 3, limit: 2 }).map((e) => e.id)).toEqual([4, 5])
    expect(log.list({ after: 9 }).map((e) => e.id)).toEqual([10])
    expect(log.list({ after: 10 })).toEqual([])
    expect(log.list({ provider: 'zapier', after: 4, limit: 2 }).map((e) => e.id)).toEqual([6, 8])
    expect(log.list({ limit: 0 })).toEqual([])
  })

  it('drops the oldest entries past its byte budget, and keeps no more than 16 KiB of a body', () => {
    const log = new RequestLog({ maxBytes: 100_000 })
    const big = new Uint8Array(1024 * 1024).fill(0x61)
    for (let i = 0; i < 20; i++) log.record(exchange(i, { requestBody: big, responseBody: 'b'.repeat(40_000) }))
    expect(log.bytes).toBeLessThanOrEqual(100_000)
    const entries = log.list()
    expect(entries.length).toBeGreaterThan(0)
    expect(entries.length).toBeLessThan(20)
    expect(entries.at(-1)!.id).toBe(20)
    expect(entries[0]!.body.length).toBe(16 * 1024)
    expect(entries[0]!.bodyTruncated).toBe(true)
    expect(entries[0]!.response.body.length).toBe(16 * 1024)
    expect(entries[0]!.response.bodyTruncated).toBe(true)
  })

  it('tells subscribers of every new entry', () => {
    const log = new RequestLog()
    const seen: number[] = []
    const stop = log.subscribe((e) => seen.push(e.id))
    log.record(exchange(1))
    stop()
    log.record(exchange(2))
    expect(seen).toEqual([1])
  })
})
