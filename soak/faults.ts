/**
 * The faults the soak test injects, one after another, per dialect: PostgreSQL connections
 * ended by the server (idle, then in every state while If-Match writes run), a network partition
 * that drops every byte, a brief outage that holds them, a failover resetting every connection,
 * and a table locked by another writer past dbTimeout; SQLite's write lock held by another
 * process past dbTimeout and under it.
 */
import pg from 'pg'
import type { PgFaults } from '../test/helpers/pg-faults.ts'
import { holdWriteLock } from '../test/helpers/sqlite-locker.ts'
import type { Proxy } from '../test/helpers/tcp-proxy.ts'

/** One fault: when it starts (ms after the traffic starts) and what it does until it is over. */
export interface Fault {
  name: string
  at: number
  run: () => Promise<void>
}

/** A fault as it happened: its window, in ms since the traffic started. */
export interface FaultWindow {
  name: string
  from: number
  to: number
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** When faults come: after `warmUp` ms of traffic; the run goes on `calm` ms after the last one is over. */
export interface FaultPlan {
  faults: Fault[]
  warmUp: number
  calm: number
}

/** The PostgreSQL schedule: 3 s of warm-up, faults until about 13.5 s, 4 s of calm. */
export function pgFaultPlan ({ proxy, faults, applicationName, databaseUrl }: { proxy: Proxy, faults: PgFaults, applicationName: string, databaseUrl: string }): FaultPlan {
  return {
    warmUp: 3000,
    calm: 4000,
    faults: [
      { name: 'idle connections ended by the server', at: 3000, run: async () => { await faults.terminateBackends({ applicationName, state: 'idle' }) } },
      {
        name: 'connections in every state (If-Match writes in their transactions) ended, every 250 ms for 1.5 s',
        at: 4000,
        run: async () => {
          for (let i = 0; i < 6; i++) {
            await faults.terminateBackends({ applicationName })
            await sleep(250)
          }
        }
      },
      { name: 'network partition dropping every byte, 2 s', at: 6000, run: async () => { proxy.partition(); await sleep(2000); proxy.heal() } },
      { name: 'brief outage holding every byte, 1.2 s', at: 8500, run: async () => { proxy.partition({ buffer: true }); await sleep(1200); proxy.heal() } },
      { name: 'failover: every connection reset', at: 10_500, run: async () => { proxy.killAll({ reset: true }) } },
      {
        name: 'authors locked by another writer, 2 s',
        at: 11_500,
        run: async () => {
          const locker = new pg.Client({ connectionString: databaseUrl, application_name: 'ffr-soak-locker' })
          locker.on('error', () => {})
          await locker.connect()
          try {
            await locker.query('BEGIN')
            await locker.query('LOCK TABLE authors IN EXCLUSIVE MODE')
            await sleep(2000)
            await locker.query('ROLLBACK')
          } finally {
            await locker.end()
          }
        }
      }
    ]
  }
}

/** The SQLite schedule: 2.5 s of warm-up, faults until about 9 s (a lock holder takes a moment to start), 3.5 s of calm. */
export function sqliteFaultPlan ({ file }: { file: string }): FaultPlan {
  const hold = (ms: number) => async (): Promise<void> => {
    const lock = holdWriteLock(file, { ms })
    await lock.held
    await lock.released
  }
  return {
    warmUp: 2500,
    calm: 3500,
    faults: [
      { name: 'write lock held by another process, 2 s', at: 2500, run: hold(2000) },
      { name: 'write lock held by another process, 0.3 s (under dbTimeout), three times', at: 5000, run: async () => { for (let i = 0; i < 3; i++) { await hold(300)(); await sleep(200) } } },
      { name: 'write lock held by another process, 2 s, again', at: 7000, run: hold(2000) }
    ]
  }
}

/** Runs the faults at their times, one after another; resolves with their windows once the last is over. */
export async function injectFaults (faults: readonly Fault[], started: number): Promise<FaultWindow[]> {
  const windows: FaultWindow[] = []
  for (const fault of faults) {
    const wait = fault.at - (performance.now() - started)
    if (wait > 0) await sleep(wait)
    const from = performance.now() - started
    await fault.run()
    windows.push({ name: fault.name, from, to: performance.now() - started })
  }
  return windows
}
