// The student's check-in page (a phone, opened from the QR link
// /checkin?session=ID&code=CODE). It first asks the server whether the
// lecture's check-in is open (public GET /sessions/{id}/checkin-info) and
// offers the form only then: roll number, code, location, a short face
// clip from the camera (MediaRecorder; photos where it is missing), the
// upload with its progress, then the verdict in plain words, and for an
// accepted check-in a receipt. Opened over plain http (not a secure
// context) it says that camera and location cannot work there, before
// anything else.
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, currentUser, errorFromBody, get, streamEvents, upload } from "../api";
import { cameraError, cameraMissing, showStream, snapshot, stopStream } from "../camera";
import type { Submission } from "../types";
import { ErrorBox, Field, Loading, Progress, sentence } from "../ui";
import { locate } from "./window";

const kClipMs = 3000;
// How often the page asks again whether the check-in is open.
const kRecheckOpenMs = 20_000;
const kRecheckClosedMs = 10_000;

// What each refusal means for the student: one message, in the page's
// words. A function of the server's message where that carries the facts
// (how far away, how rough the location); the server's sentence alone
// when the page has nothing better.
const kRefusals: Record<string, string | ((message: string) => string)> = {
  wrong_code: "The code is not the one on the screen. Check it and type it again.",
  code_changed: "The code on the screen was just changed. Type the new code, or scan the QR code again.",
  code_locked:
    "Too many wrong codes were tried in this check-in, so it takes only students who are signed in. Sign in and try again, or ask your teacher.",
  code_expired: "The check-in has closed. Ask your teacher to mark you by hand.",
  no_open_window: "The check-in for this lecture is not open. Ask your teacher.",
  outside_geofence: (m) => {
    const x = /you are (.+?) from the teacher; check-in is open within (.+)$/.exec(m);
    return x
      ? `You are ${x[1]} from your teacher; check-in works only within ${x[2]}. Move into the classroom and try again.`
      : "You are too far from your teacher. Move into the classroom and try again.";
  },
  position_inaccurate: (m) => {
    const x = /accurate to (.+?); need (.+?) or better/.exec(m);
    return `Your location is too rough${
      x ? ` (about ${x[1]}; it must be ${x[2]} or better)` : ""
    }. Turn on precise location (GPS), wait a few seconds, and share it again.`;
  },
  unknown_student: "This roll number is not on the list of this class. Check it and type it again.",
  student_not_in_class: "This check-in is for another class. Check your roll number.",
  student_not_enrolled: "Your face is not enrolled yet, so it cannot be checked. Ask your teacher to add your photo.",
  too_many_attempts: "There were too many tries. Ask your teacher to mark you by hand.",
  no_face: "No face was seen. Face the camera in good light and record again.",
  several_faces: "More than one face was seen. Make sure only you are in the picture, and record again.",
  face_mismatch:
    "The face did not match your enrolled photos. Face the camera in good light and record again, or ask your teacher.",
  liveness_failed: "Turn your head slightly while recording, and do not film a photo or a screen.",
  queue_full: "The server is busy. Wait a few seconds and send again.",
  photos_not_accepted: "This check-in needs a video. Use a browser that can record video (Chrome, Firefox or Safari).",
  models_not_ready: "Faces cannot be checked on the server right now. Ask your teacher to mark you by hand.",
};

export function refusal(code: string, message: string): string {
  const known = kRefusals[code];
  if (typeof known === "function") return known(message);
  if (known) return known;
  if (code.startsWith("face_"))
    return "The picture was not good enough. Hold the phone at arm's length, face the light, and record again.";
  // Too large, too long or too fast a video: the server says what it is and what to record.
  if (code === "video_too_many_pixels" || code === "video_frame_rate_too_high" || code === "video_too_long")
    return sentence(message) || "Record a normal video of a few seconds, at most 1080p and 60 frames a second.";
  if (code.startsWith("video_") || code.startsWith("image_")) return "The recording could not be read. Record again.";
  return sentence(message) || "The check-in was refused.";
}

