// The curator's «Мои школы»: the schools assigned to me, each with its documents, their state
// and what the latest submission was found to lack; read-only (each document opens in the
// read-only view). Offline, the last answer is shown with its time.

import { useEffect, useMemo, useState } from "preact/hooks";
import { AdminApi, type CuratedSchool } from "../adminApi";
import { ApiError } from "../api";
import { Link } from "../app";
import { recall, remember } from "../session";
import { formatTime } from "./Home";

/** The page's last answer, kept for offline reading. */
interface Saved {
  at: string;
  schools: CuratedSchool[];
}

/** Russian plural of «замечание» after `n`. */
function findingsWord(n: number): string {
  const tens = n % 100;
  const ones = n % 10;
  if (tens >= 11 && tens <= 14) return "замечаний";
  if (ones === 1) return "замечание";
  if (ones >= 2 && ones <= 4) return "замечания";
  return "замечаний";
}

/** The curator's page. */
export function CuratorPage(props: { token: string; user: string; onExpired: () => void }) {
  const api = useMemo(() => new AdminApi(props.token), [props.token]);
  const key = `curated.${props.user}`;
  const [schools, setSchools] = useState<CuratedSchool[] | null>(() => recall<Saved>(key)?.schools ?? null);
  const [offlineSince, setOfflineSince] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api.curatedSchools().then(
      (fresh) => {
        setSchools(fresh);
        setOfflineSince(null);
        remember(key, { at: new Date().toISOString(), schools: fresh });
      },
      (e) => {
        if (e instanceof ApiError && e.status === 401) props.onExpired();
        else if (e instanceof ApiError && e.offline) setOfflineSince(recall<Saved>(key)?.at ?? "");
        else setError(e instanceof ApiError ? e.message : String((e as Error).message));
      },
    );
  }, [api]);

  return (
    <>
      <h1>Мои школы</h1>
      <p class="description">Школы, за которыми вы закреплены куратором: их документы и замечания проверки последней поданной версии. Только просмотр.</p>
      {offlineSince !== null && (
        <p class="note warning" role="status">
          Сервер недоступен: показаны данные, полученные {offlineSince ? formatTime(offlineSince) : "ранее"}.
        </p>
      )}
      {error && <p class="note error">{error}</p>}
      {schools === null && !error && <p>Загрузка…</p>}
      {schools?.length === 0 && <p class="empty">За вами пока не закреплена ни одна школа: обратитесь к администратору.</p>}
      {schools?.map((s) => (
        <section class="card curated-school" key={s.school.id} aria-labelledby={`school-${s.school.id}`}>
          <h2 id={`school-${s.school.id}`}>{s.school.name}</h2>
          <p class="description">{s.municipality?.name ?? ""}</p>
          {s.documents.length === 0 ? (
            <p class="empty">Документов пока нет.</p>
          ) : (
            <table class="documents">
              <thead>
                <tr>
                  <th scope="col">Форма</th>
                  <th scope="col">Состояние</th>
                  <th scope="col">Раунд</th>
                  <th scope="col">Изменён</th>
                  <th scope="col">Проверка последней поданной версии</th>
                </tr>
              </thead>
              <tbody>
                {s.documents.map((d) => (
                  <tr key={d.document.id}>
                    <td>
                      <Link href={`/documents/${d.document.id}`}>{d.document.form_ru}</Link>
                    </td>
                    <td>
                      <span class={`status status-${d.document.status}`}>{d.document.status_ru}</span>
                    </td>
                    <td>{d.document.round}</td>
                    <td>{formatTime(d.document.updated_at)}</td>
                    <td>
                      {d.judged_round === null ? (
                        <span class="muted">не подавался</span>
                      ) : d.findings.length === 0 ? (
                        <span class="note ok">замечаний нет (раунд {d.judged_round})</span>
                      ) : (
                        <details>
                          <summary>
                            <span class={d.errors > 0 ? "note error" : "note warning"}>
                              ошибок: {d.errors}, рекомендаций: {d.warnings}
                            </span>{" "}
                            (раунд {d.judged_round}, {d.findings.length} {findingsWord(d.findings.length)})
                          </summary>
                          <ul class="findings-list">
                            {d.findings.map((f, i) => (
                              <li key={i}>{f}</li>
                            ))}
                          </ul>
                        </details>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      ))}
    </>
  );
}
