// System status (GET /system), runtime settings (GET/PATCH /settings,
// rendered from the server's list) and backups (/backups), for admins.
import { useState } from "preact/hooks";
import { ApiError, api, download, get } from "../api";
import { Empty, ErrorBox, Field, PageTitle, Select, Show, formatTime, sentence, useAction, useAsync } from "../ui";

// An admin page the API refuses (403 for a teacher) says so in words.
function Refused({ title, error }: { title: string; error: Error }) {
  return (
    <section>
      <PageTitle>{title}</PageTitle>
      {error instanceof ApiError && error.status === 403 ? <p>This page is for administrators.</p> : null}
      <ErrorBox error={error} />
    </section>
  );
}

interface SystemInfo {
  version: string;
  database: { backend: string; ok: boolean; problem?: string | null };
  uptime_s: number;
  models: {
    ready: boolean;
    problem?: string | null;
    model_id?: string | null;
    files?: { name: string; sha256: string }[];
  };
  checkin: {
    queue_depth: number | null;
    workers: number;
    mean_verify_ms: number | null;
    link_base: string; // where check-in QR codes send phones
    link_warnings: string[];
  };
  telegram: { teacher: boolean | string; student: boolean | string; mode: string };
  web_ui: boolean | string;
}

function duration(s: number): string {
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) return `${d} d ${h} h`;
  if (h) return `${h} h ${m} min`;
  return m ? `${m} min ${Math.floor(s % 60)} s` : `${Math.floor(s)} s`;
}

const onOff = (v: boolean | string) => (typeof v === "string" ? v : v ? "on" : "off");
const botState = (v: boolean | string) => (typeof v === "string" ? v : v ? "token set" : "off");

