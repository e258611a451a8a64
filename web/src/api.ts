// The REST API client: the only way the UI talks to the server (docs/API.md).
//
// Owns the login (access + refresh token, kept in localStorage so a reload
// stays signed in), refreshes it before the access token runs out or when a
// request fails with token_expired, and turns the API's uniform error body
// ({"error": {code, message, field, request_id}}) into an ApiError whose
// message is the server's words. Refreshes are serialised: inside one tab by
// one shared promise, across tabs by a Web Lock, because every refresh token
// works once and a second use ends the login (refresh_token_reused).

export interface User {
  id: number;
  username: string;
  role: "admin" | "teacher" | "student";
  display_name: string;
  is_active: boolean;
  // The password was set by someone else: the UI shows only the forced
  // change screen until the user picks their own.
  must_change_password?: boolean;
  created_at: string;
}

export interface Me {
  user_id: number;
  username: string;
  role: User["role"];
  teacher_id: number | null;
  student_id: number | null;
}

interface TokenPair {
  access_token: string;
  expires_in: number;
  refresh_token: string;
  user: User;
}

interface Login {
  access: string;
  refresh: string;
  expires_at_ms: number;
  user: User;
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly field?: string,
    readonly requestId?: string,
  ) {
    super(message);
  }
}

const kStorageKey = "rollcall.login";
// Refresh this long before the access token expires, so a request in
// flight never carries a token that dies on the way.
const kRefreshEarlyMs = 30_000;

let login: Login | null = load();
const listeners = new Set<() => void>();

function load(): Login | null {
  try {
    const text = localStorage.getItem(kStorageKey);
    return text ? (JSON.parse(text) as Login) : null;
  } catch {
    return null;
  }
}

function store(next: Login | null) {
  login = next;
  if (next) localStorage.setItem(kStorageKey, JSON.stringify(next));
  else localStorage.removeItem(kStorageKey);
  listeners.forEach((f) => f());
}

// Another tab logged in, out or refreshed.
window.addEventListener("storage", (e) => {
  if (e.key === kStorageKey) {
    login = load();
    listeners.forEach((f) => f());
  }
});

export function currentUser(): User | null {
  return login?.user ?? null;
}

export function onAuthChange(f: () => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}

function fromPair(pair: TokenPair): Login {
  return {
    access: pair.access_token,
    refresh: pair.refresh_token,
    expires_at_ms: Date.now() + pair.expires_in * 1000,
    user: pair.user,
  };
}

async function errorFrom(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON (a proxy's page, say): fall back to the status line.
  }
  return errorFromBody(response.status, body, response.statusText);
}

export function errorFromBody(status: number, body: unknown, statusText = ""): ApiError {
  const e = (body as { error?: { code?: string; message?: string; field?: string; request_id?: string } })?.error;
  if (e && typeof e.message === "string") {
    return new ApiError(e.message, status, e.code ?? "error", e.field, e.request_id);
  }
  if (status === 0)
    return new ApiError("The server cannot be reached. Check the connection and try again.", 0, "network");
  return new ApiError(`The server answered ${status} ${statusText}`.trim(), status, "http_" + status);
}

// What a request was for, in words, for a refusal ("see the audit log").
const kThings: [RegExp, string][] = [
  [/^\/api\/v1\/users/, "user accounts"],
  [/^\/api\/v1\/teachers/, "teachers"],
  [/^\/api\/v1\/classes/, "classes"],
  [/^\/api\/v1\/subjects/, "subjects"],
  [/^\/api\/v1\/assignments/, "teaching assignments"],
  [/^\/api\/v1\/students\/\d+\/photos/, "enrollment photos"],
  [/^\/api\/v1\/students/, "students"],
  [/^\/api\/v1\/imports|^\/api\/v1\/jobs/, "student imports"],
  [/^\/api\/v1\/sessions\/\d+\/checkin-window/, "check-ins"],
  [/^\/api\/v1\/sessions/, "sessions and their attendance"],
  [/^\/api\/v1\/reports/, "attendance reports"],
  [/^\/api\/v1\/audit/, "the audit log"],
  [/^\/api\/v1\/webhooks/, "webhooks"],
  [/^\/api\/v1\/settings/, "the server's settings"],
  [/^\/api\/v1\/system/, "the system status"],
  [/^\/api\/v1\/backups/, "backups"],
];
const kVerbs: Record<string, string> = {
  GET: "see",
  POST: "add or change",
  PUT: "change",
  PATCH: "change",
  DELETE: "delete",
};

