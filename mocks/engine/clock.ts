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
      offsetMs += seconds * 1000
    },
    reset() {
      offsetMs = 0
    },
  }
}
