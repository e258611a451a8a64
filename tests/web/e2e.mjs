// End-to-end test of the web UI: a real `rollcall serve` (fresh SQLite data
// directory, the built UI from web/dist) driven through Debian's chromium by
// Playwright (playwright-core; never a downloaded browser).
//
// The story: an admin signs in, creates a class, a subject, a teacher and
// their assignment, adds students and enrolls real faces from ../shared/data
// (a rejected photo shows its reason); takes a class photo (bbt4.jpg) and
// corrects the one unknown face; opens a self check-in window, and a student
// on a phone checks in with Chromium's fake camera fed a real face video and
// a granted location, to the verdict "accepted" and the live counter; the
// class report is downloaded as XLSX and opened; a teacher does not see the
// admin pages and an admin route shows the API's 403 in words. Any console
// error fails the test. Screenshots of the main screens go to
// SCREENSHOT_DIR.
//
// Settings (environment): ROLLCALL_BIN (the binary), ROLLCALL_DATA
// (../shared/data), ROLLCALL_MODELS (model directory), ROLLCALL_WEB_DIR
// (default: web/dist of this checkout), SCREENSHOT_DIR (default
// build/screenshots), CHROMIUM (default /usr/bin/chromium).
import { spawn, execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readFileSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const bin = process.env.ROLLCALL_BIN ?? join(root, "build/rollcall");
const data = resolve(process.env.ROLLCALL_DATA ?? join(root, "../shared/data"));
const models =
  process.env.ROLLCALL_MODELS ??
  join(process.env.HOME ?? "/root", ".cache/rollcall/models");
const webDir = process.env.ROLLCALL_WEB_DIR ?? join(root, "web/dist");
const shots = process.env.SCREENSHOT_DIR ?? join(root, "build/screenshots");
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const axeSource = join(here, "node_modules/axe-core/axe.min.js");

const kAdminPassword = "e2e-admin-password";
const kTeacherPassword = "e2e-teacher-password";
// Where the teacher and the student stand (the window's centre; 8 m apart).
const kHere = { latitude: 18.5204, longitude: 73.8567 };
const kStudentSpot = { latitude: 18.52047, longitude: 73.8567, accuracy: 12 };

const started = Date.now();
const log = (...a) =>
  console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s]`, ...a);

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

for (const [what, path] of [
  ["rollcall binary (ROLLCALL_BIN)", bin],
  ["axe-core (npm ci in tests/web)", axeSource],
  [
    "built web UI (run ./dev setup, or npm run build in web/)",
    join(webDir, "index.html"),
  ],
  ["Debian chromium (apt-get install chromium)", chromiumPath],
  ["data set (ROLLCALL_DATA)", join(data, "identities")],
]) {
  if (!existsSync(path)) {
    console.error(`missing ${what}: ${path}`);
    process.exit(1);
  }
}

const work = mkdtempSync(join(tmpdir(), "rollcall-web-e2e-"));
mkdirSync(shots, { recursive: true });
let server;
let browser;

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

// Starts the server on a free port with public_url set to its own address,
// so the check-in link (and its QR code) leads back to it. Resolves to its
// base URL once it prints "listening on HOST:PORT".
async function startServer() {
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const dataDir = join(work, `data-${attempt}`);
    const child = spawn(
      bin,
      [
        "serve",
        "--data-dir",
        dataDir,
        "--http-port",
        String(port),
        "--admin-password",
        kAdminPassword,
        "--public-url",
        base,
        "--web-dir",
        webDir,
        "--log-format",
        "text",
        "--log-level",
        "warn",
        // Short access tokens, so the UI refreshes its login many times
        // during the run (it refreshes 30 s before expiry).
        "--access-token-ttl-s",
        "40",
        // A closed check-in window is finalized soon after (not 30 s).
        "--checkin-grace-s",
        "3",
      ],
      {
        env: { ...process.env, ROLLCALL_MODELS: models },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const address = await new Promise((res) => {
      let out = "";
      const timer = setTimeout(() => res(null), 60_000);
      child.stdout.on("data", (d) => {
        out += d;
        const m = /listening on ([\d.]+):(\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          res(`http://${m[1]}:${m[2]}`);
        }
      });
      child.once("exit", () => {
        clearTimeout(timer);
        res(null);
      });
    });
    if (address) {
      child.stderrText = () => stderr;
      server = child;
      return address;
    }
    child.kill("SIGKILL");
    console.error(`server did not start (attempt ${attempt + 1}):\n${stderr}`);
  }
  throw new Error("the server did not start");
}

// The face video for the fake camera: seconds 3-7 of hamilton_short.mp4,
// which show lin_manuel_miranda (video.csv), as Y4M (Chromium's format).
function makeFakeVideo() {
  const out = join(work, "face.y4m");
  execFileSync("ffmpeg", [
    "-loglevel",
    "error",
    "-y",
    "-ss",
    "3",
    "-t",
    "4",
    "-i",
    join(data, "video/hamilton_short.mp4"),
    "-vf",
    "scale=640:360,fps=15",
    "-pix_fmt",
    "yuv420p",
    out,
  ]);
  return out;
}

const firstPhoto = (person) => {
  const dir = join(data, "identities", person);
  return join(dir, readdirSync(dir).sort()[0]);
};

// Console errors fail the test, except a browser's own "Failed to load
// resource" line for an API answer the story expects (a 403 shown to a
// teacher, the 404 of a session without a check-in window yet).
const expectedHttp = [];
const consoleErrors = [];
function watch(page, name) {
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    const url = m.location()?.url ?? "";
    const status = /status of (\d+)/.exec(m.text())?.[1];
    if (
      status &&
      expectedHttp.some((e) => e.status === Number(status) && e.url.test(url))
    )
      return;
    consoleErrors.push(`${name}: ${m.text()} ${url}`);
  });
  page.on("pageerror", (e) =>
    consoleErrors.push(`${name}: uncaught ${e.message}`),
  );
}

