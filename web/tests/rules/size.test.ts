/// <reference types="node" />
/**
 * What the rules module weighs in the browser: built by Vite (minified, ES module) with ajv,
 * ajv-formats and the bundle of forms/, gzipped. The issue's budget for the app's own JS is
 * 300 KB gzipped; the validator may take at most a third of it.
 */

import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

import { build } from 'vite';
import { expect, it } from 'vitest';


/** Most gzipped bytes the validator with the forms may weigh. */
const BUDGET = 100 * 1024;

it(`the validator with forms/ weighs under ${BUDGET / 1024} KB gzipped`, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rules-size-'));
  try {
    const entry = join(dir, 'entry.ts');
    const rules = resolve(__dirname, '../../src/rules');
    writeFileSync(
      entry,
      `import { browserCatalogue } from ${JSON.stringify(`${rules}/bundled.ts`)};\nimport { validate } from ${JSON.stringify(`${rules}/index.ts`)};\nexport const catalogue = browserCatalogue();\nexport { validate };\n`,
    );
    await build({
      configFile: false,
      logLevel: 'silent',
      root: resolve(__dirname, '../..'),
      build: { outDir: join(dir, 'out'), minify: true, lib: { entry, formats: ['es'], fileName: 'rules' } },
    });
    const files = readdirSync(join(dir, 'out')).filter((f) => f.endsWith('js'));
    const bytes = files.map((f) => readFileSync(join(dir, 'out', f)));
    const raw = bytes.reduce((sum, b) => sum + b.length, 0);
    const gz = bytes.reduce((sum, b) => sum + gzipSync(b, { level: 9 }).length, 0);
    console.log(`rules module with forms/: ${raw} bytes, ${gz} gzipped`);
    expect(gz).toBeGreaterThan(10 * 1024);
    expect(gz).toBeLessThan(BUDGET);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
