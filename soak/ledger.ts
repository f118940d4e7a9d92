/**
 * What the soak test's answers say the database holds: for each author it created, the states
 * the row may be in. A definite answer (201, 200, 204, 404) makes it one state; a 503 on a write
 * adds the state the write would have made (its outcome is unknown: it may have been committed
 * before the answer was lost, or land later, once a lock is released), and the row is left alone
 * from then on. At the end the database must hold, for every author, one of its states, and
 * nothing else.
 */

/** What a write sets on an author (the name never changes: it is the row's identity here). */
export interface AuthorState {
  title: string | null
  birthDate: string | null
}

/** A row's state, or `null` for no row. */
export type Possible = AuthorState | null

interface Entry {
  id?: number
  possible: Possible[]
  /** A write got no definite answer: the row is no longer touched, and any of `possible` may be stored. */
  doubtful: boolean
}

const same = (a: Possible, b: Possible): boolean => a === b || (a !== null && b !== null && a.title === b.title && a.birthDate === b.birthDate)
const show = (state: Possible): string => JSON.stringify(state)

/** The authors the answers told of, by name. */
export class Ledger {
  private readonly entries = new Map<string, Entry>()
  /** Problems found along the way: a read that no answer explains. */
  readonly problems: string[] = []
  notesCreated = 0
  notesInDoubt = 0

  /** A create answered 201 (`id`), or 503 (no id: the row may or may not exist). */
  created (name: string, state: AuthorState, id?: number): void {
    this.entries.set(name, id === undefined ? { possible: [null, state], doubtful: true } : { id, possible: [state], doubtful: false })
  }

  /** A definite answer about the row: read (200, or 404 as `null`), written (200) or deleted (204). */
  settled (name: string, state: Possible, { read = false } = {}): void {
    const entry = this.entries.get(name)!
    if (read && !entry.possible.some((p) => same(p, state))) {
      this.problems.push(`author "${name}": read ${show(state)}, but the answers allow only ${entry.possible.map(show).join(' or ')}`)
    }
    if (!entry.doubtful) entry.possible = [state]
  }

  /** A write answered 503: the row may now also be in `state`; it is left alone from now on. */
  doubted (name: string, state: Possible): void {
    const entry = this.entries.get(name)!
    if (!entry.possible.some((p) => same(p, state))) entry.possible.push(state)
    entry.doubtful = true
  }

  /** A partial update answered 503: the row may now also be in each of its states with `change` applied. */
  doubtedChange (name: string, change: Partial<AuthorState>): void {
    for (const state of [...this.entries.get(name)!.possible]) if (state !== null) this.doubted(name, { ...state, ...change })
  }

  /** Whether the row is still worked on (no write in doubt). */
  usable (name: string): boolean {
    return this.entries.get(name)?.doubtful === false
  }

  /** The number of authors, and of those in doubt. */
  counts (): { authors: number, doubtful: number } {
    let doubtful = 0
    for (const entry of this.entries.values()) if (entry.doubtful) doubtful++
    return { authors: this.entries.size, doubtful }
  }

  /**
   * Compares the database's authors (every row) and sticky notes (a count) with the answers;
   * returns every mismatch: a row in a state no answer allows, a row no answer created, a
   * confirmed row missing, a note count outside what the answers allow.
   */
  compare (rows: ReadonlyArray<{ id: number, name: string, title: string | null, birthDate: string | null }>, notes: number): string[] {
    const problems: string[] = []
    const byName = new Map(rows.map((row) => [row.name, row]))
    for (const [name, entry] of this.entries) {
      const row = byName.get(name)
      byName.delete(name)
      const stored: Possible = row === undefined ? null : { title: row.title, birthDate: row.birthDate }
      if (!entry.possible.some((p) => same(p, stored))) problems.push(`author "${name}": stored ${show(stored)}, but the answers allow only ${entry.possible.map(show).join(' or ')}`)
      if (row !== undefined && entry.id !== undefined && row.id !== entry.id) problems.push(`author "${name}": stored with id ${row.id}, created as ${entry.id}`)
    }
    for (const name of byName.keys()) problems.push(`author ${JSON.stringify(name)} is stored, but no answer created it`)
    if (notes < this.notesCreated || notes > this.notesCreated + this.notesInDoubt) {
      problems.push(`${notes} sticky notes stored; the answers confirmed ${this.notesCreated} and left ${this.notesInDoubt} in doubt`)
    }
    return problems
  }
}
