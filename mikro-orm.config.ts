// Configuration for the MikroORM CLI (npx mikro-orm …). The service builds the same options in
// src/db/orm.ts from the validated environment.
import 'reflect-metadata';
import { loadConfig } from './src/config/env';
import { ormOptions } from './src/db/orm';

const config = loadConfig();

export default ormOptions({ databaseUrl: config.databaseUrl, poolMax: config.databasePoolMax });
