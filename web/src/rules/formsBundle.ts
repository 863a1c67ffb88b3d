/// <reference types="node" />
/**
 * `forms/` read from disk into a bundle (Node only): what the tests and tools load, the same
 * files `bundled.ts` has Vite build into the app.
 */

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import type { FormsBundle } from './catalogue';

/** The files of `forms/` the validator needs (schemas, rules, regions, municipalities), parsed, by path. */
export function readFormsBundle(dir: string): FormsBundle {
  const files: FormsBundle['files'] = {};
  const read = (relative: string) => {
    // A place's identification method is the server's and the CLI's, not validation's.
    if (relative.endsWith('/identification.json')) return;
    files[relative] = JSON.parse(readFileSync(join(dir, relative), 'utf8'));
  };
  for (const name of readdirSync(dir).sort()) {
    if (name.endsWith('.schema.json') || name.endsWith('.rules.json')) read(name);
  }
  const regions = join(dir, 'regions');
  for (const region of readdirSync(regions).sort()) {
    if (!statSync(join(regions, region)).isDirectory()) continue;
    for (const name of readdirSync(join(regions, region)).sort()) {
      if (name.endsWith('.json')) read(`regions/${region}/${name}`);
    }
    const municipalities = join(regions, region, 'municipalities');
    if (!existsSync(municipalities)) continue;
    for (const municipality of readdirSync(municipalities).sort()) {
      for (const name of readdirSync(join(municipalities, municipality)).sort()) {
        if (name.endsWith('.json')) read(`regions/${region}/municipalities/${municipality}/${name}`);
      }
    }
  }
  return { files };
}
