// Builds one migrated template database per test run; every test file then copies it into a
// database of its own, so files run in parallel without seeing each other's rows.
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { MetadataStorage } from '@mikro-orm/core';
import { createOrm, migrate } from '../../src/db/orm';
import { dbUrl, TEMPLATE_DB, withAdmin } from './pg-admin';

export default async function globalSetup(): Promise<void> {
  // tests that run the service as separate processes start the built code
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(__dirname, '..', '..', 'tsconfig.json')], { stdio: 'inherit' });
  await withAdmin(async (c) => {
    await c.query(`drop database if exists ${TEMPLATE_DB} with (force)`);
    await c.query(`create database ${TEMPLATE_DB}`);
  });
  const orm = await createOrm({ databaseUrl: dbUrl(TEMPLATE_DB), poolMax: 2 });
  try {
    await migrate(orm);
  } finally {
    await orm.close(true);
    // Jest runs a single file in this same process: drop the entity metadata built here, or the
    // test realm would inherit objects from this realm (mikro-orm/mikro-orm#3783).
    MetadataStorage.clear();
  }
}
