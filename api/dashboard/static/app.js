// Nitro dashboard: watches jobs over Socket.IO (worker_progress, worker_step,
// token_launch_event, launch_progress_update) and reads history from the HTTP API.
// Plain script, no build step; everything it loads comes from this origin (the
// page's Content-Security-Policy allows nothing else, and no inline code).
(() => {
  'use strict';

  const TOKEN_KEY = 'nitro.dashboard.token';
  const LABELS = {
    launch_token: 'Token launch', launch_token_from_dapp: 'Launch from dApp', prepare_launch: 'Prepare launch',
    execute_launch: 'Execute launch', create_token_metadata: 'Create metadata', dev_sell: 'Dev sell',
    wallet_sell: 'Wallet sell', sweep_wallets: 'Sweep wallets',
  };
  const LAUNCH_TYPES = new Set(['launch_token', 'launch_token_from_dapp', 'create_token_metadata', 'prepare_launch', 'execute_launch']);
  const STAGES = [
    ['created', 'Created'], ['launched', 'Launched'], ['mixing_started', 'Mixing started'],
    ['mixing_completed', 'Mixing completed'], ['fully_ready', 'Fully ready'],
  ];
  const STEPS_SHOWN = 6;

  const $ = (id) => document.getElementById(id);
  const state = {
    token: null, claims: null, admin: false, cfg: { localChain: false, demo: false }, socket: null,
    jobs: new Map(), launches: new Map(), toasted: new Set(), running: new Set(), pending: false,
  };
  // What tests and curious developers can read: every toast shown, in order.
  window.nitroDashboard = { toasts: [] };

  // h builds an element; strings become text nodes (payloads are never parsed as HTML).
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }
  const time = (ms) => (ms ? new Date(ms).toLocaleTimeString() : '');
  const short = (s) => (s && s.length > 16 ? `${s.slice(0, 8)}…${s.slice(-6)}` : s || '');
  const sigEl = (sig) => h('span', { class: 'sig', title: sig }, short(sig));

  // ---- sign-in ----

  function takeToken() {
    const url = new URL(location.href);
    const fromURL = url.searchParams.get('token');
    if (fromURL) {
      sessionStorage.setItem(TOKEN_KEY, fromURL);
      url.searchParams.delete('token');
      history.replaceState(null, '', url.pathname + url.search + url.hash);
    }
    return sessionStorage.getItem(TOKEN_KEY);
  }

  // claimsOf reads the token's claims for display only; the server verifies it.
  function claimsOf(tok) {
    try {
      let p = tok.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      p += '='.repeat((4 - (p.length % 4)) % 4);
      const c = JSON.parse(atob(p));
      return typeof c.sub === 'string' && c.sub ? c : null;
    } catch {
      return null;
    }
  }

  function signIn(tok) {
    const claims = claimsOf(tok);
    if (!claims) {
      showSignIn('That is not a token this server signs (a JWT with sub).');
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, tok);
    state.token = tok;
    state.claims = claims;
    state.admin = claims.role === 'admin';
    $('signin').hidden = true;
    $('who').hidden = false;
    $('who-name').textContent = state.admin ? `${claims.sub} (admin)` : claims.sub;
    $('monitoring').hidden = !state.admin;
    $('admin').hidden = !state.admin;
    $('board-h').textContent = state.admin ? 'All users\u2019 jobs' : 'Your jobs';
    $('try').hidden = !state.cfg.demo;
    connect();
    route();
  }

  function signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
    if (state.socket) state.socket.disconnect();
    location.hash = '';
    location.reload();
  }

  function showSignIn(err) {
    $('signin').hidden = false;
    $('board').hidden = true;
    $('jobpage').hidden = true;
    $('who').hidden = true;
    $('demo-signin').hidden = !state.cfg.demo;
    $('signin-error').textContent = err || '';
  }

  // ---- the socket ----

  function connect() {
    setConn('Connecting…', '');
    // Polling first, then the upgrade: the page works even where websockets are refused.
    const socket = io({ auth: { token: state.token }, transports: ['polling', 'websocket'] });
    state.socket = socket;
    socket.on('connect', () => {
      setConn('Live', 'ok');
      const ack = (res) => {
        if (!res || !res.ok) setConn(`Subscription refused: ${(res && res.error) || 'no answer'}`, 'bad');
      };
      if (state.admin) socket.emit('subscribe_all_launches', ack);
      else socket.emit('subscribe_user_launches', state.claims.sub, ack);
    });
    socket.on('disconnect', () => setConn('Disconnected, reconnecting…', 'bad'));
    socket.on('connect_error', (err) => {
      const msg = (err && err.message) || 'connection failed';
      setConn(`Not connected: ${msg}`, 'bad');
      if (msg.startsWith('unauthorized')) {
        socket.disconnect();
        sessionStorage.removeItem(TOKEN_KEY);
        showSignIn(`The server refused the token (${msg}). Sign in again.`);
      }
    });
    socket.on('worker_progress', (ev) => onProgress(ev, false));
    socket.on('worker_step', (ev) => onStep(ev));
    socket.on('token_launch_event', (ev) => onLaunchEvent(ev));
    socket.on('launch_progress_update', (lp) => onLaunchProgress(lp));
  }

  function setConn(text, cls) {
    const el = $('conn');
    el.textContent = text;
    el.className = `badge ${cls}`;
  }

  // ---- the model ----

  function job(id, ev) {
    let j = state.jobs.get(id);
    if (!j) {
      j = { id, userId: ev.userId, workerType: ev.workerType, tokenAddress: ev.tokenAddress || '', latest: null,
        steps: new Map(), first: ev.timestamp || Date.now(), lastSig: '', history: 'none', result: null };
      state.jobs.set(id, j);
    }
    if (ev.tokenAddress) j.tokenAddress = ev.tokenAddress;
    return j;
  }

  function launch(token) {
    let l = state.launches.get(token);
    if (!l) {
      l = { token, progress: null, events: new Map(), name: '', symbol: '' };
      state.launches.set(token, l);
    }
    return l;
  }

  const terminal = (ev) => ev && (ev.status === 'completed' || ev.status === 'failed');
  const retrying = (ev) => ev && ev.status === 'in_progress' && ev.details && ev.details.retrying;

  function onProgress(ev, replay) {
    if (!ev || !ev.jobId) return;
    const j = job(ev.jobId, ev);
    j.first = Math.min(j.first, ev.timestamp || j.first);
    const prev = j.latest;
    if (!prev || (!terminal(prev) && ev.timestamp >= prev.timestamp) || (terminal(ev) && ev.timestamp >= prev.timestamp)) {
      j.latest = ev;
    }
    if (!replay) {
      if (!terminal(ev)) state.running.add(j.id);
      // One toast per job that finished while this page watched it (a snapshot of a
      // job that ended before the page opened is shown, not announced).
      if (terminal(ev) && state.running.has(j.id) && !state.toasted.has(j.id)) {
        state.toasted.add(j.id);
        toastFor(j, ev);
      }
      // Joined mid-run (a snapshot, a reload): fetch what happened before.
      if (j.history === 'none' && ev.status !== 'started') loadHistory(j);
      else if (j.history === 'none') j.history = 'live';
      if (terminal(ev) && !j.result) loadResult(j);
    }
    changed();
  }

  function onStep(ev) {
    if (!ev || !ev.jobId) return;
    const j = job(ev.jobId, ev);
    j.steps.set(`${ev.timestamp}|${ev.step}|${ev.stepNumber}|${ev.message}`, ev);
    if (ev.data && typeof ev.data.signature === 'string') j.lastSig = ev.data.signature;
    changed();
  }

  // onLaunchEvent records a stage with the signature of the latest step before it
  // (the create for `launched`, the last hop for `mixing_completed`, the last buy for
  // `fully_ready`): live, the jobs' latest; in a replay, the replayed events' (sig).
  function onLaunchEvent(ev, replaySig) {
    if (!ev || !ev.tokenAddress) return;
    const l = launch(ev.tokenAddress);
    l.name = ev.name || l.name;
    l.symbol = ev.symbol || l.symbol;
    l.total = ev.totalSteps;
    let sig = replaySig;
    if (sig === undefined) {
      sig = '';
      for (const j of state.jobs.values()) if (j.tokenAddress === ev.tokenAddress && j.lastSig) sig = j.lastSig;
    }
    const used = [...l.events.values()].some((e) => e.sig === sig);
    if (!l.events.has(ev.stage) || ev.error) l.events.set(ev.stage, { ev, sig: used ? '' : sig });
    changed();
  }

  function onLaunchProgress(lp) {
    if (!lp || !lp.tokenAddress) return;
    launch(lp.tokenAddress).progress = lp;
    changed();
  }

  // ---- reads from the API (the same token) ----

  // The API allows a token 20 requests a second (burst 40), and a reload may bring
  // the snapshot of many jobs: reads go one at a time, at most 15 a second, and a 429
  // waits out its Retry-After.
  let queue = Promise.resolve();
  function api(path) {
    const run = queue.then(() => fetchJSON(path, 3));
    queue = run.catch(() => {}).then(() => new Promise((r) => setTimeout(r, 66)));
    return run;
  }

  async function fetchJSON(path, tries) {
    const res = await fetch(path, { headers: { Authorization: `Bearer ${state.token}` } });
    const body = await res.json().catch(() => ({}));
    if (res.status === 429 && tries > 1) {
      await new Promise((r) => setTimeout(r, 1000 * (Number(res.headers.get('Retry-After')) || 1)));
      return fetchJSON(path, tries - 1);
    }
    if (!res.ok) throw new Error(body.error || `${res.status}`);
    return body;
  }

  async function allEvents(id) {
    const out = [];
    let after = 0;
    for (;;) {
      const page = await api(`/api/jobs/${encodeURIComponent(id)}/events?after=${after}`);
      out.push(...page.events);
      if (!page.next) return out;
      after = page.next;
    }
  }

  function replayInto(events) {
    const sigs = new Map(); // token -> latest signature among the replayed events
    for (const e of events) {
      const p = e.payload || {};
      const sig = e.name === 'worker_step' && p.data && typeof p.data.signature === 'string' && p.data.signature;
      if (sig && p.tokenAddress) sigs.set(p.tokenAddress, sig);
      if (e.name === 'worker_progress') onProgress(p, true);
      else if (e.name === 'worker_step') onStep(p);
      else if (e.name === 'token_launch_event') onLaunchEvent(p, sigs.get(p.tokenAddress) || '');
      else if (e.name === 'launch_progress_update') onLaunchProgress(e.payload);
    }
  }

  async function loadHistory(j) {
    j.history = 'loading';
    try {
      replayInto(await allEvents(j.id));
      j.history = 'loaded';
    } catch (err) {
      j.history = 'none';
      console.warn('history of job', j.id, err.message);
    }
  }

  async function loadResult(j) {
    j.result = {};
    try {
      const rep = await api(`/api/jobs/${encodeURIComponent(j.id)}`);
      j.result = rep.result || {};
      changed();
    } catch (err) {
      console.warn('result of job', j.id, err.message);
    }
  }

  // ---- toasts ----

  function toastFor(j, ev) {
    const what = `${LABELS[j.workerType] || j.workerType}${tokenName(j) ? ` ${tokenName(j)}` : ''}`;
    const ok = ev.status === 'completed';
    const message = ok ? `${what} completed` : `${what} failed: ${(ev.details && ev.details.error) || 'unknown error'}`;
    window.nitroDashboard.toasts.push({ jobId: j.id, message });
    const el = h('div', { class: `toast ${ok ? 'success' : 'error'}`, 'data-job': j.id },
      h('p', {}, h('span', { 'aria-hidden': 'true' }, ok ? '\u2713 ' : '\u2717 '), message),
      h('button', { type: 'button', 'aria-label': 'Dismiss notification', onclick: () => el.remove() }, '\u00d7'));
    $('toasts').append(el);
    setTimeout(() => el.remove(), ok ? 8000 : 15000);
  }

  // ---- rendering ----

  function changed() {
    if (state.pending) return;
    state.pending = true;
    requestAnimationFrame(() => {
      state.pending = false;
      render();
    });
  }

  function tokenName(j) {
    const d = j.latest && j.latest.details;
    const l = j.tokenAddress && state.launches.get(j.tokenAddress);
    const name = (d && d.tokenName) || (l && l.name) || '';
    const sym = (d && d.tokenSymbol) || (l && l.symbol) || '';
    return name ? `${name}${sym ? ` (${sym})` : ''}` : '';
  }

  function kind(j) {
    const ev = j.latest;
    if (!ev) return 'active';
    if (ev.status === 'completed') return 'completed';
    if (ev.status === 'failed') return 'failed';
    if (retrying(ev)) return 'retrying';
    return 'active';
  }

  function render() {
    if (!state.token) return;
    const jobs = [...state.jobs.values()].filter((j) => j.latest).sort((a, b) => b.first - a.first);
    const counts = { active: 0, completed: 0, failed: 0, retrying: 0 };
    for (const j of jobs) counts[kind(j)]++;
    for (const k of Object.keys(counts)) $(`count-${k}`).textContent = String(counts[k]);
    $('empty').hidden = jobs.length > 0;
    $('jobs').replaceChildren(...jobs.map(jobCard));
    if (state.admin) renderAdmin(jobs);
    if (!$('jobpage').hidden) renderJobPageLive();
  }

  function renderAdmin(jobs) {
    const users = new Map();
    for (const j of jobs) {
      const u = users.get(j.userId) || { total: 0, active: 0 };
      u.total++;
      if (kind(j) === 'active') u.active++;
      users.set(j.userId, u);
    }
    $('users').replaceChildren(...[...users.entries()].sort().map(([id, u]) =>
      h('li', { 'data-user': id }, h('strong', {}, id), `: ${u.total} job${u.total === 1 ? '' : 's'}, ${u.active} active`)));
    const failed = jobs.filter((j) => kind(j) === 'failed');
    $('failures').replaceChildren(...(failed.length ? failed.map((j) =>
      h('li', {}, h('a', { href: `#job=${encodeURIComponent(j.id)}` }, `${LABELS[j.workerType] || j.workerType} of ${j.userId}`),
        `: ${(j.latest.details && j.latest.details.error) || 'unknown error'}`)) : [h('li', { class: 'none' }, 'None')]));
  }

  function progressBar(ev, k) {
    const fill = h('div');
    fill.style.width = `${ev.progress}%`; // CSSOM, not a style attribute: allowed by the page's policy
    return h('div', { class: `bar ${k}`, role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100,
      'aria-valuenow': ev.progress, 'aria-label': `Progress ${ev.progress}%` }, fill);
  }

  function jobCard(j) {
    const ev = j.latest;
    const k = kind(j);
    const hid = `job-${j.id}-h`;
    const d = ev.details || {};
    const steps = [...j.steps.values()];
    return h('article', { class: 'job', 'aria-labelledby': hid, 'data-job': j.id, 'data-status': k, 'data-progress': ev.progress },
      h('div', { class: 'job-head' },
        h('h3', { id: hid }, LABELS[j.workerType] || j.workerType, tokenName(j) ? ` \u2014 ${tokenName(j)}` : ''),
        h('span', { class: `status ${k}` }, k === 'active' ? ev.status.replace('_', ' ') : k)),
      h('p', { class: 'meta' },
        state.admin ? [h('span', { 'data-user': j.userId }, `user ${j.userId}`), ' \u00b7 '] : null,
        h('a', { href: `#job=${encodeURIComponent(j.id)}` }, `job ${j.id}`),
        j.tokenAddress ? [' \u00b7 token ', sigEl(j.tokenAddress)] : null,
        ` \u00b7 ${time(ev.timestamp)}`),
      h('div', { class: 'phase' },
        h('span', { class: 'phase-title' }, `Phase ${ev.phase}/${ev.totalPhases}: ${ev.phaseTitle}`),
        h('span', { class: 'pct' }, `${ev.progress}%`)),
      progressBar(ev, k),
      h('p', { class: 'desc' }, ev.phaseDescription),
      k === 'failed' ? h('p', { class: 'problem', role: 'alert' }, `Failed: ${d.error || 'unknown error'}`) : null,
      k === 'retrying' ? h('p', { class: 'problem' },
        `Attempt ${d.attempt} failed: ${d.error || 'unknown error'}; retrying at ${time(d.nextRetryAt)}`) : null,
      LAUNCH_TYPES.has(j.workerType) && j.tokenAddress ? timeline(j.tokenAddress) : null,
      stepList(steps, STEPS_SHOWN, j.id),
      resultSigs(j));
  }

  function stageDone(l, stage) {
    const s = l.progress && l.progress.stages;
    if (l.events.has(stage) && !l.events.get(stage).ev.error) return true;
    if (!s) return false;
    switch (stage) {
      case 'created': return s.creation.completed;
      case 'launched': return s.launch.completed;
      case 'mixing_started': return s.mixing.completed || (s.mixing.progress || 0) > 0;
      case 'mixing_completed': return s.mixing.completed;
      default: return s.ready.completed;
    }
  }

  function stageTime(l, stage) {
    const e = l.events.get(stage);
    if (e) return e.ev.timestamp;
    const s = l.progress && l.progress.stages;
    if (!s) return 0;
    return { created: s.creation.timestamp, launched: s.launch.timestamp, mixing_completed: s.mixing.timestamp,
      fully_ready: s.ready.timestamp }[stage] || 0;
  }

  function timeline(token) {
    const l = state.launches.get(token);
    if (!l) return null;
    // A launch without mixing has three stage events (and three LaunchProgress steps);
    // with mixing five events (four steps: mixing is one stage there).
    const mixing = l.total ? l.total === 5 : !(l.progress && l.progress.totalSteps === 3);
    const stages = mixing ? STAGES : STAGES.filter(([s]) => !s.startsWith('mixing'));
    return h('ol', { class: 'timeline', 'aria-label': 'Launch stages' }, stages.map(([stage, label]) => {
      const e = l.events.get(stage);
      const failed = e && e.ev.error;
      const done = stageDone(l, stage);
      const mixing = stage === 'mixing_started' && l.progress && !l.progress.stages.mixing.completed && l.progress.stages.mixing.progress
        ? ` ${l.progress.stages.mixing.progress}%` : '';
      return h('li', { class: failed ? 'failed' : done ? 'done' : '', 'data-stage': stage, 'data-done': done ? 'true' : 'false' },
        h('span', { class: 'stage' }, done ? '\u2713 ' : failed ? '\u2717 ' : '', label, mixing),
        h('span', { class: 'visually-hidden' }, done ? ' (done)' : failed ? ' (failed)' : ' (pending)'),
        done ? h('span', {}, ` ${time(stageTime(l, stage))}`) : null,
        failed ? h('div', {}, e.ev.error.message) : null,
        e && e.sig ? h('div', {}, sigEl(e.sig)) : null);
    }));
  }

  function stepList(steps, max, id) {
    if (!steps.length) return null;
    const shown = max ? steps.slice(-max) : steps;
    return h('div', {},
      h('ol', { class: 'steps', 'aria-label': 'Steps', start: steps.length - shown.length + 1 }, shown.map((s) =>
        h('li', { 'data-step': s.step }, `${s.message || s.step}`,
          s.data && typeof s.data.signature === 'string' ? [' ', sigEl(s.data.signature)] : null))),
      steps.length > shown.length ? h('p', { class: 'more' }, `${steps.length - shown.length} earlier steps: `,
        h('a', { href: `#job=${encodeURIComponent(id)}` }, 'full history')) : null);
  }

  function resultSigs(j) {
    const sigs = j.result && j.result.signatures;
    if (!sigs) return null;
    const list = Array.isArray(sigs) ? sigs : [sigs.create, ...(sigs.buys || [])].filter(Boolean);
    if (!list.length) return null;
    return h('p', { class: 'meta' }, 'Signatures: ', list.map((s, i) => [i ? ', ' : '', sigEl(s)]));
  }

  // ---- the job page: its whole history from PostgreSQL ----

  let page = null;

  async function openJobPage(id) {
    $('board').hidden = true;
    $('jobpage').hidden = false;
    $('jobpage-h').textContent = `Job ${id}`;
    $('jobpage-body').replaceChildren(h('p', {}, 'Loading…'));
    page = { id, rows: [], job: null, error: '' };
    try {
      const [jobRep, events] = await Promise.all([api(`/api/jobs/${encodeURIComponent(id)}`), allEvents(id)]);
      page.job = jobRep;
      page.rows = events;
      replayInto(events);
    } catch (err) {
      page.error = err.message;
    }
    renderJobPage();
    $('jobpage-h').focus();
  }

  let refetch = 0;
  function renderJobPageLive() {
    // Live events of the shown job: read the stored history again, at most once a second.
    if (!page || refetch || (page.job && (page.job.state === 'completed' || page.job.state === 'failed'))) return;
    refetch = setTimeout(async () => {
      refetch = 0;
      if (!page) return;
      try {
        page.rows = await allEvents(page.id);
        page.job = await api(`/api/jobs/${encodeURIComponent(page.id)}`);
      } catch { /* keep what is shown */ }
      renderJobPage();
    }, 1000);
  }

  function summary(e) {
    const p = e.payload || {};
    switch (e.name) {
      case 'worker_progress':
        return `${p.status} \u00b7 phase ${p.phase}/${p.totalPhases} ${p.phaseTitle} \u00b7 ${p.progress}%` +
          (p.details && p.details.error ? ` \u00b7 ${p.details.error}` : '');
      case 'worker_step': return `${p.stepNumber}/${p.totalSteps} ${p.message}`;
      case 'token_launch_event': return `${p.stage} (${p.stepNumber}/${p.totalSteps}) ${p.message}` + (p.error ? ` \u00b7 ${p.error.message}` : '');
      case 'launch_progress_update': return `step ${p.currentStep}/${p.totalSteps}`;
      default: return '';
    }
  }

  function renderJobPage() {
    if (!page) return;
    const body = $('jobpage-body');
    if (page.error) {
      body.replaceChildren(h('p', { class: 'error', role: 'alert' }, `Cannot read job ${page.id}: ${page.error}`));
      return;
    }
    const jr = page.job;
    const j = state.jobs.get(page.id);
    // A run numbers its events from a base of its own in the high bits of seq (more
    // than a JavaScript number holds exactly, so rows are numbered by position).
    const runs = new Map();
    for (const e of page.rows) {
      const r = Math.floor(e.seq / 2 ** 32);
      if (!runs.has(r)) runs.set(r, runs.size + 1);
    }
    body.replaceChildren(
      h('p', {}, `${LABELS[jr.type] || jr.type} of user ${jr.userId}: `, h('strong', { 'data-state': jr.state }, jr.state),
        jr.error ? ` \u2014 ${jr.error}` : ''),
      j && j.latest ? jobCard(j) : null,
      h('h3', {}, `History (${page.rows.length} events)`),
      h('table', { class: 'history' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, '#'), h('th', { scope: 'col' }, 'Run'), h('th', { scope: 'col' }, 'Time'),
          h('th', { scope: 'col' }, 'Event'), h('th', { scope: 'col' }, 'What'))),
        h('tbody', {}, page.rows.map((e, i) => h('tr', {},
          h('td', {}, String(i + 1)), h('td', {}, String(runs.get(Math.floor(e.seq / 2 ** 32)))),
          h('td', { class: 'nowrap' }, new Date(e.createdAt).toLocaleTimeString()),
          h('td', {}, h('code', {}, e.name)), h('td', {}, summary(e)))))));
  }

  function route() {
    const m = /^#job=(.+)$/.exec(location.hash);
    if (m && state.token) {
      openJobPage(decodeURIComponent(m[1]));
      return;
    }
    page = null;
    $('jobpage').hidden = true;
    $('board').hidden = !state.token;
    render();
  }

  // ---- the demo (development on the built-in cluster only) ----

  async function demoSignIn() {
    $('demo-button').disabled = true;
    try {
      const res = await fetch('/dashboard/demo/token', { method: 'POST' });
      const body = await res.json();
      if (!res.ok) throw new Error(body.error || res.status);
      signIn(body.token);
    } catch (err) {
      $('signin-error').textContent = `Demo sign-in failed: ${err.message}`;
    } finally {
      $('demo-button').disabled = false;
    }
  }

  async function tryLaunch() {
    const btn = $('try-button');
    btn.disabled = true;
    $('try-status').textContent = 'Creating and funding wallets…';
    try {
      const res = await fetch('/dashboard/demo/launch', { method: 'POST', headers: { Authorization: `Bearer ${state.token}` } });
      const body = await res.json();
      if (!res.ok) throw new Error(body.error || res.status);
      $('try-status').textContent = `Launch enqueued: job ${body.jobId}`;
    } catch (err) {
      $('try-status').textContent = `Could not start a launch: ${err.message}`;
    } finally {
      btn.disabled = false;
    }
  }

  // ---- start ----

  async function start() {
    $('token-form').addEventListener('submit', (e) => {
      e.preventDefault();
      signIn($('token-input').value.trim());
    });
    $('demo-button').addEventListener('click', demoSignIn);
    $('try-button').addEventListener('click', tryLaunch);
    $('signout').addEventListener('click', signOut);
    window.addEventListener('hashchange', route);
    $('jobpage-h').tabIndex = -1;
    const tok = takeToken();
    try {
      state.cfg = await (await fetch('/dashboard/config')).json();
    } catch { /* keep the defaults */ }
    $('chain').hidden = !state.cfg.localChain;
    if (tok) signIn(tok);
    else showSignIn('');
  }

  start();
})();
