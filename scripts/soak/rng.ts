/**
 * A seeded pseudo-random generator (sfc32, seeded through splitmix32): the same seed gives the
 * same hostile requests, so a failure prints a seed and an index that reproduce it.
 */

/** splitmix32: spreads a small integer seed over 32 bits (also used to derive sub-seeds). */
function splitmix32(state: number): () => number {
  let s = state >>> 0
  return () => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    return (z ^ (z >>> 16)) >>> 0
  }
}

/** Mixes several integers (a seed, a target index, a request index) into one 32-bit seed. */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5
  for (const p of parts) {
    const next = splitmix32((h ^ (p >>> 0)) >>> 0)
    h = next() ^ Math.imul(p | 0, 0x27d4eb2d)
  }
  return h >>> 0
}

export class Rng {
  #a: number
  #b: number
  #c: number
  #d: number

  constructor(readonly seed: number) {
    const init = splitmix32(seed)
    this.#a = init()
    this.#b = init()
    this.#c = init()
    this.#d = init()
    for (let i = 0; i < 12; i++) this.u32()
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0
    this.#d = (this.#d + 1) >>> 0
    this.#a = this.#b ^ (this.#b >>> 9)
    this.#b = (this.#c + (this.#c << 3)) >>> 0
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0
    this.#c = (this.#c + t) >>> 0
    return t
  }

  /** [0, 1). */
  float(): number {
    return this.u32() / 4294967296
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1))
  }

  chance(p: number): boolean {
    return this.float() < p
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list')
    return items[this.int(0, items.length - 1)]!
  }

  /** One of `items`, each with its weight. */
  weighted<T>(items: ReadonlyArray<readonly [number, T]>): T {
    const total = items.reduce((s, [w]) => s + w, 0)
    let r = this.float() * total
    for (const [w, v] of items) {
      r -= w
      if (r < 0) return v
    }
    return items[items.length - 1]![1]
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n)
    for (let i = 0; i < n; i += 4) {
      const v = this.u32()
      out[i] = v & 0xff
      if (i + 1 < n) out[i + 1] = (v >>> 8) & 0xff
      if (i + 2 < n) out[i + 2] = (v >>> 16) & 0xff
      if (i + 3 < n) out[i + 3] = v >>> 24
    }
    return out
  }

  /** `n` characters from `alphabet`. */
  string(n: number, alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'): string {
    const codes = new Array<number>(n)
    for (let i = 0; i < n; i++) codes[i] = alphabet.charCodeAt(Math.floor(this.float() * alphabet.length))
    let s = ''
    for (let i = 0; i < n; i += 8192) s += String.fromCharCode(...codes.slice(i, i + 8192))
    return s
  }

  /** A length skewed towards small values, occasionally up to `max`. */
  size(max: number): number {
    const r = this.float()
    if (r < 0.6) return this.int(0, Math.min(max, 16))
    if (r < 0.9) return this.int(0, Math.min(max, 512))
    if (r < 0.98) return this.int(0, Math.min(max, 16_384))
    return this.int(0, max)
  }
}