// Refusals that mean the check-in is over: the page stops offering the form.
const kClosedCodes = new Set(["code_expired", "no_open_window"]);

type Capture = { kind: "video"; blob: Blob; url: string } | { kind: "photos"; blobs: Blob[]; url: string };

interface CheckinInfo {
  session_id: number;
  open: boolean;
  closes_at: string | null;
  seconds_left?: number;
  accept_photos: boolean;
  radius_m: number;
  class_name: string;
  class_section?: string;
  subject_name: string;
}

const lectureName = (i: { subject_name: string; class_name: string; class_section?: string }) =>
  [i.subject_name, i.class_name, i.class_section].filter(Boolean).join(" · ");

// The lecture's check-in as the server sees it, asked again every few
// seconds (the teacher may close it early) and whenever `recheck` is
// called. The previous answer stays shown while the next is on its way.
function useCheckinInfo(sessionId: string) {
  const [info, setInfo] = useState<CheckinInfo | null>(null);
  const [error, setError] = useState<ApiError>();
  const [tick, setTick] = useState(0);
  // Server clock minus this phone's, so the countdown is the server's.
  const skew = useRef(0);
  useEffect(() => {
    setInfo(null);
    setError(undefined);
  }, [sessionId]);
  useEffect(() => {
    if (!/^\d+$/.test(sessionId)) return;
    let stale = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    (async () => {
      const r = await fetch(`/api/v1/sessions/${sessionId}/checkin-info`).catch(() => null);
      const body: unknown = r ? await r.json().catch(() => null) : null;
      if (stale) return;
      let open = false;
      if (!r || !r.ok) {
        setError(errorFromBody(r?.status ?? 0, body));
        setInfo(null);
      } else {
        const i = body as CheckinInfo;
        if (i.closes_at && i.seconds_left !== undefined)
          skew.current = Date.parse(i.closes_at) - i.seconds_left * 1000 - Date.now();
        setError(undefined);
        setInfo(i);
        open = i.open;
      }
      timer = setTimeout(() => setTick((t) => t + 1), open ? kRecheckOpenMs : kRecheckClosedMs);
    })();
    return () => {
      stale = true;
      if (timer) clearTimeout(timer);
    };
  }, [sessionId, tick]);
  return { info, error, skew, recheck: () => setTick((t) => t + 1) };
}

// Seconds left by the server's clock, ticking; 0 when closed.
function useSecondsLeft(info: CheckinInfo | null, skew: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!info?.open) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [info?.open, info?.closes_at]);
  if (!info?.open || !info.closes_at) return 0;
  return Math.max(0, Math.round((Date.parse(info.closes_at) - now - skew) / 1000));
}

