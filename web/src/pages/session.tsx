// One session's attendance: class photos with clickable face boxes
// (matched / borderline / unknown / low quality), the class list with who is
// present, corrections (pick a student for a face, or drag a student onto a
// face), manual marks, and saving.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, blobUrl, currentUser, download, get, upload, ApiError } from "../api";
import { snapshot, useCamera } from "../camera";
import { useClasses, useSubjects } from "../lookups";
import {
  classLabel,
  type ClassPhoto,
  type Face,
  type ResultStudent,
  type Session,
  type SessionResult,
  type Status,
} from "../types";
import {
  Empty,
  ErrorBox,
  Field,
  Link,
  Loading,
  PageTitle,
  Progress,
  Select,
  Show,
  formatMs,
  navigate,
  useAction,
  useAsync,
} from "../ui";
import { kMethods, localInput, methodLabel } from "./sessions";

const kStatusText: Record<Face["status"], string> = {
  matched: "matched",
  borderline: "borderline — please confirm",
  unknown: "unknown",
  low_quality: "too small or blurred",
};

export function SessionPage({ id }: { id: number }) {
  const session = useAsync(() => get<Session>(`/api/v1/sessions/${id}`), [id]);
  const result = useAsync(() => get<SessionResult>(`/api/v1/sessions/${id}/result`), [id]);
  const classes = useClasses();
  const subjects = useSubjects();
  const [selected, setSelected] = useState<Face | null>(null);
  const [message, setMessage] = useState<string>("");
  const action = useAction();

  // The session's photos with their faces (GET /sessions/{id}/photos),
  // listed again after an upload or a correction.
  const [photoTick, setPhotoTick] = useState(0);
  const photoList = useAsync(() => get<{ items: ClassPhoto[] }>(`/api/v1/sessions/${id}/photos`), [id, photoTick]);
  const photos = photoList.data?.items ?? [];
  const photoError = photoList.error;

  const refresh = () => {
    result.reload();
    setPhotoTick((t) => t + 1);
  };

  const correct = (face: Face, studentId: number | null) =>
    action.run(async () => {
      await api("PATCH", `/api/v1/sessions/${id}/faces/${face.id}`, { student_id: studentId });
      const who =
        studentId === null ? "nobody" : result.data?.students.find((s) => s.student.id === studentId)?.student.name;
      setMessage(`Face ${face.index + 1} is now ${who}.`);
      setSelected(null);
      refresh();
    });

  const s = session.data;
  const locked = s?.is_locked ?? false;
  const cls = classes.data?.find((c) => c.id === s?.class_id);
  const subject = subjects.data?.find((x) => x.id === s?.subject_id);

  return (
    <section>
      <PageTitle
        actions={
          s ? (
            <>
              <Link class="button" href={`/sessions/${id}/checkin`}>
                Self check-in
              </Link>
              <button
                type="button"
                onClick={() => action.run(() => download(`/api/v1/sessions/${id}/report?format=csv`))}
              >
                CSV
              </button>
              <button
                type="button"
                onClick={() => action.run(() => download(`/api/v1/sessions/${id}/report?format=xlsx`))}
              >
                XLSX
              </button>
            </>
          ) : null
        }
      >
        {s ? `${subject?.name ?? "Session"} · ${classLabel(cls)}` : "Session"}
      </PageTitle>
      <Show value={session}>
        {(s) => (
          <p class="muted">
            {formatMs(s.starts_ms)} – {new Date(s.ends_ms).toLocaleTimeString(undefined, { timeStyle: "short" })} ·{" "}
            {methodLabel(s.method)} · {s.is_locked ? "locked: no more changes" : "open"}
          </p>
        )}
      </Show>
      {s ? <SessionEdit session={s} onChanged={session.set} /> : null}
      {!locked && s ? <PhotoUpload sessionId={id} onDone={refresh} /> : null}
      <ErrorBox error={action.error ?? photoError} />
      <p class="sr-only" aria-live="polite">
        {message}
      </p>
      {message ? <p class="notice">{message}</p> : null}
      <Show value={result}>
        {(r) => (
          <div class="review">
            <div class="photos">
              {photoList.data === undefined && !photoError ? (
                <Loading what="Loading the photos" />
              ) : photos.length === 0 ? (
                <Empty>No class photo yet. Upload or take one: every face is matched against the class.</Empty>
              ) : (
                photos.map((p) => (
                  <AnnotatedPhoto
                    key={p.id}
                    sessionId={id}
                    photo={p}
                    selected={selected}
                    onSelect={setSelected}
                    onDropStudent={(face, studentId) => !locked && correct(face, studentId)}
                  />
                ))
              )}
              <Legend />
              {selected && !locked ? (
                <FaceEditor
                  face={selected}
                  students={r.students}
                  busy={action.busy}
                  onPick={(sid) => correct(selected, sid)}
                  onClose={() => setSelected(null)}
                />
              ) : null}
            </div>
            <ClassList sessionId={id} result={r} locked={locked} onChanged={refresh} />
          </div>
        )}
      </Show>
    </section>
  );
}

