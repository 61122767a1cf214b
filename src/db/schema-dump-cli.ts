// npm run db:dump: migrates a scratch database on DATABASE_URL's server, dumps its schema and writes
// it, normalised, to schema.sql (the file the schema-dump test compares against).
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { Client } from 'pg';
import { loadConfig } from '../config/env';
import { createOrm, migrate } from './orm';
import { dumpSchema, schemaDumpPath } from './schema-dump';

async function main(): Promise<void> {
  const config = loadConfig();
  const scratch = `vp_schema_dump_${process.pid}`;
  const admin = new URL(config.databaseUrl);
  admin.pathname = '/postgres';
  const target = new URL(config.databaseUrl);
  target.pathname = `/${scratch}`;
  const c = new Client({ connectionString: admin.toString() });
  await c.connect();
  try {
    await c.query(`create database ${scratch}`);
    try {
      const orm = await createOrm({ databaseUrl: target.toString(), poolMax: 2 });
      try {
        await migrate(orm);
      } finally {
        await orm.close(true);
      }
      const file = schemaDumpPath();
      const dump = await dumpSchema(target.toString());
      writeFileSync(file, dump);
      console.log(`wrote ${file} (${dump.split('\n').length} lines)`);
    } finally {
      await c.query(`drop database if exists ${scratch} with (force)`);
    }
  } finally {
    await c.end();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
