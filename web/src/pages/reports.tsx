// Reports: a class's students x sessions matrix with percentages, the
// students below the threshold, trend charts (per class, per student) and
// CSV/XLSX downloads; a student's own history.
import { useEffect, useRef, useState } from "preact/hooks";
import {
  CategoryScale,
  Chart,
  Filler,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  Tooltip,
} from "chart.js";
import { download, get, query } from "../api";
import { useClasses } from "../lookups";
import { classLabel, type ClassReport, type Status, type StudentReport } from "../types";
import { Empty, ErrorBox, Field, Link, PageTitle, Select, Show, formatMs, percent, useAction, useAsync } from "../ui";

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Tooltip, Filler);

const kMark: Record<Status, string> = { present: "P", late: "L", absent: "A", excused: "E" };

function TrendChart({
  labels,
  values,
  label,
  threshold,
}: {
  labels: string[];
  values: (number | null)[];
  label: string;
  threshold?: number;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, {
      type: "line",
      data: {
        labels,
        datasets: [
          {
            label,
            data: values,
            borderColor: "#1d4ed8",
            backgroundColor: "rgba(29,78,216,0.12)",
            fill: true,
            tension: 0.2,
            spanGaps: true,
            pointRadius: 4,
          },
          ...(threshold !== undefined
            ? [
                {
                  label: "Threshold",
                  data: labels.map(() => threshold),
                  borderColor: "#b91c1c",
                  borderDash: [6, 4],
                  pointRadius: 0,
                  fill: false,
                },
              ]
            : []),
        ],
      },
      options: {
        animation: false,
        layout: { padding: 8 },
        responsive: true,
        maintainAspectRatio: false,
        scales: { y: { min: 0, max: 100, ticks: { callback: (v) => `${v}%` } } },
        plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${c.parsed.y?.toFixed(1)}%` } } },
      },
    });
    return () => chart.destroy();
  }, [labels.join("|"), values.join("|"), threshold]);
  const last = [...values].reverse().find((v) => v !== null);
  return (
    <div class="chart-box">
      <canvas
        ref={canvas}
        role="img"
        aria-label={`${label}: ${values.length} points${last !== undefined && last !== null ? `, latest ${last.toFixed(1)}%` : ""}`}
      />
    </div>
  );
}

export function ReportsPage() {
  const classes = useClasses();
  const params = new URLSearchParams(location.search);
  const [classId, setClassId] = useState(params.get("class_id") ?? "");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  // Empty: the server's default (the runtime setting report_threshold_percent).
  const [threshold, setThreshold] = useState("");
  useEffect(() => {
    if (!classId && classes.data?.length) setClassId(String(classes.data[0].id));
  }, [classes.data]);
  const q = query({ from, to, threshold });
  const report = useAsync(
    () => (classId ? get<ClassReport>(`/api/v1/classes/${classId}/report${q}`) : Promise.resolve(null)),
    [classId, q],
  );
  const action = useAction();
  const file = (format: string) => `/api/v1/classes/${classId}/report${query({ from, to, threshold, format })}`;
  return (
    <section>
      <PageTitle
        actions={
          classId ? (
            <>
              <button type="button" disabled={action.busy} onClick={() => action.run(() => download(file("csv")))}>
                Download CSV
              </button>
              <button type="button" disabled={action.busy} onClick={() => action.run(() => download(file("xlsx")))}>
                Download XLSX
              </button>
            </>
          ) : null
        }
      >
        Reports
      </PageTitle>
      <div class="filters">
        <Select
          label="Class"
          value={classId}
          onValue={setClassId}
          placeholder="Choose a class"
          options={(classes.data ?? []).map((c) => ({ value: String(c.id), label: classLabel(c) }))}
        />
        <Field label="From" type="date" value={from} onValue={setFrom} />
        <Field label="To" type="date" value={to} onValue={setTo} />
        <Field
          label="Threshold (%)"
          type="number"
          min={0}
          max={100}
          value={threshold}
          onValue={setThreshold}
          placeholder="default"
          title="Empty: the server's default threshold"
        />
      </div>
      <ErrorBox error={classes.error ?? action.error} />
      {classes.data?.length === 0 ? <Empty>No classes yet.</Empty> : null}
      <Show value={report}>
        {(r) =>
          r ? (
            <ClassReportView r={r} threshold={r.threshold ?? (threshold === "" ? 75 : Number(threshold))} />
          ) : (
            <Empty>Choose a class.</Empty>
          )
        }
      </Show>
    </section>
  );
}

function ClassReportView({ r, threshold }: { r: ClassReport; threshold: number }) {
  if (r.sessions.length === 0) return <Empty>No sessions in this range.</Empty>;
  // Per session: the share of counted students who attended.
  const trend = r.sessions.map((_, i) => {
    let attended = 0;
    let counted = 0;
    for (const s of r.students) {
      const st = s.statuses[i];
      if (st === "present" || st === "late") attended++;
      if (st === "present" || st === "late" || st === "absent") counted++;
    }
    return counted ? (100 * attended) / counted : null;
  });
  const labels = r.sessions.map(
    (s) => `${s.date} ${new Date(s.starts_ms).toLocaleTimeString(undefined, { timeStyle: "short" })} ${s.subject.code}`,
  );
  return (
    <>
      <div class="two-col">
        <div class="card">
          <h2>Attendance per session</h2>
          <TrendChart
            labels={labels}
            values={trend}
            label={`${classLabel(r.class)} attendance`}
            threshold={threshold}
          />
        </div>
        <div class="card">
          <h2>
            Below {threshold}% <span class="count">{r.below_threshold.length}</span>
          </h2>
          {r.below_threshold.length === 0 ? (
            <Empty>Every student is at or above the threshold.</Empty>
          ) : (
            <ul class="below-list">
              {r.below_threshold.map((s) => (
                <li key={s.id}>
                  <Link href={`/students/${s.id}/report`}>{s.name}</Link> <span class="muted">{s.roll_number}</span>{" "}
                  <strong class="bad-text">{percent(s.percent)}</strong>
                </li>
              ))}
            </ul>
          )}
          {r.subjects?.length ? (
            <>
              <h3>Per subject</h3>
              <ul class="plain">
                {r.subjects.map((s) => (
                  <li key={s.code}>
                    {s.code} {s.name ?? ""}: <strong>{percent(s.percent)}</strong>
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </div>
      </div>
      <h2>Sessions and students</h2>
      <p class="muted small">
        P present · L late · A absent · E excused · — no record. Excused sessions and sessions without a record are left
        out of the percentage.
      </p>
      <div class="table-wrap matrix-wrap">
        <table class="matrix">
          <thead>
            <tr>
              <th scope="col">Student</th>
              {r.sessions.map((s) => (
                <th scope="col" key={s.id}>
                  <Link href={`/sessions/${s.id}`} title={formatMs(s.starts_ms)}>
                    {s.date.slice(5)}
                    <br />
                    {s.subject.code}
                  </Link>
                </th>
              ))}
              <th scope="col">%</th>
              {r.subjects?.map((s) => (
                <th scope="col" key={`sub-${s.code}`}>
                  {s.code} %
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {r.students.map((s) => (
              <tr key={s.id} class={s.below_threshold ? "below" : ""}>
                <th scope="row">
                  <Link href={`/students/${s.id}/report`}>{s.name}</Link>{" "}
                  <span class="muted small">{s.roll_number}</span>
                </th>
                {s.statuses.map((st, i) => (
                  <td key={i} class={`mark ${st ?? "none"}`} title={st ?? "no record"}>
                    {st ? kMark[st] : "—"}
                  </td>
                ))}
                <td>
                  <strong>{percent(s.percent)}</strong>
                </td>
                {r.subjects?.map((sub) => {
                  const mine = s.subjects.find((x) => x.code === sub.code);
                  return <td key={`sub-${sub.code}`}>{percent(mine?.percent)}</td>;
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

export function StudentReportPage({ id }: { id: number }) {
  const report = useAsync(() => get<StudentReport>(`/api/v1/students/${id}/report`), [id]);
  const action = useAction();
  return (
    <section>
      <PageTitle
        actions={
          <>
            <button
              type="button"
              onClick={() => action.run(() => download(`/api/v1/students/${id}/report?format=csv`))}
            >
              Download CSV
            </button>
            <button
              type="button"
              onClick={() => action.run(() => download(`/api/v1/students/${id}/report?format=xlsx`))}
            >
              Download XLSX
            </button>
          </>
        }
      >
        {report.data ? `${report.data.student.name}: attendance` : "Attendance"}
      </PageTitle>
      <ErrorBox error={action.error} />
      <Show value={report}>{(r) => <StudentReportView r={r} />}</Show>
    </section>
  );
}

export function StudentReportView({ r }: { r: StudentReport }) {
  // Cumulative percentage after each session, oldest first.
  let attended = 0;
  let counted = 0;
  const trend = r.history.map((h) => {
    if (h.status === "present" || h.status === "late") attended++;
    if (h.status !== "excused") counted++;
    return counted ? (100 * attended) / counted : null;
  });
  return (
    <>
      <p>
        {r.student.roll_number} · {classLabel(r.class)} · overall <strong>{percent(r.percent)}</strong> (
        {r.totals.attended} of {r.totals.counted} counted sessions)
      </p>
      {r.history.length === 0 ? (
        <Empty>No attendance recorded yet.</Empty>
      ) : (
        <>
          <div class="card">
            <h2>Trend</h2>
            <TrendChart
              labels={r.history.map((h) => `${h.session.date} ${h.session.subject.code}`)}
              values={trend}
              label="Cumulative attendance"
            />
          </div>
          <h2>Per subject</h2>
          <ul class="plain">
            {r.subjects.map((s) => (
              <li key={s.id}>
                {s.code} {s.name}: <strong>{percent(s.percent)}</strong> over {s.sessions} session
                {s.sessions === 1 ? "" : "s"}
              </li>
            ))}
          </ul>
          <h2>History</h2>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Date</th>
                  <th scope="col">Subject</th>
                  <th scope="col">Status</th>
                  <th scope="col">Decided by</th>
                </tr>
              </thead>
              <tbody>
                {r.history.map((h) => (
                  <tr key={h.session.id}>
                    <td>{formatMs(h.session.starts_ms)}</td>
                    <td>{h.session.subject.name}</td>
                    <td class={`mark ${h.status}`}>{h.status}</td>
                    <td>{h.decided_by}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </>
  );
}
