/** Why a bundle of `forms/` cannot be loaded, naming the file and the place (in Russian). */
export class CatalogueError extends Error {}
