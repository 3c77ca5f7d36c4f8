/**
 * Loaded into the server child by the soak script only (`node --expose-gc --import tsx --import
 * ./scripts/soak/probe.ts cli/main.ts serve …`), never by the product: answers `{type:'memory'}`
 * over the IPC channel with `process.memoryUsage()`, after a full garbage collection when asked
 * (`gc: true`), so that heap figures compare like with like. No route, no control, no effect on
 * requests; without an IPC channel it does nothing.
 */
interface MemoryQuestion {
  type: 'memory'
  id: number
  gc?: boolean
}

const isQuestion = (m: unknown): m is MemoryQuestion => typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'memory'

if (typeof process.send === 'function') {
  process.on('message', (message: unknown) => {
    if (!isQuestion(message)) return
    const collect = (globalThis as { gc?: () => void }).gc
    if (message.gc && collect) {
      // Twice: the first pass may only queue finalisers whose memory the second frees.
      collect()
      collect()
    }
    process.send?.({ type: 'memory', id: message.id, gc: Boolean(message.gc && collect), ...process.memoryUsage() })
  })
  // The channel must not keep the server alive once it is asked to stop.
  process.channel?.unref()
}