// Accessibility: axe-core on the screen as it is; serious and critical
// violations fail the run (collected, so one run lists them all).
const a11yViolations = [];
async function a11y(page, name) {
  if (!(await page.evaluate(() => typeof window.axe !== "undefined")))
    // Evaluated through the DevTools protocol, not as a <script> tag: the
    // server's Content-Security-Policy refuses inline scripts, and any
    // violation is a console error that fails this run.
    await page.evaluate(readFileSync(axeSource, "utf8"));
  const result = await page.evaluate(() =>
    window.axe.run(document, { resultTypes: ["violations"] }),
  );
  if (process.env.A11Y_VERBOSE)
    for (const v of result.violations)
      console.log(
        `  a11y ${name}: ${v.id} ${v.impact} x${v.nodes.length} ${v.nodes[0].target.join(" ")}`,
      );
  for (const v of result.violations) {
    if (v.impact !== "serious" && v.impact !== "critical") continue;
    a11yViolations.push(
      `${name}: ${v.id} (${v.impact}) ${v.help}: ${v.nodes
        .slice(0, 3)
        .map(
          (n) =>
            n.target.join(" ") + " — " + n.failureSummary.replace(/\s+/g, " "),
        )
        .join(" | ")}`,
    );
  }
}

async function shot(page, name, options = {}) {
  const { a11y: audit = true, ...screenshot } = options;
  await page.waitForTimeout(150);
  await page.screenshot({
    path: join(shots, `${name}.png`),
    fullPage: true,
    ...screenshot,
  });
  if (audit) await a11y(page, name);
  log(`screenshot ${name}.png`);
}

