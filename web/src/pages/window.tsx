// Self check-in, the teacher's side: open a window (code, duration, radius,
// the browser's location), then a projector display with the big code, the
// QR code of the check-in link, a countdown and a live counter (Server-Sent
// Events), and close / extend.
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, api, blobUrl, get, streamEvents } from "../api";
import { useClasses, useSubjects } from "../lookups";
import { classLabel, type Session, type Submission, type Window } from "../types";
import { Empty, ErrorBox, Field, Link, Loading, PageTitle, formatTime, sentence, useAction, useAsync } from "../ui";

// Guessing at the code, as the server counts it across every address: set
// once codes were guessed at ("N wrong codes were tried; the code was
// changed"); the new code arrives with the window itself.
type Guessing = { alert?: string | null; code_changes?: number; wrong_codes?: number };

async function getWindow(id: number): Promise<Window | null> {
  try {
    return await get<Window>(`/api/v1/sessions/${id}/checkin-window`);
  } catch (e) {
    if (e instanceof ApiError && e.code === "no_window") return null;
    throw e;
  }
}

export function WindowPage({ id }: { id: number }) {
  const win = useAsync(() => getWindow(id), [id]);
  // The lecture's name for the title and the projector: "Physics · BTech IT · A".
  const session = useAsync(() => get<Session>(`/api/v1/sessions/${id}`), [id]);
  const classes = useClasses();
  const subjects = useSubjects();
  const s = session.data;
  const lecture = s
    ? `${subjects.data?.find((x) => x.id === s.subject_id)?.name ?? "Session"} · ${classLabel(
        classes.data?.find((c) => c.id === s.class_id),
      )}`
    : "";
  return (
    <section>
      <PageTitle
        actions={
          <Link class="button" href={`/sessions/${id}`}>
            Session attendance
          </Link>
        }
      >
        Self check-in{lecture ? ` · ${lecture}` : ""}
      </PageTitle>
      {win.error ? <ErrorBox error={win.error} onRetry={win.reload} /> : null}
      {win.loading && win.data === undefined ? <Loading /> : null}
      {win.data === null || (win.data && win.data.state === "finalized") ? (
        <>
          {win.data ? <FinalSummary win={win.data} sessionId={id} /> : null}
          <OpenForm sessionId={id} onOpened={(w) => win.set(w)} again={!!win.data} />
        </>
      ) : null}
      {win.data && win.data.state !== "finalized" ? (
        <Display sessionId={id} lecture={lecture} initial={win.data} onFinalized={win.reload} />
      ) : null}
    </section>
  );
}

function FinalSummary({ win, sessionId }: { win: Window; sessionId: number }) {
  return (
    <div class="card">
      <h2>The last window is closed</h2>
      <p>
        {win.counts.accepted} checked in, {win.counts.rejected} rejected. Closed {formatTime(win.closes_at)}; the
        session was locked and everyone else marked absent.
      </p>
      <Link href={`/sessions/${sessionId}`}>See the attendance</Link>
    </div>
  );
}

type Geo = { latitude: string; longitude: string; accuracy: number | null };

export function locate(): Promise<GeolocationPosition> {
  return new Promise((resolve, reject) => {
    if (!navigator.geolocation) {
      reject(new Error("This browser cannot tell its location."));
      return;
    }
    navigator.geolocation.getCurrentPosition(
      resolve,
      (e) => {
        if (e.code === e.PERMISSION_DENIED)
          reject(
            new Error(
              "Location permission was denied. Allow location for this site in the browser's settings and try again.",
            ),
          );
        else if (e.code === e.TIMEOUT)
          reject(new Error("Finding the location took too long. Move near a window or outdoors and try again."));
        else reject(new Error("The location is not available right now. Turn on location services and try again."));
      },
      { enableHighAccuracy: true, timeout: 20_000, maximumAge: 0 },
    );
  });
}