export function CheckinPage() {
  const params = new URLSearchParams(location.search);
  const user = currentUser();
  const isStudent = user?.role === "student";
  const [session, setSession] = useState(params.get("session") ?? "");
  const [sessionInput, setSessionInput] = useState("");
  const [roll, setRoll] = useState("");
  const [code, setCode] = useState((params.get("code") ?? "").replace(/\D/g, "").slice(0, 6));
  const [position, setPosition] = useState<GeolocationPosition | null>(null);
  const [locError, setLocError] = useState<string>();
  const [locating, setLocating] = useState(false);
  const [capture, setCapture] = useState<Capture | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [submitError, setSubmitError] = useState<ApiError | Error>();
  const [submission, setSubmission] = useState<Submission | null>(null);
  const { info, error: infoError, skew, recheck } = useCheckinInfo(session);
  const left = useSecondsLeft(info, skew.current);
  // A refusal that says the check-in is over closes the form at once,
  // whatever the last answer about the window said.
  const [closedBy, setClosedBy] = useState<string>();
  const secure = window.isSecureContext;

  useEffect(() => {
    document.title = "Check in · Rollcall";
  }, []);
  // The countdown reached 0: ask the server (it may have been extended).
  useEffect(() => {
    if (info?.open && left === 0) recheck();
  }, [info?.open, left === 0]);

  const findMe = async () => {
    setLocating(true);
    setLocError(undefined);
    try {
      setPosition(await locate());
    } catch (e) {
      setLocError((e as Error).message);
    } finally {
      setLocating(false);
    }
  };

  const send = async () => {
    if (!position || !capture) return;
    setSubmitError(undefined);
    const form = new FormData();
    form.append("session_id", session);
    form.append("code", code);
    if (!isStudent) form.append("roll_number", roll.trim());
    form.append("latitude", String(position.coords.latitude));
    form.append("longitude", String(position.coords.longitude));
    form.append("accuracy_m", String(Math.max(0, position.coords.accuracy)));
    if (capture.kind === "video") {
      const ext = capture.blob.type.includes("mp4") ? "mp4" : "webm";
      form.append("video", capture.blob, `checkin.${ext}`);
    } else capture.blobs.forEach((b, i) => form.append("photos", b, `checkin-${i + 1}.jpg`));
    setProgress(0);
    try {
      const { body } = await upload<Submission>("/api/v1/checkins", form, setProgress, isStudent);
      setSubmission(body);
    } catch (e) {
      const code = e instanceof ApiError ? e.code : "";
      if (kClosedCodes.has(code)) {
        setClosedBy(refusal(code, (e as Error).message));
        recheck();
      } else setSubmitError(e as Error);
    } finally {
      setProgress(null);
    }
  };

  // Follow the verdict: the event stream, or polling when it is refused.
  useEffect(() => {
    if (!submission || submission.state === "accepted" || submission.state === "rejected") return;
    const controller = new AbortController();
    let poll: ReturnType<typeof setTimeout> | undefined;
    const pollOnce = () => {
      get<Submission>(`/api/v1/checkins/${submission.id}`).then(
        (s) => {
          setSubmission(s);
          if (s.state !== "accepted" && s.state !== "rejected") poll = setTimeout(pollOnce, 1000);
        },
        () => (poll = setTimeout(pollOnce, 2000)),
      );
    };
    streamEvents(
      `/api/v1/checkins/${submission.id}/events`,
      (_event, data) => setSubmission(data as Submission),
      controller.signal,
      false,
    ).then(
      () => !controller.signal.aborted && pollOnce(),
      (e: Error) => e.name !== "AbortError" && pollOnce(),
    );
    return () => {
      controller.abort();
      if (poll) clearTimeout(poll);
    };
  }, [submission?.id]);

  const apiCode = submitError instanceof ApiError ? submitError.code : "";
  const ready = /^\d{6}$/.test(code) && (isStudent || roll.trim() !== "") && !!position && !!capture;
  const accuracy = position?.coords.accuracy ?? null;
  const hasSession = /^\d+$/.test(session);
  const open = !!info?.open && left > 0 && !closedBy;

  let body;
  if (submission) {
    body = (
      <Verdict
        submission={submission}
        lecture={info ? lectureName(info) : ""}
        onRetry={() => {
          setSubmission(null);
          setCapture(null);
        }}
      />
    );
  } else if (!secure) {
    body = <NotSecure />;
  } else if (!hasSession) {
    body = (
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          if (/^\d+$/.test(sessionInput.trim())) setSession(sessionInput.trim());
        }}
      >
        <p>Open the link your teacher shared, or type the lecture's session number.</p>
        <Field
          label="Session number"
          value={sessionInput}
          onValue={setSessionInput}
          inputMode="numeric"
          required
          hint="From the link your teacher shared"
        />
        <button type="submit" class="primary">
          Continue
        </button>
      </form>
    );
  } else if (infoError) {
    body = <NoCheckin error={infoError} onRecheck={recheck} />;
  } else if (!info) {
    body = <Loading what="Asking whether the check-in is open" />;
  } else if (!open) {
    body = <Closed info={info} reason={closedBy} />;
  } else {
    body = (
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          send();
        }}
      >
        <section aria-labelledby="who">
          <h2 id="who">1. You and the code</h2>
          {isStudent ? (
            <p>
              Signed in as <strong>{user!.display_name || user!.username}</strong>.
            </p>
          ) : (
            <Field
              label="Roll number"
              value={roll}
              onValue={setRoll}
              autoComplete="username"
              required
              autoCapitalize="characters"
            />
          )}
          <Field
            label="Code on the screen"
            value={code}
            onValue={(v) => setCode(v.replace(/\D/g, "").slice(0, 6))}
            inputMode="numeric"
            pattern="[0-9]{6}"
            autoComplete="one-time-code"
            required
            hint="6 digits"
          />
        </section>
        <section aria-labelledby="where">
          <h2 id="where">2. Your location</h2>
          <p class="muted small">You must be in the classroom. Your position is sent once, with this check-in.</p>
          <button type="button" onClick={findMe} disabled={locating}>
            {locating ? "Finding your location…" : position ? "Update my location" : "Share my location"}
          </button>
          {position ? (
            <p role="status" class={accuracy !== null && accuracy > 100 ? "warn" : "ok-text"}>
              {accuracy !== null && accuracy > 100
                ? `Your location is only accurate to about ${Math.round(accuracy)} m, which may be refused. Turn on precise location and update it.`
                : `Location found (accurate to about ${Math.round(accuracy ?? 0)} m).`}
            </p>
          ) : null}
          {locError ? (
            <p role="alert" class="error-box">
              {locError}
            </p>
          ) : null}
        </section>
        <section aria-labelledby="face">
          <h2 id="face">3. Your face</h2>
          <Camera capture={capture} onCapture={setCapture} />
        </section>
        {progress !== null ? <Progress value={progress} label="Sending" /> : null}
        {submitError ? (
          <div role="alert" class="error-box" data-testid="checkin-refusal">
            <strong>Not checked in.</strong> {refusal(apiCode, submitError.message)}
          </div>
        ) : null}
        <button type="submit" class="primary wide" disabled={!ready || progress !== null}>
          {progress !== null ? "Sending…" : "Check in"}
        </button>
        {!ready ? (
          <p class="muted small">
            {!position
              ? "Share your location"
              : !capture
                ? "Record your face"
                : "Fill in your roll number and the code"}{" "}
            to check in.
          </p>
        ) : null}
      </form>
    );
  }

  return (
    <main class="checkin-page" id="main">
      <h1>Check in</h1>
      {!submission && info ? <SessionInfo info={info} left={closedBy ? 0 : left} /> : null}
      {body}
    </main>
  );
}

