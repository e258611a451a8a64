// Shared pieces: the client-side router (History API), the loading / empty /
// failure states every page uses, form fields with labels, and small hooks.
import type { AnchorHTMLAttributes, ComponentChildren, InputHTMLAttributes } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "./api";

// ---- routing

const routeListeners = new Set<() => void>();
window.addEventListener("popstate", () => routeListeners.forEach((f) => f()));

export function navigate(to: string, replace = false) {
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  window.scrollTo(0, 0);
  routeListeners.forEach((f) => f());
  // Like a page load for keyboard and screen-reader users: focus moves to
  // the new page's heading (PageTitle's h1 takes focus, tabIndex -1), not
  // left on the link that was followed.
  requestAnimationFrame(() => {
    const h1 = document.querySelector<HTMLElement>("main h1");
    if (h1 && !h1.contains(document.activeElement)) h1.focus({ preventScroll: true });
  });
}

export function useLocation(): { path: string; params: URLSearchParams } {
  const [, setTick] = useState(0);
  useEffect(() => {
    const f = () => setTick((t) => t + 1);
    routeListeners.add(f);
    return () => routeListeners.delete(f);
  }, []);
  return { path: location.pathname, params: new URLSearchParams(location.search) };
}

export function Link(props: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const { href, onClick, ...rest } = props;
  return (
    <a
      href={href}
      {...rest}
      onClick={(e) => {
        if (onClick) (onClick as (e: MouseEvent) => void)(e);
        if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
        e.preventDefault();
        navigate(href);
      }}
    />
  );
}

// ---- data loading

export interface Async<T> {
  data?: T;
  error?: Error;
  loading: boolean;
  reload: () => void;
  set: (value: T) => void;
}

