// A second instance on a port that is taken does not pretend to run: it exits 1 with one line that
// names the port, before any worker starts (Express 5 hands the listen error to app.listen's
// callback, which used to start the rest of the service on a port it did not hold).
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Redis from 'ioredis';
import { startProcess, type ServiceProcess } from '../support/processes';
import { createTestDb, type TestDb } from '../support/test-db';
import { until } from '../support/wait';

const MAIN = join(__dirname, '..', '..', 'dist', 'src', 'main.js');

let db: TestDb;
let redis: Redis;
let first: ServiceProcess;
let squatter: Server;
let squatted: number;

beforeAll(async () => {
  db = await createTestDb(2);
  redis = new Redis('redis://127.0.0.1:6379');
  first = await startProcess('all', { DATABASE_URL: db.url, DATABASE_POOL_MAX: '4', QUEUE_PREFIX: `vp-${db.name}-first` });
  squatter = createServer();
  await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
  squatted = (squatter.address() as { port: number }).port;
}, 60_000);
afterAll(async () => {
  await first?.stop();
  await new Promise((resolve) => squatter?.close(resolve));
  for (const suffix of ['first', 'second-all', 'second-api', 'second-worker']) {
    const keys = await redis.keys(`vp-${db.name}-${suffix}:*`);
    if (keys.length) await redis.unlink(...keys);
  }
  redis?.disconnect();
  await db?.close();
});

/** Runs the built service until it exits — or until it claims to listen, which is the bug. */
function runSecond(role: 'all' | 'api' | 'worker', env: Record<string, string>): Promise<{ code: number | null; lines: string[]; claimedToListen: boolean }> {
  const child = spawn(process.execPath, [MAIN, role], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: '0',
      WORKER_PORT: '0',
      DATABASE_URL: db.url,
      DATABASE_POOL_MAX: '2',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  return new Promise((resolve) => {
    let claimedToListen = false;
    const kill = setTimeout(() => child.kill('SIGKILL'), 30_000); // a hang fails below (no exit code 1), never the run
    const onLine = (line: string) => {
      lines.push(line);
      if (line.includes('http server listening')) {
        claimedToListen = true;
        child.kill('SIGKILL');
      }
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    child.once('exit', (code) => {
      clearTimeout(kill);
      // let readline hand over the last lines
      setImmediate(() => resolve({ code, lines, claimedToListen }));
    });
  });
}

const schedulerKeys = async (prefix: string) => (await redis.keys(`${prefix}:*`)).length;

it('the running instance started its workers: their job schedulers are in Redis (what the checks below look for)', async () => {
  // role all announces its port before its workers start
  expect(await until("the first instance's schedulers", async () => (await schedulerKeys(`vp-${db.name}-first`)) || false)).toBeGreaterThan(0);
});

it('a second instance (api and workers) on the port of a running one exits 1 with one line naming the port, and starts no worker', async () => {
  const prefix = `vp-${db.name}-second-all`;
  const r = await runSecond('all', { PORT: String(first.port), QUEUE_PREFIX: prefix });
  expect(r.claimedToListen).toBe(false);
  expect(r.code).toBe(1);
  const naming = r.lines.filter((l) => l.includes(String(first.port)));
  expect(naming).toHaveLength(1);
  expect(naming[0]).toMatch(new RegExp(`127\\.0\\.0\\.1:${first.port}.*in use.*PORT`));
  expect(r.lines).toHaveLength(1);
  expect(await schedulerKeys(prefix)).toBe(0);
  // the first instance still answers
  expect((await fetch(`http://127.0.0.1:${first.port}/healthz`)).status).toBe(200);
});

it('an api on a port held by another program exits 1 with one line naming the port', async () => {
  const r = await runSecond('api', { PORT: String(squatted), QUEUE_PREFIX: `vp-${db.name}-second-api` });
  expect(r.claimedToListen).toBe(false);
  expect(r.code).toBe(1);
  expect(r.lines).toHaveLength(1);
  expect(r.lines[0]).toMatch(new RegExp(`127\\.0\\.0\\.1:${squatted}.*in use.*PORT`));
});

it('a worker whose WORKER_PORT is taken exits 1 with one line naming WORKER_PORT, and starts no worker', async () => {
  const prefix = `vp-${db.name}-second-worker`;
  const r = await runSecond('worker', { WORKER_PORT: String(squatted), QUEUE_PREFIX: prefix });
  expect(r.claimedToListen).toBe(false);
  expect(r.code).toBe(1);
  expect(r.lines).toHaveLength(1);
  expect(r.lines[0]).toMatch(new RegExp(`127\\.0\\.0\\.1:${squatted}.*in use.*WORKER_PORT`));
  expect(await schedulerKeys(prefix)).toBe(0);
});

it('API processes under a supervisor (API_PROCESSES=2) on a taken port: the supervisor exits 1 instead of forking them again', async () => {
  const r = await runSecond('api', { PORT: String(squatted), API_PROCESSES: '2', QUEUE_PREFIX: `vp-${db.name}-second-api` });
  expect(r.claimedToListen).toBe(false);
  expect(r.code).toBe(1);
  const refusals = r.lines.filter((l) => l.includes(String(squatted)));
  expect(refusals.length).toBeGreaterThanOrEqual(1);
  expect(refusals.length).toBeLessThanOrEqual(2); // one line per process, never a loop of them
  for (const l of refusals) expect(l).toMatch(new RegExp(`127\\.0\\.0\\.1:${squatted}.*in use.*PORT`));
  expect(r.lines.some((l) => l.includes('an API process died'))).toBe(false);
});
