/**
 * The catalogue as the app gets it: the files of the repository's `forms/` that validation
 * needs, bundled into the app at build time by Vite (`import.meta.glob`), so the browser judges
 * by the very files the server loads, with no network.
 */

import { type Catalogue, type FormsBundle, loadCatalogue } from './catalogue';

const FORMS = '../../../forms/';

const files = import.meta.glob(
  ['../../../forms/*.schema.json', '../../../forms/*.rules.json', '../../../forms/regions/*/*.json', '../../../forms/regions/*/municipalities/*/*.json',
    // A place's method of identifying schools is the server's and the CLI's, not validation's.
    '!../../../forms/regions/**/identification.json'],
  {
    eager: true,
    import: 'default',
  },
);

/** The bundled files of `forms/`, by path relative to it. */
export const formsBundle: FormsBundle = {
  files: Object.fromEntries(Object.entries(files).map(([path, json]) => [path.slice(FORMS.length), json as FormsBundle['files'][string]])),
};

let loaded: Catalogue | undefined;

/** The catalogue of the bundled forms, compiled on first use and then kept. */
export function browserCatalogue(): Catalogue {
  loaded ??= loadCatalogue(formsBundle);
  return loaded;
}