function OpenForm({
  sessionId,
  onOpened,
  again,
}: {
  sessionId: number;
  onOpened: (w: Window) => void;
  again: boolean;
}) {
  const [geo, setGeo] = useState<Geo>({ latitude: "", longitude: "", accuracy: null });
  // Empty: the server's defaults (runtime settings checkin_default_*).
  const [duration, setDuration] = useState("");
  const [radius, setRadius] = useState("");
  const [lateAfter, setLateAfter] = useState("");
  const [photos, setPhotos] = useState(false);
  const locating = useAction();
  const action = useAction();
  const findMe = () =>
    locating.run(async () => {
      const p = await locate();
      setGeo({
        latitude: p.coords.latitude.toFixed(6),
        longitude: p.coords.longitude.toFixed(6),
        accuracy: p.coords.accuracy,
      });
    });
  useEffect(() => {
    findMe();
  }, []);
  return (
    <form
      class="card form-grid"
      aria-labelledby="open-title"
      onSubmit={(e) => {
        e.preventDefault();
        action.run(async () => {
          const w = await api<Window>("POST", `/api/v1/sessions/${sessionId}/checkin-window`, {
            latitude: Number(geo.latitude),
            longitude: Number(geo.longitude),
            radius_m: radius ? Number(radius) : undefined,
            duration_s: duration ? Number(duration) : undefined,
            late_after_s: lateAfter ? Number(lateAfter) : undefined,
            accept_photos: photos,
          });
          onOpened(w);
        });
      }}
    >
      <h2 id="open-title">{again ? "Open another window" : "Open a check-in window"}</h2>
      <p class="muted">
        Students check in with the code on screen, their phone's location (within the radius of yours) and a short face
        video.
      </p>
      <Field
        label="Duration (seconds)"
        type="number"
        min={10}
        max={3600}
        value={duration}
        onValue={setDuration}
        placeholder="default"
        hint="10 to 3600; empty for the default (90 unless an admin changed it)"
      />
      <Field
        label="Radius (metres)"
        type="number"
        min={1}
        max={10000}
        value={radius}
        onValue={setRadius}
        placeholder="default"
        hint="Empty for the default (50 unless an admin changed it)"
      />
      <Field
        label="Late after (seconds, optional)"
        type="number"
        min={0}
        value={lateAfter}
        onValue={setLateAfter}
        hint="Check-ins after this many seconds count as late."
      />
      <label class="check">
        <input type="checkbox" checked={photos} onChange={(e) => setPhotos((e.target as HTMLInputElement).checked)} />{" "}
        Also accept photos (for phones that cannot record video)
      </label>
      <fieldset class="location">
        <legend>Your location</legend>
        <Field
          label="Latitude"
          type="number"
          step="any"
          min={-90}
          max={90}
          value={geo.latitude}
          onValue={(v) => setGeo({ ...geo, latitude: v })}
          required
        />
        <Field
          label="Longitude"
          type="number"
          step="any"
          min={-180}
          max={180}
          value={geo.longitude}
          onValue={(v) => setGeo({ ...geo, longitude: v })}
          required
        />
        <button type="button" onClick={findMe} disabled={locating.busy}>
          {locating.busy ? "Locating…" : "Use my location"}
        </button>
        {geo.accuracy !== null ? <p class="small muted">Accurate to about {Math.round(geo.accuracy)} m.</p> : null}
        {geo.accuracy !== null && geo.accuracy > (Number(radius) || 50) ? (
          <p class="warn">Your position is less accurate than the radius: consider a larger radius.</p>
        ) : null}
        <ErrorBox error={locating.error} />
      </fieldset>
      <ErrorBox error={action.error} />
      <div class="form-actions">
        <button type="submit" class="primary" disabled={action.busy || !geo.latitude || !geo.longitude}>
          Open window
        </button>
      </div>
    </form>
  );
}

