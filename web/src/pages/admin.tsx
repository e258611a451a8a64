// Administration of users, teachers, classes, subjects and teaching
// assignments: a list with search and a create form each. Built on one
// small generic list page, since the five differ only in fields.
import type { ComponentChildren } from "preact";
import { Fragment } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError, api, get, query, type Page, type User } from "../api";
import { useClasses, useSubjects, useTeachers } from "../lookups";
import { classLabel, type Assignment, type Class, type Subject, type Teacher } from "../types";
import {
  Empty,
  ErrorBox,
  Field,
  Link,
  Loading,
  PageTitle,
  Pager,
  Select,
  Show,
  formatTime,
  useAction,
  useAsync,
  useDebounced,
} from "../ui";

const kPageSize = 50;

interface FieldSpec {
  key: string;
  label: string;
  required?: boolean;
  type?: string;
  options?: { value: string; label: string }[];
  hint?: string;
}

interface Column<T> {
  label: string;
  cell: (item: T) => ComponentChildren;
}

function ListPage<T extends { id: number }>({
  title,
  path,
  searchable = true,
  columns,
  createFields,
  toBody,
  created,
  rowActions,
  noun,
  editFields,
  editValues,
}: {
  title: string;
  path: string;
  searchable?: boolean;
  columns: Column<T>[];
  createFields: FieldSpec[];
  toBody: (values: Record<string, string>) => unknown;
  created?: (item: T) => ComponentChildren;
  rowActions?: (item: T, reload: () => void) => ComponentChildren;
  noun: string;
  // Editing in place: the fields of PATCH path/{id}, their values from a
  // row, and the body sent (only what changed).
  editFields?: FieldSpec[];
  editValues?: (item: T) => Record<string, string>;
}) {
  const [q, setQ] = useState("");
  const [offset, setOffset] = useState(0);
  const search = useDebounced(q);
  useEffect(() => setOffset(0), [search]);
  const page = useAsync(
    () => get<Page<T>>(path + (searchable ? query({ q: search, offset, limit: kPageSize }) : "")),
    [search, offset],
  );
  const empty = Object.fromEntries(createFields.map((f) => [f.key, ""]));
  const [values, setValues] = useState<Record<string, string>>(empty);
  const [last, setLast] = useState<T | null>(null);
  const [editing, setEditing] = useState<number | null>(null);
  const action = useAction();
  const editable = editFields && editValues;
  const hasActions = rowActions || editable;
  // A teacher who opens an admin page by its address: the API refuses
  // (403), and the page shows that answer instead of forms they cannot use.
  if (page.error instanceof ApiError && page.error.status === 403) {
    return (
      <section>
        <PageTitle>{title}</PageTitle>
        <p>This page is for administrators.</p>
        <ErrorBox error={page.error} />
      </section>
    );
  }
  return (
    <section>
      <PageTitle>{title}</PageTitle>
      <form
        class="card form-grid"
        aria-label={`Add ${noun}`}
        onSubmit={(e) => {
          e.preventDefault();
          action.run(async () => {
            const item = await api<T>("POST", path, toBody(values));
            setLast(item);
            setValues(empty);
            page.reload();
          });
        }}
      >
        <h2>Add {noun}</h2>
        {createFields.map((f) =>
          f.options ? (
            <Select
              key={f.key}
              label={f.label}
              value={values[f.key]}
              required={f.required}
              placeholder={`Choose…`}
              options={f.options}
              onValue={(v) => setValues({ ...values, [f.key]: v })}
            />
          ) : (
            <Field
              key={f.key}
              label={f.label}
              type={f.type ?? "text"}
              value={values[f.key]}
              required={f.required}
              hint={f.hint}
              onValue={(v) => setValues({ ...values, [f.key]: v })}
            />
          ),
        )}
        <ErrorBox error={action.error} />
        <div class="form-actions">
          <button type="submit" class="primary" disabled={action.busy}>
            Add {noun}
          </button>
        </div>
        {last && created ? <div role="status">{created(last)}</div> : null}
      </form>
      {searchable ? (
        <div class="filters" role="search">
          <Field label={`Search ${title.toLowerCase()}`} type="search" value={q} onValue={setQ} />
        </div>
      ) : null}
      <Show value={page}>
        {(data) =>
          data.items.length === 0 ? (
            <Empty>{search ? "Nothing matches." : `No ${title.toLowerCase()} yet.`}</Empty>
          ) : (
            <>
              <div class="table-wrap">
                <table>
                  <thead>
                    <tr>
                      {columns.map((c) => (
                        <th scope="col" key={c.label}>
                          {c.label}
                        </th>
                      ))}
                      {hasActions ? (
                        <th scope="col">
                          <span class="sr-only">Actions</span>
                        </th>
                      ) : null}
                    </tr>
                  </thead>
                  <tbody>
                    {data.items.map((item) => (
                      <Fragment key={item.id}>
                        <tr>
                          {columns.map((c) => (
                            <td key={c.label}>{c.cell(item)}</td>
                          ))}
                          {hasActions ? (
                            <td class="row-actions">
                              {editable ? (
                                <button
                                  type="button"
                                  class="small-button"
                                  aria-expanded={editing === item.id}
                                  onClick={() => setEditing(editing === item.id ? null : item.id)}
                                >
                                  Edit
                                </button>
                              ) : null}
                              {rowActions ? rowActions(item, page.reload) : null}
                            </td>
                          ) : null}
                        </tr>
                        {editable && editing === item.id ? (
                          <tr class="edit-row">
                            <td colSpan={columns.length + 1}>
                              <EditForm
                                path={`${path}/${item.id}`}
                                fields={editFields}
                                initial={editValues(item)}
                                noun={noun.replace(/^an? /, "")}
                                onDone={() => {
                                  setEditing(null);
                                  page.reload();
                                }}
                                onCancel={() => setEditing(null)}
                              />
                            </td>
                          </tr>
                        ) : null}
                      </Fragment>
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

// PATCHes only the fields that changed; the API's error (a taken code, a
// bad phone) shows under the form.
function EditForm({
  path,
  fields,
  initial,
  noun,
  onDone,
  onCancel,
}: {
  path: string;
  fields: FieldSpec[];
  initial: Record<string, string>;
  noun: string;
  onDone: () => void;
  onCancel: () => void;
}) {
  const [values, setValues] = useState(initial);
  const action = useAction();
  return (
    <form
      class="form-grid edit-form"
      aria-label={`Edit ${noun}`}
      onSubmit={(e) => {
        e.preventDefault();
        const changed = Object.fromEntries(Object.entries(values).filter(([k, v]) => v !== initial[k]));
        if (Object.keys(changed).length === 0) return onCancel();
        action.run(async () => {
          await api("PATCH", path, changed);
          onDone();
        });
      }}
      onKeyDown={(e) => e.key === "Escape" && onCancel()}
    >
      {fields.map((f) => (
        <Field
          key={f.key}
          label={f.label}
          type={f.type ?? "text"}
          value={values[f.key] ?? ""}
          required={f.required}
          hint={f.hint}
          onValue={(v) => setValues({ ...values, [f.key]: v })}
        />
      ))}
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

function DeleteButton({ path, what, onDone }: { path: string; what: string; onDone: () => void }) {
  const action = useAction();
  return (
    <>
      <button
        type="button"
        class="small-button danger"
        disabled={action.busy}
        aria-label={`Delete ${what}`}
        onClick={() => {
          if (!confirm(`Delete ${what}?`)) return;
          action.run(async () => {
            await api("DELETE", path);
            onDone();
          });
        }}
      >
        Delete
      </button>
      {action.error ? (
        <span class="inline-error" role="alert">
          {action.error.message}
        </span>
      ) : null}
    </>
  );
}

// Undoes a Telegram link (DELETE .../telegram): the person links again
// with the bot.
export function UnlinkTelegramButton({ path, who, onDone }: { path: string; who: string; onDone: () => void }) {
  const action = useAction();
  return (
    <>
      <button
        type="button"
        class="small-button"
        disabled={action.busy}
        aria-label={`Unlink Telegram of ${who}`}
        onClick={() => {
          if (!confirm(`Unlink ${who}'s Telegram account? They can link again with the bot.`)) return;
          action.run(async () => {
            await api("DELETE", path);
            onDone();
          });
        }}
      >
        Unlink Telegram
      </button>
      {action.error ? (
        <span class="inline-error" role="alert">
          {action.error.message}
        </span>
      ) : null}
    </>
  );
}

const Password = ({ p, who }: { p?: string; who: string }) =>
  p ? (
    <p class="notice">
      {who} was created. Their password, shown only once: <code class="secret">{p}</code>
    </p>
  ) : (
    <p class="notice">{who} was created.</p>
  );

export function UsersPage() {
  return (
    <ListPage<User & { generated_password?: string }>
      title="Users"
      noun="a user"
      path="/api/v1/users"
      columns={[
        { label: "Username", cell: (u) => u.username },
        { label: "Name", cell: (u) => u.display_name },
        { label: "Role", cell: (u) => u.role },
        { label: "Active", cell: (u) => (u.is_active ? "yes" : "no") },
        { label: "Password", cell: (u) => (u.must_change_password ? "must change at next sign-in" : "their own") },
        { label: "Created", cell: (u) => formatTime(u.created_at) },
      ]}
      createFields={[
        { key: "username", label: "Username", required: true },
        { key: "display_name", label: "Display name" },
        {
          key: "role",
          label: "Role",
          required: true,
          options: [
            { value: "admin", label: "Administrator" },
            { value: "teacher", label: "Teacher (without a teacher profile)" },
            { value: "student", label: "Student (without a student record)" },
          ],
        },
        {
          key: "password",
          label: "Password (optional)",
          type: "password",
          hint: "12 to 128 bytes; leave empty to generate one",
        },
      ]}
      toBody={(v) => ({
        username: v.username,
        display_name: v.display_name || undefined,
        role: v.role,
        password: v.password || undefined,
      })}
      created={(u) => <Password p={u.generated_password} who={u.username} />}
      rowActions={(u, reload) => <UserActions user={u} reload={reload} />}
    />
  );
}

function UserActions({ user, reload }: { user: User; reload: () => void }) {
  const action = useAction();
  const [resetting, setResetting] = useState(false);
  return (
    <>
      <button type="button" class="small-button" onClick={() => setResetting(!resetting)} aria-expanded={resetting}>
        Set a new password
      </button>
      {resetting ? <SetPasswordForm user={user} onDone={reload} onClose={() => setResetting(false)} /> : null}
      <button
        type="button"
        class="small-button"
        disabled={action.busy}
        onClick={() =>
          action.run(async () => {
            await api("PATCH", `/api/v1/users/${user.id}`, { is_active: !user.is_active });
            reload();
          })
        }
      >
        {user.is_active ? "Disable" : "Enable"}
      </button>
      <DeleteButton path={`/api/v1/users/${user.id}`} what={`user ${user.username}`} onDone={reload} />
      {action.error ? (
        <span class="inline-error" role="alert">
          {action.error.message}
        </span>
      ) : null}
    </>
  );
}

// An admin sets a new password for someone who forgot theirs: typed here
// or generated by the server (shown once). The user must choose their own
// at their next login; every login of theirs ends now.
function SetPasswordForm({ user, onDone, onClose }: { user: User; onDone: () => void; onClose: () => void }) {
  const [password, setPassword] = useState("");
  const [generated, setGenerated] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const action = useAction();
  if (done) {
    return (
      <div class="notice" role="status">
        <p>
          {generated ? (
            <>
              The new password of {user.username}, shown only once: <code class="secret">{generated}</code>
            </>
          ) : (
            <>The new password of {user.username} is set.</>
          )}{" "}
          They must choose their own when they next sign in; every login of theirs has ended.
        </p>
        <button
          type="button"
          class="small-button"
          onClick={() => {
            onClose();
            onDone();
          }}
        >
          Done
        </button>
      </div>
    );
  }
  return (
    <form
      class="inline-form"
      aria-label={`Set a new password for ${user.username}`}
      onSubmit={(e) => {
        e.preventDefault();
        action.run(async () => {
          const answer = await api<User & { generated_password?: string }>(
            "POST",
            `/api/v1/users/${user.id}/password`,
            password ? { password } : {},
          );
          setGenerated(answer.generated_password ?? null);
          setDone(true);
        });
      }}
    >
      <Field
        label={`New password for ${user.username}`}
        type="password"
        value={password}
        onValue={setPassword}
        autoComplete="new-password"
        minLength={12}
        hint="12 to 128 characters; leave empty to have one made. They must change it when they next sign in."
      />
      <ErrorBox error={action.error} />
      <div class="form-actions">
        <button type="submit" class="primary small-button" disabled={action.busy}>
          {password ? "Set this password" : "Make a new password"}
        </button>
        <button type="button" class="small-button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function TeachersPage() {
  return (
    <ListPage<Teacher>
      title="Teachers"
      noun="a teacher"
      path="/api/v1/teachers"
      columns={[
        { label: "Name", cell: (t) => t.name },
        { label: "E-mail", cell: (t) => t.email || "—" },
        { label: "Phone", cell: (t) => t.phone || "—" },
        { label: "Telegram", cell: (t) => (t.telegram_linked ? "linked" : "—") },
      ]}
      createFields={[
        { key: "name", label: "Name", required: true },
        { key: "username", label: "Username", required: true },
        { key: "email", label: "E-mail", type: "email" },
        { key: "phone", label: "Phone", type: "tel", hint: "E.164, e.g. +919876543210" },
        { key: "password", label: "Password (optional)", type: "password", hint: "Leave empty to generate one" },
      ]}
      toBody={(v) => ({
        name: v.name,
        username: v.username,
        email: v.email || undefined,
        phone: v.phone || undefined,
        password: v.password || undefined,
      })}
      created={(t) => <Password p={t.generated_password} who={t.name} />}
      editFields={[
        { key: "name", label: "Name", required: true },
        { key: "email", label: "E-mail", type: "email" },
        { key: "phone", label: "Phone", type: "tel", hint: "E.164, e.g. +919876543210; empty to remove" },
      ]}
      editValues={(t) => ({ name: t.name, email: t.email, phone: t.phone })}
      rowActions={(t, reload) => (
        <>
          {t.telegram_linked ? (
            <UnlinkTelegramButton path={`/api/v1/teachers/${t.id}/telegram`} who={t.name} onDone={reload} />
          ) : null}
          <DeleteButton path={`/api/v1/teachers/${t.id}`} what={`teacher ${t.name}`} onDone={reload} />
        </>
      )}
    />
  );
}

export function ClassesPage() {
  return (
    <ListPage<Class>
      title="Classes"
      noun="a class"
      path="/api/v1/classes"
      columns={[
        { label: "Name", cell: (c) => <Link href={`/students?class_id=${c.id}`}>{c.name}</Link> },
        { label: "Section", cell: (c) => c.section || "—" },
        { label: "Created", cell: (c) => formatTime(c.created_at) },
      ]}
      createFields={[
        { key: "name", label: "Class name", required: true, hint: "e.g. BTech IT" },
        { key: "section", label: "Section", hint: "e.g. A (optional)" },
      ]}
      toBody={(v) => ({ name: v.name, section: v.section || undefined })}
      created={(c) => <p class="notice">Class {classLabel(c)} was created.</p>}
      editFields={[
        { key: "name", label: "Class name", required: true },
        { key: "section", label: "Section", hint: "May be empty" },
      ]}
      editValues={(c) => ({ name: c.name, section: c.section })}
      rowActions={(c, reload) => (
        <DeleteButton path={`/api/v1/classes/${c.id}`} what={`class ${classLabel(c)}`} onDone={reload} />
      )}
    />
  );
}

export function SubjectsPage() {
  return (
    <ListPage<Subject>
      title="Subjects"
      noun="a subject"
      path="/api/v1/subjects"
      columns={[
        { label: "Code", cell: (s) => s.code },
        { label: "Name", cell: (s) => s.name },
      ]}
      createFields={[
        { key: "code", label: "Code", required: true, hint: "e.g. CS101" },
        { key: "name", label: "Name", required: true },
      ]}
      toBody={(v) => ({ code: v.code, name: v.name })}
      created={(s) => <p class="notice">Subject {s.code} was created.</p>}
      editFields={[
        { key: "code", label: "Code", required: true, hint: "Letters, digits or . _ / -" },
        { key: "name", label: "Name", required: true },
      ]}
      editValues={(s) => ({ code: s.code, name: s.name })}
      rowActions={(s, reload) => (
        <DeleteButton path={`/api/v1/subjects/${s.id}`} what={`subject ${s.code}`} onDone={reload} />
      )}
    />
  );
}

export function AssignmentsPage() {
  const classes = useClasses();
  const subjects = useSubjects();
  const teachers = useTeachers();
  const ready = classes.data && subjects.data && teachers.data;
  if (!ready) {
    const error = classes.error ?? subjects.error ?? teachers.error;
    return (
      <section>
        <PageTitle>Assignments</PageTitle>
        {error ? <ErrorBox error={error} /> : <Loading />}
      </section>
    );
  }
  const cls = new Map(classes.data!.map((c) => [c.id, c]));
  const sub = new Map(subjects.data!.map((s) => [s.id, s]));
  const tea = new Map(teachers.data!.map((t) => [t.id, t]));
  return (
    <ListPage<Assignment>
      title="Assignments"
      noun="an assignment"
      path="/api/v1/assignments"
      searchable={false}
      columns={[
        { label: "Teacher", cell: (a) => tea.get(a.teacher_id)?.name ?? `#${a.teacher_id}` },
        { label: "Class", cell: (a) => classLabel(cls.get(a.class_id)) },
        { label: "Subject", cell: (a) => sub.get(a.subject_id)?.name ?? `#${a.subject_id}` },
      ]}
      createFields={[
        {
          key: "teacher_id",
          label: "Teacher",
          required: true,
          options: teachers.data!.map((t) => ({ value: String(t.id), label: t.name })),
        },
        {
          key: "class_id",
          label: "Class",
          required: true,
          options: classes.data!.map((c) => ({ value: String(c.id), label: classLabel(c) })),
        },
        {
          key: "subject_id",
          label: "Subject",
          required: true,
          options: subjects.data!.map((s) => ({ value: String(s.id), label: `${s.code} · ${s.name}` })),
        },
      ]}
      toBody={(v) => ({
        teacher_id: Number(v.teacher_id),
        class_id: Number(v.class_id),
        subject_id: Number(v.subject_id),
      })}
      created={() => <p class="notice">The assignment was added.</p>}
      rowActions={(a, reload) => (
        <DeleteButton path={`/api/v1/assignments/${a.id}`} what="this assignment" onDone={reload} />
      )}
    />
  );
}
