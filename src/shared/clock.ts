/**
 * Where "now" comes from. In production the database is the single clock (null → the ledger
 * functions use statement_timestamp()), so several processes never disagree about expiry.
 * Tests pass a controlled clock to move through TTLs and periods.
 */
export interface Clock {
  now(): Date | null;
}

export const databaseClock: Clock = { now: () => null };

export class ManualClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current.getTime());
  }
  set(at: Date): void {
    this.current = new Date(at.getTime());
  }
  advanceSeconds(seconds: number): void {
    this.current = new Date(this.current.getTime() + seconds * 1000);
  }
}