// Opened over plain http (not localhost): browsers give such a page no
// camera and no location, so nothing here could work.
function NotSecure() {
  return (
    <div class="card notice-card bad" role="alert" data-testid="checkin-not-secure">
      <h2>This link cannot be used to check in</h2>
      <p>
        The page was opened through <strong>{location.origin}</strong>, a link that is not secure (it starts with
        http://, not https://). Phones and browsers only let a secure page use the camera and your location, so checking
        in from this link cannot work.
      </p>
      <p>
        Ask your teacher for a check-in link that starts with <strong>https://</strong>; the school's IT staff can set
        one up. Until then, your teacher can mark you present by hand.
      </p>
    </div>
  );
}

// No check-in to offer: the session has none yet, or does not exist.
function NoCheckin({ error, onRecheck }: { error: ApiError; onRecheck: () => void }) {
  const text =
    error.code === "no_window"
      ? "This lecture has no check-in yet. When your teacher opens it, this page shows the form by itself."
      : error.code === "session_not_found"
        ? "There is no such lecture. Check the link your teacher shared, or scan the QR code again."
        : error.status === 0
          ? "The server cannot be reached. Check your connection."
          : sentence(error.message);
  return (
    <div class="card notice-card" role="status" data-testid="checkin-none">
      <p>{text}</p>
      <button type="button" onClick={onRecheck}>
        Check again
      </button>
    </div>
  );
}

// The check-in is over: nothing to fill in.
function Closed({ info, reason }: { info: CheckinInfo; reason?: string }) {
  return (
    <div class="card notice-card bad" role="status" data-testid="checkin-closed">
      <h2>Check-in has closed</h2>
      <p>{reason ?? `The check-in for ${lectureName(info)} is closed, so check-ins are not taken now.`}</p>
      <p>
        If you were in the lecture and could not check in, ask your teacher to mark you by hand. If your teacher opens a
        new check-in, scan the new QR code.
      </p>
    </div>
  );
}

function Verdict({ submission, lecture, onRetry }: { submission: Submission; lecture: string; onRetry: () => void }) {
  const s = submission;
  if (s.state === "accepted") {
    const r = s.receipt;
    const at = r?.checked_in_at ?? s.verified_at ?? s.submitted_at;
    const lectureText = r ? `${[r.subject_name, r.class_name, r.class_section].filter(Boolean).join(" · ")}` : lecture;
    return (
      <div class="card verdict accepted" role="status" aria-live="polite" data-state="accepted">
        <div class="verdict-mark" aria-hidden="true">
          ✓
        </div>
        <h2>You are checked in</h2>
        <p>
          {s.already ? "You had already checked in for this lecture. " : ""}
          Marked <strong>{s.attendance ?? "present"}</strong>.
        </p>
        <dl class="receipt" data-testid="checkin-receipt" aria-label="Receipt">
          {r?.student_name ? (
            <>
              <dt>Name</dt>
              <dd>{r.student_name}</dd>
            </>
          ) : null}
          {r?.roll_number ? (
            <>
              <dt>Roll number</dt>
              <dd>{r.roll_number}</dd>
            </>
          ) : null}
          {lectureText ? (
            <>
              <dt>Lecture</dt>
              <dd>{lectureText}</dd>
            </>
          ) : null}
          <dt>Checked in at</dt>
          <dd>
            {new Date(at).toLocaleString(undefined, {
              weekday: "short",
              day: "numeric",
              month: "short",
              year: "numeric",
              hour: "2-digit",
              minute: "2-digit",
              second: "2-digit",
            })}
          </dd>
        </dl>
        <p class="small muted">Show this to your teacher if asked. You can close this page.</p>
      </div>
    );
  }
  if (s.state === "rejected") {
    return (
      <div class="card verdict rejected" role="alert" data-state="rejected">
        <div class="verdict-mark" aria-hidden="true">
          ✗
        </div>
        <h2>Not checked in</h2>
        <p>{refusal(s.verdict?.code ?? "", s.verdict?.message ?? "")}</p>
        <button type="button" class="primary" onClick={onRetry}>
          Try again
        </button>
      </div>
    );
  }
  return (
    <div class="card verdict pending" role="status" aria-live="polite" data-state={s.state}>
      <span class="spinner" aria-hidden="true" />
      <h2>{s.state === "verifying" ? "Checking your face…" : "Received — waiting to be checked…"}</h2>
      <p class="muted">Keep this page open; the answer comes in a few seconds.</p>
    </div>
  );
}

function pickMime(): string | undefined {
  if (typeof MediaRecorder === "undefined") return undefined;
  for (const t of ["video/webm;codecs=vp8", "video/webm;codecs=vp9", "video/webm", "video/mp4"]) {
    if (MediaRecorder.isTypeSupported(t)) return t;
  }
  return "";
}

// Which lecture this is, whether it is open and for how long, whether
// photos are allowed (never the code).
function SessionInfo({ info, left }: { info: CheckinInfo; left: number }) {
  const open = info.open && left > 0;
  return (
    <div class="card session-info" data-testid="checkin-info">
      <p class="session-name">
        <strong>{info.subject_name}</strong> · {info.class_name}
        {info.class_section ? ` · ${info.class_section}` : ""}
      </p>
      <p class={open ? "ok-text" : "bad-text"}>
        {open ? `Open: ${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")} left` : "Closed."}
      </p>
      {open ? (
        <p class="small muted">
          {info.accept_photos
            ? "A short video or photos of your face."
            : "A short video of your face (photos are not accepted)."}{" "}
          Be within {Math.round(info.radius_m)} m of your teacher.
        </p>
      ) : null}
    </div>
  );
}

function Camera({ capture, onCapture }: { capture: Capture | null; onCapture: (c: Capture | null) => void }) {
  const video = useRef<HTMLVideoElement>(null);
  const stream = useRef<MediaStream | null>(null);
  const [state, setState] = useState<"off" | "starting" | "on" | "recording">("off");
  const [live, setLive] = useState(false);
  const [error, setError] = useState<string>();
  const [left, setLeft] = useState(0);
  const mime = pickMime();

  const stop = () => {
    stopStream(stream.current);
    stream.current = null;
  };
  useEffect(() => stop, []);

  const start = async () => {
    setError(undefined);
    const missing = cameraMissing();
    if (missing) {
      setError(missing);
      return;
    }
    setState("starting");
    try {
      const s = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: "user", width: { ideal: 640 }, height: { ideal: 480 } },
        audio: false,
      });
      stream.current = s;
      setLive(false);
      setState("on");
      onCapture(null);
      requestAnimationFrame(() => showStream(video.current, s));
    } catch (e) {
      setState("off");
      setError(cameraError(e as Error, "then press Start camera again"));
    }
  };

  const record = () => {
    if (!stream.current) return;
    const recorder = new MediaRecorder(stream.current, mime ? { mimeType: mime } : undefined);
    const chunks: Blob[] = [];
    recorder.ondataavailable = (e) => e.data.size && chunks.push(e.data);
    recorder.onstop = () => {
      const blob = new Blob(chunks, { type: (recorder.mimeType || mime || "video/webm").split(";")[0] });
      stop();
      setState("off");
      onCapture({ kind: "video", blob, url: URL.createObjectURL(blob) });
    };
    recorder.start(250);
    setState("recording");
    const until = Date.now() + kClipMs;
    setLeft(Math.ceil(kClipMs / 1000));
    const tick = setInterval(() => {
      const ms = until - Date.now();
      setLeft(Math.max(0, Math.ceil(ms / 1000)));
      if (ms <= 0) {
        clearInterval(tick);
        recorder.stop();
      }
    }, 100);
  };

  const photo = async () => {
    const shot = await snapshot(video.current);
    if (!shot) return;
    stop();
    setState("off");
    onCapture({ kind: "photos", blobs: [shot], url: URL.createObjectURL(shot) });
  };

  return (
    <div class="camera">
      <p class="muted small">
        {mime !== undefined
          ? `Look at the camera and turn your head a little while it records ${kClipMs / 1000} seconds.`
          : "This browser cannot record video: take a photo instead (accepted only when your teacher allows photos)."}
      </p>
      {state === "on" || state === "recording" || state === "starting" ? (
        <div class="viewfinder">
          <video ref={video} playsInline muted aria-label="Camera preview" onLoadedData={() => setLive(true)} />
          {state === "recording" ? (
            <div class="rec" role="status">
              ● Recording… {left}
            </div>
          ) : null}
        </div>
      ) : null}
      {capture && state === "off" ? (
        <div class="viewfinder">
          {capture.kind === "video" ? (
            <video src={capture.url} playsInline muted loop autoPlay aria-label="Your recorded clip" />
          ) : (
            <img src={capture.url} alt="Your photo" />
          )}
          <p class="ok-text" role="status">
            {capture.kind === "video" ? "Clip recorded." : "Photo taken."}
          </p>
        </div>
      ) : null}
      <div class="form-actions">
        {state === "off" ? (
          <button type="button" onClick={start}>
            {capture ? "Record again" : "Start camera"}
          </button>
        ) : null}
        {state === "on" && mime !== undefined ? (
          <button type="button" class="primary" onClick={record} disabled={!live}>
            Record {kClipMs / 1000}-second clip
          </button>
        ) : null}
        {state === "on" ? (
          <button type="button" onClick={photo} disabled={!live}>
            Take a photo instead
          </button>
        ) : null}
      </div>
      <ErrorBox error={error ? new Error(error) : undefined} />
    </div>
  );
}
