// npm run token -- --user <uuid> --role ADMIN [--ttl 3600] [--no-create]: prints a development
// bearer token signed with JWT_SECRET (HS256). Outside production the user it names is created in
// DATABASE_URL's database when missing (role as given, email dev-<role>-<uuid>@example.invalid), so
// the token works for `{ me }` at once; what happened is said on stderr, the token alone on stdout.
import { SignJWT } from 'jose';
import { loadConfig } from '../config/env';
import { limits } from '../config/limits';
import { ROLES, type Role } from '../db/entities/types';
import { ensureDevUser } from './dev-user';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export async function signToken(secret: string, userId: string, role: Role, ttlSeconds: number): Promise<string> {
  return new SignJWT({ role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(new TextEncoder().encode(secret));
}

async function main(): Promise<void> {
  const config = loadConfig();
  const user = arg('user');
  const role = (arg('role') ?? 'USER').toUpperCase() as Role;
  const ttl = Number(arg('ttl') ?? limits.devTokenTtlSecondsDefault);
  if (!user || !/^[0-9a-f-]{36}$/i.test(user) || !ROLES.includes(role) || !Number.isSafeInteger(ttl) || ttl <= 0) {
    console.error('usage: npm run token -- --user <user uuid> [--role USER|SERVICE|ADMIN] [--ttl seconds] [--no-create]');
    process.exit(2);
  }
  if (!config.jwtSecret) {
    console.error('JWT_SECRET is not set (tokens come from the identity provider behind JWT_JWKS_URL)');
    process.exit(2);
  }
  if (!process.argv.includes('--no-create')) {
    const outcome = await ensureDevUser(config, user.toLowerCase(), role);
    if (outcome.status === 'created') console.error(`created the development user ${user} (${outcome.role}, ${outcome.email})`);
    else if (outcome.status === 'skipped') console.error(`note: the user was not created: ${outcome.reason}`);
    else if (outcome.erased) console.error(`note: user ${user} was erased (GDPR); its token authenticates, but the account holds no personal data`);
    else if (outcome.role !== role) console.error(`note: user ${user} has the role ${outcome.role}; this token claims ${role}`);
  }
  console.log(await signToken(config.jwtSecret, user, role, ttl));
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
