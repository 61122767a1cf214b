// TLS on the wires: a Redis of the test's own that speaks only TLS (certificates made by openssl for
// this run), and Postgres asked for TLS by sslmode. The service's every Redis connection (commands,
// live updates, queues, workers) goes through REDIS_TLS_CA; sslmode reaches the driver.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import Redis from 'ioredis';
import WebSocket from 'ws';
import { DEV_JWT_SECRET } from '../../src/config/env';
import { signToken } from '../../src/auth/token-cli';
import { must, Q } from '../support/http-client';
import { scrapeMetrics } from '../support/metrics';
import { startProcess, type ServiceProcess } from '../support/processes';
import { createTestDb, type TestDb } from '../support/test-db';
import { until } from '../support/wait';

let dir: string;
let redis: ChildProcess;
let redisPort: number;
let tlsRedis: Redis;
let db: TestDb;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vp-tls-'));
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=vp test CA');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'ext.cnf',
  );
  redisPort = await freePort();
  // TLS only: the plain port is off
  redis = spawn(
    'redis-server',
    [
      '--port',
      '0',
      '--tls-port',
      String(redisPort),
      '--bind',
      '127.0.0.1',
      '--tls-cert-file',
      join(dir, 'server.pem'),
      '--tls-key-file',
      join(dir, 'server.key'),
      '--tls-ca-cert-file',
      join(dir, 'ca.pem'),
      '--tls-auth-clients',
      'no',
      '--save',
      '',
      '--appendonly',
      'no',
    ],
    { stdio: 'ignore' },
  );
  const probe = new Redis(redisPort, '127.0.0.1', {
    tls: { ca: readFileSync(join(dir, 'ca.pem'), 'utf8') },
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => undefined);
  await until('the TLS Redis', async () => {
    try {
      if (probe.status !== 'ready') await probe.connect();
      return (await probe.ping()) === 'PONG';
    } catch {
      return false;
    }
  });
  tlsRedis = probe;
  db = await createTestDb(2);
}, 60_000);
afterAll(async () => {
  tlsRedis?.disconnect();
  redis?.kill('SIGTERM');
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('TLS to Redis', () => {
  it('runs API, live updates, queues and workers over rediss:// with the CA of REDIS_TLS_CA', async () => {
    const svc: ServiceProcess = await startProcess('all', {
      DATABASE_URL: db.url,
      DATABASE_POOL_MAX: '4',
      SWEEP_INTERVAL_MS: '200',
      REDIS_URL: `rediss://127.0.0.1:${redisPort}`,
      REDIS_TLS_CA: join(dir, 'ca.pem'),
    });
    try {
      const ready = await fetch(`http://127.0.0.1:${svc.port}/readyz`);
      expect(await ready.json()).toMatchObject({ ready: true, checks: { redis: 'ok', postgres: 'ok', migrations: 'ok' } });
      const admin = await signToken(DEV_JWT_SECRET, randomUUID(), 'ADMIN', 600);
      const d = await must(svc.port, admin, Q.createUser, { i: { email: `tls-${randomUUID()}@example.com` } });
      const userId = d.createUser.user.id as string;
      // a live update travels through the TLS Redis's pub/sub
      const seen: number[] = [];
      const client = createClient({
        url: `ws://127.0.0.1:${svc.port}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${admin}` },
        retryAttempts: 0,
        lazy: false,
        onNonLazyError: () => undefined,
      });
      client.subscribe(
        { query: 'subscription($u: ID) { balanceChanged(userId: $u) { balanceSeconds } }', variables: { u: userId } },
        {
          next: (msg) => seen.push((msg.data as { balanceChanged: { balanceSeconds: number } }).balanceChanged.balanceSeconds),
          error: () => undefined,
          complete: () => undefined,
        },
      );
      await until('subscribed in Redis', async () => Number(((await tlsRedis.pubsub('NUMSUB', `BALANCE_CHANGED:${userId}`)) as [string, number])[1]) === 1);
      await must(svc.port, admin, Q.grant, { i: { userId, seconds: 60, source: 'BONUS', idempotencyKey: 'tls' } });
      await until('the live update', () => seen.includes(60));
      await client.dispose();
      // the job schedulers' ticks ran on the workers, through the same Redis
      const m = await until('a scheduled job done over TLS', async () => {
        const s = await scrapeMetrics(svc.port);
        return (s.value('vp_jobs_completed_total', { queue: 'holds' }) ?? 0) > 0 ? s : undefined;
      });
      expect(m.value('vp_queue_metrics_up')).toBe(1);
    } finally {
      expect(await svc.stop()).toBe(0);
    }
  });

  it("refuses to start with one line when the server's certificate is not signed by a trusted CA", async () => {
    const failed = startProcess('api', { DATABASE_URL: db.url, REDIS_URL: `rediss://127.0.0.1:${redisPort}` });
    await expect(failed).rejects.toThrow(
      /exited with 3:[\s\S]*Redis at 127\.0\.0\.1:\d+ refused the TLS connection \(self[- ]signed certificate.*\)\. Check REDIS_URL \(rediss:\/\/\) and REDIS_TLS_CA\./,
    );
  });
});

describe('TLS to Postgres', () => {
  // this machine's Postgres has no TLS: asking for it must fail, which shows sslmode reaches the driver
  it.each([
    ['when creating the database', { DATABASE_CREATE: 'true' }],
    ['when connecting the ORM', { DATABASE_CREATE: 'false' }],
  ])('asks for TLS when sslmode=require, and says so in one line %s', async (_when, extra) => {
    const failed = startProcess('api', { DATABASE_URL: `${db.url}?sslmode=require`, ...extra });
    await expect(failed).rejects.toThrow(
      /exited with 3:[\s\S]*Postgres at \S+ refused the TLS connection \(The server does not support SSL connections\)\. Check sslmode in DATABASE_URL and DATABASE_SSL_CA\./,
    );
  });
});
