// Home: for staff, shortcuts and the latest sessions; for a student, their
// own attendance.
import { get, type Me, type Page, type User } from "../api";
import { useClasses, useSubjects } from "../lookups";
import { classLabel, type Session, type StudentReport } from "../types";
import { Empty, Link, PageTitle, Show, formatMs, useAsync } from "../ui";
import { StudentReportView } from "./reports";
import { methodLabel } from "./sessions";

export function HomePage({ user }: { user: User }) {
  if (user.role === "student") return <StudentHome />;
  return <StaffHome user={user} />;
}

function StaffHome({ user }: { user: User }) {
  const sessions = useAsync(() => get<Page<Session>>("/api/v1/sessions?limit=5"), []);
  const classes = useClasses();
  const subjects = useSubjects();
  return (
    <section>
      <PageTitle>Hello, {user.display_name || user.username}</PageTitle>
      <div class="tiles">
        <Link class="tile" href="/sessions/new?method=photo">
          <strong>Class photo</strong>
          <span>Photograph the class; everyone in it is marked.</span>
        </Link>
        <Link class="tile" href="/sessions/new?method=checkin">
          <strong>Self check-in</strong>
          <span>Show a code and QR; students check in from their phones.</span>
        </Link>
        <Link class="tile" href="/students">
          <strong>Students</strong>
          <span>Add students and enroll their faces.</span>
        </Link>
        <Link class="tile" href="/reports">
          <strong>Reports</strong>
          <span>Percentages, students below the threshold, exports.</span>
        </Link>
      </div>
      <h2>Latest sessions</h2>
      <Show value={sessions}>
        {(p) =>
          p.items.length === 0 ? (
            <Empty>No sessions yet.</Empty>
          ) : (
            <ul class="plain">
              {p.items.map((s) => (
                <li key={s.id}>
                  <Link href={`/sessions/${s.id}`}>
                    {subjects.data?.find((x) => x.id === s.subject_id)?.name ?? "Session"} ·{" "}
                    {classLabel(classes.data?.find((c) => c.id === s.class_id))}
                  </Link>{" "}
                  · {formatMs(s.starts_ms)} · {methodLabel(s.method)}
                  {s.is_locked ? " · locked" : ""}
                </li>
              ))}
            </ul>
          )
        }
      </Show>
    </section>
  );
}

function StudentHome() {
  const report = useAsync(async () => {
    const me = await get<Me>("/api/v1/me");
    if (!me.student_id) return null;
    return get<StudentReport>(`/api/v1/students/${me.student_id}/report`);
  }, []);
  return (
    <section>
      <PageTitle>My attendance</PageTitle>
      <p>
        To check in, open the link or QR code your teacher shows, or{" "}
        <Link href="/checkin">go to the check-in page</Link>.
      </p>
      <Show value={report}>
        {(r) => (r ? <StudentReportView r={r} /> : <Empty>Your login has no student record.</Empty>)}
      </Show>
    </section>
  );
}
