// A database of the test file's own, copied from the migrated template, with an ORM on it.
import { randomBytes } from 'node:crypto';
import { createOrm, type Orm } from '../../src/db/orm';
import { dbUrl, FILE_DB_PREFIX, TEMPLATE_DB, withAdmin } from './pg-admin';

export interface TestDb {
  name: string;
  url: string;
  orm: Orm;
  /** A fresh entity manager, as a request or job would get. */
  em(): Orm['em'];
  /** Another ORM (its own connection pool) on the same database, e.g. a second process. */
  extraOrm(poolMax?: number): Promise<Orm>;
  close(): Promise<void>;
}

export async function createTestDb(poolMax = 8): Promise<TestDb> {
  const name = `${FILE_DB_PREFIX}${process.pid}_${randomBytes(4).toString('hex')}`;
  for (let attempt = 0; ; attempt++) {
    try {
      await withAdmin((c) => c.query(`create database ${name} template ${TEMPLATE_DB}`));
      break;
    } catch (err) {
      // "source database is being accessed by other users": another file copies it right now
      if ((err as { code?: string }).code !== '55006' || attempt > 50) throw err;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
    }
  }
  const url = dbUrl(name);
  const orm = await createOrm({ databaseUrl: url, poolMax });
  const extras: Orm[] = [];
  return {
    name,
    url,
    orm,
    em: () => orm.em.fork(),
    async extraOrm(max = poolMax) {
      const o = await createOrm({ databaseUrl: url, poolMax: max });
      extras.push(o);
      return o;
    },
    async close() {
      for (const o of extras) await o.close(true);
      await orm.close(true);
      await withAdmin((c) => c.query(`drop database if exists ${name} with (force)`));
    },
  };
}
