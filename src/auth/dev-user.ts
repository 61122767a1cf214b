// Development only: the user a development token names exists, so `{ me }` and everything else answer
// for it instead of FORBIDDEN "no longer exists". `npm run token` calls this outside production.
// Plain node-postgres (no ORM): the command stays fast.
import { Client } from 'pg';
import type { Config } from '../config/env';
import type { Role } from '../db/entities/types';
import { pgSsl, withoutTlsParams } from '../db/pg-options';

export type DevUserOutcome =
  { status: 'created'; email: string; role: Role } | { status: 'exists'; email: string; role: Role; erased: boolean } | { status: 'skipped'; reason: string };

/** The address a development user gets: nothing is ever sent to `.invalid` (RFC 2606). */
export const devUserEmail = (userId: string, role: Role) => `dev-${role.toLowerCase()}-${userId}@example.invalid`;

/**
 * Creates the user `userId` with `role` (and its balance row, as createUser does) unless it exists.
 * Never in production; a database that is not there yet or not migrated is reported, not created.
 */
export async function ensureDevUser(config: Pick<Config, 'nodeEnv' | 'databaseUrl' | 'databaseTls'>, userId: string, role: Role): Promise<DevUserOutcome> {
  if (config.nodeEnv === 'production') return { status: 'skipped', reason: 'NODE_ENV=production: users are created through createUser' };
  const url = new URL(config.databaseUrl);
  const where = `database "${decodeURIComponent(url.pathname.slice(1))}" on ${url.host}`;
  const client = new Client({ connectionString: withoutTlsParams(config.databaseUrl), ssl: pgSsl(config.databaseTls), connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    const email = devUserEmail(userId, role);
    const { rows: created } = await client.query<{ id: string }>(
      `with u as (insert into users (id, email, role) values ($1, $2, $3) on conflict do nothing returning id),
            b as (insert into credit_balances (user_id) select id from u)
       select id from u`,
      [userId, email, role],
    );
    if (created.length) return { status: 'created', email, role };
    const { rows } = await client.query<{ email: string; role: Role; erased: boolean }>(
      'select email, role, erased_at is not null as erased from users where id = $1',
      [userId],
    );
    if (!rows[0]) return { status: 'skipped', reason: `${email} belongs to another user in ${where}` };
    return { status: 'exists', ...rows[0] };
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === '3D000' || code === '42P01')
      return { status: 'skipped', reason: `${where} is not set up yet: start the service once (npm start), then run this again` };
    return { status: 'skipped', reason: `${where} is not reachable (${(err as Error).message})` };
  } finally {
    await client.end().catch(() => undefined);
  }
}
