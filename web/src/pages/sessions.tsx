// Sessions: the list (newest first, by class) and creating one.
import { useEffect, useState } from "preact/hooks";
import { api, get, getAll, query, type Me, type Page, type User } from "../api";
import { useClasses, useSubjects, useTeachers } from "../lookups";
import { classLabel, type Assignment, type Method, type Session } from "../types";
import {
  Empty,
  ErrorBox,
  Field,
  Link,
  PageTitle,
  Pager,
  Select,
  Show,
  formatMs,
  navigate,
  useAction,
  useAsync,
} from "../ui";

const kPageSize = 25;
export const kMethods: { value: Method; label: string }[] = [
  { value: "photo", label: "Class photo" },
  { value: "checkin", label: "Self check-in" },
  { value: "manual", label: "Manual" },
  { value: "mixed", label: "Mixed" },
];
export const methodLabel = (m: string) => kMethods.find((x) => x.value === m)?.label ?? m;

export function SessionsPage({ user }: { user: User }) {
  const [classId, setClassId] = useState(new URLSearchParams(location.search).get("class_id") ?? "");
  const [offset, setOffset] = useState(0);
  const classes = useClasses();
  const subjects = useSubjects();
  useEffect(() => setOffset(0), [classId]);
  const page = useAsync(
    () => get<Page<Session>>("/api/v1/sessions" + query({ class_id: classId, offset, limit: kPageSize })),
    [classId, offset],
  );
  const classById = new Map((classes.data ?? []).map((c) => [c.id, c]));
  const subjectById = new Map((subjects.data ?? []).map((s) => [s.id, s]));
  return (
    <section>
      <PageTitle
        actions={
          <Link class="button primary" href="/sessions/new">
            New session
          </Link>
        }
      >
        Sessions
      </PageTitle>
      <div class="filters">
        <Select
          label="Class"
          value={classId}
          onValue={setClassId}
          placeholder={user.role === "teacher" ? "My sessions" : "All classes"}
          options={(classes.data ?? []).map((c) => ({ value: String(c.id), label: classLabel(c) }))}
        />
      </div>
      <Show value={page}>
        {(data) =>
          data.items.length === 0 ? (
            <Empty>No sessions yet. Create one to take attendance.</Empty>
          ) : (
            <>
              <div class="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Starts</th>
                      <th scope="col">Class</th>
                      <th scope="col">Subject</th>
                      <th scope="col">Method</th>
                      <th scope="col">State</th>
                      <th scope="col">
                        <span class="sr-only">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.items.map((s) => (
                      <tr key={s.id}>
                        <td>
                          <Link href={`/sessions/${s.id}`}>{formatMs(s.starts_ms)}</Link>
                        </td>
                        <td>{classLabel(classById.get(s.class_id))}</td>
                        <td>{subjectById.get(s.subject_id)?.name ?? `#${s.subject_id}`}</td>
                        <td>{methodLabel(s.method)}</td>
                        <td>{s.is_locked ? "Locked" : "Open"}</td>
                        <td class="row-actions">
                          <Link href={`/sessions/${s.id}`}>Attendance</Link>
                          <Link href={`/sessions/${s.id}/checkin`}>Check-in</Link>
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

export function localInput(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function NewSessionPage({ user }: { user: User }) {
  const isAdmin = user.role === "admin";
  const classes = useClasses();
  const subjects = useSubjects();
  const teachers = useTeachers(isAdmin);
  const me = useAsync(() => get<Me>("/api/v1/me"), []);
  const assignments = useAsync(() => getAll<Assignment>("/api/v1/assignments"), []);
  const now = new Date();
  now.setSeconds(0, 0);
  const params = new URLSearchParams(location.search);
  const [classId, setClassId] = useState(params.get("class_id") ?? "");
  const [subjectId, setSubjectId] = useState("");
  const [teacherId, setTeacherId] = useState("");
  const [starts, setStarts] = useState(localInput(now));
  const [minutes, setMinutes] = useState("60");
  const [method, setMethod] = useState<string>(params.get("method") ?? "photo");
  const action = useAction();

  // A teacher picks among their assignments; an admin picks a teacher who
  // is assigned the class and subject (or any teacher).
  const mine = (assignments.data ?? []).filter((a) =>
    isAdmin ? !teacherId || a.teacher_id === Number(teacherId) : a.teacher_id === me.data?.teacher_id,
  );
  const classOptions = (classes.data ?? []).filter((c) => isAdmin || mine.some((a) => a.class_id === c.id));
  const subjectOptions = (subjects.data ?? []).filter(
    (s) =>
      (isAdmin && !teacherId) ||
      mine.some((a) => a.subject_id === s.id && (!classId || a.class_id === Number(classId))),
  );
  useEffect(() => {
    if (isAdmin && !teacherId && classId && subjectId) {
      const a = (assignments.data ?? []).find(
        (x) => x.class_id === Number(classId) && x.subject_id === Number(subjectId),
      );
      if (a) setTeacherId(String(a.teacher_id));
    }
  }, [classId, subjectId, assignments.data]);

  return (
    <section>
      <PageTitle>New session</PageTitle>
      <ErrorBox error={classes.error ?? subjects.error ?? assignments.error ?? me.error} />
      <form
        class="card form-grid"
        onSubmit={(e) => {
          e.preventDefault();
          const start = new Date(starts);
          const end = new Date(start.getTime() + Number(minutes) * 60_000);
          action.run(async () => {
            const s = await api<Session>("POST", "/api/v1/sessions", {
              class_id: Number(classId),
              subject_id: Number(subjectId),
              teacher_id: isAdmin ? Number(teacherId) : (me.data?.teacher_id ?? undefined),
              starts_at: start.toISOString(),
              ends_at: end.toISOString(),
              method,
            });
            navigate(method === "checkin" ? `/sessions/${s.id}/checkin` : `/sessions/${s.id}`);
          });
        }}
      >
        <Select
          label="Class"
          value={classId}
          onValue={setClassId}
          required
          placeholder="Choose a class"
          options={classOptions.map((c) => ({ value: String(c.id), label: classLabel(c) }))}
        />
        <Select
          label="Subject"
          value={subjectId}
          onValue={setSubjectId}
          required
          placeholder="Choose a subject"
          options={subjectOptions.map((s) => ({ value: String(s.id), label: `${s.code} · ${s.name}` }))}
        />
        {isAdmin ? (
          <Select
            label="Teacher"
            value={teacherId}
            onValue={setTeacherId}
            required
            placeholder="Choose a teacher"
            options={(teachers.data ?? []).map((t) => ({ value: String(t.id), label: t.name }))}
          />
        ) : null}
        <Field label="Starts" type="datetime-local" value={starts} onValue={setStarts} required />
        <Field label="Length (minutes)" type="number" min={1} max={600} value={minutes} onValue={setMinutes} required />
        <Select label="How attendance is taken" value={method} onValue={setMethod} options={kMethods} />
        {!isAdmin && assignments.data && mine.length === 0 ? (
          <p class="warn">You have no teaching assignments yet: an administrator assigns classes and subjects.</p>
        ) : null}
        <ErrorBox error={action.error} />
        <div class="form-actions">
          <button type="submit" class="primary" disabled={action.busy}>
            Create session
          </button>
        </div>
      </form>
    </section>
  );
}
