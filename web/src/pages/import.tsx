// Bulk import: a CSV of students and an optional ZIP of photos named by
// roll number (docs/API.md, Bulk import). Shows the upload's progress, then
// the job's, and every row's error.
import { useEffect, useState } from "preact/hooks";
import { get, upload } from "../api";
import type { Job } from "../types";
import { Empty, ErrorBox, Link, PageTitle, Progress, useAction } from "../ui";

export function ImportPage() {
  const [csv, setCsv] = useState<File | null>(null);
  const [zip, setZip] = useState<File | null>(null);
  const [sent, setSent] = useState<number | null>(null);
  const [job, setJob] = useState<Job | null>(null);
  const action = useAction();
  const [pollError, setPollError] = useState<Error>();

  useEffect(() => {
    if (!job || job.state === "done" || job.state === "failed") return;
    const t = setTimeout(() => {
      get<Job>(`/api/v1/jobs/${job.id}`).then(setJob, setPollError);
    }, 500);
    return () => clearTimeout(t);
  }, [job]);

  return (
    <section>
      <PageTitle>Bulk import</PageTitle>
      <p>
        A CSV with the columns <code>name</code>, <code>roll_number</code>, <code>registration_number</code> and either{" "}
        <code>class_id</code> or <code>class</code> + <code>section</code> (optional <code>phone</code>), and optionally
        a ZIP of photos named by roll number (<code>21IT001.jpg</code>, <code>21IT001_2.jpg</code>…). Classes must exist
        first.
      </p>
      <form
        class="card form-grid"
        onSubmit={(e) => {
          e.preventDefault();
          if (!csv) return;
          const form = new FormData();
          form.append("students", csv, csv.name);
          if (zip) form.append("photos", zip, zip.name);
          setJob(null);
          setPollError(undefined);
          action.run(async () => {
            setSent(0);
            try {
              const { body } = await upload<Job>("/api/v1/imports", form, setSent);
              setJob(body);
            } finally {
              setSent(null);
            }
          });
        }}
      >
        <div class="field">
          <label for="import-csv">Students (CSV)</label>
          <input
            id="import-csv"
            type="file"
            accept=".csv,text/csv,text/plain"
            required
            onChange={(e) => setCsv((e.target as HTMLInputElement).files?.[0] ?? null)}
          />
        </div>
        <div class="field">
          <label for="import-zip">Photos (ZIP, optional)</label>
          <input
            id="import-zip"
            type="file"
            accept=".zip,application/zip"
            onChange={(e) => setZip((e.target as HTMLInputElement).files?.[0] ?? null)}
          />
        </div>
        <div class="form-actions">
          <button
            type="submit"
            class="primary"
            disabled={!csv || action.busy || (job !== null && job.state === "running")}
          >
            Start import
          </button>
        </div>
      </form>
      {sent !== null ? <Progress value={sent} label="Uploading" /> : null}
      <ErrorBox error={action.error ?? pollError} />
      {job ? (
        <div class="card" aria-live="polite">
          <h2>Import {job.state === "done" ? "finished" : job.state === "failed" ? "stopped" : job.state}</h2>
          <Progress
            value={job.total ? job.done / job.total : job.state === "done" ? 1 : 0}
            label={`${job.done} of ${job.total} rows`}
          />
          {job.state === "failed" ? (
            <p class="error-box">
              The server stopped during the import. Send it again: rows already created will report roll_number_taken.
            </p>
          ) : null}
          <h3>Row errors ({job.errors.length})</h3>
          {job.errors.length === 0 ? (
            <Empty>{job.state === "done" ? "Every row was imported." : "None so far."}</Empty>
          ) : (
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Line</th>
                    <th scope="col">Roll number</th>
                    <th scope="col">Problem</th>
                    <th scope="col">Code</th>
                  </tr>
                </thead>
                <tbody>
                  {job.errors.map((r, i) => (
                    <tr key={i}>
                      <td>{r.line}</td>
                      <td>{r.roll_number}</td>
                      <td>{r.message}</td>
                      <td>
                        <code>{r.code}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {job.state === "done" ? <Link href="/students">See the students</Link> : null}
        </div>
      ) : null}
    </section>
  );
}
