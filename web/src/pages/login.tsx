// Sign in. A deep link (/students/12) opened while signed out shows this
// form and, once signed in, the page that was asked for.
import { useState } from "preact/hooks";
import { logIn } from "../api";
import { ErrorBox, Field, navigate, useAction } from "../ui";

export function LoginPage() {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const action = useAction();
  return (
    <main class="login-page" id="main">
      <form
        class="card login-card"
        aria-labelledby="login-title"
        onSubmit={async (e) => {
          e.preventDefault();
          const user = await action.run(() => logIn(username.trim(), password));
          if (user && location.pathname === "/login") navigate("/", true);
        }}
      >
        <h1 id="login-title">Rollcall</h1>
        <p class="muted">Sign in to take and review attendance.</p>
        <Field label="Username" value={username} onValue={setUsername} autoComplete="username" required autoFocus />
        <Field
          label="Password"
          type="password"
          value={password}
          onValue={setPassword}
          autoComplete="current-password"
          required
        />
        <ErrorBox error={action.error} />
        <button type="submit" class="primary" disabled={action.busy}>
          {action.busy ? "Signing in…" : "Sign in"}
        </button>
        <p class="muted small">
          Students checking in: open the link or QR code your teacher shows, or go to{" "}
          <a href="/checkin">the check-in page</a>.
        </p>
      </form>
    </main>
  );
}
