/**
 * The fakes' clock. Every lifetime (code TTL, token `exp`, `expires_in`, `created_at`) is computed
 * from it, so tests and the control API can move time instead of waiting for it.
 *
 * Real time by default; `advance(seconds)` adds an offset that survives until `reset()`.
 */
export interface Clock {
  /** Milliseconds since the epoch, as the fakes see it. */
  now(): number
  /** Whole seconds since the epoch (the unit of JWT `iat`/`exp` and Doorkeeper's `created_at`). */
  nowSeconds(): number
  /** Moves the clock forward. Negative values are refused: tokens never become younger. */
  advance(seconds: number): void
  /** Drops every advance: back to the base time source. */
  reset(): void
}

/**
 * @example
 * const clock = createClock()
 * clock.advance(601) // a cal.com code issued before this line is now expired
 */
export function createClock(base: () => number = Date.now): Clock {
  let offsetMs = 0
  return {
    now: () => base() + offsetMs,
    nowSeconds: () => Math.floor((base() + offsetMs) / 1000),
    advance(seconds) {
      if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError('advance(seconds) needs a finite number >= 0')
      // Refused before anything moves: past it, a time (or an expiry after it) is no Date any more.
      if (base() + offsetMs + seconds * 1000 > LATEST_MS) throw new RangeError(`advance(seconds) would move the clock past ${new Date(LATEST_MS).toISOString()}`)
      offsetMs += seconds * 1000
    },
    reset() {
      offsetMs = 0
    },
  }
}

/**
 * The latest time the clock may show: a century short of the end of `Date`'s range (8.64e15 ms,
 * ECMAScript §21.4.1.31), so that every lifetime and retention counted from it is still a Date
 * that `toISOString()` can print. Repeated advances used to pass it and every date printed after
 * failed (cal.com API v2 errors answered 500, the request log's stream broke).
 */
const LATEST_MS = 8.64e15 - 100 * 365.25 * 24 * 3600 * 1000
