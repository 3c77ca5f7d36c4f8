import { z } from 'zod'

/**
 * Where an endpoint reads its parameters from. Providers declare theirs as data:
 * BookingSync's token endpoint reads `['query', 'form', 'json']`, Zapier's `['form', 'multipart']`.
 */
export type ParamSource = 'query' | 'form' | 'json' | 'multipart'

/** A parameter given once is a string (or, from JSON, any value); given twice it is an array. */
export type Params = Record<string, unknown>

export type ParamsResult =
  | { ok: true; params: Params }
  | { ok: false; problem: 'malformed_json' | 'malformed_multipart' }

/** 1 MiB: what Next.js (cal.com) allows by default; the other providers use the same limit. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024

/**
 * Objects with no inherited names (no `constructor`, `toString` or `__proto__` accessor: a
 * parameter of any name is an own property) that V8 keeps in fast mode. `Object.create(null)`
 * gives the same semantics but a dictionary-mode object, whose `Object.entries` and property
 * reads cost about three times as much on every request (parameters are copied 2–4 times per
 * token request). Their prototype is an empty frozen object without a prototype.
 */
const NoInheritedNames = function NoInheritedNames() {} as unknown as new () => Record<string, unknown>
NoInheritedNames.prototype = Object.freeze(Object.create(null) as object) as Record<string, unknown>

/** An empty record for parameters: no inherited names, in V8's fast mode (see `NoInheritedNames`). */
export function paramRecord<T = unknown>(): Record<string, T> {
  return new NoInheritedNames() as Record<string, T>
}

/**
 * Each parameter's last value (a repeated one is an array of its values): what Rack, Django's
 * `QueryDict` and Next.js's readers keep. A record without inherited names, as every parameter
 * record here is: copied into a plain `{}`, a member named `__proto__` would become its prototype
 * and lend it every field inside it.
 */
export function lastValues(params: Params): Params {
  const out = paramRecord()
  for (const [name, value] of Object.entries(params)) out[name] = Array.isArray(value) ? value.at(-1) : value
  return out
}

/**
 * Collects parameters. A repeated parameter becomes an array of its values, which no schema
 * accepts as a single value: RFC 6749 §3.1 "Request and response parameters MUST NOT be
 * included more than once."
 */
function collector(): { params: Params; add(name: string, value: unknown): void } {
  const params: Params = paramRecord()
  const repeated = new Set<string>()
  return {
    params,
    add(name, value) {
      if (!(name in params)) params[name] = value
      else if (repeated.has(name)) (params[name] as unknown[]).push(value)
      else {
        params[name] = [params[name], value]
        repeated.add(name)
      }
    },
  }
}

/** The media type of a Content-Type header, lowercased, without parameters. */
export function mediaType(contentType: string | null): string {
  return (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase()
}

/**
 * Reads the request's parameters from the declared sources. Parameters from a body whose
 * content type is not among the sources are ignored (as Rails, Django and Next.js do), so a
 * wrong content type surfaces as "missing parameter" in the provider's own words.
 */
export async function readParams(
  url: URL,
  contentType: string | null,
  body: Uint8Array,
  sources: readonly ParamSource[],
): Promise<ParamsResult> {
  const { params, add } = collector()
  if (sources.includes('query')) for (const [k, v] of url.searchParams) add(k, v)
  if (body.byteLength === 0) return { ok: true, params }
  const type = mediaType(contentType)
  if (type === 'application/x-www-form-urlencoded' && sources.includes('form')) {
    for (const [k, v] of new URLSearchParams(Buffer.from(body).toString('utf8'))) add(k, v)
  } else if ((type === 'application/json' || type.endsWith('+json')) && sources.includes('json')) {
    let parsed: unknown
    try {
      parsed = JSON.parse(Buffer.from(body).toString('utf8'))
    } catch {
      return { ok: false, problem: 'malformed_json' }
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, problem: 'malformed_json' }
    for (const [k, v] of Object.entries(parsed)) add(k, v)
  } else if (type === 'multipart/form-data' && sources.includes('multipart')) {
    try {
      const form = await new Response(Buffer.from(body), { headers: { 'content-type': contentType ?? '' } }).formData()
      for (const [k, v] of form) add(k, typeof v === 'string' ? v : '')
    } catch {
      return { ok: false, problem: 'malformed_multipart' }
    }
  }
  return { ok: true, params }
}

/** A single string parameter: absent, repeated or non-string values fail. */
export const param = z.string()
/** A single string parameter that must be present and non-empty. */
export const requiredParam = z.string().min(1)

export type Validated<S extends z.ZodType> = { ok: true; value: z.infer<S> } | { ok: false; field: string; issue: z.core.$ZodIssue }

/**
 * Validates parameters with a zod object schema and reports the FIRST failing field in the
 * order the schema declares its keys: providers check parameters in a documented order
 * (cal.com's token endpoint: grant_type, then client, then code), and the schema's key order
 * is that order.
 */
export function validateParams<S extends z.ZodObject>(schema: S, params: Params): Validated<S> {
  const result = schema.safeParse(params)
  if (result.success) return { ok: true, value: result.data }
  const order = Object.keys(schema.shape)
  const issues = [...result.error.issues].sort((a, b) => rank(order, a) - rank(order, b))
  const first = issues[0]!
  return { ok: false, field: String(first.path[0] ?? ''), issue: first }
}

function rank(order: string[], issue: z.core.$ZodIssue): number {
  const i = order.indexOf(String(issue.path[0] ?? ''))
  return i === -1 ? order.length : i
}
