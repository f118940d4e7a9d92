/**
 * Measures how long this process's event loop was blocked, so a test can assert that waiting
 * on a database never stalls every other request. Not a test file itself.
 */
import { performance } from 'node:perf_hooks'

export interface StallReport {
  /** The longest stall, in milliseconds: how much later than due the sampling timer ran at worst. */
  maxMs: number
  /** How many times the sampling timer ran. */
  samples: number
}

export interface StallMeter {
  /** Starts sampling (again, from zero). */
  start (): void
  /** Stops sampling and returns what it saw; counts a stall still going on at the call too. */
  stop (): StallReport
}

export interface StallOptions {
  /** How often to sample, in milliseconds (10): a stall is seen to within this. */
  intervalMs?: number
}

/**
 * Returns a meter of event loop stalls: a timer every `intervalMs` notes how late it runs (a
 * synchronous wait of 200 ms makes it about 200 ms late). `stop()` also counts the time since the
 * last sample, so `start(); busyWait(200); stop()` reports the stall though no timer could run.
 * The timer is unref'd: a forgotten meter never keeps the process alive.
 */
export function measureStalls ({ intervalMs = 10 }: StallOptions = {}): StallMeter {
  let timer: NodeJS.Timeout | undefined
  let last = 0
  let maxMs = 0
  let samples = 0

  const note = (now: number): void => {
    maxMs = Math.max(maxMs, now - last - intervalMs)
    last = now
  }

  function tick (): void {
    note(performance.now())
    samples++
    // one timeout at a time, due intervalMs after the previous one ran: lateness is the stall
    timer = setTimeout(tick, intervalMs).unref()
  }

  return {
    start () {
      clearTimeout(timer)
      maxMs = 0
      samples = 0
      last = performance.now()
      timer = setTimeout(tick, intervalMs).unref()
    },
    stop () {
      if (timer !== undefined) {
        clearTimeout(timer)
        timer = undefined
        note(performance.now())
      }
      return { maxMs: Math.max(0, maxMs), samples }
    }
  }
}
