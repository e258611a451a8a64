// The audit log (admin): every change with who, when, before and after.
import { useEffect, useState } from "preact/hooks";
import { get, getAll, query, type Page, type User } from "../api";
import { Empty, Field, PageTitle, Pager, Select, Show, useAsync, useDebounced } from "../ui";

interface Entry {
  id: number;
  actor_user_id: number | null;
  action: string;
  entity: string;
  entity_id: number | null;
  before: unknown;
  after: unknown;
  at: string;
}

const kEntities = ["student", "teacher", "class", "subject", "assignment", "user", "session", "attendance"];
const kPageSize = 50;

export function AuditPage() {
  const [entity, setEntity] = useState("");
  const [q, setQ] = useState("");
  const [offset, setOffset] = useState(0);
  const search = useDebounced(q);
  useEffect(() => setOffset(0), [entity, search]);
  const users = useAsync(() => getAll<User>("/api/v1/users").catch(() => [] as User[]), []);
  const who = new Map((users.data ?? []).map((u) => [u.id, u.username]));
  const page = useAsync(
    () => get<Page<Entry>>("/api/v1/audit" + query({ entity, q: search, offset, limit: kPageSize })),
    [entity, search, offset],
  );
  return (
    <section>
      <PageTitle>Audit log</PageTitle>
      <div class="filters" role="search">
        <Select
          label="Record type"
          value={entity}
          onValue={setEntity}
          placeholder="Everything"
          options={kEntities.map((e) => ({ value: e, label: e }))}
        />
        <Field label="Action" type="search" value={q} onValue={setQ} placeholder="e.g. student.create" />
      </div>
      <Show value={page}>
        {(data) =>
          data.items.length === 0 ? (
            <Empty>No entries.</Empty>
          ) : (
            <>
              <div class="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">When</th>
                      <th scope="col">Who</th>
                      <th scope="col">Action</th>
                      <th scope="col">Record</th>
                      <th scope="col">Change</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.items.map((e) => (
                      <tr key={e.id}>
                        <td class="nowrap">
                          {new Date(e.at).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" })}
                        </td>
                        <td>{e.actor_user_id ? (who.get(e.actor_user_id) ?? `user #${e.actor_user_id}`) : "system"}</td>
                        <td>
                          <code>{e.action}</code>
                        </td>
                        <td>
                          {e.entity} {e.entity_id ? `#${e.entity_id}` : ""}
                        </td>
                        <td>
                          <details>
                            <summary>Before / after</summary>
                            <pre class="json">{JSON.stringify({ before: e.before, after: e.after }, null, 2)}</pre>
                          </details>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager offset={offset} limit={kPageSize} total={data.total} onOffset={setOffset} />
            </>
          )
        }
      </Show>
    </section>
  );
}