// Runs `load` when `deps` change; the latest answer wins.
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): Async<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const generation = useRef(0);
  useEffect(() => {
    const mine = ++generation.current;
    setState((s) => ({ data: s.data, loading: true }));
    load().then(
      (data) => mine === generation.current && setState({ data, loading: false }),
      (error: Error) => mine === generation.current && setState({ error, loading: false }),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  const set = useCallback((data: T) => setState({ data, loading: false }), []);
  return { ...state, reload, set };
}

// Runs an action, keeping its busy flag and error for the form that started it.
export function useAction(): {
  busy: boolean;
  error: Error | undefined;
  run: <T>(f: () => Promise<T>) => Promise<T | undefined>;
  clear: () => void;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>();
  const run = useCallback(async <T,>(f: () => Promise<T>) => {
    setBusy(true);
    setError(undefined);
    try {
      return await f();
    } catch (e) {
      setError(e as Error);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, clear: () => setError(undefined) };
}

// ---- states

export function Loading({ what = "Loading" }: { what?: string }) {
  return (
    <p class="state loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" /> {what}…
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="state empty">{children}</p>;
}

// A message as a sentence: a capital first letter and a full stop.
export function sentence(text: string): string {
  const x = text.trim();
  return x ? x[0].toUpperCase() + x.slice(1) + (/[.!?]\)?$/.test(x) ? "" : ".") : "";
}

// An error in words: a short heading, the server's (or the page's)
// sentence, and the request id in a small line of its own for whoever
// reads the server's log.
export function ErrorBox({ error, onRetry }: { error: Error | undefined; onRetry?: () => void }) {
  if (!error) return null;
  const api = error instanceof ApiError ? error : undefined;
  let title = "Something went wrong";
  if (api?.status === 403) title = "Not allowed";
  else if (api?.status === 404) title = "Not found";
  else if (api?.status === 0) title = "No connection";
  else if (api && api.status >= 500) title = "The server had a problem";
  else if (api && api.status >= 400) title = "Please check";
  return (
    <div class="error-box" role="alert">
      <p class="error-text">
        <strong>{title}.</strong> {sentence(error.message)}
        {onRetry && api?.status !== 403 && api?.status !== 404 ? (
          <button type="button" class="link-button retry" onClick={onRetry}>
            Try again
          </button>
        ) : null}
      </p>
      {api?.requestId ? <p class="error-details">Request id for support: {api.requestId}</p> : null}
    </div>
  );
}

// Shows loading, failure or the content of an Async.
export function Show<T>({ value, children }: { value: Async<T>; children: (data: T) => ComponentChildren }) {
  if (value.error) return <ErrorBox error={value.error} onRetry={value.reload} />;
  if (value.data === undefined) return <Loading />;
  return <>{children(value.data)}</>;
}

// ---- forms

let nextId = 0;
export function useId(prefix = "f"): string {
  const ref = useRef<string | undefined>(undefined);
  if (!ref.current) ref.current = `${prefix}-${++nextId}`;
  return ref.current;
}

// Any other <input> attribute (type, required, min, autoComplete...) passes
// through; preact's per-type input typings are too narrow to spread here.
type InputProps = {
  label: string;
  value: string;
  onValue: (value: string) => void;
  hint?: string;
  type?: string;
  [attribute: string]: unknown;
};

export function Field({ label, value, onValue, hint, ...rest }: InputProps) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        id={id}
        value={value}
        onInput={(e) => onValue((e.target as HTMLInputElement).value)}
        aria-describedby={hint ? `${id}-hint` : undefined}
        {...(rest as InputHTMLAttributes<HTMLInputElement>)}
      />
      {hint ? (
        <small id={`${id}-hint`} class="muted">
          {hint}
        </small>
      ) : null}
    </div>
  );
}

export function Select({
  label,
  value,
  onValue,
  options,
  placeholder,
  required,
  hint,
  invalid,
}: {
  label: string;
  value: string;
  onValue: (value: string) => void;
  options: { value: string; label: string }[];
  placeholder?: string;
  required?: boolean;
  hint?: string;
  invalid?: boolean;
}) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select
        id={id}
        value={value}
        required={required}
        aria-describedby={hint ? `${id}-hint` : undefined}
        aria-invalid={invalid || undefined}
        onChange={(e) => onValue((e.target as HTMLSelectElement).value)}
      >
        {placeholder !== undefined ? <option value="">{placeholder}</option> : null}
        {options.map((o) => (
          <option value={o.value} key={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {hint ? (
        <small id={`${id}-hint`} class="muted">
          {hint}
        </small>
      ) : null}
    </div>
  );
}

export function Progress({ value, label }: { value: number; label: string }) {
  const percent = Math.round(Math.max(0, Math.min(1, value)) * 100);
  return (
    <div class="progress-wrap">
      <progress max={100} value={percent} aria-label={label} />
      <span>
        {label}: {percent}%
      </span>
    </div>
  );
}

export function Pager({
  offset,
  limit,
  total,
  onOffset,
}: {
  offset: number;
  limit: number;
  total: number;
  onOffset: (offset: number) => void;
}) {
  if (total <= limit) return null;
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" disabled={offset === 0} onClick={() => onOffset(Math.max(0, offset - limit))}>
        Previous
      </button>
      <span>
        {offset + 1}–{Math.min(total, offset + limit)} of {total}
      </span>
      <button type="button" disabled={offset + limit >= total} onClick={() => onOffset(offset + limit)}>
        Next
      </button>
    </nav>
  );
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function formatMs(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function percent(p: number | null | undefined): string {
  return p === null || p === undefined ? "—" : `${p.toFixed(1)}%`;
}

export function useDebounced<T>(value: T, ms = 250): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

export function PageTitle({ children, actions }: { children: ComponentChildren; actions?: ComponentChildren }) {
  useEffect(() => {
    const text = typeof children === "string" ? children : "";
    if (text) document.title = `${text} · Rollcall`;
  }, [children]);
  return (
    <div class="page-title">
      <h1 tabIndex={-1}>{children}</h1>
      {actions ? <div class="actions">{actions}</div> : null}
    </div>
  );
}