async function signIn(page, username, password) {
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

async function addRow(page, path, fields, selects = {}) {
  await page.goto(path);
  for (const [label, value] of Object.entries(fields))
    await page.getByLabel(label, { exact: true }).fill(value);
  for (const [label, value] of Object.entries(selects))
    await page
      .getByLabel(label, { exact: true })
      .selectOption({ label: value });
  await page.locator("form button[type=submit]").click();
  await page.locator("form .notice").waitFor();
}

async function main() {
  const fakeVideo = makeFakeVideo();
  const base = await startServer();
  log(`server at ${base}`);
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--use-fake-device-for-media-stream",
      "--use-fake-ui-for-media-stream",
      `--use-file-for-fake-video-capture=${fakeVideo}`,
      // school.lan is this server reached by a name, over plain http: not
      // a secure context (127.0.0.1 and localhost are).
      "--host-resolver-rules=MAP school.lan 127.0.0.1",
    ],
  });

  // ---- the admin, on a laptop
  const admin = await browser.newContext({
    baseURL: base,
    viewport: { width: 1280, height: 860 },
    permissions: ["geolocation", "camera"],
    geolocation: { ...kHere, accuracy: 10 },
    acceptDownloads: true,
  });
  const page = await admin.newPage();
  page.setDefaultTimeout(20_000);
  watch(page, "admin");
  // Deleting, locking and unlinking ask confirm(): yes, unless a step
  // sets dismissNext to say no once. Each question is kept in dialogs.
  const dialogs = [];
  let dismissNext = false;
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    if (dismissNext) {
      dismissNext = false;
      d.dismiss();
    } else d.accept();
  });

  await page.goto("/");
  await page.getByRole("heading", { name: "Rollcall" }).waitFor();
  await shot(page, "01-login");
  expectedHttp.push({ status: 401, url: /\/api\/v1\/auth\/login$/ });
  await signIn(page, "admin", "wrong-password");
  await page
    .getByRole("alert")
    .filter({ hasText: /password/i })
    .waitFor();
  await signIn(page, "admin", kAdminPassword);
  await page
    .getByRole("navigation", { name: "Main" })
    .getByRole("link", { name: "Audit log" })
    .waitFor();
  const firstLogin = await page.evaluate(() =>
    JSON.parse(localStorage.getItem("rollcall.login")),
  );
  log("admin signed in");

  await addRow(page, "/admin/classes", {
    "Class name": "BTech IT",
    Section: "A",
  });
  await addRow(page, "/admin/subjects", { Code: "CS101", Name: "Programming" });
  await addRow(page, "/admin/teachers", {
    Name: "Tara Teacher",
    Username: "tara",
    "Password (optional)": kTeacherPassword,
  });
  await addRow(
    page,
    "/admin/assignments",
    {},
    {
      Teacher: "Tara Teacher",
      Class: "BTech IT · A",
      Subject: "CS101 · Programming",
    },
  );
  await shot(page, "02-admin-assignments");
  log("class, subject, teacher and assignment created");

  // ---- students and enrollment
  const people = [
    ["Amy Farrah Fowler", "21IT001", "amy"],
    ["Leonard Hofstadter", "21IT002", "leonard"],
    ["Penny Teller", "21IT003", "penny"],
    ["Raj Koothrappali", "21IT004", "raj"],
    ["Sheldon Cooper", "21IT005", "sheldon"],
    ["Lin-Manuel Miranda", "21IT006", "lin_manuel_miranda"],
    ["Bernadette Rostenkowski", "21IT007", null],
  ];
  const ids = {};
  let studentPassword = "";
  for (const [name, roll, person] of people) {
    await page.goto("/students/new");
    await page.getByLabel("Name", { exact: true }).fill(name);
    await page.getByLabel("Roll number").fill(roll);
    await page.getByLabel("Registration number (PRN)").fill(`REG-${roll}`);
    await page.getByLabel("Class").selectOption({ label: "BTech IT · A" });
    // Bernadette gets a student login: its generated password is shown once.
    if (!person) await page.getByLabel(/Create a login/).check();
    await page.getByRole("button", { name: "Add student" }).click();
    if (!person) {
      studentPassword = (
        await page.getByLabel("Generated password").innerText()
      ).trim();
      await page.getByRole("link", { name: "Continue to enrollment" }).click();
    }
    await page.waitForURL(/\/students\/\d+$/);
    ids[roll] = Number(/\/students\/(\d+)$/.exec(page.url())[1]);
    if (!person) continue;
    const files = [firstPhoto(person)];
    // One photo of the first student is a group photo: rejected with its reason.
    if (roll === "21IT001") files.push(join(data, "groups/bbt1.jpg"));
    await page.getByLabel(/Photo files/).setInputFiles(files);
    await page.getByRole("button", { name: /^Upload/ }).click();
    await page.getByText(/1 accepted, \d rejected/).waitFor();
    if (roll === "21IT001") {
      await page.getByText(/rejected — .*faces found/).waitFor();
      await page.locator(".photo-card img").first().waitFor();
      await shot(page, "03-student-enrollment");
    }
  }
  log("7 students added, 6 enrolled");

  // Enrollment from the browser camera (Chromium's fake camera): the
  // photo's verdict, accepted or with its reason, comes back at once.
  expectedHttp.push({ status: 422, url: /\/api\/v1\/students\/\d+\/photos$/ });
  await page.goto(`/students/${ids["21IT006"]}`);
  await page.getByRole("button", { name: "Use the camera" }).click();
  await page
    .getByRole("button", { name: "Take photo" })
    .click({ timeout: 20_000 });
  await page.getByText(/\d accepted, \d rejected/).waitFor();
  await shot(page, "04-student-camera");
  log("camera enrollment answered");

  // Keyboard: the first Tab reaches "Skip to content"; following a menu
  // link moves focus to the new page's heading.
  await page.goto("/");
  await page.keyboard.press("Tab");
  check(
    (await page.evaluate(() => document.activeElement?.textContent)) ===
      "Skip to content",
    "the first Tab reaches the skip link",
  );
  await page
    .getByRole("navigation", { name: "Main" })
    .getByRole("link", { name: "Students" })
    .click();
  await page.waitForFunction(() => document.activeElement?.tagName === "H1");
  check(
    (await page.evaluate(() => document.activeElement?.textContent)) ===
      "Students",
    "focus moves to the Students heading",
  );
  await page.getByRole("cell", { name: "21IT005", exact: true }).waitFor();
  await page.getByLabel("Search").fill("Penny");
  await page
    .getByRole("cell", { name: "21IT001", exact: true })
    .waitFor({ state: "detached" });
  await page.getByLabel("Search").fill("");
  await page.getByRole("cell", { name: "21IT001", exact: true }).waitFor();
  {
    // The list shows each student's photos, and who is not enrolled.
    const row = (roll) =>
      page.getByRole("row").filter({
        has: page.getByRole("cell", { name: roll, exact: true }),
      });
    await row("21IT001").getByText("1 photo", { exact: true }).waitFor();
    await row("21IT007").getByText("Not enrolled").waitFor();
    check(
      (await page.locator(".not-enrolled").count()) === 1,
      "only Bernadette is marked not enrolled",
    );
    await page.getByTestId("not-enrolled-count").waitFor();
    log("students list: photo counts, Bernadette not enrolled");
  }
  await shot(page, "05-students");

  // ---- bulk import: a CSV of two students and a ZIP with one photo; the
  // second row repeats a roll number (a row error), the first has a photo.
  const csv = join(work, "roster.csv");
  writeFileSync(
    csv,
    "name,roll_number,registration_number,class,section\r\nHoward Wolowitz,21IT008,REG-21IT008,BTech IT,A\r\nDuplicate Sheldon,21IT005,REG-DUP,BTech IT,A\r\n",
  );
  const zip = join(work, "photos.zip");
  execFileSync("python3", [
    "-c",
    "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1], 'w'); z.write(sys.argv[2], '21IT008' + sys.argv[2][sys.argv[2].rindex('.'):]); z.close()",
    zip,
    firstPhoto("howard"),
  ]);
  await page.goto("/students/import");
  await page.getByLabel("Students (CSV)").setInputFiles(csv);
  await page.getByLabel("Photos (ZIP, optional)").setInputFiles(zip);
  await page.getByRole("button", { name: "Start import" }).click();
  await page
    .getByRole("heading", { name: "Import finished" })
    .waitFor({ timeout: 30_000 });
  await page.getByRole("cell", { name: "roll_number_taken" }).waitFor();
  await page.getByText("2 of 2 rows").first().waitFor();
  await shot(page, "05b-bulk-import");
  log("bulk import: 1 created with a photo, 1 row error shown");

  // ---- a class-photo session
  await page.goto("/sessions/new?method=photo");
  await page.getByLabel("Class").selectOption({ label: "BTech IT · A" });
  await page
    .getByLabel("Subject")
    .selectOption({ label: "CS101 · Programming" });
  await page.getByLabel("Teacher").selectOption({ label: "Tara Teacher" });
  await page.getByRole("button", { name: "Create session" }).click();
  await page.waitForURL(/\/sessions\/\d+$/);
  const photoSession = Number(/\/sessions\/(\d+)$/.exec(page.url())[1]);
  await page
    .getByLabel(/Class photos/)
    .setInputFiles(join(data, "groups/bbt4.jpg"));
  await page.getByRole("button", { name: "Recognise faces" }).click();
  await page.getByText(/6 faces found, 5 matched/).waitFor({ timeout: 60_000 });
  const boxes = page.locator(".face-box");
  await boxes.first().waitFor();
  check((await boxes.count()) === 6, "bbt4 shows 6 face boxes");
  check(
    (await page.locator('.face-box[data-status="matched"]').count()) === 5,
    "5 faces matched",
  );
  // The one unknown face is Bernadette (enrolled without a photo): correct it.
  const unknown = page.locator('.face-box[data-status="unknown"]');
  check((await unknown.count()) === 1, "one unknown face");
  await unknown.click();
  await page
    .getByLabel("This face is")
    .selectOption({ label: "Bernadette Rostenkowski (21IT007)" });
  await shot(page, "06-class-photo-correcting");
  await page.getByRole("button", { name: "Apply correction" }).click();
  await page
    .locator(".notice")
    .filter({ hasText: "is now Bernadette Rostenkowski" })
    .waitFor();
  await page.locator(".face-box.corrected").waitFor();
  // An excused student is listed under Excused, never under Present, and
  // the page's counts are the save message's.
  {
    const firstAbsent = page
      .locator(".class-list li.student-row.absent")
      .first();
    const excusedName = (
      await firstAbsent.locator("select").getAttribute("aria-label")
    ).replace(/^Mark /, "");
    await firstAbsent.locator("select").selectOption("excused");
    await page
      .locator(".class-list li.student-row.excused", { hasText: excusedName })
      .waitFor();
    const counts = await page.getByTestId("class-counts").innerText();
    check(
      /^6 present, 1 absent, 1 excused/.test(counts),
      `the class list counts: ${counts}`,
    );
    await page.getByRole("button", { name: "Save attendance" }).click();
    await page.getByText(/Saved: 6 present, 1 absent, 1 excused/).waitFor();
    const present = await page
      .locator(
        ".class-list li.student-row.present, .class-list li.student-row.late",
      )
      .allInnerTexts();
    check(
      present.length === 6 && !present.some((t) => t.includes(excusedName)),
      `the excused ${excusedName} is not listed as present`,
    );
    log(`${excusedName} excused: counted apart, page and save message agree`);
  }
  const presentList = await page.locator(".class-list").innerText();
  check(/Present\s*6/.test(presentList), "6 present after the correction");
  await shot(page, "07-class-photo-saved");
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(200);
  await shot(page, "08-class-photo-phone");
  // On the phone, a second class photo from the browser camera (the fake
  // camera shows Lin-Manuel Miranda): capture, preview, upload.
  await page
    .getByRole("button", { name: "Take photos with the camera" })
    .click();
  await page.getByRole("button", { name: "Capture photo" }).click();
  await page.getByRole("img", { name: "Photo taken 1" }).waitFor();
  await shot(page, "08b-class-photo-camera-phone", { fullPage: false });
  await page.getByRole("button", { name: "Recognise faces" }).click();
  await page
    .getByRole("button", { name: "Recognising…" })
    .waitFor({ state: "detached", timeout: 60_000 });
  await page.getByText(/\d+ faces? found, \d+ matched/).waitFor();
  const cameraSummary = await page
    .getByText(/\d+ faces? found, \d+ matched/)
    .innerText();
  await page.locator("figure.class-photo").nth(1).waitFor();
  await shot(page, "08c-class-photo-camera-result");
  log(`camera class photo: ${cameraSummary}`);
  await page.setViewportSize({ width: 1280, height: 860 });
  log(`class photo session ${photoSession}: 5 matched, 1 corrected, saved`);

  // ---- self check-in: the teacher's window
  expectedHttp.push({ status: 404, url: /\/checkin-window$/ });
  await page.goto("/sessions/new?method=checkin");
  await page.getByLabel("Class").selectOption({ label: "BTech IT · A" });
  await page
    .getByLabel("Subject")
    .selectOption({ label: "CS101 · Programming" });
  await page.getByLabel("Teacher").selectOption({ label: "Tara Teacher" });
  await page.getByRole("button", { name: "Create session" }).click();
  await page.waitForURL(/\/sessions\/\d+\/checkin$/);
  await page.getByText(/Accurate to about/).waitFor();
  await page.getByLabel("Duration (seconds)").fill("300");
  await page.getByRole("button", { name: "Open window" }).click();
  const codeEl = page.locator(".big-code");
  await codeEl.waitFor();
  const code = await codeEl.getAttribute("data-code");
  check(/^\d{6}$/.test(code), "a 6-digit code");
  await page.locator("img.qr").waitFor();
  await page.getByText("Live", { exact: true }).waitFor();
  const link = await page.locator(".link-text").innerText();
  check(
    link.startsWith(`${base}/checkin?session=`) &&
      link.endsWith(`code=${code}`),
    `the check-in link ${link}`,
  );
  // The projector names the lecture, and warns that phones cannot open a
  // link to this computer's loopback address (the test's public_url).
  const lecture = await page.getByTestId("projector-lecture").innerText();
  check(
    /Programming/.test(lecture) && /BTech IT/.test(lecture),
    `the projector names the lecture: ${lecture}`,
  );
  const linkWarning = await page.getByTestId("link-warnings").innerText();
  check(
    /this computer itself/.test(linkWarning),
    `the projector warns of the loopback link: ${linkWarning}`,
  );
  await shot(page, "09-checkin-window");
  log(`window open, code ${code}`);

  // ---- a phone on plain http (school.lan, not a secure context): the
  // page says camera and location cannot work there and what to ask for,
  // instead of a form whose location button says "permission was denied".
  {
    const insecure = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      permissions: ["geolocation", "camera"],
      geolocation: kStudentSpot,
    });
    const http = await insecure.newPage();
    watch(http, "plain-http");
    const plainLink = link.replace(
      /^http:\/\/[^/]+/,
      `http://school.lan:${new URL(base).port}`,
    );
    await http.goto(plainLink);
    check(
      (await http.evaluate(() => window.isSecureContext)) === false,
      "school.lan over http is not a secure context",
    );
    const notice = http.getByTestId("checkin-not-secure");
    await notice.waitFor();
    const text = await notice.innerText();
    check(
      /not secure/.test(text) &&
        /https:\/\//.test(text) &&
        /teacher/.test(text),
      `the plain-http page explains the secure link and whom to ask: ${text}`,
    );
    check(
      (await http
        .getByRole("button", { name: "Share my location" })
        .count()) === 0 &&
        (await http.getByText(/permission was denied/).count()) === 0,
      "the plain-http page offers no location button and blames no permission",
    );
    await shot(http, "09a-student-plain-http");
    await insecure.close();
    log("plain-http check-in page: explains the secure link");
  }

  // ---- a phone that refuses the location: the page says so in words
  const refusing = await browser.newContext({
    viewport: { width: 390, height: 844 },
    isMobile: true,
    permissions: [],
  });
  const denied = await refusing.newPage();
  watch(denied, "denied");
  await denied.goto(link);
  await denied.getByRole("button", { name: "Share my location" }).click();
  await denied
    .getByRole("alert")
    .filter({ hasText: "Location permission was denied" })
    .waitFor();
  await shot(denied, "09b-student-location-denied");
  await refusing.close();

  // ---- the student, on a phone, from the QR link
  const phone = await browser.newContext({
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    permissions: ["geolocation", "camera"],
    geolocation: kStudentSpot,
  });
  const student = await phone.newPage();
  student.setDefaultTimeout(20_000);
  watch(student, "student");
  await student.goto(link);
  {
    // Before recording: the lecture, open with time left, photos or not.
    const info = student.getByTestId("checkin-info");
    await info.getByText(/Open: \d+:\d\d left/).waitFor();
    const infoText = await info.innerText();
    check(
      /Programming/.test(infoText) &&
        /BTech IT/.test(infoText) &&
        /within \d+ m/.test(infoText),
      `the student page names the lecture: ${infoText}`,
    );
    log(`student page: ${infoText.replace(/\s+/g, " ")}`);
  }
  check(
    (await student.getByLabel("Code on the screen").inputValue()) === code,
    "the code is pre-filled from the link",
  );
  await student.getByLabel("Roll number").fill("21IT006");
  await student.getByRole("button", { name: "Share my location" }).click();
  await student.getByText(/Location found/).waitFor();
  await student.getByRole("button", { name: "Start camera" }).click();
  await student.getByRole("button", { name: /Record 3-second clip/ }).click();
  await student.getByText("Clip recorded.").waitFor({ timeout: 15_000 });
  {
    // A wrong code first: the refusal is one message in the page's words,
    // not the server's sentence glued to the page's advice.
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
    await student.getByLabel("Code on the screen").fill(wrong);
    expectedHttp.push({ status: 422, url: /\/api\/v1\/checkins$/ });
    await student
      .getByRole("button", { name: "Check in", exact: true })
      .click();
    const refusalBox = student.getByTestId("checkin-refusal");
    await refusalBox.waitFor();
    const refusalText = (await refusalBox.innerText()).trim();
    check(
      refusalText ===
        "Not checked in. The code is not the one on the screen. Check it and type it again.",
      `a wrong code is refused in one message: "${refusalText}"`,
    );
    await shot(student, "10a-student-wrong-code");
    await student.getByLabel("Code on the screen").fill(code);
    log(`wrong code refused: "${refusalText}"`);
  }
  await shot(student, "10-student-checkin-ready");
  await student.getByRole("button", { name: "Check in", exact: true }).click();
  await student
    .locator('.verdict[data-state="accepted"], .verdict[data-state="rejected"]')
    .waitFor({ timeout: 60_000 });
  const verdict = await student.locator(".verdict").innerText();
  await shot(student, "11-student-verdict");
  check(
    /You are checked in/.test(verdict),
    `the verdict is accepted, not: ${verdict}`,
  );
  {
    // The receipt: name, roll number, lecture, time.
    const receipt = await student.getByTestId("checkin-receipt").innerText();
    check(
      /Name\s+Lin-Manuel Miranda/.test(receipt) &&
        /Roll number\s+21IT006/.test(receipt) &&
        /Lecture\s+Programming · BTech IT · A/.test(receipt) &&
        /Checked in at\s+.*\d{1,2}:\d\d/.test(receipt),
      `the receipt names the student, roll, lecture and time: ${receipt}`,
    );
    log(`receipt: ${receipt.replace(/\s+/g, " ")}`);
  }
  log("student checked in: accepted");

  // The projector's live counter follows (Server-Sent Events).
  await page
    .locator('[data-testid="checked-in-count"]', { hasText: "1" })
    .waitFor({ timeout: 15_000 });
  await page.getByRole("cell", { name: /accepted: checked in/ }).waitFor();
  await page
    .getByRole("cell", { name: "Lin-Manuel Miranda (21IT006)" })
    .waitFor();
  await shot(page, "12-checkin-window-counted");
  await page.getByRole("button", { name: "Close now" }).click();
  await page.getByText(/Closed — finishing/).waitFor();
  {
    // A student who opens the link after the close is told so, with
    // nothing to fill in (no roll number, no location, no camera).
    const late = await phone.newPage();
    watch(late, "late-student");
    await late.goto(link);
    const closed = late.getByTestId("checkin-closed");
    await closed.waitFor();
    const closedText = await closed.innerText();
    check(
      /closed/i.test(closedText) && /Programming/.test(closedText),
      `the closed check-in says so: ${closedText}`,
    );
    check(
      (await late.getByLabel("Roll number").count()) === 0 &&
        (await late
          .getByRole("button", { name: "Share my location" })
          .count()) === 0 &&
        (await late.getByRole("button", { name: "Start camera" }).count()) ===
          0,
      "a closed check-in offers nothing to fill in",
    );
    await shot(late, "12b-student-window-closed");
    log("closed window: the student page says closed, no form");
  }
  await phone.close();
  {
    // Once the window is finalized, the session page says what the records
    // say: the student who checked in is present, by check-in (it once
    // showed "Present 0" and overwrote the record on save).
    const checkinSession = Number(link.match(/session=(\d+)/)[1]);
    await page
      .getByText("The last window is closed")
      .waitFor({ timeout: 60_000 });
    await page.goto(`/sessions/${checkinSession}`);
    const lin = page.locator(".class-list li.student-row", {
      hasText: "Lin-Manuel Miranda",
    });
    await lin.waitFor();
    const row = await lin.innerText();
    check(
      /present \(checked in\)/.test(row) && !/not saved/.test(row),
      `the checked-in student on the session page: ${row}`,
    );
    const classList = await page.locator(".class-list").innerText();
    check(/Present\s*1\b/.test(classList), `Present 1: ${classList}`);
    const report = await page.evaluate(async (id) => {
      const login = JSON.parse(localStorage.getItem("rollcall.login"));
      const r = await fetch(`/api/v1/sessions/${id}/report`, {
        headers: { Authorization: `Bearer ${login.access}` },
      });
      return r.json();
    }, checkinSession);
    check(
      report.counts.present === 1 &&
        report.present.some((s) => s.name === "Lin-Manuel Miranda"),
      "the session report agrees with the page",
    );
    await shot(page, "12c-checkin-session-page");
    log("check-in session page: present by check-in, as the report");
  }

  // ---- reports and the XLSX export
  await page.goto("/reports");
  await page.locator("table.matrix").waitFor();
  await page
    .locator("table.matrix")
    .getByText("Bernadette Rostenkowski")
    .waitFor();
  await page.locator(".chart-box canvas").waitFor();
  await shot(page, "13-reports");
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download XLSX" }).click(),
  ]);
  const xlsx = join(work, download.suggestedFilename());
  await download.saveAs(xlsx);
  check(
    /^BTech-IT-A_attendance.*\.xlsx$/.test(download.suggestedFilename()),
    `XLSX file name ${download.suggestedFilename()}`,
  );
  const strings = execFileSync("unzip", [
    "-p",
    xlsx,
    "xl/sharedStrings.xml",
  ]).toString();
  for (const name of [
    "Lin-Manuel Miranda",
    "Bernadette Rostenkowski",
    "Sheldon Cooper",
  ]) {
    check(strings.includes(name), `the XLSX names ${name}`);
  }
  log(`XLSX ${download.suggestedFilename()} opened: names present`);

  {
    // Removing an enrollment photo asks first: "no" keeps it, "yes"
    // removes it, and the students list then shows Howard not enrolled.
    await page.goto("/students?q=21IT008");
    await page.getByRole("link", { name: "Howard Wolowitz" }).click();
    const remove = page.getByRole("button", {
      name: "Remove enrollment photo 1",
    });
    await remove.waitFor();
    dismissNext = true;
    const asked = dialogs.length;
    await remove.click();
    await page.waitForTimeout(300);
    check(
      dialogs.length === asked + 1 &&
        /Remove enrollment photo 1 of Howard Wolowitz/.test(dialogs[asked]),
      `removing a photo asks first: ${dialogs[asked]}`,
    );
    check(
      (await page.locator(".photo-card").count()) === 1,
      "answering no keeps the photo",
    );
    await remove.click();
    await page.getByText(/No photos yet/).waitFor();
    await page.goto("/students?q=21IT008");
    await page
      .getByRole("row")
      .filter({ hasText: "21IT008" })
      .getByText("Not enrolled")
      .waitFor();
    log("photo removal asked first; Howard is now not enrolled");
  }

  {
    // The audit log names the student and the lecture, not "attendance #1".
    await page.goto("/audit");
    await page.getByLabel("Record type").selectOption({ label: "Attendance" });
    const checkinRow = page
      .locator('tr[data-action="attendance.checkin"]')
      .first();
    await checkinRow.waitFor();
    const about = await checkinRow.getByTestId("audit-about").innerText();
    check(
      /Lin-Manuel Miranda \(21IT006\) in Programming, BTech IT · A/.test(about),
      `the check-in's audit entry names the student and the lecture: ${about}`,
    );
    const saveRow = page.locator('tr[data-action="attendance.save"]').first();
    await saveRow.getByText("Saved attendance").waitFor();
    const table = await page.locator("table").innerText();
    check(!/attendance #\d/.test(table), "no entry reads attendance #N");
    await shot(page, "14-audit");
    await page.getByLabel("Record type").selectOption({ label: "Students" });
    await page
      .locator('tr[data-action="student.photo_delete"]')
      .getByText("Howard Wolowitz (21IT008)")
      .waitFor();
    log(`audit log: "${about}"`);
  }
  await page.goto("/admin/status");
  {
    const modelId = page.getByTestId("model-id");
    await modelId.waitFor();
    const id = (await modelId.innerText()).trim();
    check(
      id !== "" && id !== "—",
      `the status page shows the model id, not "${id}"`,
    );
    await page
      .getByRole("cell", { name: /\.onnx$/ })
      .first()
      .waitFor();
    // This server's public_url is its loopback address: the page says
    // phones cannot open the check-in link.
    const linkCard = await page
      .locator(".card", { has: page.getByTestId("link-base") })
      .innerText();
    check(
      linkCard.includes(base) && /this computer itself/.test(linkCard),
      `the status page warns of the loopback check-in link: ${linkCard}`,
    );
    await shot(page, "15-status");
    log(`system status: model ${id}`);
  }

  {
    // A backup on SQLite: made, listed, downloaded (an SQLite file).
    await page.goto("/admin/backups");
    await page.getByRole("button", { name: "Back up now" }).click();
    const madeNote = page
      .getByRole("status")
      .filter({ hasText: /Backup .* was made/ });
    await madeNote.waitFor({ timeout: 30_000 });
    const backupName = /Backup (\S+) was made/.exec(
      await madeNote.innerText(),
    )[1];
    await page.getByRole("cell", { name: backupName, exact: true }).waitFor();
    const [backupFile] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: `Download ${backupName}` }).click(),
    ]);
    const backupPath = join(work, "backup.db");
    await backupFile.saveAs(backupPath);
    const head = readFileSync(backupPath).subarray(0, 15).toString();
    check(
      head === "SQLite format 3",
      `the backup is an SQLite database, starts "${head}"`,
    );
    await shot(page, "22-backups");
    log(`backup ${backupName} made, listed and downloaded`);
  }

  {
    // A runtime setting changed and read back after a reload.
    await page.goto("/admin/settings");
    const form = page.getByRole("form", { name: "Runtime settings" });
    await form.waitFor();
    const numberInput = form.locator('input[type="number"]').first();
    const key = await numberInput.evaluate(
      (el) => el.closest(".setting").dataset.key,
    );
    const before = Number(await numberInput.inputValue());
    const min = Number((await numberInput.getAttribute("min")) ?? -Infinity);
    const max = Number((await numberInput.getAttribute("max")) ?? Infinity);
    const step =
      (await numberInput.getAttribute("step")) === "1" ? 1 : before / 10 || 0.1;
    let after = before + step <= max ? before + step : before - step;
    if (after < min) after = min;
    after = Number(after.toFixed(6));
    await numberInput.fill(String(after));
    await form.getByRole("button", { name: /^Save 1 change/ }).click();
    const title = await form
      .locator(`.setting[data-key="${key}"] label`)
      .innerText();
    check(
      title !== key && !/_/.test(title),
      `the setting shows its title, not its key: ${title}`,
    );
    await page.getByText(`Saved: ${title}.`).waitFor();
    const labels = await form.locator("label").allInnerTexts();
    check(
      labels.every((l) => !/^[a-z]+(_[a-z]+)+$/.test(l.trim())),
      `no setting is labelled by its key: ${labels.join(", ")}`,
    );
    const retention = await form
      .getByLabel("Enrollment photos")
      .evaluate((el) => el.selectedOptions[0].textContent);
    check(
      retention === "Keep the photos",
      `a choice shows its value in words: ${retention}`,
    );
    await shot(page, "23-settings");
    await page.reload();
    await form.waitFor();
    const readBack = Number(
      await form.locator(`.setting[data-key="${key}"] input`).inputValue(),
    );
    check(
      Math.abs(readBack - after) < 1e-9,
      `${key} reads back ${after}, not ${readBack}`,
    );
    log(`setting ${key}: ${before} -> ${after}, read back`);
  }

  // Every admin page opens without an error.
  await page.goto("/admin/webhooks");
  await page.getByLabel("URL").fill("http://127.0.0.1:9/lms-hook");
  await page.getByRole("button", { name: "Add endpoint" }).click();
  await page.getByText(/Signing secret, shown only once/).waitFor();
  await page.getByRole("button", { name: "Send test ping" }).click();
  await page.getByText("A ping was queued.").waitFor();
  await shot(page, "15b-webhooks");

  // ---- editing: a webhook's events, a teacher's phone (a bad one first:
  // the API's message shows), a session's times and method, lock/unlock, delete
  await page.getByRole("button", { name: "Edit", exact: true }).click();
  const hookForm = page.getByRole("form", { name: /Edit webhook/ });
  await hookForm.getByLabel("session.closed").uncheck();
  await shot(page, "15d-webhook-edit");
  await hookForm.getByRole("button", { name: "Save changes" }).click();
  await page.getByText("The endpoint was changed.").waitFor();
  await page.locator("li.card p strong").first().waitFor();
  const hookLine = await page.locator("li.card p").first().innerText();
  check(
    /record\.changed ·/.test(hookLine) && !hookLine.includes("session.closed"),
    `webhook edited: ${hookLine}`,
  );
  await page.goto("/admin/teachers");
  await page
    .getByRole("row", { name: /Tara Teacher/ })
    .getByRole("button", { name: "Edit" })
    .click();
  const teacherForm = page.getByRole("form", { name: "Edit teacher" });
  await teacherForm.getByLabel("Phone").fill("12");
  expectedHttp.push({ status: 400, url: /\/api\/v1\/teachers\/\d+$/ });
  await teacherForm.getByRole("button", { name: "Save changes" }).click();
  await teacherForm.getByRole("alert").filter({ hasText: /phone/i }).waitFor();
  {
    // The sentence, then the request id in a small line of its own.
    const box = teacherForm.getByRole("alert");
    const sentenceText = (await box.locator(".error-text").innerText()).trim();
    const details = (await box.locator(".error-details").innerText()).trim();
    check(
      /^Please check\. [A-Z].*\.$/.test(sentenceText) &&
        !/request/i.test(sentenceText),
      `the error is a sentence without the request id: "${sentenceText}"`,
    );
    check(
      /^Request id for support: \S+$/.test(details),
      `the request id is in the details line: "${details}"`,
    );
  }
  await shot(page, "19-teacher-edit-error");
  await teacherForm.getByLabel("Phone").fill("+919876543210");
  await teacherForm.getByRole("button", { name: "Save changes" }).click();
  await page.getByRole("cell", { name: "+919876543210" }).waitFor();
  await page.goto("/admin/subjects");
  // Renamed and back again: later steps name the subject.
  for (const name of ["Programming I", "Programming"]) {
    await page
      .getByRole("row", { name: /CS101/ })
      .getByRole("button", { name: "Edit" })
      .click();
    const subjectForm = page.getByRole("form", { name: "Edit subject" });
    await subjectForm.getByLabel("Name").fill(name);
    await subjectForm.getByRole("button", { name: "Save changes" }).click();
    await page.getByRole("cell", { name, exact: true }).waitFor();
  }

  await page.goto(`/sessions/${photoSession}`);
  await page.getByRole("button", { name: "Edit session" }).click();
  const sessionForm = page.getByRole("form", { name: "Edit session" });
  await sessionForm.getByLabel("How attendance is taken").selectOption("mixed");
  await sessionForm
    .getByLabel("Ends")
    .fill(await sessionForm.getByLabel("Starts").inputValue());
  expectedHttp.push({ status: 400, url: /\/api\/v1\/sessions\/\d+$/ });
  await sessionForm.getByRole("button", { name: "Save changes" }).click();
  await page.locator(".session-edit").getByRole("alert").waitFor();
  const endsBad = await page
    .locator(".session-edit")
    .getByRole("alert")
    .innerText();
  log(`a session ending when it starts: "${endsBad.trim()}"`);
  const starts = await sessionForm.getByLabel("Starts").inputValue();
  const ends = new Date(new Date(starts).getTime() + 90 * 60_000);
  const pad = (n) => String(n).padStart(2, "0");
  await sessionForm
    .getByLabel("Ends")
    .fill(
      `${ends.getFullYear()}-${pad(ends.getMonth() + 1)}-${pad(ends.getDate())}T${pad(ends.getHours())}:${pad(ends.getMinutes())}`,
    );
  await sessionForm.getByRole("button", { name: "Save changes" }).click();
  await page.getByText("The session was changed.").waitFor();
  await page.getByText(/· Mixed ·/).waitFor();
  await page.getByRole("button", { name: "Lock" }).click();
  await page.getByText(/locked: no more changes/).waitFor();
  check(
    (await page.getByRole("button", { name: "Recognise faces" }).count()) === 0,
    "a locked session takes no photos",
  );
  await shot(page, "20-session-locked");
  await page.getByRole("button", { name: "Unlock" }).click();
  await page.getByText("The session is unlocked.").waitFor();
  await page.goto("/sessions/new?method=manual");
  await page.getByLabel("Class").selectOption({ label: "BTech IT · A" });
  await page
    .getByLabel("Subject")
    .selectOption({ label: "CS101 · Programming" });
  await page.getByLabel("Teacher").selectOption({ label: "Tara Teacher" });
  await page.getByRole("button", { name: "Create session" }).click();
  await page.waitForURL(/\/sessions\/\d+$/);
  await page.getByRole("button", { name: "Delete session" }).click();
  await page.waitForURL(/\/sessions$/);
  log(
    "edited a webhook, a teacher, a subject and a session; locked, unlocked, deleted one",
  );
  for (const [path, heading] of [
    ["/admin/users", "Users"],
    ["/admin/teachers", "Teachers"],
    ["/admin/classes", "Classes"],
    ["/admin/subjects", "Subjects"],
    ["/admin/settings", "Settings"],
    ["/admin/backups", "Backups"],
    ["/sessions", "Sessions"],
    [`/students/${ids["21IT006"]}/report`, "Lin-Manuel Miranda: attendance"],
  ]) {
    await page.goto(path);
    await page.getByRole("heading", { level: 1, name: heading }).waitFor();
    await page.locator(".state.loading").waitFor({ state: "detached" });
  }
  await shot(page, "15c-student-report");

  // The access token lives 40 s and is refreshed 30 s before it ends: by
  // now the UI has refreshed the admin's login (rotating the refresh token).
  const lastLogin = await page.evaluate(() =>
    JSON.parse(localStorage.getItem("rollcall.login")),
  );
  check(
    lastLogin.user.username === "admin" &&
      lastLogin.refresh !== firstLogin.refresh,
    "the login was refreshed during the run",
  );

  // ---- role restrictions: the teacher
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("button", { name: "Sign in" }).waitFor();
  await signIn(page, "tara", kTeacherPassword);
  const nav = page.getByRole("navigation", { name: "Main" });
  await nav.getByRole("link", { name: "Sessions" }).waitFor();
  for (const hidden of [
    "Users",
    "Teachers",
    "Audit log",
    "Webhooks",
    "System status",
  ]) {
    check(
      (await nav.getByRole("link", { name: hidden }).count()) === 0,
      `a teacher's menu has no ${hidden}`,
    );
  }
  expectedHttp.push({ status: 403, url: /\/api\/v1\/(audit|users)/ });
  await page.goto("/admin/users");
  const refused = page.getByRole("alert").filter({ hasText: "Not allowed" });
  await refused.waitFor();
  const refusal = await refused.innerText();
  check(!/\{|"code"/.test(refusal), `the 403 is shown in words: ${refusal}`);
  check(
    !/\/api\/|\bGET\b/.test(refusal) &&
      /As a teacher, you may not see user accounts/.test(refusal),
    `"Not allowed" says what the teacher may not do, in words: ${refusal}`,
  );
  await shot(page, "16-teacher-forbidden");
  // A teacher creates a session from their own assignments.
  await page.goto("/sessions/new?method=manual");
  await page.getByLabel("Class").selectOption({ label: "BTech IT · A" });
  await page
    .getByLabel("Subject")
    .selectOption({ label: "CS101 · Programming" });
  check(
    (await page.getByLabel("Teacher").count()) === 0,
    "a teacher does not pick the teacher",
  );
  await page.getByRole("button", { name: "Create session" }).click();
  await page.waitForURL(/\/sessions\/\d+$/);
  await page.getByRole("heading", { name: "Absent" }).waitFor();
  // A teacher locks their session; only an admin unlocks it.
  await page.getByRole("button", { name: "Lock" }).click();
  await page
    .getByRole("status")
    .filter({ hasText: "The session is locked." })
    .waitFor();
  check(
    (await page.getByRole("button", { name: "Unlock" }).count()) === 0,
    "a teacher has no Unlock button",
  );
  await page.goto("/sessions");
  await page.getByRole("link", { name: "Check-in" }).first().waitFor();
  check(
    (await page.getByRole("link", { name: "Check-in" }).count()) === 3,
    "the teacher sees their 3 sessions",
  );
  await shot(page, "17-teacher-sessions");
  // The teacher bot's link code, on the teacher's account page.
  await page.goto("/account");
  await page.getByRole("button", { name: "Link Telegram" }).click();
  const linkCode = await page
    .locator(".big-link-code")
    .getAttribute("data-code");
  check(
    /^[A-Z0-9]{8}$/.test(linkCode),
    `an 8-character link code, not ${linkCode}`,
  );
  await page.getByText(/valid for \d+:\d\d more/).waitFor();
  await page.getByText(/Share your phone contact/).waitFor();
  await shot(page, "21-teacher-telegram-code");
  log(`teacher link code ${linkCode} shown`);
  log(`teacher: no admin menu; /admin/users says "${refusal.trim()}"`);

  // ---- the student's own login: their attendance, nothing else
  await page.getByRole("button", { name: "Sign out" }).click();
  // A student's login is named after their registration number (PRN).
  await signIn(page, "reg-21it007", studentPassword);
  await page.getByRole("heading", { name: "My attendance" }).waitFor();
  await page.getByText(/overall/).waitFor();
  const studentNav = await page
    .getByRole("navigation", { name: "Main" })
    .getByRole("link")
    .allInnerTexts();
  check(
    studentNav.join(",") === "Home",
    `a student's menu is only Home, not ${studentNav}`,
  );
  await shot(page, "18-student-home");

  // ---- a forgotten password: the admin sets a new one, the teacher must
  // choose their own at the next sign-in before anything else (issue 15)
  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn(page, "admin", kAdminPassword);
  await page.getByRole("navigation", { name: "Main" }).waitFor();
  await page.goto("/admin/users");
  const taraRow = page.getByRole("row").filter({ hasText: "tara" });
  await taraRow.getByRole("button", { name: "Set a new password" }).click();
  await page
    .getByLabel("New password for tara", { exact: true })
    .fill("e2e-reset-password-1");
  await page.getByRole("button", { name: "Set this password" }).click();
  await page
    .getByRole("status")
    .filter({ hasText: "must choose their own" })
    .waitFor();
  await shot(page, "22-admin-set-password");
  await page.getByRole("button", { name: "Done" }).click();
  await taraRow.getByText("must change at next sign-in").waitFor();
  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn(page, "tara", "e2e-reset-password-1");
  await page
    .getByRole("heading", { name: "Choose your own password" })
    .waitFor();
  check(
    (await page.getByRole("navigation", { name: "Main" }).count()) === 0,
    "nothing but the password change until it is done",
  );
  await shot(page, "23-forced-password-change");
  await page.getByLabel("Password you were given").fill("e2e-reset-password-1");
  await page
    .getByLabel("New password", { exact: true })
    .fill("e2e-taras-own-password");
  await page.getByLabel("New password again").fill("e2e-taras-own-password");
  await page.getByRole("button", { name: "Save and go on" }).click();
  await page
    .getByRole("navigation", { name: "Main" })
    .getByRole("link", { name: "Sessions" })
    .waitFor();
  log("admin reset tara's password; tara chose her own at sign-in");

  check(
    a11yViolations.length === 0,
    `no serious or critical accessibility violations, but:\n${a11yViolations.join("\n")}`,
  );
  check(
    consoleErrors.length === 0,
    `no console errors, but:\n${consoleErrors.join("\n")}`,
  );
}

let failed = false;
try {
  await main();
  log("PASS");
} catch (e) {
  failed = true;
  console.error(e.stack ?? e);
  for (const [i, p] of (browser?.contexts() ?? [])
    .flatMap((c) => c.pages())
    .entries()) {
    await p
      .screenshot({ path: join(shots, `failure-${i}.png`), fullPage: true })
      .catch(() => undefined);
  }
  if (consoleErrors.length)
    console.error("console errors:\n" + consoleErrors.join("\n"));
  if (server?.stderrText) {
    const text = server.stderrText();
    console.error("server log (last 3000 chars):\n" + text.slice(-3000));
    writeFileSync(join(shots, "server.log"), text);
  }
} finally {
  await browser?.close().catch(() => undefined);
  server?.kill("SIGTERM");
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
