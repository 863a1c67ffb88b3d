// How the documents number a plan's rows: within a section (a year «2026 год» or a direction),
// «2026 год, № 1»; without sections, «№ 1».

/** A string field of a row (texts and scalar strings alike), trimmed; `""` when absent. */
function rowString(row: unknown, key: string): string {
  if (!row || typeof row !== "object") return "";
  const value = (row as Record<string, unknown>)[key];
  if (typeof value === "string") return value.trim();
  if (value && typeof value === "object" && "val" in value && typeof value.val === "string") return value.val.trim();
  return "";
}

/** The row's section («2026 год»), `""` when it has none. */
export function rowSection(row: unknown): string {
  return rowString(row, "section");
}

/** The row's number as the document writes it: «2026 год, № 1», «№ 1», «2026 год», or `""`. */
export function documentNumber(row: unknown): string {
  const section = rowSection(row);
  const number = rowString(row, "number");
  if (section && number) return `${section}, № ${number}`;
  if (number) return `№ ${number}`;
  return section;
}

/** Whether row `index` starts a new section (its section differs from the row before). */
export function startsSection(rows: unknown[], index: number): boolean {
  const section = rowSection(rows[index]);
  return section !== "" && (index === 0 || rowSection(rows[index - 1]) !== section);
}
