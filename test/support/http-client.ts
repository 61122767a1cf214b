// GraphQL over HTTP against a service process (test/support/processes.ts), as a client would.
import type { GqlResponse } from './api';

export async function gqlAt<T = Record<string, any>>( // eslint-disable-line @typescript-eslint/no-explicit-any
  port: number,
  token: string | null,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GqlResponse<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`http://127.0.0.1:${port}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  return { status: res.status, body: (await res.json()) as never };
}

/** The data of a mutation that must succeed: no top-level errors, no userErrors. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function must<T = Record<string, any>>(port: number, token: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const r = await gqlAt<T>(port, token, query, variables);
  if (r.body.errors?.length) throw new Error(JSON.stringify(r.body.errors));
  for (const v of Object.values(r.body.data ?? {})) {
    const errs = (v as { userErrors?: unknown[] } | null)?.userErrors;
    if (errs?.length) throw new Error(JSON.stringify(errs));
  }
  return r.body.data as T;
}

export const Q = {
  createUser: 'mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } userErrors { code } } }',
  grant: 'mutation($i: GrantCreditsInput!) { grantCredits(input: $i) { balance { balanceSeconds } userErrors { code } } }',
  record: 'mutation($i: RecordUsageInput!) { recordUsage(input: $i) { billedSeconds balance { balanceSeconds } userErrors { code } } }',
  reserve: 'mutation($i: ReserveCreditsInput!) { reserveCredits(input: $i) { reservation { id } userErrors { code } } }',
  extend: 'mutation($i: ExtendReservationInput!) { extendReservation(input: $i) { reservation { id reservedSeconds expiresAt } userErrors { code } } }',
  commit: 'mutation($i: CommitReservationInput!) { commitReservation(input: $i) { billedSeconds balance { balanceSeconds } userErrors { code } } }',
  checkout: 'mutation($i: CreateCheckoutSessionInput!) { createCheckoutSession(input: $i) { sessionId url userErrors { code } } }',
  balance: 'query($u: ID) { balance(userId: $u) { balanceSeconds reservedSeconds availableSeconds } }',
};
