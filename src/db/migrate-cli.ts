// npm run migrate: creates the database when allowed and applies pending migrations.
import 'reflect-metadata';
import { loadConfig } from '../config/env';
import { createOrm, ensureDatabase, migrate } from './orm';

async function main(): Promise<void> {
  const config = loadConfig();
  if (config.databaseCreate) await ensureDatabase(config.databaseUrl);
  const orm = await createOrm({ databaseUrl: config.databaseUrl, poolMax: 2 });
  try {
    const applied = await migrate(orm);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
  } finally {
    await orm.close(true);
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
