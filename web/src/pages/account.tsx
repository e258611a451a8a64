// Your account: who you are and changing your password.
import { useEffect, useState } from "preact/hooks";
import { api, get, logIn, logOut, type Me, type User } from "../api";
import type { Teacher } from "../types";
import { ErrorBox, Field, Loading, PageTitle, formatTime, navigate, useAction, useAsync } from "../ui";

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
      {user.role === "teacher" ? <TelegramLink /> : null}
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

// After an admin's reset (or the first start's generated admin password)
// the server serves nothing else until the user picks their own password:
// this screen replaces the whole app until then, and signs in again with
// the new password so the user goes on where they were.
export function ForcedPasswordChange({ user }: { user: User }) {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [again, setAgain] = useState("");
  const action = useAction();
  return (
    <main class="login-page" id="main">
      <form
        class="card login-card"
        aria-labelledby="forced-change-title"
        onSubmit={(e) => {
          e.preventDefault();
          action.run(async () => {
            if (next !== again) throw new Error("The two new passwords differ; type the same one twice.");
            await api("POST", "/api/v1/auth/password", { current_password: current, new_password: next });
            await logIn(user.username, next);
          });
        }}
      >
        <h1 id="forced-change-title">Choose your own password</h1>
        <p>
          The password you signed in with as <strong>{user.username}</strong> was set by someone else. Choose a new one
          that only you know before going on.
        </p>
        <Field
          label="Password you were given"
          type="password"
          value={current}
          onValue={setCurrent}
          autoComplete="current-password"
          required
          autoFocus
        />
        <Field
          label="New password"
          type="password"
          value={next}
          onValue={setNext}
          autoComplete="new-password"
          required
          minLength={12}
          hint="12 to 128 characters, not the one you were given."
        />
        <Field
          label="New password again"
          type="password"
          value={again}
          onValue={setAgain}
          autoComplete="new-password"
          required
          minLength={12}
        />
        <ErrorBox error={action.error} />
        <button type="submit" class="primary" disabled={action.busy}>
          {action.busy ? "Saving…" : "Save and go on"}
        </button>
        <button type="button" class="link-button" onClick={() => logOut().then(() => navigate("/login"))}>
          Sign out instead
        </button>
      </form>
    </main>
  );
}

// Seconds until an ISO time, ticking once a second (0 once past).
function useSecondsLeft(iso: string | undefined): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!iso) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [iso]);
  return iso ? Math.max(0, Math.round((Date.parse(iso) - now) / 1000)) : 0;
}

// The teacher bot: a one-time link code made here is sent to the bot
// instead of the password, after sharing the phone contact
// (docs/TELEGRAM.md). The link itself can be undone here too.
function TelegramLink() {
  const me = useAsync(async () => {
    const m = await get<Me>("/api/v1/me");
    return m.teacher_id ? get<Teacher>(`/api/v1/teachers/${m.teacher_id}`) : null;
  }, []);
  const [code, setCode] = useState<{ code: string; expires_at: string } | null>(null);
  const left = useSecondsLeft(code?.expires_at);
  const action = useAction();
  const teacher = me.data;
  return (
    <section class="card" aria-labelledby="telegram-heading">
      <h2 id="telegram-heading">Telegram</h2>
      {me.loading && !me.data ? <Loading /> : null}
      <ErrorBox error={me.error} />
      {teacher === null ? (
        <p class="muted">Your login has no teacher profile, so it cannot link the teacher bot.</p>
      ) : null}
      {teacher ? (
        <>
          <p>
            {teacher.telegram_linked
              ? "Your Telegram account is linked to the teacher bot: you can open check-in windows from Telegram."
              : "Link your Telegram account to open check-in windows and get reports from the teacher bot."}
          </p>
          <div class="form-actions">
            <button
              type="button"
              class="primary"
              disabled={action.busy}
              onClick={() =>
                action.run(async () =>
                  setCode(await api<{ code: string; expires_at: string }>("POST", "/api/v1/me/telegram-link-code")),
                )
              }
            >
              {code ? "Make a new code" : "Link Telegram"}
            </button>
            {teacher.telegram_linked ? (
              <button
                type="button"
                disabled={action.busy}
                onClick={() => {
                  if (!confirm("Unlink your Telegram account from the teacher bot?")) return;
                  action.run(async () =>
                    me.set(await api<Teacher>("DELETE", `/api/v1/teachers/${teacher.id}/telegram`)),
                  );
                }}
              >
                Unlink Telegram
              </button>
            ) : null}
          </div>
          <ErrorBox error={action.error} />
          {code ? (
            <div class="link-code" role="status">
              <p>
                Your link code{" "}
                {left > 0 ? (
                  <>
                    (valid for {Math.floor(left / 60)}:{String(left % 60).padStart(2, "0")} more, until{" "}
                    {formatTime(code.expires_at)}; usable once):
                  </>
                ) : (
                  "has expired; make a new one:"
                )}
              </p>
              <p class="big-link-code" data-code={code.code} aria-label={`Link code ${code.code.split("").join(" ")}`}>
                {code.code}
              </p>
              <ol>
                <li>In Telegram, open the teacher bot and send /start.</li>
                <li>Share your phone contact when the bot asks (the number on your teacher profile).</li>
                <li>
                  Send this code to the bot instead of your password. The bot deletes the message and links your
                  account.
                </li>
              </ol>
            </div>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
