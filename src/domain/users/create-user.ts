// Creates a user together with the head row of their ledger, in one statement, so every user has
// a balance to lock from the first moment.
import { limits } from '../../config/limits';
import { ROLES, type Role } from '../../db/entities/types';
import { ErrorCode, fail, type Result } from '../../shared/errors';
import type { Em } from '../../db/em';
import { asDate } from '../../shared/time';
import { withTransaction } from '../../db/transaction';
import { writeAudit, type Actor } from '../audit/audit';

export interface CreateUserInput {
  email: string;
  role?: Role;
  timeZone?: string;
}

export interface UserView {
  id: string;
  email: string;
  role: Role;
  timeZone: string;
  createdAt: Date;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Given an actor (an admin or service by hand), the new user and the audit entry commit together. */
export async function createUser(deps: { em: Em; actor?: Actor }, input: CreateUserInput): Promise<Result<UserView>> {
  const email = typeof input.email === 'string' ? input.email.trim() : '';
  if (email.length > limits.emailLengthMax || !EMAIL.test(email)) return fail(ErrorCode.INVALID_EMAIL, 'email');
  const role = input.role ?? 'USER';
  if (!ROLES.includes(role)) return fail(ErrorCode.INVALID_ARGUMENT, 'role');
  const timeZone = input.timeZone ?? 'Europe/Berlin';
  if (typeof timeZone !== 'string' || timeZone.length > 64 || !validTimeZone(timeZone)) {
    return fail(ErrorCode.INVALID_ARGUMENT, 'timeZone');
  }
  try {
    const u = await withTransaction(deps.em, async (tx) => {
      const [row] = await tx.query<{ id: string; email: string; role: Role; time_zone: string; created_at: string | Date }>(
        `with u as (insert into users (email, role, time_zone) values ($1, $2, $3) returning *),
              b as (insert into credit_balances (user_id) select id from u)
         select id, email, role, time_zone, created_at from u`,
        [email, role, timeZone],
      );
      // the email stays out of the audit log (append-only, and erasure must leave no personal data)
      if (deps.actor) await writeAudit(tx, { actor: deps.actor, action: 'USER_CREATED', targetUserId: row!.id, after: { userId: row!.id, role } });
      return row!;
    });
    return { ok: true, value: { id: u.id, email: u.email, role: u.role, timeZone: u.time_zone, createdAt: asDate(u.created_at) } };
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === '23505') return fail(ErrorCode.EMAIL_TAKEN, 'email');
    throw err;
  }
}
