require('/work/main/node_modules/reflect-metadata');
const { createOrm, ensureDatabase, migrate } = require('/work/main/dist/src/db/orm');
(async () => {
  const url = 'postgresql://postgres@127.0.0.1:5432/vp_scratch';
  await ensureDatabase(url);
  const orm = await createOrm({ databaseUrl: url, poolMax: 4 });
  console.log(await migrate(orm));
  await orm.close();
})().catch(e => { console.error(e); process.exit(1); });
