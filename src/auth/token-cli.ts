// npm run token -- --user <uuid> --role ADMIN [--ttl 3600]: prints a development bearer token
// signed with JWT_SECRET (HS256).
import { SignJWT } from 'jose';
import { loadConfig } from '../config/env';
import { limits } from '../config/limits';
import { ROLES, type Role } from '../db/entities/types';

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
    console.error('usage: npm run token -- --user <user uuid> [--role USER|SERVICE|ADMIN] [--ttl seconds]');
    process.exit(2);
  }
  if (!config.jwtSecret) {
    console.error('JWT_SECRET is not set (tokens come from the identity provider behind JWT_JWKS_URL)');
    process.exit(2);
  }
  console.log(await signToken(config.jwtSecret, user, role, ttl));
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
