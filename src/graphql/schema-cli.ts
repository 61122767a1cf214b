// npm run schema: writes schema.graphql from the code.
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printApiSchema } from './schema';

printApiSchema()
  .then((sdl) => {
    const target = join(process.cwd(), 'schema.graphql');
    writeFileSync(target, sdl);
    console.log(`wrote ${target}`);
  })
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
