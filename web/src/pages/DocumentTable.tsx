// A table of documents, each a link to its page: the home page's list, the reviewer's queue,
// the dashboard's list behind a bar.

import type { DocumentSummary } from "../api";
import { Link } from "../app";
import { formatTime, PERMISSIONS_RU } from "./Home";

/** The optional columns besides form, school, round and time. */
export type Column = "municipality" | "status" | "permissions";

/** The documents in a table with the given optional columns. */
export function DocumentTable(props: { documents: DocumentSummary[]; columns: Column[] }) {
  const has = (c: Column) => props.columns.includes(c);
  return (
    <table class="documents">
      <thead>
        <tr>
          <th scope="col">Форма</th>
          <th scope="col">Школа</th>
          {has("municipality") && <th scope="col">Муниципалитет</th>}
          {has("status") && <th scope="col">Состояние</th>}
          <th scope="col">Раунд</th>
          <th scope="col">Изменён</th>
          {has("permissions") && <th scope="col">Мне можно</th>}
        </tr>
      </thead>
      <tbody>
        {props.documents.map((doc) => (
          <tr key={doc.id}>
            <td>
              <Link href={`/documents/${doc.id}`}>{doc.form_ru}</Link>
            </td>
            <td>{doc.owner_school.name}</td>
            {has("municipality") && <td>{doc.municipality?.name ?? "—"}</td>}
            {has("status") && (
              <td>
                <span class={`status status-${doc.status}`}>{doc.status_ru}</span>
              </td>
            )}
            <td>{doc.round}</td>
            <td>{formatTime(doc.updated_at)}</td>
            {has("permissions") && <td>{doc.permissions.map((p) => PERMISSIONS_RU[p] ?? p).join(", ")}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