// Changing a session: its times and method (PATCH), locking it (teachers
// and admins) and unlocking it (admins only), and deleting it with its
// photos and records. The API's refusal (session_locked, forbidden) shows.
function SessionEdit({ session, onChanged }: { session: Session; onChanged: (s: Session) => void }) {
  const isAdmin = currentUser()?.role === "admin";
  const [open, setOpen] = useState(false);
  const [starts, setStarts] = useState(localInput(new Date(session.starts_ms)));
  const [ends, setEnds] = useState(localInput(new Date(session.ends_ms)));
  const [method, setMethod] = useState<string>(session.method);
  const [note, setNote] = useState("");
  const action = useAction();
  useEffect(() => {
    setStarts(localInput(new Date(session.starts_ms)));
    setEnds(localInput(new Date(session.ends_ms)));
    setMethod(session.method);
  }, [session.starts_ms, session.ends_ms, session.method]);
  const patch = (body: Record<string, unknown>, done: string) =>
    action.run(async () => {
      const next = await api<Session>("PATCH", `/api/v1/sessions/${session.id}`, body);
      onChanged(next);
      setNote(done);
    });
  return (
    <div class="card session-edit">
      <div class="form-actions">
        <button type="button" aria-expanded={open} aria-controls="session-edit-form" onClick={() => setOpen(!open)}>
          {open ? "Close editing" : "Edit session"}
        </button>
        {session.is_locked ? (
          isAdmin ? (
            <button
              type="button"
              disabled={action.busy}
              onClick={() => patch({ is_locked: false }, "The session is unlocked.")}
            >
              Unlock
            </button>
          ) : null
        ) : (
          <button
            type="button"
            disabled={action.busy}
            onClick={() => {
              if (confirm("Lock this session? Only an administrator can unlock it."))
                patch({ is_locked: true }, "The session is locked.");
            }}
          >
            Lock
          </button>
        )}
        <button
          type="button"
          class="danger"
          disabled={action.busy}
          onClick={() => {
            if (!confirm("Delete this session with its photos and attendance records?")) return;
            action.run(async () => {
              await api("DELETE", `/api/v1/sessions/${session.id}`);
              navigate("/sessions");
            });
          }}
        >
          Delete session
        </button>
      </div>
      {open ? (
        <form
          id="session-edit-form"
          class="form-grid"
          aria-label="Edit session"
          onSubmit={(e) => {
            e.preventDefault();
            patch(
              { starts_at: new Date(starts).toISOString(), ends_at: new Date(ends).toISOString(), method },
              "The session was changed.",
            );
          }}
        >
          <Field label="Starts" type="datetime-local" value={starts} onValue={setStarts} required />
          <Field label="Ends" type="datetime-local" value={ends} onValue={setEnds} required />
          <Select label="How attendance is taken" value={method} onValue={setMethod} options={kMethods} />
          <div class="form-actions">
            <button type="submit" class="primary" disabled={action.busy || session.is_locked}>
              Save changes
            </button>
          </div>
        </form>
      ) : null}
      <ErrorBox error={action.error} />
      {note ? (
        <p role="status" class="notice">
          {note}
        </p>
      ) : null}
    </div>
  );
}