// A refusal (403 forbidden) says what this user may not do, in words: the
// server names the route ("your role may not GET /api/v1/users") when the
// role may not call it at all, or the action ("your role may not delete
// students") when the record is not theirs.
function inWords(error: ApiError, method: string, path: string): ApiError {
  if (error.code !== "forbidden") return error;
  const role = login?.user.role;
  const as = role === "admin" ? "As an administrator" : role ? `As a ${role}` : "Without signing in";
  const route = /^your role may not ([A-Z]+) (\/\S*)$/.exec(error.message);
  let text: string;
  if (route) {
    const bare = path.split("?")[0];
    const thing = kThings.find(([re]) => re.test(bare))?.[1] ?? "this";
    text = `${as}, you may not ${kVerbs[method] ?? "use"} ${thing}. Ask an administrator if you need to.`;
  } else {
    const action = /^your role may not (.+)$/.exec(error.message);
    if (!action) return error;
    text = `${as}, you may not ${action[1].replace(/[.]$/, "")}.`;
  }
  return new ApiError(text, error.status, error.code, error.field, error.requestId);
}

export async function logIn(username: string, password: string): Promise<User> {
  const response = await fetch("/api/v1/auth/login", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  if (!response.ok) throw await errorFrom(response);
  const next = fromPair((await response.json()) as TokenPair);
  store(next);
  return next.user;
}

export async function logOut(): Promise<void> {
  const refresh = login?.refresh;
  store(null);
  if (refresh) {
    await fetch("/api/v1/auth/logout", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refresh_token: refresh }),
    }).catch(() => undefined);
  }
}

let refreshing: Promise<void> | null = null;

async function refreshOnce(staleAccess: string): Promise<void> {
  const run = async () => {
    // Another tab may have refreshed while this one waited for the lock.
    const latest = load();
    if (!latest) {
      store(null);
      throw new ApiError("You have been signed out. Please sign in again.", 401, "signed_out");
    }
    if (latest.access !== staleAccess && latest.expires_at_ms - Date.now() > kRefreshEarlyMs) {
      login = latest;
      return;
    }
    const response = await fetch("/api/v1/auth/refresh", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refresh_token: latest.refresh }),
    });
    if (!response.ok) {
      const error = await errorFrom(response);
      if (response.status === 401 || response.status === 403) store(null);
      throw error;
    }
    store(fromPair((await response.json()) as TokenPair));
  };
  if (!refreshing) {
    const locks = (navigator as Navigator & { locks?: LockManager }).locks;
    refreshing = (locks ? locks.request("rollcall-refresh", run) : run()).finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

async function accessToken(): Promise<string | null> {
  if (!login) return null;
  if (login.expires_at_ms - Date.now() < kRefreshEarlyMs) await refreshOnce(login.access);
  return login?.access ?? null;
}

interface RequestOptions {
  body?: unknown;
  form?: FormData;
  signal?: AbortSignal;
}

// Sends a request with the access token; on token_expired refreshes once
// and tries again. Resolves to the raw Response when it is 2xx.
export async function send(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const token = await accessToken();
    const headers: Record<string, string> = {};
    if (token) headers.Authorization = `Bearer ${token}`;
    let body: BodyInit | undefined;
    if (options.form) body = options.form;
    else if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(options.body);
    }
    let response: Response;
    try {
      response = await fetch(path, { method, headers, body, signal: options.signal });
    } catch (e) {
      if ((e as Error).name === "AbortError") throw e;
      throw new ApiError("The server cannot be reached. Check the connection and try again.", 0, "network");
    }
    if (response.ok) return response;
    const error = inWords(await errorFrom(response), method, path);
    if (attempt === 0 && token && error.code === "token_expired") {
      await refreshOnce(token);
      continue;
    }
    if (error.code === "token_invalid" || error.code === "unauthenticated") store(null);
    // An admin reset this user's password while they were signed in: the
    // app switches to the "Choose your own password" screen.
    if (error.code === "password_change_required" && login && !login.user.must_change_password) {
      store({ ...login, user: { ...login.user, must_change_password: true } });
    }
    throw error;
  }
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await send(method, path, { body });
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export const get = <T>(path: string) => api<T>("GET", path);

