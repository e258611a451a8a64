// Outbound webhooks (admin): endpoints, their health, a test ping and the
// delivery history (docs/API.md, Webhooks).
import { useState } from "preact/hooks";
import { api, get, type Page } from "../api";
import { Empty, ErrorBox, Field, PageTitle, Show, formatTime, useAction, useAsync } from "../ui";

interface Webhook {
  id: number;
  url: string;
  events: string[];
  is_active: boolean;
  state: "healthy" | "failing";
  consecutive_failures: number;
  created_at: string;
  generated_secret?: string;
}

interface Delivery {
  id: number;
  event: string;
  delivery_id: string;
  attempts: number;
  state: string;
  last_status: number | null;
  last_error: string | null;
  created_at: string;
}

export function WebhooksPage() {
  const hooks = useAsync(() => get<Page<Webhook>>("/api/v1/webhooks"), []);
  const [url, setUrl] = useState("");
  const [secret, setSecret] = useState("");
  const [events, setEvents] = useState({ "record.changed": true, "session.closed": true });
  const [created, setCreated] = useState<Webhook | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const action = useAction();
  return (
    <section>
      <PageTitle>Webhooks</PageTitle>
      <p class="muted">Rollcall POSTs signed JSON to these URLs when attendance changes or a session closes.</p>
      <form
        class="card form-grid"
        aria-label="Add a webhook"
        onSubmit={(e) => {
          e.preventDefault();
          action.run(async () => {
            const w = await api<Webhook>("POST", "/api/v1/webhooks", {
              url,
              secret: secret || undefined,
              events: Object.entries(events)
                .filter(([, on]) => on)
                .map(([k]) => k),
            });
            setCreated(w);
            setUrl("");
            setSecret("");
            hooks.reload();
          });
        }}
      >
        <h2>Add an endpoint</h2>
        <Field
          label="URL"
          type="url"
          value={url}
          onValue={setUrl}
          required
          placeholder="https://lms.example/rollcall"
        />
        <Field
          label="Secret (optional)"
          value={secret}
          onValue={setSecret}
          hint="16-256 characters; leave empty to generate one"
        />
        <fieldset>
          <legend>Events</legend>
          {(Object.keys(events) as (keyof typeof events)[]).map((k) => (
            <label class="check" key={k}>
              <input
                type="checkbox"
                checked={events[k]}
                onChange={(e) => setEvents({ ...events, [k]: (e.target as HTMLInputElement).checked })}
              />{" "}
              {k}
            </label>
          ))}
        </fieldset>
        <ErrorBox error={action.error} />
        <div class="form-actions">
          <button type="submit" class="primary" disabled={action.busy}>
            Add endpoint
          </button>
        </div>
        {created?.generated_secret ? (
          <p class="notice" role="status">
            Signing secret, shown only once: <code class="secret">{created.generated_secret}</code>
          </p>
        ) : null}
      </form>
      <Show value={hooks}>
        {(list) =>
          list.items.length === 0 ? (
            <Empty>No webhook endpoints.</Empty>
          ) : (
            <ul class="plain">
              {list.items.map((w) => (
                <li class="card" key={w.id}>
                  <WebhookRow
                    hook={w}
                    reload={hooks.reload}
                    open={open === w.id}
                    onToggle={() => setOpen(open === w.id ? null : w.id)}
                  />
                </li>
              ))}
            </ul>
          )
        }
      </Show>
    </section>
  );
}