function Display({
  sessionId,
  lecture,
  initial,
  onFinalized,
}: {
  sessionId: number;
  lecture: string;
  initial: Window;
  onFinalized: () => void;
}) {
  const [win, setWin] = useState(initial);
  // Server clock minus ours, so the countdown agrees with the server.
  const skew = useRef(Date.parse(initial.closes_at) - (initial.seconds_left ?? 0) * 1000 - Date.now());
  const [now, setNow] = useState(Date.now());
  const [qr, setQr] = useState<string>();
  const [live, setLive] = useState<"connecting" | "live" | "polling">("connecting");
  const [streamError, setStreamError] = useState<Error>();
  const action = useAction();
  const panel = useRef<HTMLDivElement>(null);
  const submissions = useAsync(
    () => get<{ items: Submission[] }>(`/api/v1/sessions/${sessionId}/checkin-window/submissions`),
    [win.counts.accepted, win.counts.rejected, win.counts.queued],
  );

  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(t);
  }, []);

  useEffect(() => {
    let made: string | undefined;
    blobUrl(`/api/v1/sessions/${sessionId}/checkin-window/qr.svg`).then((u) => setQr((made = u)), setStreamError);
    return () => {
      if (made) URL.revokeObjectURL(made);
    };
  }, [win.id, win.code]);

  // The live counter: one event stream; when it ends early or fails, poll.
  useEffect(() => {
    const controller = new AbortController();
    let finished = false;
    let poll: ReturnType<typeof setInterval> | undefined;
    const startPolling = () => {
      setLive("polling");
      poll = setInterval(() => {
        get<Window>(`/api/v1/sessions/${sessionId}/checkin-window`).then((w) => {
          setWin(w);
          if (w.state === "finalized") {
            clearInterval(poll);
            onFinalized();
          }
        }, setStreamError);
      }, 2000);
    };
    streamEvents(
      `/api/v1/sessions/${sessionId}/checkin-window/events`,
      (event, data) => {
        setLive("live");
        if (event === "update" || event === "finalized") setWin((w) => ({ ...w, ...(data as Window) }));
        if (event === "finalized") {
          finished = true;
          onFinalized();
        }
      },
      controller.signal,
    ).then(
      () => !finished && !controller.signal.aborted && startPolling(),
      (e: Error) => {
        if (e.name === "AbortError") return;
        startPolling();
      },
    );
    return () => {
      controller.abort();
      if (poll) clearInterval(poll);
    };
  }, [sessionId, win.id]);

  const left = Math.max(0, Math.round((Date.parse(win.closes_at) - skew.current - now) / 1000));
  const mm = Math.floor(left / 60);
  const ss = String(left % 60).padStart(2, "0");
  const done = win.counts.accepted;
  const pending = win.counts.queued + win.counts.verifying;

  const extend = (seconds: number) =>
    action.run(async () => {
      const w = await api<Window>("POST", `/api/v1/sessions/${sessionId}/checkin-window/extend`, { seconds });
      if (w.seconds_left !== undefined) skew.current = Date.parse(w.closes_at) - w.seconds_left * 1000 - Date.now();
      setWin(w);
    });

  const warnings = win.link_warnings ?? [];
  const guessing = (win as Window & Guessing).alert;
  return (
    <>
      {guessing ? (
        <div class="warn" role="alert" data-testid="guessing-alert">
          <p>
            <strong>{sentence(guessing)}</strong> Students who read the old code must type the new one or scan the QR
            code again.
          </p>
        </div>
      ) : null}
      {warnings.length ? (
        <div class="warn" role="alert" data-testid="link-warnings">
          <p>
            <strong>Students' phones may not be able to check in:</strong>
          </p>
          <ul>
            {warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </div>
      ) : null}
      <div class="projector" ref={panel}>
        {lecture ? (
          <div class="lecture" data-testid="projector-lecture">
            {lecture}
          </div>
        ) : null}
        <div class="code-block">
          <div class="muted">Check-in code</div>
          <div class="big-code" aria-label={`Check-in code ${win.code.split("").join(" ")}`} data-code={win.code}>
            {win.code}
          </div>
          <div class={`countdown ${left <= 10 ? "urgent" : ""}`} role="timer" aria-live="off">
            {win.state === "open" ? `${mm}:${ss} left` : "Closed — finishing the queued check-ins"}
          </div>
          <div class="counter" aria-live="polite">
            <strong data-testid="checked-in-count">{done}</strong> checked in
            {pending ? <span> · {pending} being verified</span> : null}
            {win.counts.rejected ? <span> · {win.counts.rejected} rejected</span> : null}
          </div>
          <div class="small muted">
            {live === "live" ? "Live" : live === "polling" ? "Updating every 2 s" : "Connecting…"}
          </div>
        </div>
        <div class="qr-block">
          {qr ? (
            <img src={qr} alt={`QR code of the check-in link ${win.link}`} class="qr" />
          ) : (
            <Loading what="Loading the QR code" />
          )}
          <p class="link-text">{win.link}</p>
        </div>
      </div>
      <div class="form-actions">
        {win.state === "open" ? (
          <>
            <button type="button" disabled={action.busy} onClick={() => extend(30)}>
              +30 s
            </button>
            <button type="button" disabled={action.busy} onClick={() => extend(60)}>
              +1 min
            </button>
            <button
              type="button"
              class="danger"
              disabled={action.busy}
              onClick={() =>
                action.run(async () => {
                  const w = await api<Window>("POST", `/api/v1/sessions/${sessionId}/checkin-window/close`);
                  setWin(w);
                })
              }
            >
              Close now
            </button>
          </>
        ) : null}
        <button type="button" onClick={() => panel.current?.requestFullscreen?.().catch(() => undefined)}>
          Full screen
        </button>
      </div>
      <ErrorBox error={action.error ?? streamError} />
      <h2>Check-ins</h2>
      {submissions.data?.items.length === 0 ? <Empty>No check-ins yet.</Empty> : null}
      {submissions.data?.items.length ? (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Student</th>
                <th scope="col">Result</th>
                <th scope="col">Distance</th>
                <th scope="col">Similarity</th>
              </tr>
            </thead>
            <tbody>
              {submissions.data.items.map((s) => (
                <tr key={s.id}>
                  <td>{formatTime(s.submitted_at)}</td>
                  <td>
                    {s.student_id ? (
                      <Link href={`/students/${s.student_id}`}>
                        {s.student_name ? `${s.student_name} (${s.roll_number})` : `#${s.student_id}`}
                      </Link>
                    ) : (
                      "—"
                    )}
                  </td>
                  <td>{s.verdict ? `${s.state}: ${s.verdict.message}` : s.state}</td>
                  <td>{s.distance_m !== undefined ? `${Math.round(s.distance_m)} m` : "—"}</td>
                  <td>{s.similarity !== undefined && s.similarity !== null ? s.similarity.toFixed(2) : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}