export interface Page<T> {
  items: T[];
  total: number;
}

export function query(params: Record<string, string | number | null | undefined | false>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== null && v !== undefined && v !== "" && v !== false) q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}

// Every page of a paged list (classes, subjects, teachers: short lists
// that fill pickers).
export async function getAll<T>(path: string, params: Record<string, string | number> = {}): Promise<T[]> {
  const items: T[] = [];
  for (let offset = 0; ; offset += 200) {
    const page = await get<Page<T>>(path + query({ ...params, offset, limit: 200 }));
    items.push(...page.items);
    if (items.length >= page.total || page.items.length === 0) return items;
  }
}

// A multipart upload with progress (XMLHttpRequest, because fetch has no
// upload progress events). Resolves with the status and the parsed body for
// any answer that is not an error body, so callers can read reports sent
// with 422 (an enrollment where every photo was rejected).
export async function upload<T>(
  path: string,
  form: FormData,
  onProgress?: (fraction: number) => void,
  authenticated = true,
): Promise<{ status: number; body: T }> {
  for (let attempt = 0; ; attempt++) {
    const token = authenticated ? await accessToken() : null;
    const result = await new Promise<{ status: number; body: unknown }>((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", path);
      if (token) xhr.setRequestHeader("Authorization", `Bearer ${token}`);
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable && onProgress) onProgress(e.loaded / e.total);
      };
      xhr.onload = () => {
        let body: unknown = null;
        try {
          body = JSON.parse(xhr.responseText);
        } catch {
          body = null;
        }
        resolve({ status: xhr.status, body });
      };
      xhr.onerror = () => resolve({ status: 0, body: null });
      xhr.send(form);
    });
    const isError = result.status === 0 || (result.body as { error?: unknown } | null)?.error !== undefined;
    if (!isError && result.status < 500) return result as { status: number; body: T };
    const error = inWords(errorFromBody(result.status, result.body), "POST", path);
    if (attempt === 0 && token && error.code === "token_expired") {
      await refreshOnce(token);
      continue;
    }
    throw error;
  }
}

// Fetches a protected file (annotated photo, QR code, enrollment photo) as
// an object URL, since <img src> cannot carry the bearer token.
export async function blobUrl(path: string, signal?: AbortSignal): Promise<string> {
  const response = await send("GET", path, { signal });
  return URL.createObjectURL(await response.blob());
}

// Saves a report file (CSV/XLSX) under the server's file name.
export async function download(path: string): Promise<string> {
  const response = await send("GET", path);
  const disposition = response.headers.get("Content-Disposition") ?? "";
  const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? path.split("/").pop() ?? "download";
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return name;
}

// Server-Sent Events over fetch(), so the bearer token can go in a header
// (EventSource cannot send one). Calls onEvent for each event until the
// stream ends or `signal` aborts; resolves when the stream ends.
export async function streamEvents(
  path: string,
  onEvent: (event: string, data: unknown) => void,
  signal: AbortSignal,
  authenticated = true,
): Promise<void> {
  const response = authenticated
    ? await send("GET", path, { signal })
    : await fetch(path, { signal }).then(async (r) => {
        if (!r.ok) throw await errorFrom(r);
        return r;
      });
  if (!response.body) return;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, "");
      let event = "message";
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      if (data.length === 0) continue;
      let parsed: unknown = data.join("\n");
      try {
        parsed = JSON.parse(parsed as string);
      } catch {
        // plain text data
      }
      onEvent(event, parsed);
    }
  }
}