function WebhookRow({
  hook,
  reload,
  open,
  onToggle,
}: {
  hook: Webhook;
  reload: () => void;
  open: boolean;
  onToggle: () => void;
}) {
  const action = useAction();
  const [note, setNote] = useState("");
  const [editing, setEditing] = useState(false);
  return (
    <>
      <p>
        <strong>{hook.url}</strong> · {hook.events.join(", ")} · {hook.is_active ? "active" : "paused"} ·{" "}
        <span class={hook.state === "failing" ? "bad-text" : "ok-text"}>{hook.state}</span>
        {hook.consecutive_failures ? ` (${hook.consecutive_failures} failures)` : ""}
      </p>
      <div class="form-actions">
        <button
          type="button"
          class="small-button"
          onClick={() =>
            action.run(async () => {
              await api("POST", `/api/v1/webhooks/${hook.id}/test`);
              setNote("A ping was queued.");
            })
          }
        >
          Send test ping
        </button>
        <button
          type="button"
          class="small-button"
          onClick={() =>
            action.run(async () => {
              await api("PATCH", `/api/v1/webhooks/${hook.id}`, { is_active: !hook.is_active });
              reload();
            })
          }
        >
          {hook.is_active ? "Pause" : "Resume"}
        </button>
        <button type="button" class="small-button" aria-expanded={editing} onClick={() => setEditing(!editing)}>
          Edit
        </button>
        <button type="button" class="small-button" aria-expanded={open} onClick={onToggle}>
          Deliveries
        </button>
        <button
          type="button"
          class="small-button danger"
          onClick={() => {
            if (confirm(`Delete the endpoint ${hook.url} and its history?`))
              action.run(async () => {
                await api("DELETE", `/api/v1/webhooks/${hook.id}`);
                reload();
              });
          }}
        >
          Delete
        </button>
      </div>
      {note ? (
        <p role="status" class="small">
          {note}
        </p>
      ) : null}
      <ErrorBox error={action.error} />
      {editing ? (
        <WebhookEdit
          hook={hook}
          onDone={() => {
            setEditing(false);
            setNote("The endpoint was changed.");
            reload();
          }}
          onCancel={() => setEditing(false)}
        />
      ) : null}
      {open ? <Deliveries id={hook.id} /> : null}
    </>
  );
}

const kEvents = ["record.changed", "session.closed"];

// PATCH /webhooks/{id}: URL, a new secret (empty keeps the old one, which
// cannot be read back), events and whether it is active.
function WebhookEdit({ hook, onDone, onCancel }: { hook: Webhook; onDone: () => void; onCancel: () => void }) {
  const [url, setUrl] = useState(hook.url);
  const [secret, setSecret] = useState("");
  const [events, setEvents] = useState<string[]>(hook.events);
  const [active, setActive] = useState(hook.is_active);
  const action = useAction();
  return (
    <form
      class="form-grid edit-form"
      aria-label={`Edit webhook ${hook.url}`}
      onSubmit={(e) => {
        e.preventDefault();
        const body: Record<string, unknown> = {};
        if (url !== hook.url) body.url = url;
        if (secret) body.secret = secret;
        if (events.join() !== hook.events.join()) body.events = events;
        if (active !== hook.is_active) body.is_active = active;
        if (Object.keys(body).length === 0) return onCancel();
        action.run(async () => {
          await api("PATCH", `/api/v1/webhooks/${hook.id}`, body);
          onDone();
        });
      }}
      onKeyDown={(e) => e.key === "Escape" && onCancel()}
    >
      <Field label="Endpoint URL" type="url" value={url} onValue={setUrl} required />
      <Field
        label="New secret"
        value={secret}
        onValue={setSecret}
        autoComplete="off"
        hint="16-256 characters; leave empty to keep the current one"
      />
      <fieldset>
        <legend>Events sent</legend>
        {kEvents.map((k) => (
          <label class="check" key={k}>
            <input
              type="checkbox"
              checked={events.includes(k)}
              onChange={(e) =>
                setEvents(
                  (e.target as HTMLInputElement).checked
                    ? kEvents.filter((x) => x === k || events.includes(x))
                    : events.filter((x) => x !== k),
                )
              }
            />{" "}
            {k}
          </label>
        ))}
      </fieldset>
      <label class="check">
        <input type="checkbox" checked={active} onChange={(e) => setActive((e.target as HTMLInputElement).checked)} />{" "}
        Active (sends new events)
      </label>
      <ErrorBox error={action.error} />
      <div class="form-actions">
        <button type="submit" class="primary" disabled={action.busy}>
          Save changes
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function Deliveries({ id }: { id: number }) {
  const list = useAsync(() => get<Page<Delivery>>(`/api/v1/webhooks/${id}/deliveries?limit=20`), [id]);
  return (
    <Show value={list}>
      {(d) =>
        d.items.length === 0 ? (
          <Empty>No deliveries yet.</Empty>
        ) : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Created</th>
                  <th scope="col">Event</th>
                  <th scope="col">State</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Last answer</th>
                </tr>
              </thead>
              <tbody>
                {d.items.map((x) => (
                  <tr key={x.id}>
                    <td>{formatTime(x.created_at)}</td>
                    <td>{x.event}</td>
                    <td>{x.state}</td>
                    <td>{x.attempts}</td>
                    <td>{x.last_status ?? x.last_error ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      }
    </Show>
  );
}
