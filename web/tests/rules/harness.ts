/// <reference types="node" />
/** Shared by the rules tests: the catalogue from the repository's forms/, and the Rust CLI. */

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { loadCatalogue, type Json, type Report } from '../../src/rules';
import { readFormsBundle } from '../../src/rules/formsBundle';

const here = dirname(fileURLToPath(import.meta.url));

/** The repository's forms/ folder. */
export const FORMS_DIR = resolve(here, '../../../forms');

/** The catalogue the browser would load, built from forms/. */
export const catalogue = loadCatalogue(readFormsBundle(FORMS_DIR));

/** One example document: its file name, form, region and content. */
export interface Example {
  name: string;
  form: string;
  region: string;
  /** The municipality whose own set also applies (`<form>.<region>.<municipality>.<verdict>…`). */
  municipality?: string;
  document: Json;
}

const VERDICTS = ['valid', 'invalid', 'warning'];

/** Every example in forms/examples, sorted by name. */
export function examples(): Example[] {
  const dir = join(FORMS_DIR, 'examples');
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => {
      const [form, region, third] = name.split('.');
      const municipality = VERDICTS.includes(third) ? undefined : third;
      return { name, form, region, municipality, document: JSON.parse(readFileSync(join(dir, name), 'utf8')) as Json };
    });
}

/** The built `ravenstvo` binary (RAVENSTVO_BIN, or the workspace's target/debug). */
export function ravenstvoBinary(): string {
  const bin = process.env.RAVENSTVO_BIN ?? resolve(here, '../../../target/debug/ravenstvo');
  if (!existsSync(bin)) throw new Error(`${bin} не найден: соберите его (cargo build -p ravenstvo-cli)`);
  return bin;
}

/** The Rust CLI's reports on many documents, in one process (`validate --format json-lines`). */
export function rustReports(cases: { form: string; region: string; municipality?: string; document: Json }[]): Report[] {
  const input = cases.map(({ form, region, municipality, document }) => JSON.stringify({ form, region, municipality, document })).join('\n') + '\n';
  let stdout: string;
  try {
    stdout = execFileSync(ravenstvoBinary(), ['--forms-dir', FORMS_DIR, 'validate', '--format', 'json-lines', '-'], {
      input,
      maxBuffer: 1 << 30,
      encoding: 'utf8',
    });
  } catch (error) {
    const failed = error as { status?: number; stdout?: string; stderr?: string };
    // Exit 1 means some document is invalid: its reports are still on stdout.
    if (failed.status !== 1 || failed.stdout === undefined) throw new Error(`ravenstvo: ${failed.stderr}`);
    stdout = failed.stdout;
  }
  const lines = stdout.trim().split('\n');
  return lines.map((line, i) => {
    const verdict = JSON.parse(line) as { line: number; report?: Report; error?: string };
    if (!verdict.report) throw new Error(`строка ${i + 1}: ${verdict.error}`);
    return verdict.report;
  });
}
