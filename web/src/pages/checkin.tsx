// The student's check-in page (a phone, opened from the QR link
// /checkin?session=ID&code=CODE): roll number, code, location, a short face
// clip from the camera (MediaRecorder; photos where it is missing), the
// upload with its progress, then the verdict in plain words.
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, currentUser, errorFromBody, get, streamEvents, upload } from "../api";
import { cameraError, cameraMissing, showStream, snapshot, stopStream } from "../camera";
import type { Submission } from "../types";
import { ErrorBox, Field, Progress } from "../ui";
import { locate } from "./window";

const kClipMs = 3000;

// What each refusal means for the student, beyond the server's message.
const kAdvice: Record<string, string> = {
  wrong_code: "Check the code on the screen and type it again.",
  code_expired: "The window has closed. Ask your teacher to extend it or open a new one.",
  no_open_window: "There is no open check-in for this lecture right now. Ask your teacher.",
  outside_geofence: "Move into the classroom and try again.",
  position_inaccurate: "Your location is too rough. Turn on precise location (GPS), wait a few seconds, and try again.",
  unknown_student: "Check your roll number.",
  student_not_in_class: "This check-in is for another class.",
  student_not_enrolled: "Your face is not enrolled yet. Ask your teacher to add your photo.",
  too_many_attempts: "Too many tries. Ask your teacher to mark you by hand.",
  no_face: "Your face was not visible. Face the camera in good light and try again.",
  several_faces: "More than one face was seen. Make sure only you are in the picture.",
  face_mismatch:
    "The face did not match your enrolled photos. Try again facing the camera in good light, or ask your teacher.",
  liveness_failed: "Move your head slightly while recording, and do not film a photo or a screen.",
  queue_full: "The server is busy. Wait a few seconds and send again.",
  photos_not_accepted: "This check-in needs a video. Use a browser that can record video (Chrome, Firefox or Safari).",
};

function advice(code: string): string {
  if (kAdvice[code]) return kAdvice[code];
  if (code.startsWith("face_"))
    return "The picture was not good enough. Hold the phone at arm's length, face the light, and try again.";
  if (code.startsWith("video_") || code.startsWith("image_")) return "The recording could not be read. Record again.";
  return "";
}

type Capture = { kind: "video"; blob: Blob; url: string } | { kind: "photos"; blobs: Blob[]; url: string };

export function CheckinPage() {
  const params = new URLSearchParams(location.search);
  const user = currentUser();
  const isStudent = user?.role === "student";
  const [session, setSession] = useState(params.get("session") ?? "");
  const [roll, setRoll] = useState("");
  const [code, setCode] = useState((params.get("code") ?? "").replace(/\D/g, "").slice(0, 6));
  const [position, setPosition] = useState<GeolocationPosition | null>(null);
  const [locError, setLocError] = useState<string>();
  const [locating, setLocating] = useState(false);
  const [capture, setCapture] = useState<Capture | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [submitError, setSubmitError] = useState<ApiError | Error>();
  const [submission, setSubmission] = useState<Submission | null>(null);

  useEffect(() => {
    document.title = "Check in · Rollcall";
  }, []);

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
      setSubmitError(e as Error);
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
  const ready = !!session && /^\d{6}$/.test(code) && (isStudent || roll.trim() !== "") && !!position && !!capture;
  const accuracy = position?.coords.accuracy ?? null;

  return (
    <main class="checkin-page" id="main">
      <h1>Check in</h1>
      {!submission && /^\d+$/.test(session) ? <SessionInfo sessionId={session} /> : null}
      {submission ? (
        <Verdict
          submission={submission}
          onRetry={() => {
            setSubmission(null);
            setCapture(null);
          }}
        />
      ) : (
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
            {!params.get("session") ? (
              <Field
                label="Session number"
                value={session}
                onValue={setSession}
                inputMode="numeric"
                required
                hint="From the link your teacher shared"
              />
            ) : null}
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
            <div role="alert" class="error-box">
              <strong>Not checked in:</strong> {submitError.message} {advice(apiCode)}
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
      )}
    </main>
  );
}

function Verdict({ submission, onRetry }: { submission: Submission; onRetry: () => void }) {
  const s = submission;
  if (s.state === "accepted") {
    return (
      <div class="card verdict accepted" role="status" aria-live="polite" data-state="accepted">
        <div class="verdict-mark" aria-hidden="true">
          ✓
        </div>
        <h2>You are checked in</h2>
        <p>
          {s.already ? "You had already checked in for this lecture. " : ""}
          Marked <strong>{s.attendance ?? "present"}</strong>. You can close this page.
        </p>
      </div>
    );
  }
  if (s.state === "rejected") {
    const code = s.verdict?.code ?? "";
    return (
      <div class="card verdict rejected" role="alert" data-state="rejected">
        <div class="verdict-mark" aria-hidden="true">
          ✗
        </div>
        <h2>Not checked in</h2>
        <p>{s.verdict?.message ?? "The check-in was refused."}</p>
        {advice(code) ? <p>{advice(code)}</p> : null}
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

// Before recording: which lecture this is, whether it is still open and
// for how long, whether photos are allowed (public GET
// /sessions/{id}/checkin-info; it never gives the code).
function SessionInfo({ sessionId }: { sessionId: string }) {
  const [info, setInfo] = useState<CheckinInfo | null>(null);
  const [error, setError] = useState<ApiError>();
  const [now, setNow] = useState(Date.now());
  const skew = useRef(0);
  useEffect(() => {
    let stale = false;
    setInfo(null);
    setError(undefined);
    (async () => {
      const r = await fetch(`/api/v1/sessions/${sessionId}/checkin-info`).catch(() => null);
      if (stale) return;
      const body: unknown = r ? await r.json().catch(() => null) : null;
      if (!r || !r.ok) return setError(errorFromBody(r?.status ?? 0, body));
      const i = body as CheckinInfo;
      // Count down by the server's clock: seconds_left is its own answer.
      if (i.closes_at && i.seconds_left !== undefined)
        skew.current = Date.parse(i.closes_at) - i.seconds_left * 1000 - Date.now();
      setInfo(i);
    })();
    return () => {
      stale = true;
    };
  }, [sessionId]);
  useEffect(() => {
    if (!info?.open) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [info?.open]);
  if (error)
    return (
      <p class="warn" role="status">
        {error.code === "no_window"
          ? "This lecture has no check-in yet. Wait for your teacher to open it, then reload this page."
          : error.message}
      </p>
    );
  if (!info) return null;
  const left = info.closes_at ? Math.max(0, Math.round((Date.parse(info.closes_at) - now - skew.current) / 1000)) : 0;
  const open = info.open && left > 0;
  return (
    <div class="card session-info" data-testid="checkin-info">
      <p class="session-name">
        <strong>{info.subject_name}</strong> · {info.class_name}
        {info.class_section ? ` · ${info.class_section}` : ""}
      </p>
      <p class={open ? "ok-text" : "bad-text"}>
        {open
          ? `Open: ${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")} left`
          : "Closed: check-ins are not taken now."}
      </p>
      <p class="small muted">
        {info.accept_photos
          ? "A short video or photos of your face."
          : "A short video of your face (photos are not accepted)."}{" "}
        Be within {Math.round(info.radius_m)} m of your teacher.
      </p>
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