export function StatusPage() {
  const info = useAsync(() => get<SystemInfo>("/api/v1/system"), []);
  if (info.error instanceof ApiError && info.error.status === 403)
    return <Refused title="System status" error={info.error} />;
  return (
    <section>
      <PageTitle
        actions={
          <button type="button" onClick={info.reload}>
            Refresh
          </button>
        }
      >
        System status
      </PageTitle>
      <Show value={info}>
        {(i) => (
          <>
            <dl class="stats">
              <div class="card">
                <dt>Server</dt>
                <dd class="ok-text">running</dd>
                <dd class="muted small">
                  version {i.version}, up {duration(i.uptime_s)}
                </dd>
              </div>
              <div class="card">
                <dt>Database</dt>
                <dd class={i.database.ok ? "ok-text" : "bad-text"}>{i.database.ok ? "ok" : "failing"}</dd>
                <dd class="muted small">{i.database.backend === "postgres" ? "PostgreSQL" : "SQLite"}</dd>
                {i.database.problem ? <dd class="bad-text small">{i.database.problem}</dd> : null}
              </div>
              <div class="card">
                <dt>Face models</dt>
                <dd class={i.models.ready ? "ok-text" : "bad-text"}>{i.models.ready ? "ready" : "not ready"}</dd>
                {i.models.problem ? <dd class="bad-text small">{i.models.problem}</dd> : null}
              </div>
              <div class="card">
                <dt>Check-ins waiting</dt>
                <dd>{i.checkin.queue_depth ?? "—"}</dd>
                <dd class="muted small">
                  {i.checkin.workers} worker{i.checkin.workers === 1 ? "" : "s"}
                </dd>
              </div>
              <div class="card">
                <dt>Check-in link</dt>
                <dd class={i.checkin.link_warnings.length ? "bad-text" : "ok-text"} data-testid="link-base">
                  {i.checkin.link_base}
                </dd>
                {i.checkin.link_warnings.map((w) => (
                  <dd key={w} class="bad-text small">
                    {w}
                  </dd>
                ))}
              </div>
              <div class="card">
                <dt>Mean verification</dt>
                <dd>
                  {i.checkin.mean_verify_ms === null || i.checkin.mean_verify_ms === undefined
                    ? "—"
                    : `${(i.checkin.mean_verify_ms / 1000).toFixed(2)} s`}
                </dd>
              </div>
              <div class="card">
                <dt>Telegram bots</dt>
                <dd>teacher: {botState(i.telegram.teacher)}</dd>
                <dd>student: {botState(i.telegram.student)}</dd>
                <dd class="muted small">mode {i.telegram.mode || "—"}</dd>
              </div>
              <div class="card">
                <dt>Web UI</dt>
                <dd>{onOff(i.web_ui)}</dd>
              </div>
            </dl>
            <h2>Models</h2>
            <p>
              Model id: <code data-testid="model-id">{i.models.model_id || "—"}</code>
            </p>
            {i.models.files?.length ? (
              <div class="table-wrap">
                <table>
                  <caption class="sr-only">Model files</caption>
                  <thead>
                    <tr>
                      <th scope="col">File</th>
                      <th scope="col">SHA-256</th>
                    </tr>
                  </thead>
                  <tbody>
                    {i.models.files.map((f) => (
                      <tr key={f.name}>
                        <td>{f.name}</td>
                        <td>
                          <code class="hash">{f.sha256}</code>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : (
              <Empty>No model files are loaded.</Empty>
            )}
          </>
        )}
      </Show>
    </section>
  );
}

interface Setting {
  key: string;
  title?: string;
  value: number | string;
  default: number | string;
  description: string;
  kind: "number" | "integer" | "choice";
  min?: number;
  max?: number;
  choices?: string[];
  choice_titles?: string[];
  source: string;
}

// A setting as people name it: its title (the key only from a server
// that sends none), and a choice's value in words.
const titleOf = (s: Setting) => s.title || s.key;
const choiceTitle = (s: Setting, value: string | number) => {
  const i = (s.choices ?? []).indexOf(String(value));
  return (i >= 0 && s.choice_titles?.[i]) || String(value);
};

// The runtime settings, rendered from the server's list: a number field
// (with its bounds) or a choice per item. Only changed keys are sent; an
// error names its key, and that field shows it.
const kSources: Record<string, string> = {
  default: "built in",
  config: "the configuration",
  admin: "changed here",
};
const from = (s: Setting) => `From: ${kSources[s.source] ?? s.source}.`;

// The server's message names the setting by its key: name it by its title.
function namedByTitle(error: Error | undefined, items: Setting[]): Error | undefined {
  if (!(error instanceof ApiError) || !error.field) return error;
  const s = items.find((x) => x.key === error.field);
  if (!s?.title) return error;
  return new ApiError(
    error.message.split(s.key).join(`"${s.title}"`),
    error.status,
    error.code,
    error.field,
    error.requestId,
  );
}

export function SettingsPage() {
  const list = useAsync(() => get<{ items: Setting[] }>("/api/v1/settings"), []);
  const [values, setValues] = useState<Record<string, string>>({});
  const [note, setNote] = useState("");
  const action = useAction();
  if (list.error instanceof ApiError && list.error.status === 403)
    return <Refused title="Settings" error={list.error} />;
  const items = list.data?.items ?? [];
  const current = (s: Setting) => values[s.key] ?? String(s.value);
  const changed = items.filter((s) => current(s) !== String(s.value));
  const failing = action.error instanceof ApiError ? action.error.field : undefined;
  return (
    <section>
      <PageTitle>Settings</PageTitle>
      <p class="muted">
        The server's runtime settings. "From" says where each value comes from; only the settings you change are sent.
      </p>
      <Show value={list}>
        {() =>
          items.length === 0 ? (
            <Empty>This server has no runtime settings.</Empty>
          ) : (
            <form
              class="card settings-form"
              aria-label="Runtime settings"
              onSubmit={(e) => {
                e.preventDefault();
                if (!changed.length) return;
                const body = Object.fromEntries(
                  changed.map((s) => [s.key, s.kind === "choice" ? current(s) : Number(current(s))]),
                );
                if (
                  body.retention === "embeddings_only" &&
                  !confirm("Keep embeddings only? The kept enrollment photos are deleted at once.")
                )
                  return;
                action.run(async () => {
                  const next = await api<{ items: Setting[] }>("PATCH", "/api/v1/settings", body);
                  list.set(next);
                  setValues({});
                  setNote(`Saved: ${changed.map(titleOf).join(", ")}.`);
                });
              }}
            >
              {items.map((s) => (
                <div class={failing === s.key ? "setting failing" : "setting"} key={s.key} data-key={s.key}>
                  {s.kind === "choice" ? (
                    <Select
                      label={titleOf(s)}
                      value={current(s)}
                      onValue={(v) => setValues({ ...values, [s.key]: v })}
                      options={(s.choices ?? []).map((c) => ({ value: c, label: choiceTitle(s, c) }))}
                      invalid={failing === s.key}
                      hint={`${sentence(s.description)} Default: ${choiceTitle(s, s.default)}. ${from(s)}`}
                    />
                  ) : (
                    <Field
                      label={titleOf(s)}
                      type="number"
                      value={current(s)}
                      onValue={(v) => setValues({ ...values, [s.key]: v })}
                      min={s.min}
                      max={s.max}
                      step={s.kind === "integer" ? 1 : "any"}
                      required
                      aria-invalid={failing === s.key || undefined}
                      hint={`${sentence(s.description)} Default: ${s.default}${
                        s.min !== undefined || s.max !== undefined ? `; from ${s.min ?? "…"} to ${s.max ?? "…"}` : ""
                      }. ${from(s)}`}
                    />
                  )}
                  {s.source === "admin" && String(s.value) !== String(s.default) ? (
                    <button
                      type="button"
                      class="small-button"
                      disabled={action.busy}
                      onClick={() =>
                        action.run(async () => {
                          list.set(await api<{ items: Setting[] }>("PATCH", "/api/v1/settings", { [s.key]: null }));
                          setValues({});
                          setNote(`${titleOf(s)} is back to its default.`);
                        })
                      }
                    >
                      Back to default ({choiceTitle(s, s.default)})
                    </button>
                  ) : null}
                </div>
              ))}
              <ErrorBox error={namedByTitle(action.error, items)} />
              {note && !changed.length ? (
                <p role="status" class="notice">
                  {note}
                </p>
              ) : null}
              <div class="form-actions">
                <button type="submit" class="primary" disabled={action.busy || !changed.length}>
                  {changed.length ? `Save ${changed.length} change${changed.length === 1 ? "" : "s"}` : "Save changes"}
                </button>
                {changed.length ? (
                  <button type="button" onClick={() => setValues({})}>
                    Undo changes
                  </button>
                ) : null}
              </div>
            </form>
          )
        }
      </Show>
    </section>
  );
}

interface Backup {
  name: string;
  size_bytes: number;
  created_at: string;
  download_url?: string;
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}

// Backups made by the server (SQLite: a consistent online copy); on
// PostgreSQL the API answers backup_unsupported, whose message shows.
export function BackupsPage() {
  const list = useAsync(() => get<{ items: Backup[] }>("/api/v1/backups"), []);
  const [made, setMade] = useState<Backup | null>(null);
  const action = useAction();
  if (list.error instanceof ApiError && list.error.status === 403)
    return <Refused title="Backups" error={list.error} />;
  return (
    <section>
      <PageTitle
        actions={
          <button
            type="button"
            class="primary"
            disabled={action.busy}
            onClick={() =>
              action.run(async () => {
                setMade(null);
                setMade(await api<Backup>("POST", "/api/v1/backups"));
                list.reload();
              })
            }
          >
            {action.busy ? "Making a backup…" : "Back up now"}
          </button>
        }
      >
        Backups
      </PageTitle>
      <p class="muted">
        A backup is a consistent copy of the database, kept on the server. Download one to keep it somewhere else.
      </p>
      <ErrorBox error={action.error} />
      {made ? (
        <p class="notice" role="status">
          Backup {made.name} was made ({size(made.size_bytes)}).
        </p>
      ) : null}
      <Show value={list}>
        {(l) =>
          l.items.length === 0 ? (
            <Empty>No backups yet.</Empty>
          ) : (
            <div class="table-wrap">
              <table>
                <caption class="sr-only">Backups</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Made</th>
                    <th scope="col">Size</th>
                    <th scope="col">
                      <span class="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {l.items.map((b) => (
                    <tr key={b.name}>
                      <td>{b.name}</td>
                      <td>{formatTime(b.created_at)}</td>
                      <td>{size(b.size_bytes)}</td>
                      <td class="row-actions">
                        <button
                          type="button"
                          class="small-button"
                          aria-label={`Download ${b.name}`}
                          onClick={() =>
                            action.run(() =>
                              download(b.download_url ?? `/api/v1/backups/${encodeURIComponent(b.name)}/download`),
                            )
                          }
                        >
                          Download
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Show>
    </section>
  );
}
