/**
 * A TCP proxy between a test's clients and a server (PostgreSQL, or any TCP service) that can
 * cut, stall and resume traffic on demand, to show what a client sees under network faults.
 * Not a test file itself.
 *
 * Partition semantics:
 * - `partition()` (the default, dropping) keeps every socket open and keeps reading from both
 *   sides, so writes succeed as they would into a network that loses packets, but throws the
 *   bytes away. New connections are accepted (the TCP handshake succeeds) and get no bytes
 *   either; they reach no server. `heal()` then destroys every connection that lived through
 *   the partition (their byte streams have holes: no protocol can resume them, as TCP would
 *   eventually reset them) and forwards new connections again.
 * - `partition({ buffer: true })` pauses every socket instead: bytes wait in stream and kernel
 *   buffers (TCP flow control stops the sender). `heal()` resumes them and delivers every byte
 *   in order, so connections survive, as they do a short outage TCP retransmits across.
 *   Connections accepted meanwhile reach the server at `heal()`.
 * A socket that closes or errors closes its peer at once, partition or not: a real partition
 * would hide a client's close from the server until its keepalive gave up.
 */
import net from 'node:net'

export interface ProxyOptions {
  /** The server every accepted connection is forwarded to. */
  target: { host: string, port: number }
}

export interface PartitionOptions {
  /** Hold bytes and deliver them at `heal()` (connections survive) instead of dropping them (connections are destroyed at `heal()`). */
  buffer?: boolean
}

export interface KillOptions {
  /** Send a TCP RST (the client sees ECONNRESET) instead of a FIN (the client sees its peer end the stream). */
  reset?: boolean
}

export interface Proxy {
  /** The port the proxy listens on, on 127.0.0.1. */
  readonly port: number
  /** Open client connections (accepted and not yet closed). */
  readonly connections: number
  /** Whether a partition is in force. */
  readonly partitioned: boolean
  /** Returns `databaseUrl` (a postgres:// URL) rewritten to connect through the proxy. */
  url (databaseUrl: string): string
  /** Stops forwarding bytes both ways on every connection, open or new; see the file's summary for drop vs buffer. */
  partition (options?: PartitionOptions): void
  /** Ends the partition: forwards again; destroys the connections a dropping partition broke. */
  heal (): void
  /** Destroys every open connection on both sides, as a server restart or failover looks to the client. */
  killAll (options?: KillOptions): void
  /** Destroys every connection and stops listening. */
  close (): Promise<void>
}

type Mode = 'forward' | 'drop' | 'buffer'

interface Link {
  client: net.Socket
  upstream: net.Socket | undefined
  /** Lost bytes to a dropping partition: the stream cannot be resumed. */
  broken: boolean
}

function discard (): void {}

/**
 * Starts a proxy on 127.0.0.1 (a free port) forwarding to `target`.
 * Returns once it listens; rejects if it cannot listen.
 */
export async function startProxy ({ target }: ProxyOptions): Promise<Proxy> {
  const links = new Set<Link>()
  let mode: Mode = 'forward'

  function destroy (link: Link, reset = false): void {
    links.delete(link)
    if (reset && !link.client.destroyed) link.client.resetAndDestroy()
    else link.client.destroy()
    link.upstream?.destroy()
  }

  // puts one link in the current mode, from whatever mode it was in
  function apply (link: Link): void {
    const { client, upstream } = link
    client.removeListener('data', discard)
    upstream?.removeListener('data', discard)
    if (upstream !== undefined) {
      client.unpipe(upstream)
      upstream.unpipe(client)
    }
    if (mode === 'forward') {
      if (upstream === undefined) return connectUpstream(link)
      client.pipe(upstream)
      upstream.pipe(client)
    } else if (mode === 'buffer') {
      client.pause()
      upstream?.pause()
    } else {
      link.broken = true
      // a 'data' listener does not restart a paused stream: resume() does
      client.on('data', discard).resume()
      upstream?.on('data', discard).resume()
    }
  }

  function connectUpstream (link: Link): void {
    const upstream = net.connect(target)
    link.upstream = upstream
    upstream.on('error', () => destroy(link))
    upstream.on('close', () => destroy(link))
    apply(link)
  }

  const server = net.createServer((client) => {
    const link: Link = { client, upstream: undefined, broken: false }
    links.add(link)
    client.setNoDelay(true)
    client.on('error', () => destroy(link))
    client.on('close', () => destroy(link))
    apply(link)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.removeListener('error', reject)
      resolve()
    })
  })
  const port = (server.address() as net.AddressInfo).port

  return {
    port,
    get connections () { return links.size },
    get partitioned () { return mode !== 'forward' },
    url (databaseUrl) {
      const url = new URL(databaseUrl)
      url.hostname = '127.0.0.1'
      url.port = String(port)
      // a host in the query string (a Unix socket directory) would win over the URL's host
      url.searchParams.delete('host')
      return url.href
    },
    partition ({ buffer = false } = {}) {
      mode = buffer ? 'buffer' : 'drop'
      for (const link of links) apply(link)
    },
    heal () {
      mode = 'forward'
      for (const link of links) {
        if (link.broken) destroy(link)
        else apply(link)
      }
    },
    killAll ({ reset = false } = {}) {
      for (const link of links) destroy(link, reset)
    },
    async close () {
      for (const link of links) destroy(link)
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}
