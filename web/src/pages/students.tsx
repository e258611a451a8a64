// Students: the list (search, filter by class and section), adding and
// editing one, and enrolling their face photos from files or the camera.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, blobUrl, currentUser, get, query, upload, type Page } from "../api";
import { snapshot, useCamera } from "../camera";
import { useClasses } from "../lookups";
import { classLabel, type Class, type EnrollmentReport, type Photo, type Student } from "../types";
import {
  Empty,
  ErrorBox,
  Field,
  Link,
  Loading,
  PageTitle,
  Pager,
  Progress,
  Select,
  Show,
  formatTime,
  navigate,
  useAction,
  useAsync,
  useDebounced,
} from "../ui";

const kPageSize = 25;

export function StudentsPage() {
  const params = new URLSearchParams(location.search);
  const [q, setQ] = useState(params.get("q") ?? "");
  const [classId, setClassId] = useState(params.get("class_id") ?? "");
  const [section, setSection] = useState("");
  const [offset, setOffset] = useState(0);
  const search = useDebounced(q);
  const classes = useClasses();
  useEffect(() => setOffset(0), [search, classId]);
  const page = useAsync(
    () => get<Page<Student>>("/api/v1/students" + query({ q: search, class_id: classId, offset, limit: kPageSize })),
    [search, classId, offset],
  );
  const byId = new Map((classes.data ?? []).map((c) => [c.id, c]));
  const sections = [...new Set((classes.data ?? []).map((c) => c.section).filter(Boolean))].sort();
  const classOptions = (classes.data ?? [])
    .filter((c) => !section || c.section === section)
    .map((c) => ({ value: String(c.id), label: classLabel(c) }));
  return (
    <section>
      <PageTitle
        actions={
          <>
            <Link class="button" href="/students/import">
              Bulk import
            </Link>
            <Link class="button primary" href="/students/new">
              Add student
            </Link>
          </>
        }
      >
        Students
      </PageTitle>
      <div class="filters" role="search">
        <Field label="Search" type="search" value={q} onValue={setQ} placeholder="Name, roll or registration number" />
        <Select
          label="Section"
          value={section}
          onValue={(s) => {
            setSection(s);
            setClassId("");
          }}
          options={sections.map((s) => ({ value: s, label: s }))}
          placeholder="All sections"
        />
        <Select label="Class" value={classId} onValue={setClassId} options={classOptions} placeholder="All classes" />
      </div>
      <ErrorBox error={classes.error} />
      <Show value={page}>
        {(data) => {
          const items =
            section && !classId ? data.items.filter((s) => byId.get(s.class_id)?.section === section) : data.items;
          if (items.length === 0)
            return (
              <Empty>
                {search || classId || section
                  ? "No student matches."
                  : "No students yet. Add one, or import a class list."}
              </Empty>
            );
          const unenrolled = items.filter((s) => s.photo_count === 0).length;
          return (
            <>
              {unenrolled ? (
                <p class="warn" data-testid="not-enrolled-count">
                  {unenrolled === 1 ? "1 student" : `${unenrolled} students`} on this page{" "}
                  {unenrolled === 1 ? "has" : "have"} no enrollment photo yet, so class photos and self check-in cannot
                  recognise them.
                </p>
              ) : null}
              <div class="table-wrap">
                <table>
                  <caption class="sr-only">Students</caption>
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Roll number</th>
                      <th scope="col">Registration</th>
                      <th scope="col">Class</th>
                      <th scope="col">Photos</th>
                    </tr>
                  </thead>
                  <tbody>
                    {items.map((s) => (
                      <tr key={s.id} data-photos={s.photo_count}>
                        <td>
                          <Link href={`/students/${s.id}`}>{s.name}</Link>
                        </td>
                        <td>{s.roll_number}</td>
                        <td>{s.registration_number}</td>
                        <td>{classLabel(byId.get(s.class_id))}</td>
                        <td class="nowrap">
                          {s.photo_count === undefined ? (
                            "—"
                          ) : s.photo_count === 0 ? (
                            <span class="not-enrolled">Not enrolled</span>
                          ) : (
                            `${s.photo_count} photo${s.photo_count === 1 ? "" : "s"}`
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager offset={offset} limit={kPageSize} total={data.total} onOffset={setOffset} />
            </>
          );
        }}
      </Show>
    </section>
  );
}

interface StudentFields {
  name: string;
  roll_number: string;
  registration_number: string;
  class_id: string;
  phone: string;
}

function StudentForm({
  initial,
  classes,
  submitLabel,
  onSubmit,
  extra,
}: {
  initial: StudentFields;
  classes: Class[];
  submitLabel: string;
  onSubmit: (fields: StudentFields) => Promise<unknown>;
  extra?: preact.ComponentChildren;
}) {
  const [f, setF] = useState(initial);
  const action = useAction();
  const set = (k: keyof StudentFields) => (v: string) => setF({ ...f, [k]: v });
  return (
    <form
      class="card form-grid"
      onSubmit={(e) => {
        e.preventDefault();
        action.run(() => onSubmit(f));
      }}
    >
      <Field label="Name" value={f.name} onValue={set("name")} required maxLength={200} />
      <Field label="Roll number" value={f.roll_number} onValue={set("roll_number")} required maxLength={32} />
      <Field
        label="Registration number (PRN)"
        value={f.registration_number}
        onValue={set("registration_number")}
        required
        maxLength={32}
      />
      <Select
        label="Class"
        value={f.class_id}
        onValue={set("class_id")}
        required
        placeholder="Choose a class"
        options={classes.map((c) => ({ value: String(c.id), label: classLabel(c) }))}
      />
      <Field
        label="Phone (optional)"
        type="tel"
        value={f.phone}
        onValue={set("phone")}
        hint="E.164, e.g. +919876543210"
      />
      {extra}
      <ErrorBox error={action.error} />
      <div class="form-actions">
        <button type="submit" class="primary" disabled={action.busy}>
          {action.busy ? "Saving…" : submitLabel}
        </button>
      </div>
    </form>
  );
}

export function NewStudentPage() {
  const classes = useClasses();
  const [createLogin, setCreateLogin] = useState(false);
  const [created, setCreated] = useState<Student | null>(null);
  if (created?.generated_password) {
    return (
      <section>
        <PageTitle>Student added</PageTitle>
        <div class="card">
          <p>
            <strong>{created.name}</strong> can sign in as <code>{created.registration_number.toLowerCase()}</code>{" "}
            (their registration number) with the password below. It is shown only once: write it down or hand it over
            now.
          </p>
          <p class="secret" aria-label="Generated password">
            {created.generated_password}
          </p>
          <Link class="button primary" href={`/students/${created.id}`}>
            Continue to enrollment
          </Link>
        </div>
      </section>
    );
  }
  return (
    <section>
      <PageTitle>Add a student</PageTitle>
      <Show value={classes}>
        {(list) =>
          list.length === 0 ? (
            <Empty>No classes exist yet: an administrator adds them under Classes.</Empty>
          ) : (
            <StudentForm
              initial={{ name: "", roll_number: "", registration_number: "", class_id: "", phone: "" }}
              classes={list}
              submitLabel="Add student"
              extra={
                <label class="check">
                  <input
                    type="checkbox"
                    checked={createLogin}
                    onChange={(e) => setCreateLogin((e.target as HTMLInputElement).checked)}
                  />{" "}
                  Create a login for the student (password generated)
                </label>
              }
              onSubmit={async (f) => {
                const s = await api<Student>("POST", "/api/v1/students", {
                  name: f.name,
                  roll_number: f.roll_number,
                  registration_number: f.registration_number,
                  class_id: Number(f.class_id),
                  phone: f.phone || undefined,
                  create_login: createLogin || undefined,
                });
                if (s.generated_password) setCreated(s);
                else navigate(`/students/${s.id}`);
              }}
            />
          )
        }
      </Show>
    </section>
  );
}

// The student's Telegram link (made by the student bot with the roll
// number); their teacher or an admin may undo it, so that the student can
// link another account.
function StudentTelegram({ student, onChanged }: { student: Student; onChanged: (s: Student) => void }) {
  const action = useAction();
  return (
    <div class="card telegram-line">
      <p>
        <strong>Telegram:</strong>{" "}
        {student.telegram_linked
          ? "linked to the student bot."
          : "not linked. The student links their account by sending their roll number to the student bot."}
      </p>
      {student.telegram_linked ? (
        <button
          type="button"
          class="small-button"
          disabled={action.busy}
          onClick={() => {
            if (!confirm(`Unlink ${student.name}'s Telegram account? They can link again with the bot.`)) return;
            action.run(async () => onChanged(await api<Student>("DELETE", `/api/v1/students/${student.id}/telegram`)));
          }}
        >
          Unlink Telegram
        </button>
      ) : null}
      <ErrorBox error={action.error} />
    </div>
  );
}

export function StudentPage({ id }: { id: number }) {
  const student = useAsync(() => get<Student>(`/api/v1/students/${id}`), [id]);
  const classes = useClasses();
  const photos = useAsync(() => get<Page<Photo>>(`/api/v1/students/${id}/photos`), [id]);
  const [saved, setSaved] = useState(false);
  const del = useAction();
  const isAdmin = currentUser()?.role === "admin";
  return (
    <section>
      <PageTitle
        actions={
          student.data ? (
            <Link class="button" href={`/students/${id}/report`}>
              Attendance report
            </Link>
          ) : null
        }
      >
        {student.data ? student.data.name : "Student"}
      </PageTitle>
      <Show value={student}>
        {(s) =>
          classes.data ? (
            <StudentForm
              key={s.id}
              initial={{
                name: s.name,
                roll_number: s.roll_number,
                registration_number: s.registration_number,
                class_id: String(s.class_id),
                phone: s.phone,
              }}
              classes={classes.data}
              submitLabel={saved ? "Saved" : "Save changes"}
              onSubmit={async (f) => {
                const next = await api<Student>("PATCH", `/api/v1/students/${id}`, {
                  name: f.name,
                  roll_number: f.roll_number,
                  registration_number: f.registration_number,
                  class_id: Number(f.class_id),
                  phone: f.phone,
                });
                student.set(next);
                setSaved(true);
                setTimeout(() => setSaved(false), 2000);
              }}
            />
          ) : (
            <ErrorBox error={classes.error} />
          )
        }
      </Show>
      {student.data ? (
        <>
          <StudentTelegram student={student.data} onChanged={student.set} />
          <h2>Enrollment photos</h2>
          <p class="muted">
            1 to 5 photos, each showing only this student's face, straight on, sharp and well lit. Each photo is judged
            on its own; a rejected one says why, so it can be retaken.
          </p>
          <Show value={photos}>
            {(list) => (
              <PhotoGrid
                studentId={id}
                studentName={student.data!.name}
                photos={list.items}
                onDeleted={photos.reload}
              />
            )}
          </Show>
          <Enroll studentId={id} count={photos.data?.total ?? 0} onEnrolled={photos.reload} />
          {isAdmin ? (
            <div class="danger-zone">
              <h2>Delete</h2>
              <p class="muted">Deleting a student erases their photos, face templates and login.</p>
              <ErrorBox error={del.error} />
              <button
                type="button"
                class="danger"
                disabled={del.busy}
                onClick={() => {
                  if (!confirm(`Delete ${student.data!.name} with their photos and records?`)) return;
                  del.run(async () => {
                    await api("DELETE", `/api/v1/students/${id}`);
                    navigate("/students");
                  });
                }}
              >
                Delete student
              </button>
            </div>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

function AuthedImage({ path, alt, className }: { path: string; alt: string; className?: string }) {
  const [url, setUrl] = useState<string>();
  const [failed, setFailed] = useState<string>();
  useEffect(() => {
    const controller = new AbortController();
    let made: string | undefined;
    blobUrl(path, controller.signal).then(
      (u) => setUrl((made = u)),
      (e: Error) => e.name !== "AbortError" && setFailed(e.message),
    );
    return () => {
      controller.abort();
      if (made) URL.revokeObjectURL(made);
    };
  }, [path]);
  if (failed) return <span class="muted small">{failed}</span>;
  if (!url) return <span class="spinner" aria-label="Loading image" />;
  return <img src={url} alt={alt} class={className} />;
}

function PhotoGrid({
  studentId,
  studentName,
  photos,
  onDeleted,
}: {
  studentId: number;
  studentName: string;
  photos: Photo[];
  onDeleted: () => void;
}) {
  const action = useAction();
  if (photos.length === 0)
    return <Empty>No photos yet: this student cannot be recognised until one is enrolled.</Empty>;
  return (
    <>
      <ErrorBox error={action.error} />
      <ul class="photo-grid">
        {photos.map((p, i) => (
          <li key={p.id} class="card photo-card">
            {p.is_kept ? (
              <AuthedImage
                path={`/api/v1/students/${studentId}/photos/${p.id}/image`}
                alt={`Enrollment photo ${i + 1}`}
              />
            ) : (
              <span class="muted small">Photo not kept (embeddings only)</span>
            )}
            <div class="small muted">{formatTime(p.created_at)}</div>
            <button
              type="button"
              class="small-button"
              disabled={action.busy}
              aria-label={`Remove enrollment photo ${i + 1}`}
              onClick={() => {
                const last = photos.length === 1;
                if (
                  !confirm(
                    `Remove enrollment photo ${i + 1} of ${studentName}? Its face template is deleted too.${
                      last
                        ? ` It is ${studentName}'s only photo: they cannot be recognised until a new one is added.`
                        : ""
                    }`,
                  )
                )
                  return;
                action.run(async () => {
                  await api("DELETE", `/api/v1/students/${studentId}/photos/${p.id}`);
                  onDeleted();
                });
              }}
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
    </>
  );
}

function EnrollReport({ report }: { report: EnrollmentReport }) {
  return (
    <div class="card" aria-live="polite">
      <p>
        <strong>
          {report.accepted} accepted, {report.rejected} rejected
        </strong>{" "}
        — the student now has {report.photo_count} photo{report.photo_count === 1 ? "" : "s"}.
      </p>
      <ul class="outcomes">
        {report.photos.map((p, i) => (
          <li key={i} class={p.accepted ? "ok" : "bad"}>
            <strong>{p.filename || `photo ${i + 1}`}:</strong>{" "}
            {p.accepted ? "accepted" : `rejected — ${p.reason?.message}`}
            {p.face ? (
              <span class="muted small">
                {" "}
                (eyes {p.face.quality.eye_distance_px.toFixed(0)} px apart, sharpness{" "}
                {p.face.quality.sharpness.toFixed(0)}, brightness {p.face.quality.brightness.toFixed(0)}, turned{" "}
                {Math.abs(p.face.quality.yaw_deg).toFixed(0)}°)
              </span>
            ) : null}
            {p.possible_duplicate ? (
              <div class="warn">
                Looks like {p.possible_duplicate.name} ({p.possible_duplicate.roll_number}), similarity{" "}
                {p.possible_duplicate.similarity.toFixed(2)}: check this is the right student.
              </div>
            ) : null}
          </li>
        ))}
      </ul>
    </div>
  );
}

function Enroll({ studentId, count, onEnrolled }: { studentId: number; count: number; onEnrolled: () => void }) {
  const [files, setFiles] = useState<File[]>([]);
  const [progress, setProgress] = useState<number | null>(null);
  const [report, setReport] = useState<EnrollmentReport | null>(null);
  const [camera, setCamera] = useState(false);
  const action = useAction();
  const inputRef = useRef<HTMLInputElement>(null);
  const room = 5 - count;

  const send_ = async (list: Blob[], names: string[]) => {
    const form = new FormData();
    list.forEach((b, i) => form.append("photos", b, names[i]));
    setProgress(0);
    try {
      const { body } = await upload<EnrollmentReport>(`/api/v1/students/${studentId}/photos`, form, setProgress);
      setReport(body);
      onEnrolled();
      return body;
    } finally {
      setProgress(null);
    }
  };

  return (
    <div class="enroll">
      <h3>Add photos</h3>
      {room <= 0 ? <p class="muted">The student has 5 photos, the most allowed: remove one to replace it.</p> : null}
      <form
        class="card inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (files.length === 0) return;
          action.run(async () => {
            await send_(
              files,
              files.map((f) => f.name),
            );
            setFiles([]);
            if (inputRef.current) inputRef.current.value = "";
          });
        }}
      >
        <div class="field">
          <label for="enroll-files">Photo files (JPEG, PNG or WebP; up to {Math.max(room, 0)})</label>
          <input
            ref={inputRef}
            id="enroll-files"
            type="file"
            accept="image/jpeg,image/png,image/webp"
            multiple
            onChange={(e) => setFiles([...((e.target as HTMLInputElement).files ?? [])])}
          />
        </div>
        <button type="submit" class="primary" disabled={action.busy || files.length === 0 || room <= 0}>
          Upload {files.length ? `${files.length} photo${files.length > 1 ? "s" : ""}` : "photos"}
        </button>
        <button type="button" onClick={() => setCamera(!camera)} aria-expanded={camera}>
          {camera ? "Close camera" : "Use the camera"}
        </button>
      </form>
      {progress !== null ? <Progress value={progress} label="Uploading" /> : null}
      <ErrorBox error={action.error} />
      {camera ? (
        <CameraEnroll
          disabled={room <= 0 || action.busy}
          onShot={(blob) => action.run(() => send_([blob], ["camera.jpg"]))}
        />
      ) : null}
      {report ? <EnrollReport report={report} /> : null}
    </div>
  );
}

// The browser camera: a live preview and a shutter; each shot is sent at
// once, so the operator sees the photo's quality reasons before the next.
function CameraEnroll({ onShot, disabled }: { onShot: (blob: Blob) => void; disabled: boolean }) {
  const { ref: video, error } = useCamera(
    { facingMode: "user", width: { ideal: 1280 }, height: { ideal: 720 } },
    "or upload files instead",
  );
  const [ready, setReady] = useState(false);
  const shoot = async () => {
    const shot = await snapshot(video.current);
    if (shot) onShot(shot);
  };
  return (
    <div class="card camera">
      {error ? (
        <p role="alert" class="error-box">
          {error}
        </p>
      ) : null}
      <video ref={video} playsInline muted aria-label="Camera preview" onLoadedData={() => setReady(true)} />
      {!ready && !error ? <Loading what="Starting the camera" /> : null}
      <button type="button" class="primary" disabled={!ready || disabled} onClick={shoot}>
        Take photo
      </button>
    </div>
  );
}

export { AuthedImage };
