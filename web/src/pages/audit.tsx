// The audit log (admin): every change with who, when, what it was about
// (the student and the lecture by name, as the server reads them now), and
// the before and after for whoever needs the detail.
import { useEffect, useState } from "preact/hooks";
import { get, query, type Page } from "../api";
import { Empty, Field, PageTitle, Pager, Select, Show, useAsync, useDebounced } from "../ui";

interface About {
  label: string;
  student?: { id: number; name: string; roll_number: string } | null;
  session?: {
    id: number;
    subject_code?: string;
    subject_name?: string;
    class_name?: string;
    class_section?: string;
    starts_at?: string;
  } | null;
  gone?: boolean;
}

interface Entry {
  id: number;
  actor_user_id: number | null;
  actor_name?: string | null;
  action: string;
  entity: string;
  entity_id: number | null;
  about?: About;
  before: unknown;
  after: unknown;
  at: string;
}

// Record types, as the filter offers them.
const kEntities: [string, string][] = [
  ["student", "Students"],
  ["attendance", "Attendance"],
  ["session", "Sessions and check-ins"],
  ["teacher", "Teachers"],
  ["class", "Classes"],
  ["subject", "Subjects"],
  ["assignment", "Teaching assignments"],
  ["user", "User accounts"],
  ["webhook", "Webhooks"],
  ["settings", "Settings"],
  ["backup", "Backups"],
];

// Each action in words; an action this page does not know shows its code.
const kActions: Record<string, string> = {
  "student.create": "Added the student",
  "student.update": "Changed the student",
  "student.delete": "Deleted the student",
  "student.enroll": "Enrolled photos",
  "student.photo_delete": "Removed an enrollment photo",
  "student.reembed": "Renewed the face templates",
  "attendance.mark": "Marked attendance by hand",
  "attendance.save": "Saved attendance",
  "attendance.checkin": "Checked in",
  "session.create": "Created the session",
  "session.update": "Changed the session",
  "session.delete": "Deleted the session",
  "session.photo.add": "Added a class photo",
  "session.face.correct": "Corrected a face",
  "checkin.open": "Opened a check-in",
  "checkin.extend": "Extended the check-in",
  "checkin.close": "Closed the check-in",
  "checkin.finalize": "Finished the check-in",
  "teacher.create": "Added the teacher",
  "teacher.update": "Changed the teacher",
  "teacher.delete": "Deleted the teacher",
  "class.create": "Added the class",
  "class.update": "Changed the class",
  "class.delete": "Deleted the class",
  "subject.create": "Added the subject",
  "subject.update": "Changed the subject",
  "subject.delete": "Deleted the subject",
  "assignment.create": "Assigned a teacher",
  "assignment.delete": "Removed an assignment",
  "user.create": "Created the account",
  "user.update": "Changed the account",
  "user.delete": "Deleted the account",
  "user.password_change": "Changed the password",
  "telegram.link": "Linked Telegram",
  "telegram.unlink": "Unlinked Telegram",
  "telegram.link_code": "Made a Telegram link code",
  "webhook.create": "Added the webhook",
  "webhook.update": "Changed the webhook",
  "webhook.delete": "Deleted the webhook",
  "settings.change": "Changed settings",
  "backup.create": "Made a backup",
};

const kPageSize = 50;

const when = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });

// What the entry is about: the student and the lecture by name, else the
// server's label, else the record type and number.
function aboutText(e: Entry): string {
  const a = e.about;
  if (!a) return `${e.entity}${e.entity_id ? ` ${e.entity_id}` : ""}`;
  const parts: string[] = [];
  if (a.student) {
    parts.push(
      a.student.name
        ? `${a.student.name}${a.student.roll_number ? ` (${a.student.roll_number})` : ""}`
        : "a deleted student",
    );
  }
  if (a.session) {
    const s = a.session;
    const lecture = [s.subject_name, [s.class_name, s.class_section].filter(Boolean).join(" · ")]
      .filter(Boolean)
      .join(", ");
    parts.push(lecture ? `${lecture}${s.starts_at ? `, ${when(s.starts_at)}` : ""}` : "a deleted session");
  }
  const text = parts.length ? parts.join(" in ") : a.label;
  if (!text) return `${e.entity}${e.entity_id ? ` ${e.entity_id}` : ""}`;
  return a.gone ? `${text} (since deleted)` : text;
}

export function AuditPage() {
  const [entity, setEntity] = useState("");
  const [q, setQ] = useState("");
  const [offset, setOffset] = useState(0);
  const search = useDebounced(q);
  useEffect(() => setOffset(0), [entity, search]);
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
          options={kEntities.map(([value, label]) => ({ value, label }))}
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
                      <th scope="col">What</th>
                      <th scope="col">About</th>
                      <th scope="col">Change</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.items.map((e) => (
                      <tr key={e.id} data-action={e.action}>
                        <td class="nowrap">
                          {new Date(e.at).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" })}
                        </td>
                        <td>{e.actor_user_id ? (e.actor_name ?? `account ${e.actor_user_id}`) : "Rollcall itself"}</td>
                        <td>
                          {kActions[e.action] ?? e.action}
                          <div class="small muted">
                            <code>{e.action}</code>
                          </div>
                        </td>
                        <td data-testid="audit-about">{aboutText(e)}</td>
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
