// How node-postgres connects (TLS, the URL it is given), apart from the ORM so that small command-line
// tools (npm run token) connect without loading MikroORM.
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { DatabaseTls } from '../config/env';

/**
 * node-postgres TLS options with libpq's meanings of sslmode (pg itself reads "require" as
 * "verify-full", and MikroORM drops the URL's parameters): require = encrypted, and verified
 * against the CA only when one is given (as libpq does with a root certificate); verify-ca = signed
 * by the CA, any host name; verify-full = signed by the CA (or a system CA) for this host name.
 */
export function pgSsl(tls: DatabaseTls | undefined): false | TlsOptions {
  if (!tls || tls.mode === 'disable') return false;
  const ca = tls.ca ?? undefined;
  if (tls.mode === 'require' && !ca) return { rejectUnauthorized: false };
  if (tls.mode === 'verify-full') return { ca, rejectUnauthorized: true };
  return { ca, rejectUnauthorized: true, checkServerIdentity: () => undefined };
}

/** The URL without libpq's TLS parameters: TLS is set from pgSsl(), never guessed by the driver. */
export function withoutTlsParams(url: string): string {
  const u = new URL(url);
  for (const p of ['sslmode', 'ssl', 'sslrootcert', 'sslcert', 'sslkey', 'uselibpqcompat']) u.searchParams.delete(p);
  return u.toString();
}
