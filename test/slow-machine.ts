/**
 * The conformance suite as the tests run it: the product's timeouts for a client (10 s to open
 * its port, 5 s per route) are right for a user's machine, not for a loaded 2-core CI box running
 * several test files at once. The tests give clients minutes; a hang still ends the test.
 */
import { type CommandRunOptions, runConformance as run } from '../conformance/run.ts'

export const SLOW_MACHINE = { startTimeoutMs: 180_000, routeTimeoutMs: 60_000 } as const
/** The same, as `conform` flags. */
export const SLOW_MACHINE_FLAGS = ['--start-timeout', '180', '--route-timeout', '60'] as const

export function runConformance(options: CommandRunOptions): ReturnType<typeof run> {
  return run({ ...SLOW_MACHINE, ...options })
}
