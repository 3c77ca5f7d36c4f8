/**
 * A server that loses the keep-alive race every time, for tests of HTTP clients: it drops each
 * connection it has answered on before (as a peer that closed it as idle just as the next request
 * went out on it). `/pair` is answered once two such requests are in, so that a client opens two
 * connections. Node documents the race under `request.reusedSocket`.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export async function racyServer(): Promise<{ url: string; connections(): number; close(): void }> {
  const answered = new Set<unknown>()
  const held: Array<() => void> = []
  const server = createServer((req, res) => {
    if (answered.has(req.socket)) return void req.socket.destroy()
    answered.add(req.socket)
    if (req.url !== '/pair') return void res.end('fresh connection')
    held.push(() => res.end('pair'))
    if (held.length === 2) for (const release of held.splice(0)) release()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** Connections answered on so far. */
    connections: () => answered.size,
    close() {
      server.closeAllConnections()
      server.close()
    },
  }
}
