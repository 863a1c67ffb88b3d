/// <reference types="node" />
/**
 * Build-time side of the catalogue (Node only): reads `forms/` into one JSON bundle, and a
 * Vite plugin that serves it to the browser as the module `virtual:ravenstvo-forms`, so the
 * browser judges by the very files the server loads.
 */

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Plugin } from 'vite';

import type { FormsBundle } from './catalogue';

/** The files of `forms/` the validator needs (schemas, rules, regions), parsed, by path. */
export function readFormsBundle(dir: string): FormsBundle {
  const files: FormsBundle['files'] = {};
  const read = (relative: string) => {
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
  }
  return { files };
}

/** The id under which the bundle is imported: `import bundle from 'virtual:ravenstvo-forms'`. */
export const FORMS_MODULE = 'virtual:ravenstvo-forms';

/** A Vite plugin serving `readFormsBundle(dir)` as the module {@link FORMS_MODULE}. */
export function formsPlugin(dir: string): Plugin {
  const resolved = `\0${FORMS_MODULE}`;
  return {
    name: 'ravenstvo-forms',
    resolveId: (id) => (id === FORMS_MODULE ? resolved : undefined),
    load(id) {
      if (id !== resolved) return undefined;
      this.addWatchFile(dir);
      return `export default ${JSON.stringify(readFormsBundle(dir))};`;
    },
  };
}
