// The app: the signed-in shell with role-aware navigation, and the routes.
// /checkin is the student's phone page and needs no login.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import "./styles.css";
import { currentUser, logOut, onAuthChange, type User } from "./api";
import { Link, navigate, useLocation } from "./ui";
import { LoginPage } from "./pages/login";
import { CheckinPage } from "./pages/checkin";
import { HomePage } from "./pages/home";
import { StudentsPage, StudentPage, NewStudentPage } from "./pages/students";
import { ImportPage } from "./pages/import";
import { SessionsPage, NewSessionPage } from "./pages/sessions";
import { SessionPage } from "./pages/session";
import { WindowPage } from "./pages/window";
import { ReportsPage, StudentReportPage } from "./pages/reports";
import { AuditPage } from "./pages/audit";
import { AssignmentsPage, ClassesPage, SubjectsPage, TeachersPage, UsersPage } from "./pages/admin";
import { WebhooksPage } from "./pages/webhooks";
import { BackupsPage, SettingsPage, StatusPage } from "./pages/system";
import { AccountPage, ForcedPasswordChange } from "./pages/account";

interface NavItem {
  href: string;
  label: string;
  roles: User["role"][];
}

const kNav: NavItem[] = [
  { href: "/", label: "Home", roles: ["admin", "teacher", "student"] },
  { href: "/sessions", label: "Sessions", roles: ["admin", "teacher"] },
  { href: "/students", label: "Students", roles: ["admin", "teacher"] },
  { href: "/reports", label: "Reports", roles: ["admin", "teacher"] },
  { href: "/admin/users", label: "Users", roles: ["admin"] },
  { href: "/admin/teachers", label: "Teachers", roles: ["admin"] },
  { href: "/admin/classes", label: "Classes", roles: ["admin"] },
  { href: "/admin/subjects", label: "Subjects", roles: ["admin"] },
  { href: "/admin/assignments", label: "Assignments", roles: ["admin"] },
  { href: "/admin/webhooks", label: "Webhooks", roles: ["admin"] },
  { href: "/admin/settings", label: "Settings", roles: ["admin"] },
  { href: "/admin/backups", label: "Backups", roles: ["admin"] },
  { href: "/admin/status", label: "System status", roles: ["admin"] },
  { href: "/audit", label: "Audit log", roles: ["admin"] },
];

function match(path: string, pattern: string): Record<string, string> | null {
  const a = path.replace(/\/+$/, "").split("/");
  const b = pattern.split("/");
  if (a.length !== b.length) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i < b.length; i++) {
    if (b[i].startsWith(":")) {
      if (!/^\d+$/.test(a[i])) return null;
      out[b[i].slice(1)] = a[i];
    } else if (a[i] !== b[i]) return null;
  }
  return out;
}

function Routes({ user }: { user: User }) {
  const { path } = useLocation();
  const p = path === "" ? "/" : path;
  let m: Record<string, string> | null;
  if (p === "/") return <HomePage user={user} />;
  if (p === "/students") return <StudentsPage />;
  if (p === "/students/new") return <NewStudentPage />;
  if (p === "/students/import") return <ImportPage />;
  if ((m = match(p, "/students/:id"))) return <StudentPage id={Number(m.id)} />;
  if ((m = match(p, "/students/:id/report"))) return <StudentReportPage id={Number(m.id)} />;
  if (p === "/sessions") return <SessionsPage user={user} />;
  if (p === "/sessions/new") return <NewSessionPage user={user} />;
  if ((m = match(p, "/sessions/:id"))) return <SessionPage id={Number(m.id)} />;
  if ((m = match(p, "/sessions/:id/checkin"))) return <WindowPage id={Number(m.id)} />;
  if (p === "/reports") return <ReportsPage />;
  if (p === "/audit") return <AuditPage />;
  if (p === "/account") return <AccountPage user={user} />;
  if (p === "/admin/users") return <UsersPage />;
  if (p === "/admin/teachers") return <TeachersPage />;
  if (p === "/admin/classes") return <ClassesPage />;
  if (p === "/admin/subjects") return <SubjectsPage />;
  if (p === "/admin/assignments") return <AssignmentsPage />;
  if (p === "/admin/webhooks") return <WebhooksPage />;
  if (p === "/admin/settings") return <SettingsPage />;
  if (p === "/admin/backups") return <BackupsPage />;
  if (p === "/admin/status") return <StatusPage />;
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        There is no page at <code>{p}</code>. <Link href="/">Go home</Link>.
      </p>
    </section>
  );
}

function Shell({ user }: { user: User }) {
  const { path } = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [path]);
  const items = kNav.filter((n) => n.roles.includes(user.role));
  const isCurrent = (href: string) => (href === "/" ? path === "/" : path === href || path.startsWith(href + "/"));
  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <Link href="/" class="brand">
          Rollcall
        </Link>
        <button
          type="button"
          class="menu-button"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          Menu
        </button>
        <div class="who">
          <Link href="/account" title="Your account">
            {user.display_name || user.username}
          </Link>{" "}
          <span class="role-badge">{user.role}</span>
          <button type="button" class="link-button" onClick={() => logOut().then(() => navigate("/login"))}>
            Sign out
          </button>
        </div>
      </header>
      <div class="layout">
        <nav id="main-nav" class={menuOpen ? "sidenav open" : "sidenav"} aria-label="Main">
          <ul>
            {items.map((n) => (
              <li key={n.href}>
                <Link href={n.href} aria-current={isCurrent(n.href) ? "page" : undefined}>
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" tabIndex={-1}>
          <Routes user={user} />
        </main>
      </div>
    </div>
  );
}

function App() {
  const { path } = useLocation();
  const [user, setUser] = useState(currentUser());
  useEffect(() => onAuthChange(() => setUser(currentUser())), []);
  if (path === "/checkin" || path === "/checkin/") return <CheckinPage />;
  if (!user) {
    return <LoginPage />;
  }
  if (user.must_change_password) return <ForcedPasswordChange user={user} />;
  if (path === "/login") {
    navigate("/", true);
    return null;
  }
  return <Shell user={user} />;
}

render(<App />, document.getElementById("app")!);
