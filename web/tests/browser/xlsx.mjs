// Reads the first sheet of an XLSX file into rows of cell texts, enough to check a registry
// export row by row: shared strings, inline strings and numbers (unzip is Debian's).

import { spawnSync } from "node:child_process";

/** The text of an XML part inside the workbook. */
function part(file, name) {
  const result = spawnSync("unzip", ["-p", file, name], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`unzip ${name}: ${result.stderr}`);
  return result.stdout;
}

const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
const decode = (text) =>
  text.replace(/&(amp|lt|gt|quot|apos|#(\d+)|#x([0-9a-fA-F]+));/g, (_, name, dec, hex) =>
    dec ? String.fromCodePoint(Number(dec)) : hex ? String.fromCodePoint(Number.parseInt(hex, 16)) : ENTITIES[name],
  );
/** The concatenated `<t>` texts of an element. */
const texts = (xml) => [...xml.matchAll(/<t(?:\s[^>]*)?>([\s\S]*?)<\/t>/g)].map((m) => decode(m[1])).join("");

/** Column letters to a 0-based index. */
const column = (letters) => [...letters].reduce((n, c) => n * 26 + c.charCodeAt(0) - 64, 0) - 1;

/** The first sheet's rows, each an array of cell texts (empty cells as ""). */
export function readXlsx(file) {
  let shared = [];
  try {
    shared = [...part(file, "xl/sharedStrings.xml").matchAll(/<si>([\s\S]*?)<\/si>/g)].map((m) => texts(m[1]));
  } catch {
    shared = [];
  }
  const sheet = part(file, "xl/worksheets/sheet1.xml");
  const rows = [];
  for (const row of sheet.matchAll(/<row\b[^>]*>([\s\S]*?)<\/row>/g)) {
    const cells = [];
    for (const cell of row[1].matchAll(/<c r="([A-Z]+)\d+"([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
      const [, letters, attributes, body = ""] = cell;
      const type = /\bt="([^"]+)"/.exec(attributes)?.[1];
      const value = /<v>([\s\S]*?)<\/v>/.exec(body)?.[1];
      let text = "";
      if (type === "s") text = shared[Number(value)] ?? "";
      else if (type === "inlineStr") text = texts(body);
      else if (value !== undefined) text = decode(value);
      cells[column(letters)] = text;
    }
    rows.push(Array.from(cells, (c) => c ?? ""));
  }
  return rows;
}
