// A school's obligations on its home page: in each campaign its school is in, what it owes,
// where each document stands, and the reminders the server recorded for it. The documents
// themselves are linked from «Мои документы» just below, not here a second time.

import { useEffect, useState } from "preact/hooks";
import { Api, ApiError } from "../api";
import { type ObligationsView, obligations, rowClass, russianDate } from "../campaigns";
import { recall, remember } from "../session";

/** The card; nothing at all for a user whose schools are in no campaign. */
export function Obligations(props: { token: string; user: string }) {
  const [view, setView] = useState<ObligationsView | null>(() => recall(`obligations.${props.user}`));
  useEffect(() => {
    let live = true;
    obligations(new Api(props.token))
      .then((v) => {
        if (!live) return;
        remember(`obligations.${props.user}`, v);
        setView(v);
      })
      .catch((e) => {
        // Offline: the last answer stays shown; anything else leaves the card as it was.
        if (!(e instanceof ApiError)) throw e;
      });
    return () => {
      live = false;
    };
  }, [props.token]);
  if (!view || (view.campaigns.length === 0 && view.reminders.length === 0)) return null;
  return (
    <section class="card obligations-card" aria-labelledby="obligations-title">
      <h2 id="obligations-title">Что нужно подать</h2>
      {view.reminders.length > 0 && (
        <ul class="reminders" aria-label="Напоминания">
          {view.reminders.map((r) => (
            <li key={r.id} class={`note ${r.kind === "late" ? "error" : "warning"}`}>
              {r.message}
            </li>
          ))}
        </ul>
      )}
      {view.campaigns.map(({ campaign, rows }) => (
        <div key={campaign.id} class="campaign-obligations">
          <h3>
            {campaign.title}: подать до {russianDate(campaign.submit_by)}, решение до {russianDate(campaign.decide_by)}
          </h3>
          <table class="table obligations">
            <thead>
              <tr>
                <th>Школа</th>
                <th>Документ</th>
                <th>Состояние</th>
                <th>Итог</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={`${r.school}-${r.form}`} class={rowClass(r)}>
                  <td>{r.school_name}</td>
                  <td>{r.form_ru}</td>
                  <td>{r.status_ru}</td>
                  <td class="summary">{r.summary_ru}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </section>
  );
}