function PhotoUpload({ sessionId, onDone }: { sessionId: number; onDone: () => void }) {
  const [files, setFiles] = useState<File[]>([]);
  const [shots, setShots] = useState<{ file: File; url: string }[]>([]);
  const [camera, setCamera] = useState(false);
  const [progress, setProgress] = useState<number | null>(null);
  const [summary, setSummary] = useState("");
  const input = useRef<HTMLInputElement>(null);
  const action = useAction();
  const all = [...files, ...shots.map((s) => s.file)];
  const dropShot = (url: string) => {
    URL.revokeObjectURL(url);
    setShots((list) => list.filter((s) => s.url !== url));
  };
  return (
    <form
      class="card photo-upload"
      aria-label="Add class photos"
      onSubmit={(e) => {
        e.preventDefault();
        if (!all.length) return;
        const form = new FormData();
        all.forEach((f) => form.append("photos", f, f.name));
        setSummary("");
        action.run(async () => {
          setProgress(0);
          try {
            const { body } = await upload<{ photos: ClassPhoto[] }>(
              `/api/v1/sessions/${sessionId}/photos`,
              form,
              setProgress,
            );
            const faces = body.photos.reduce((n, p) => n + p.faces.length, 0);
            const matched = body.photos.reduce((n, p) => n + p.faces.filter((f) => f.status === "matched").length, 0);
            setSummary(`${faces} face${faces === 1 ? "" : "s"} found, ${matched} matched.`);
            setFiles([]);
            shots.forEach((s) => URL.revokeObjectURL(s.url));
            setShots([]);
            setCamera(false);
            if (input.current) input.current.value = "";
            onDone();
          } finally {
            setProgress(null);
          }
        });
      }}
    >
      <div class="inline-form">
        <div class="field">
          <label for="class-photos">Class photos (JPEG, PNG or WebP)</label>
          <input
            ref={input}
            id="class-photos"
            type="file"
            accept="image/jpeg,image/png,image/webp"
            multiple
            onChange={(e) => setFiles([...((e.target as HTMLInputElement).files ?? [])])}
          />
        </div>
        <button type="button" aria-expanded={camera} onClick={() => setCamera(!camera)}>
          {camera ? "Close camera" : "Take photos with the camera"}
        </button>
        <button type="submit" class="primary" disabled={!all.length || action.busy}>
          {action.busy ? "Recognising…" : all.length > 1 ? `Recognise faces (${all.length} photos)` : "Recognise faces"}
        </button>
      </div>
      {camera ? (
        <ClassCamera
          onShot={(blob) =>
            setShots((list) => [
              ...list,
              {
                file: new File([blob], `camera-${Date.now()}-${list.length + 1}.jpg`, { type: "image/jpeg" }),
                url: URL.createObjectURL(blob),
              },
            ])
          }
        />
      ) : null}
      {shots.length ? (
        <ul class="shots" aria-label="Photos taken">
          {shots.map((s, i) => (
            <li key={s.url}>
              <img src={s.url} alt={`Photo taken ${i + 1}`} />
              <button type="button" class="small-button" onClick={() => dropShot(s.url)}>
                Remove photo {i + 1}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      {progress !== null ? <Progress value={progress} label="Uploading" /> : null}
      {summary ? <p role="status">{summary}</p> : null}
      <ErrorBox error={action.error} />
    </form>
  );
}

// The browser camera for class photos: the back camera where there is
// one, full resolution, a shutter; each shot joins the photos to upload.
function ClassCamera({ onShot }: { onShot: (blob: Blob) => void }) {
  const { ref: video, error } = useCamera(
    { facingMode: { ideal: "environment" }, width: { ideal: 1920 }, height: { ideal: 1080 } },
    "or choose files instead",
  );
  const [ready, setReady] = useState(false);
  const [flash, setFlash] = useState(false);
  const shoot = async () => {
    const shot = await snapshot(video.current);
    if (!shot) return;
    onShot(shot);
    setFlash(true);
    setTimeout(() => setFlash(false), 150);
  };
  return (
    <div class="class-camera">
      {error ? (
        <p role="alert" class="error-box">
          {error}
        </p>
      ) : null}
      <div class={flash ? "viewfinder flash" : "viewfinder"}>
        <video ref={video} playsInline muted aria-label="Camera preview" onLoadedData={() => setReady(true)} />
      </div>
      {!ready && !error ? <Loading what="Starting the camera" /> : null}
      <button type="button" class="primary" disabled={!ready} onClick={shoot}>
        Capture photo
      </button>
      <p class="muted small">Stand where the whole class is in the frame; take more than one photo of a large class.</p>
    </div>
  );
}

function Legend() {
  return (
    <ul class="legend" aria-label="Box colours">
      <li>
        <span class="swatch matched" /> matched
      </li>
      <li>
        <span class="swatch borderline" /> borderline (confirm)
      </li>
      <li>
        <span class="swatch unknown" /> unknown
      </li>
      <li>
        <span class="swatch low_quality" /> too small or blurred
      </li>
      <li>
        <span class="swatch corrected" /> corrected by hand
      </li>
    </ul>
  );
}

function AnnotatedPhoto({
  sessionId,
  photo,
  selected,
  onSelect,
  onDropStudent,
}: {
  sessionId: number;
  photo: ClassPhoto;
  selected: Face | null;
  onSelect: (f: Face) => void;
  onDropStudent: (f: Face, studentId: number) => void;
}) {
  const [url, setUrl] = useState<string>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    let made: string | undefined;
    // The original shows the faces without the server's drawn boxes; a
    // photo not kept (embeddings only) falls back to the annotated copy.
    blobUrl(`/api/v1/sessions/${sessionId}/photos/${photo.id}/image`)
      .catch((e: unknown) => {
        if (e instanceof ApiError && e.code === "photo_not_kept") return blobUrl(photo.annotated_url);
        throw e;
      })
      .then(
        (u) => setUrl((made = u)),
        (e: Error) => setError(e.message),
      );
    return () => {
      if (made) URL.revokeObjectURL(made);
    };
  }, [photo.id]);
  const pct = (v: number, of: number) => `${(100 * v) / of}%`;
  return (
    <figure class="class-photo">
      <div class="photo-stage">
        {url ? (
          <img src={url} alt={`Class photo ${photo.filename}`} />
        ) : error ? (
          <p class="error-box">{error}</p>
        ) : (
          <Loading what="Loading the photo" />
        )}
        {url
          ? photo.faces.map((f) => {
              const name = f.student ? f.student.name : "unknown";
              const tone = f.corrected ? "corrected" : f.status;
              return (
                <button
                  type="button"
                  key={f.id}
                  class={`face-box ${tone}${selected?.id === f.id ? " selected" : ""}`}
                  style={{
                    left: pct(f.box.x, photo.width),
                    top: pct(f.box.y, photo.height),
                    width: pct(f.box.w, photo.width),
                    height: pct(f.box.h, photo.height),
                  }}
                  aria-label={`Face ${f.index + 1}: ${name}, ${f.corrected ? "corrected by hand" : kStatusText[f.status]}${
                    f.similarity !== null ? `, similarity ${f.similarity.toFixed(2)}` : ""
                  }`}
                  aria-pressed={selected?.id === f.id}
                  data-face-id={f.id}
                  data-status={f.status}
                  onClick={() => onSelect(f)}
                  onDragOver={(e) => e.preventDefault()}
                  onDrop={(e) => {
                    e.preventDefault();
                    const sid = Number(e.dataTransfer?.getData("text/x-student-id"));
                    if (sid) onDropStudent(f, sid);
                  }}
                >
                  <span class="face-tag">{f.student ? f.student.name : "?"}</span>
                </button>
              );
            })
          : null}
      </div>
      <figcaption class="muted small">
        {photo.filename || `Photo ${photo.id}`}: {photo.faces.length} face{photo.faces.length === 1 ? "" : "s"}
        {photo.processing_ms ? `, recognised in ${(photo.processing_ms / 1000).toFixed(1)} s` : ""}. Click a box to
        correct it, or drag a student from the list onto it.
      </figcaption>
    </figure>
  );
}

function FaceEditor({
  face,
  students,
  busy,
  onPick,
  onClose,
}: {
  face: Face;
  students: ResultStudent[];
  busy: boolean;
  onPick: (studentId: number | null) => void;
  onClose: () => void;
}) {
  const [choice, setChoice] = useState(face.student ? String(face.student.id) : "");
  const ref = useRef<HTMLSelectElement>(null);
  useEffect(() => ref.current?.focus(), [face.id]);
  return (
    <form
      class="card face-editor"
      aria-label={`Correct face ${face.index + 1}`}
      onSubmit={(e) => {
        e.preventDefault();
        onPick(choice ? Number(choice) : null);
      }}
      onKeyDown={(e) => e.key === "Escape" && onClose()}
    >
      <h2 class="h3">Face {face.index + 1}</h2>
      <p class="small">
        {face.student ? `${face.student.name} (${face.student.roll_number})` : "Nobody"} ·{" "}
        {face.corrected ? "corrected by hand" : kStatusText[face.status]}
        {face.similarity !== null ? ` · similarity ${face.similarity.toFixed(2)}` : ""}
        {face.runner_up ? ` · runner-up ${face.runner_up.name} (${(face.runner_up_similarity ?? 0).toFixed(2)})` : ""}
      </p>
      <div class="field">
        <label for="face-student">This face is</label>
        <select
          id="face-student"
          ref={ref}
          value={choice}
          onChange={(e) => setChoice((e.target as HTMLSelectElement).value)}
        >
          <option value="">Nobody from this class</option>
          {students.map((s) => (
            <option key={s.student.id} value={String(s.student.id)}>
              {s.student.name} ({s.student.roll_number})
            </option>
          ))}
        </select>
      </div>
      <div class="form-actions">
        <button type="submit" class="primary" disabled={busy}>
          Apply correction
        </button>
        {face.status === "borderline" && face.student && !face.corrected ? (
          <button type="button" disabled={busy} onClick={() => onPick(face.student!.id)}>
            Confirm {face.student.name}
          </button>
        ) : null}
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}

const kMarks: Status[] = ["present", "late", "absent", "excused"];

const kDecidedBy: Record<ResultStudent["decided_by"], string> = {
  manual: "marked by hand",
  checkin: "checked in",
  photo: "class photo",
};

// How a row's decision came about, in words.
function howDecided(s: ResultStudent): string {
  if (s.decided_by === "photo" && s.faces.some((f) => f.corrected)) return "face corrected by hand";
  if (s.decided_by === "photo" && s.similarity !== null) return `class photo, similarity ${s.similarity.toFixed(2)}`;
  if (s.decided_by === "photo" && s.status === "absent") return "not found in the photos";
  if (s.decided_by === "checkin" && s.status === "absent") return "did not check in";
  return kDecidedBy[s.decided_by];
}

// "12 present (2 late), 3 absent, 1 excused": the words of the page's
// headings and of the save message, from the same counts.
export function countsText(counts: SessionResult["counts"]): string {
  const attended = counts.present + counts.late;
  const parts = [`${attended} present${counts.late ? ` (${counts.late} late)` : ""}`, `${counts.absent} absent`];
  if (counts.excused) parts.push(`${counts.excused} excused`);
  return parts.join(", ");
}

// The class list: every student once, under Present (present and late),
// Absent or Excused, as the records are (or will be once saved: those rows
// say "not saved yet"); the same rule decides the reports and exports.
function ClassList({
  sessionId,
  result,
  locked,
  onChanged,
}: {
  sessionId: number;
  result: SessionResult;
  locked: boolean;
  onChanged: () => void;
}) {
  const action = useAction();
  const [saved, setSaved] = useState<string>("");
  const present = result.students.filter((s) => s.status === "present" || s.status === "late");
  const absent = result.students.filter((s) => s.status === "absent");
  const excused = result.students.filter((s) => s.status === "excused");
  const row = (s: ResultStudent) => (
    <li
      key={s.student.id}
      class={`student-row ${s.status}${s.pending ? " pending" : ""}`}
      draggable={!locked}
      onDragStart={(e) => e.dataTransfer?.setData("text/x-student-id", String(s.student.id))}
    >
      <span class="name">
        {s.student.name} <span class="muted small">{s.student.roll_number}</span>
        <span class="small muted">
          {" "}
          · {s.status} ({howDecided(s)}){s.pending ? " · not saved yet" : ""}
        </span>
      </span>
      {!locked ? (
        <select
          aria-label={`Mark ${s.student.name}`}
          value=""
          disabled={action.busy}
          onChange={(e) => {
            const status = (e.target as HTMLSelectElement).value as Status;
            if (!status) return;
            action.run(async () => {
              await api("PUT", `/api/v1/sessions/${sessionId}/attendance/${s.student.id}`, { status });
              onChanged();
            });
          }}
        >
          <option value="">Mark…</option>
          {kMarks.map((m) => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </select>
      ) : null}
    </li>
  );
  return (
    <aside class="class-list card" aria-label="Class list">
      <p class="muted small" data-testid="class-counts">
        {countsText(result.counts)}
        {result.pending ? ` · ${result.pending} not saved yet` : ""}
      </p>
      <h2>
        Present <span class="count">{present.length}</span>
      </h2>
      {present.length ? <ul>{present.map(row)}</ul> : <Empty>Nobody yet.</Empty>}
      <h2>
        Absent <span class="count">{absent.length}</span>
      </h2>
      {absent.length ? <ul>{absent.map(row)}</ul> : <Empty>Nobody.</Empty>}
      {excused.length ? (
        <>
          <h2>
            Excused <span class="count">{excused.length}</span>
          </h2>
          <ul>{excused.map(row)}</ul>
        </>
      ) : null}
      {result.conflicts.length ? (
        <div class="warn">
          <p>Check the corrected faces:</p>
          <ul>
            {result.conflicts.map((c) => (
              <li key={c.student.id}>{c.reason}.</li>
            ))}
          </ul>
        </div>
      ) : null}
      {result.borderline_faces.length ? (
        <p class="warn">{result.borderline_faces.length} borderline face(s) to confirm: click the amber boxes.</p>
      ) : null}
      <ErrorBox error={action.error} />
      {!locked ? (
        <button
          type="button"
          class="primary wide"
          disabled={action.busy}
          onClick={() =>
            action.run(async () => {
              const r = await api<SessionResult>("POST", `/api/v1/sessions/${sessionId}/save`);
              setSaved(
                `Saved: ${countsText(r.counts)}${r.changed ? ` (${r.changed} record${r.changed > 1 ? "s" : ""} changed)` : ""}.`,
              );
              onChanged();
            })
          }
        >
          Save attendance
        </button>
      ) : (
        <p class="muted">The session is locked.</p>
      )}
      {saved ? (
        <p role="status" class="notice">
          {saved}
        </p>
      ) : result.saved && !result.pending ? (
        <p class="muted small">Every record of this session is saved.</p>
      ) : null}
    </aside>
  );
}
