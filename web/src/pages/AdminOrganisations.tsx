// The administrator's organisations: the region → municipality → school tree, adding a
// municipality or a school, renaming any of them, moving a school to another municipality of
// its region.

import { useEffect, useState } from "preact/hooks";
import { type AdminApi, type AdminOrganisation } from "../adminApi";
import { ApiError } from "../api";

/** A message of the section. */
type Message = { kind: "ok" | "error"; text: string } | null;

export const errorText = (e: unknown) => (e instanceof ApiError ? e.message : String((e as Error).message));

/** The tree in reading order: each organisation followed by what belongs to it, with depth. */
export function treeOrder(orgs: AdminOrganisation[]): { org: AdminOrganisation; depth: number }[] {
  const byName = (a: AdminOrganisation, b: AdminOrganisation) => a.name.localeCompare(b.name, "ru");
  const ids = new Set(orgs.map((o) => o.id));
  const out: { org: AdminOrganisation; depth: number }[] = [];
  const visit = (parent: string | null, depth: number) => {
    for (const org of orgs.filter((o) => (o.parent && ids.has(o.parent) ? o.parent : null) === parent).sort(byName)) {
      out.push({ org, depth });
      visit(org.id, depth + 1);
    }
  };
  visit(null, 0);
  return out;
}

/** The organisations section. */
export function Organisations(props: { api: AdminApi; orgs: AdminOrganisation[]; onChanged: () => void }) {
  const [message, setMessage] = useState<Message>(null);
  const [renaming, setRenaming] = useState<string | null>(null);
  const [moving, setMoving] = useState<string | null>(null);
  const [value, setValue] = useState("");
  const [draft, setDraft] = useState({ kind: "school", parent: "", id: "", name: "" });

  const regionOf = (id: string | null): string | null => {
    let here = props.orgs.find((o) => o.id === id);
    while (here?.parent) {
      const up = props.orgs.find((o) => o.id === here!.parent);
      if (!up) break;
      here = up;
    }
    return here?.id ?? null;
  };
  const parents = props.orgs.filter((o) => (draft.kind === "municipality" ? o.kind === "region" : o.kind === "municipality"));
  useEffect(() => {
    if (!parents.some((p) => p.id === draft.parent)) setDraft((d) => ({ ...d, parent: parents[0]?.id ?? "" }));
  }, [draft.kind, props.orgs]);

  const act = async (work: () => Promise<unknown>, ok: string) => {
    try {
      await work();
      setMessage({ kind: "ok", text: ok });
      setRenaming(null);
      setMoving(null);
      props.onChanged();
    } catch (e) {
      setMessage({ kind: "error", text: errorText(e) });
    }
  };

  return (
    <section class="card" aria-labelledby="orgs-title">
      <h2 id="orgs-title">Организации</h2>
      {message && (
        <p class={`note ${message.kind}`} role="alert">
          {message.text}
        </p>
      )}
      <ul class="org-tree">
        {treeOrder(props.orgs).map(({ org, depth }) => (
          <li key={org.id} class={`depth-${depth}`}>
            <span class="org-name">{org.name}</span> <span class="muted">{org.kind_ru} · {org.id}</span>
            {renaming === org.id ? (
              <form
                class="inline-form"
                onSubmit={(e) => {
                  e.preventDefault();
                  void act(() => props.api.renameOrganisation(org.id, value), `Организация ${org.id} переименована.`);
                }}
              >
                <label>
                  Новое название
                  <input value={value} size={40} onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)} />
                </label>
                <button type="submit" class="primary">
                  Сохранить
                </button>
                <button type="button" onClick={() => setRenaming(null)}>
                  Отмена
                </button>
              </form>
            ) : moving === org.id ? (
              <form
                class="inline-form"
                onSubmit={(e) => {
                  e.preventDefault();
                  void act(() => props.api.moveSchool(org.id, value), `Школа ${org.id} перенесена.`);
                }}
              >
                <label>
                  В муниципалитет
                  <select value={value} onChange={(e) => setValue((e.currentTarget as HTMLSelectElement).value)}>
                    {props.orgs
                      .filter((o) => o.kind === "municipality" && regionOf(o.id) === regionOf(org.id))
                      .map((m) => (
                        <option key={m.id} value={m.id}>
                          {m.name}
                        </option>
                      ))}
                  </select>
                </label>
                <button type="submit" class="primary">
                  Перенести
                </button>
                <button type="button" onClick={() => setMoving(null)}>
                  Отмена
                </button>
              </form>
            ) : (
              <span class="org-actions">
                <button
                  type="button"
                  class="link"
                  aria-label={`Переименовать: ${org.name}`}
                  onClick={() => {
                    setRenaming(org.id);
                    setValue(org.name);
                  }}
                >
                  переименовать
                </button>
                {org.kind.endsWith("school") && (
                  <button
                    type="button"
                    class="link"
                    aria-label={`Перенести: ${org.name}`}
                    onClick={() => {
                      setMoving(org.id);
                      setValue(org.parent ?? "");
                    }}
                  >
                    перенести
                  </button>
                )}
              </span>
            )}
          </li>
        ))}
      </ul>
      <h3>Добавить организацию</h3>
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void act(async () => {
            await props.api.addOrganisation(draft);
            setDraft((d) => ({ ...d, id: "", name: "" }));
          }, `Организация ${draft.id} добавлена.`);
        }}
      >
        <label>
          Вид
          <select value={draft.kind} onChange={(e) => setDraft({ ...draft, kind: (e.currentTarget as HTMLSelectElement).value })}>
            <option value="municipality">муниципалитет</option>
            <option value="school">школа</option>
            <option value="mentor-school">школа-наставник</option>
          </select>
        </label>
        <label>
          Входит в
          <select value={draft.parent} onChange={(e) => setDraft({ ...draft, parent: (e.currentTarget as HTMLSelectElement).value })}>
            {parents.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Идентификатор (латиницей)
          <input value={draft.id} size={14} onInput={(e) => setDraft({ ...draft, id: (e.currentTarget as HTMLInputElement).value.trim() })} />
        </label>
        <label>
          Название
          <input value={draft.name} size={34} onInput={(e) => setDraft({ ...draft, name: (e.currentTarget as HTMLInputElement).value })} />
        </label>
        <button type="submit" class="primary">
          Добавить
        </button>
      </form>
    </section>
  );
}
