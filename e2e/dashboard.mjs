// Drives the dashboard of a real `nitro serve` in Debian's Chromium through
// playwright-core (no browser is downloaded), for dashboard_test.go. Protocol: the
// scenario comes as JSON in NITRO_DASHBOARD (url, tokens, artifacts dir); the script
// prints {"ready":true} once every page is live, reads one JSON line on stdin naming
// the jobs the test started, checks what each page shows, and prints
// {"ok":true,...} or {"ok":false,"error":...}. Screenshots go to the artifacts dir.
import { chromium } from "playwright-core";
import readline from "node:readline";
import path from "node:path";

const cfg = JSON.parse(process.env.NITRO_DASHBOARD);
const out = (o) => process.stdout.write(JSON.stringify(o) + "\n");
const problems = []; // uncaught page errors, console errors (CSP violations among them)
const pages = {};

function watch(name, page) {
  pages[name] = page;
  page.on("pageerror", (err) => problems.push(`${name}: uncaught ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`${name}: console error: ${msg.text()}`);
  });
}

async function open(browser, name, query) {
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 860 } });
  const page = await ctx.newPage();
  watch(name, page);
  await page.goto(cfg.url + "/" + query);
  return page;
}

async function live(page) {
  await page.waitForFunction(() => document.getElementById("conn").textContent === "Live", null, { timeout: 20000 });
}

// seedToasts runs the frontend guide's ToastNotifications decision, unchanged in
// logic, on every worker_progress a second socket.io-client socket of the page
// receives for the user: the toasts a Next.js app built from the guide would show.
async function seedToasts(page, userId) {
  await page.evaluate(({ token, userId }) => new Promise((resolve, reject) => {
    window.seedToasts = [];
    const socket = io({ auth: { token }, transports: ["polling", "websocket"], forceNew: true });
    socket.on("worker_progress", (event) => {
      let message = "";
      if (event.status === "completed") {
        message = `✅ ${event.phaseTitle} completed successfully!`;
      } else if (event.status === "failed") {
        message = `❌ ${event.phaseTitle} failed: ${event.details?.error || "Unknown error"}`;
      } else if (event.progress === 100) {
        message = `🎉 ${event.workerType} completed!`;
      } else {
        return; // the guide shows no toast for in-progress updates
      }
      window.seedToasts.push({ id: `${event.jobId}-${event.timestamp}`, jobId: event.jobId, message });
    });
    socket.on("connect", () => socket.emit("subscribe_user_launches", userId, (ack) => (ack && ack.ok ? resolve() : reject(new Error(JSON.stringify(ack))))));
    socket.on("connect_error", (err) => reject(err));
  }), { token: cfg.tokens.alice, userId: cfg.users.alice });
}

const card = (page, job) => page.locator(`article.job[data-job="${job}"]`);

async function finished(page, job, timeout = 120000) {
  await page.waitForSelector(`article.job[data-job="${job}"][data-status="completed"][data-progress="100"]`, { timeout });
}

function check(cond, msg) {
  if (!cond) throw new Error(msg);
}

async function scenario(browser) {
  const alice = await open(browser, "alice", `?token=${cfg.tokens.alice}`);
  const bob = await open(browser, "bob", `?token=${cfg.tokens.bob}`);
  const admin = await open(browser, "admin", ""); // the admin pastes the token
  await admin.getByLabel("Access token").fill(cfg.tokens.admin);
  await admin.getByRole("button", { name: "Sign in", exact: true }).click();
  await Promise.all([live(alice), live(bob), live(admin)]);
  check(!alice.url().includes("token="), `the token stayed in the address bar: ${alice.url()}`);
  check(await alice.evaluate(() => sessionStorage.getItem("nitro.dashboard.token") !== null), "the token was not kept for the tab");
  await seedToasts(alice, cfg.users.alice);
  out({ ready: true });

  const jobs = JSON.parse(await new Promise((resolve) => readline.createInterface({ input: process.stdin }).once("line", resolve)));

  // Alice watches her launch reach 100%, with its stages, steps and one toast.
  await finished(alice, jobs.launch);
  const c = card(alice, jobs.launch);
  await alice.waitForFunction((job) => document.querySelectorAll(`article.job[data-job="${job}"] .timeline li[data-done="true"]`).length === 5,
    jobs.launch, { timeout: 10000 });
  const heading = await c.locator("h3").textContent();
  check(heading.includes(jobs.tokenName), `card heading ${heading}`);
  check(/Phase \d+\/\d+/.test(await c.locator(".phase-title").textContent()), "no phase N/M");
  check((await c.locator(".steps li").count()) > 0, "no steps shown");
  check((await c.locator(".timeline .sig").count()) > 0, "no signature on the stage timeline");
  await alice.waitForTimeout(1500); // any late event would show a second toast by now
  const toasts = await alice.evaluate((job) => window.nitroDashboard.toasts.filter((t) => t.jobId === job), jobs.launch);
  check(toasts.length === 1, `dashboard toasts for the launch: ${JSON.stringify(toasts)}`);
  const seed = await alice.evaluate((job) => window.seedToasts.filter((t) => t.jobId === job), jobs.launch);
  check(seed.length === 1, `the guide's ToastNotifications would show ${seed.length} toasts: ${JSON.stringify(seed)}`);
  await alice.screenshot({ path: path.join(cfg.artifacts, "alice.png"), fullPage: true });

  // Bob sees his own jobs, the failed one with its error, and nothing of Alice's launch.
  await finished(bob, jobs.walk);
  await bob.waitForSelector(`article.job[data-job="${jobs.failing}"][data-status="failed"] .problem`, { timeout: 60000 });
  check((await card(bob, jobs.launch).count()) === 0, "bob sees alice's launch");
  check(!(await bob.locator("body").textContent()).includes(jobs.tokenName), "bob's page names alice's token");

  // The admin sees both users, the counts and the monitoring link.
  await finished(admin, jobs.launch);
  await finished(admin, jobs.walk);
  for (const u of [cfg.users.alice, cfg.users.bob]) {
    check((await admin.locator(`#users li[data-user="${u}"]`).count()) === 1, `admin's user list lacks ${u}`);
  }
  check(Number(await admin.locator("#count-completed").textContent()) === 2, "admin's completed count");
  await admin.waitForFunction(() => document.getElementById("count-failed").textContent === "1", null, { timeout: 60000 });
  const failure = await admin.locator("#failures li").first().textContent();
  check(failure.includes("bob") && failure.includes("refused"), `admin's failure list: ${failure}`);
  check(await admin.locator('a[href="/monitoring/"]').isVisible(), "no monitoring link for the admin");
  await admin.screenshot({ path: path.join(cfg.artifacts, "admin.png"), fullPage: true });

  // A reload keeps the state (snapshot on subscribe, history from the API) and
  // announces nothing again.
  const stepsBefore = await c.locator(".steps li").count();
  await alice.reload();
  await live(alice);
  await finished(alice, jobs.launch, 20000);
  await alice.waitForFunction(([job, n]) => document.querySelectorAll(`article.job[data-job="${job}"] .steps li`).length === n &&
    document.querySelectorAll(`article.job[data-job="${job}"] .timeline li[data-done="true"]`).length === 5,
  [jobs.launch, stepsBefore], { timeout: 20000 });
  check((await alice.evaluate(() => window.nitroDashboard.toasts.length)) === 0, "a reload toasted a job again");

  // The job page replays the whole history from PostgreSQL.
  await alice.goto(`${cfg.url}/#job=${encodeURIComponent(jobs.launch)}`);
  await alice.waitForSelector("#jobpage table.history tbody tr", { timeout: 20000 });
  const rows = await alice.locator("#jobpage table.history tbody tr").count();
  check(rows >= 10, `job page history has ${rows} rows`);
  check((await alice.locator("#jobpage").textContent()).includes("completed"), "job page lacks the completed event");
  await alice.screenshot({ path: path.join(cfg.artifacts, "jobpage.png"), fullPage: true });

  // A newcomer: demo sign-in, then "try a launch", watched to the end.
  const demo = await open(browser, "demo", "");
  await demo.getByLabel("Access token").waitFor();
  await demo.screenshot({ path: path.join(cfg.artifacts, "signin.png") });
  check(!(await demo.locator("#signout").isVisible()), "sign out offered before signing in");
  await demo.getByRole("button", { name: "Sign in as a demo user" }).click();
  await live(demo);
  await demo.getByRole("button", { name: "Try a launch" }).click();
  await demo.waitForSelector('article.job[data-status="completed"][data-progress="100"]', { timeout: 120000 });
  await demo.screenshot({ path: path.join(cfg.artifacts, "demo.png"), fullPage: true });
  return { rows, steps: stepsBefore };
}

const browser = await chromium.launch({ executablePath: cfg.chromium, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
let result;
try {
  const info = await scenario(browser);
  result = problems.length ? { ok: false, error: problems.join("\n") } : { ok: true, ...info };
} catch (err) {
  result = { ok: false, error: `${err.message}${problems.length ? "\n" + problems.join("\n") : ""}` };
  for (const [name, page] of Object.entries(pages)) {
    await page.screenshot({ path: path.join(cfg.artifacts, `failure-${name}.png`), fullPage: true }).catch(() => {});
  }
}
await browser.close();
out(result);
