// System status (health, readiness, check-in queue depth from /metrics),
// settings and backups. The API has no routes to read or change settings or
// to take a backup: those pages say how it is done on the server instead.
import { PageTitle, Show, useAsync } from "../ui";

interface Health {
  status: string;
  version: string;
}
interface Ready {
  status: string;
  database: string;
  backend: string;
  models: string;
}

async function plain<T>(path: string): Promise<{ status: number; body: T }> {
  const r = await fetch(path);
  return { status: r.status, body: (await r.json()) as T };
}

function metric(text: string, name: string): number | null {
  const line = text.split("\n").find((l) => l.startsWith(name + " ") || l.startsWith(name + "{"));
  return line ? Number(line.split(" ").pop()) : null;
}

export function StatusPage() {
  const status = useAsync(async () => {
    const [health, ready, metrics] = await Promise.all([
      plain<Health>("/healthz"),
      plain<Ready>("/readyz"),
      fetch("/metrics").then((r) => r.text()),
    ]);
    return { health: health.body, ready: ready.body, metrics };
  }, []);
  return (
    <section>
      <PageTitle
        actions={
          <button type="button" onClick={status.reload}>
            Refresh
          </button>
        }
      >
        System status
      </PageTitle>
      <Show value={status}>
        {({ health, ready, metrics }) => (
          <dl class="stats">
            <div class="card">
              <dt>Server</dt>
              <dd class={health.status === "ok" ? "ok-text" : "bad-text"}>{health.status}</dd>
              <dd class="muted small">version {health.version}</dd>
            </div>
            <div class="card">
              <dt>Ready</dt>
              <dd class={ready.status === "ready" ? "ok-text" : "bad-text"}>
                {ready.status === "ready" ? "ready" : "not ready"}
              </dd>
            </div>
            <div class="card">
              <dt>Database</dt>
              <dd>{ready.database}</dd>
              <dd class="muted small">{ready.backend === "postgres" ? "PostgreSQL" : "SQLite"}</dd>
            </div>
            <div class="card">
              <dt>Face models</dt>
              <dd class={ready.models === "ok" ? "ok-text" : "bad-text"}>{ready.models}</dd>
            </div>
            <div class="card">
              <dt>Check-ins waiting</dt>
              <dd>{metric(metrics, "rollcall_checkin_queue_depth") ?? "—"}</dd>
            </div>
            <div class="card">
              <dt>Mean verification</dt>
              <dd>
                {(() => {
                  const s = metric(metrics, "rollcall_checkin_mean_verify_seconds");
                  return s === null || Number.isNaN(s) ? "—" : `${s.toFixed(2)} s`;
                })()}
              </dd>
            </div>
          </dl>
        )}
      </Show>
    </section>
  );
}

export function SettingsPage() {
  return (
    <section>
      <PageTitle>Settings</PageTitle>
      <div class="card prose">
        <p>
          Thresholds, retention and limits are server settings: a TOML file, <code>ROLLCALL_*</code> environment
          variables or flags of <code>rollcall serve</code>, read at start. The API has no route to read or change them,
          so they are shown and changed on the server:
        </p>
        <pre>rollcall config show # the effective settings, secrets masked</pre>
        <ul>
          <li>
            <code>retention</code>: <code>keep_photos</code> or <code>embeddings_only</code> (delete photos once
            embedded)
          </li>
          <li>
            <code>duplicate_similarity</code>: flag an enrollment this similar to a classmate (0.6)
          </li>
          <li>
            <code>checkin_grace_s</code>, <code>checkin_max_accuracy_m</code>, <code>checkin_attempts_per_student</code>
            , <code>max_video_seconds</code>: self check-in
          </li>
          <li>The attendance threshold of reports (75 % by default) is chosen per report on the Reports page.</li>
        </ul>
        <p>Every setting is described in docs/CONFIGURATION.md.</p>
      </div>
    </section>
  );
}

export function BackupsPage() {
  return (
    <section>
      <PageTitle>Backups</PageTitle>
      <div class="card prose">
        <p>
          Backups are taken on the server (the API has no backup route, so that a web login can never download the whole
          database):
        </p>
        <pre>rollcall backup /backups/rollcall-$(date +%F).db # consistent online copy of the SQLite database</pre>
        <p>
          With PostgreSQL use <code>pg_dump</code>. Restoring, scheduling and retention of backups are described in
          docs/OPERATIONS.md.
        </p>
      </div>
    </section>
  );
}
