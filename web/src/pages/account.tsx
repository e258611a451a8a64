// Your account: who you are and changing your password.
import { useState } from "preact/hooks";
import { api, logOut, type User } from "../api";
import { ErrorBox, Field, PageTitle, navigate, useAction } from "../ui";

export function AccountPage({ user }: { user: User }) {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const action = useAction();
  return (
    <section>
      <PageTitle>Your account</PageTitle>
      <p>
        Signed in as <strong>{user.username}</strong> ({user.role}).
      </p>
      <form
        class="card form-grid"
        aria-label="Change password"
        onSubmit={(e) => {
          e.preventDefault();
          action.run(async () => {
            await api("POST", "/api/v1/auth/password", { current_password: current, new_password: next });
            await logOut();
            navigate("/login");
          });
        }}
      >
        <h2>Change password</h2>
        <Field
          label="Current password"
          type="password"
          value={current}
          onValue={setCurrent}
          autoComplete="current-password"
          required
        />
        <Field
          label="New password"
          type="password"
          value={next}
          onValue={setNext}
          autoComplete="new-password"
          required
          minLength={12}
          hint="12 to 128 characters. Every login of yours ends; sign in again after."
        />
        <ErrorBox error={action.error} />
        <div class="form-actions">
          <button type="submit" class="primary" disabled={action.busy}>
            Change password
          </button>
        </div>
      </form>
    </section>
  );
}
