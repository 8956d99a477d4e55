// The TWS web client (README "The web client"): a reference for client authors, using only the public REST API
// (openapi/tws.yaml) and the push channel (GET /events on the push port, PushEvent frames).
//
// Rules kept throughout: every value from the server goes into the DOM as textContent or an attribute, never as
// markup; addresses are opened only when they are http(s); the session token lives in sessionStorage (this tab only).

const API = '/api/v1';
const TOKEN_KEY = 'tws.token';

/** Everything the page knows about the signed-in user and its push connection. */
const state = {
  token: null,
  me: null,
  /** The user's device numbers: the call events of these are the user's own calls. */
  devices: new Set(),
  /** The seq of the last push event seen, for `after=` when the socket reconnects. */
  lastSeq: null,
  socket: null,
  reconnectTimer: null,
  retries: 0,
  /** The ringing call the incoming card shows: { callId, device }. */
  incoming: null,
  /** Alerter cards that arrived before their call's card was shown, by call id. */
  cards: new Map(),
  /** Calls of the user's devices that stopped ringing: a line view read before that must not show them ringing. */
  settled: new Set(),
  refreshTimers: new Map(),
  /** The call-back link of a missed-call e-mail the page was opened with (`/app/?callBack=TOKEN`), until it is used. */
  callBack: new URLSearchParams(location.search).get('callBack'),
};

const $ = (id) => document.getElementById(id);

/** An element with attributes (`text` sets textContent, `class` the class list) and children (strings become text). */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'text') node.textContent = String(value);
    else if (name === 'class') node.className = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

/** `text` as an absolute http(s) address, or null (javascript:, data:, file: and the like are never opened). */
function httpURL(text) {
  if (typeof text !== 'string' || text.trim() === '') return null;
  try {
    const url = new URL(text, location.href);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/** A REST problem (RFC 9457) or a network failure. */
class APIError extends Error {
  constructor(status, code, detail) {
    super(detail || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
  }
}

/** One REST call with the session's bearer token; answers the JSON body (null for 204). */
async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  const init = { method, headers, cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(API + path, init);
  if (!response.ok) {
    let problem = {};
    try {
      problem = await response.json();
    } catch {
      // Not problem+json (a proxy's page): the status says enough.
    }
    if (response.status === 401 && state.token && path !== '/auth/logout') signOut({ tellServer: false });
    throw new APIError(response.status, problem.code, problem.detail || problem.title);
  }
  return response.status === 204 ? null : response.json();
}

/** Shows `error` in the page's alert region (or `target`). */
function report(error, target = $('error')) {
  target.textContent = error ? error.message || String(error) : '';
}

// MARK: Session

async function signIn(event) {
  event.preventDefault();
  report(null, $('sign-in-error'));
  const body = { username: $('username').value.trim(), password: $('password').value };
  for (const field of ['company', 'domain']) {
    const value = $(field).value.trim();
    if (value) body[field] = value;
  }
  if (!body.username) {
    report(new Error('Enter your user name.'), $('sign-in-error'));
    $('username').focus();
    return;
  }
  $('sign-in-button').disabled = true;
  try {
    const login = await api('POST', '/auth/login', body);
    state.token = login.token;
    sessionStorage.setItem(TOKEN_KEY, login.token);
    $('password').value = '';
    await start();
  } catch (error) {
    report(error, $('sign-in-error'));
  } finally {
    $('sign-in-button').disabled = false;
  }
}

/** Loads the signed-in user and everything the page shows, then opens the push channel. */
async function start() {
  try {
    state.me = await api('GET', '/me');
  } catch (error) {
    if (!state.token) return; // The token was refused: signOut has shown the form again.
    report(error, $('sign-in-error'));
    return;
  }
  state.devices = new Set(state.me.devices.map((device) => device.number));
  const user = state.me.user;
  $('who').textContent = `${user.firstName} ${user.lastName}`.trim() || user.username;
  $('sign-in').hidden = true;
  $('session').hidden = false;
  $('workspace').hidden = false;
  $('search-q').focus();
  connectPush();
  await useCallBackLink();
  await Promise.all([loadLines(), loadMyStatus(), loadHistory(), loadStats()]).catch((error) => report(error));
}

/** Once signed in, opens the call-back link of a missed-call e-mail: the server calls the caller from the user's
 * device (a link works once; the server says why it refuses one). The token leaves the address bar at once. */
async function useCallBackLink() {
  const token = state.callBack;
  if (!token) return;
  state.callBack = null;
  history.replaceState(null, '', location.pathname);
  const status = $('call-back-status');
  status.textContent = 'Calling…';
  try {
    const placed = await api('POST', `/call-back-links/${encodeURIComponent(token)}`);
    status.textContent = `Calling ${placed.dialled.number} from ${placed.device}`;
  } catch (error) {
    status.textContent = '';
    report(error);
  }
}

async function signOut({ tellServer = true } = {}) {
  const token = state.token;
  state.token = null;
  state.me = null;
  state.lastSeq = null;
  sessionStorage.removeItem(TOKEN_KEY);
  clearTimeout(state.reconnectTimer);
  const socket = state.socket;
  state.socket = null;
  if (socket) socket.close(1000, 'signed out');
  if (tellServer && token) {
    fetch(`${API}/auth/logout`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } }).catch(() => {});
  }
  hideIncoming();
  for (const id of ['lines', 'results']) $(id).replaceChildren();
  $('history').tBodies[0].replaceChildren();
  $('stats-section').hidden = true;
  $('stats-chart').replaceChildren();
  $('stats-table').tBodies[0].replaceChildren();
  $('search-status').textContent = '';
  report(null);
  $('workspace').hidden = true;
  $('session').hidden = true;
  $('sign-in').hidden = false;
  setPushState('offline');
  $('username').focus();
}

// MARK: Lines and presence

/** Runs `load` once shortly after a burst of events asked for it. */
function refreshSoon(name, load) {
  if (state.refreshTimers.has(name)) return;
  state.refreshTimers.set(
    name,
    setTimeout(() => {
      state.refreshTimers.delete(name);
      if (state.token) load().catch((error) => report(error));
    }, 150),
  );
}

async function loadLines() {
  const lines = await api('GET', '/telephony/devices');
  const list = $('lines');
  list.replaceChildren(
    ...lines.map((line) => {
      const calls = el('ul', { class: 'calls' });
      for (const call of line.calls) {
        const peer = call.peerNumber || '';
        const item = el(
          'li',
          { 'data-call-id': call.callId, 'data-state': call.state },
          el('span', { class: 'call-state', text: call.state }),
          ' ',
          el('span', { class: 'call-direction', text: call.direction || '' }),
          ' ',
          el('span', { class: 'call-peer', text: peer }),
        );
        if (call.state === 'alerting' && call.direction === 'incoming') {
          item.append(' ', actionButton('Answer', `Answer the call from ${peer}`, () => answer(call.callId, line.number)));
        }
        item.append(' ', actionButton('Hang up', `Hang up the call with ${peer}`, () => hangUp(call.callId, line.number), 'hangup'));
        calls.append(item);
        // A call already ringing when the page loaded (or whose event was missed) still gets its card.
        if (call.state === 'alerting' && call.direction === 'incoming' && !state.incoming && !state.settled.has(call.callId)) {
          showIncoming({ callId: call.callId, device: line.number, number: peer });
        }
      }
      return el(
        'li',
        { 'data-number': line.number, 'data-presence': line.presence },
        el('span', { class: 'line-number', text: line.number }),
        ' ',
        el('span', { class: `presence presence-${line.presence}`, text: line.presence.replaceAll('_', ' ') }),
        line.doNotDisturb ? el('span', { class: 'flag', text: 'do not disturb' }) : null,
        line.messageWaiting ? el('span', { class: 'flag voicemail-waiting', text: 'voicemail waiting' }) : null,
        hasVoicemailNumber()
          ? actionButton('Voicemail', `Call your voicemail from ${line.number}`, () => callVoicemail(line.number), 'voicemail')
          : null,
        calls,
      );
    }),
  );
}

function actionButton(label, description, action, className) {
  const button = el('button', { type: 'button', class: className, 'aria-label': description, text: label });
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await action();
    } catch (error) {
      report(error);
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

async function loadMyStatus() {
  const overview = await api('GET', '/telephony/presence');
  const mine = overview.users.find((user) => user.userId === state.me.user.id);
  if (mine) showMyStatus(mine.status);
}

function showMyStatus(status) {
  const select = $('my-status');
  if ([...select.options].some((option) => option.value === status)) select.value = status;
}

async function setMyStatus() {
  try {
    const presence = await api('PUT', '/me/presence', { status: $('my-status').value });
    showMyStatus(presence.status);
  } catch (error) {
    report(error);
    loadMyStatus().catch(() => {});
  }
}

// MARK: Calls

async function answer(callId, device) {
  await api('POST', `/calls/${encodeURIComponent(callId)}/answer`, device ? { device } : {});
}

async function hangUp(callId, device) {
  await api('POST', `/calls/${encodeURIComponent(callId)}/hangup`, device ? { device } : {});
}

async function divert(callId, device, to) {
  await api('POST', `/calls/${encodeURIComponent(callId)}/deflect`, device ? { to, device } : { to });
}

/** Whether the user has a voicemail number (the Caller parameter vmNumber, admin guide 9.1.4). */
function hasVoicemailNumber() {
  const parameter = state.me?.parameters?.find((p) => p.application === 'Caller' && p.name === 'vmNumber');
  return /[0-9]/.test(parameter?.value || '');
}

async function callVoicemail(device) {
  await api('POST', '/calls/voicemail', { device });
}

async function placeCall(number, status) {
  status.textContent = `Calling ${number}…`;
  try {
    const placed = await api('POST', '/calls', { number });
    status.textContent = `Calling ${placed.dialled.number} from ${placed.device}`;
  } catch (error) {
    status.textContent = '';
    report(error);
  }
}

// MARK: The incoming call card

/** Shows the card of a ringing call: who calls (from the call event's screen-pop fields), answer and divert. */
function showIncoming({ callId, device, number, name, company }) {
  const panel = $('incoming');
  const same = state.incoming && state.incoming.callId === callId;
  state.incoming = { callId, device };
  panel.dataset.callId = callId;
  if (!same || name) $('incoming-name').textContent = name || '';
  if (!same || number) $('incoming-number').textContent = number || '';
  if (!same || company) $('incoming-company').textContent = company || '';
  report(null, $('incoming-error'));
  if (!same) {
    $('alerter-card').replaceChildren();
    $('alerter-card').hidden = true;
    $('divert-to').value = '';
  }
  panel.hidden = false;
  const card = state.cards.get(callId);
  if (card) drawCard(card);
}

function hideIncoming() {
  const panel = $('incoming');
  const hadFocus = panel.contains(document.activeElement);
  if (state.incoming) state.cards.delete(state.incoming.callId);
  state.incoming = null;
  panel.hidden = true;
  delete panel.dataset.callId;
  $('alerter-card').replaceChildren();
  $('alerter-card').hidden = true;
  // Focus must not vanish with the panel: it goes back to the lines, where the call now is.
  if (hadFocus) $('lines-title').focus();
}

/** The caller's screen-pop fields of a call event or card: name, number, company. */
function callerFields(caller, fallbackNumber, fallbackName) {
  const name = caller?.displayName || [caller?.firstName, caller?.lastName].filter(Boolean).join(' ') || fallbackName || '';
  return { name, number: caller?.number || fallbackNumber || '', company: caller?.company || '' };
}

/**
 * Draws an Alerter card (PushEvent `alerter`, AlerterCard): XML mode places its elements at their positions within
 * width × height; URL mode shows the address in a sandboxed frame, with a link beside it.
 */
function drawCard(card) {
  const box = $('alerter-card');
  box.replaceChildren();
  box.dataset.callId = card.callId;
  box.dataset.mode = card.mode;
  box.classList.toggle('vip', Boolean(card.vip));
  const width = Math.min(Math.max(Number(card.width) || 400, 80), 1600);
  const height = Math.min(Math.max(Number(card.height) || 200, 40), 1200);
  box.style.width = `${width}px`;
  box.style.height = `${height}px`;
  if (card.vip) box.append(el('span', { class: 'vip-mark', text: 'VIP', title: card.caller?.vipText || 'VIP caller' }));
  if (card.mode === 'URL') {
    const address = httpURL(card.url);
    if (!address) {
      box.append(el('p', { class: 'card-text', text: 'This card has no web address to show.' }));
    } else {
      // No allow-same-origin: the framed page runs in an opaque origin and can reach nothing of this one.
      box.append(
        el('iframe', {
          class: 'card-frame',
          src: address,
          title: 'Alerter card',
          sandbox: 'allow-scripts allow-forms allow-popups',
          referrerpolicy: 'no-referrer',
        }),
        el('a', { class: 'card-link', href: address, target: '_blank', rel: 'noopener noreferrer', text: 'Open the card in a new tab' }),
      );
    }
  } else {
    for (const element of card.elements || []) {
      const node = cardElement(element);
      if (!node) continue;
      node.style.left = `${Math.max(Number(element.x) || 0, 0)}px`;
      node.style.top = `${Math.max(Number(element.y) || 0, 0)}px`;
      box.append(node);
    }
  }
  box.hidden = false;
}

/** One element of an XML-mode card, or null when it cannot be shown safely. */
function cardElement(element) {
  switch (element.kind) {
    case 'text':
      return el('span', { class: 'card-text', text: element.text });
    case 'image': {
      const source = httpURL(element.text);
      return source ? el('img', { class: 'card-image', src: source, alt: '', referrerpolicy: 'no-referrer' }) : null;
    }
    case 'button': {
      const button = el('button', { type: 'button', class: 'card-button', text: element.text });
      const address = httpURL(element.url);
      if (address) {
        button.title = address;
        button.addEventListener('click', () => window.open(address, '_blank', 'noopener'));
      } else if (element.exe) {
        button.disabled = true;
        button.title = `Runs a program on a desktop with the Alerter application; a browser cannot: ${element.exe}`;
      } else {
        button.disabled = true;
        button.title = 'Only http and https addresses are opened';
      }
      return button;
    }
    default:
      return null;
  }
}

// MARK: Directory and history

async function search(event) {
  event.preventDefault();
  const q = $('search-q').value.trim();
  const status = $('search-status');
  const results = $('results');
  if (!q) {
    results.replaceChildren();
    status.textContent = '';
    return;
  }
  status.textContent = 'Searching…';
  try {
    const page = await api('GET', `/directory/search?q=${encodeURIComponent(q)}&limit=20`);
    results.replaceChildren(...page.items.map((card) => contactItem(card, status)));
    status.textContent = page.items.length === 0 ? 'Nobody found.' : `${page.items.length}${page.hasMore ? '+' : ''} found.`;
  } catch (error) {
    status.textContent = '';
    report(error);
  }
}

function contactItem(card, status) {
  const name = [card.firstName, card.lastName].filter(Boolean).join(' ');
  const phones = el('ul', { class: 'phones' });
  for (const phone of card.phones) {
    phones.append(
      el(
        'li',
        {},
        el('span', { class: 'phone-kind', text: phone.kind }),
        ' ',
        el('span', { class: 'phone-number', text: phone.number }),
        ' ',
        actionButton('Call', `Call ${name || card.company || ''} on ${phone.kind} ${phone.number}`, () => placeCall(phone.number, status), 'call'),
      ),
    );
  }
  return el(
    'li',
    { 'data-contact-id': card.id },
    el('span', { class: 'contact-name', text: name }),
    card.vip ? el('span', { class: 'vip-mark', text: 'VIP', title: card.vipInfo || 'VIP' }) : null,
    ' ',
    el('span', { class: 'contact-company', text: card.company || '' }),
    ' ',
    el('span', { class: 'contact-directory', text: card.directoryName }),
    phones,
  );
}

async function loadHistory() {
  const page = await api('GET', '/call-logs?limit=20');
  $('history').tBodies[0].replaceChildren(
    ...page.items.map((entry) =>
      el(
        'tr',
        { 'data-call-id': entry.callId, 'data-kind': entry.kind },
        el('td', {}, el('time', { datetime: entry.startedAt, text: new Date(entry.startedAt).toLocaleString() })),
        el('td', { class: 'log-kind', text: entry.kind }),
        el('td', { class: 'log-number', text: entry.peerNumber || '' }),
        el('td', { class: 'log-name', text: entry.peerName || '' }),
        el('td', { class: 'log-duration', text: `${entry.durationSeconds} s` }),
      ),
    ),
  );
}

// MARK: Statistics

const SVG = 'http://www.w3.org/2000/svg';

/** An SVG element with attributes (`text` sets textContent). */
function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'text') node.textContent = String(value);
    else node.setAttribute(name, String(value));
  }
  node.append(...children);
  return node;
}

/** `yyyy-MM-dd` of `date` in the IANA time zone `zone`. */
function dayIn(date, zone) {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(date);
  const part = (type) => parts.find((p) => p.type === type)?.value;
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/** The day `count` days after the `yyyy-MM-dd` day `day`. */
function addDays(day, count) {
  const date = new Date(`${day}T12:00:00Z`);
  date.setUTCDate(date.getUTCDate() + count);
  return date.toISOString().slice(0, 10);
}

/** The signed-in user's last seven days (their domain's days), as a bar chart and a table: only with TWS Stats or
 * TWS Stats Admin (the section stays hidden otherwise). */
async function loadStats() {
  const codes = new Set((state.me?.applications ?? []).map((application) => application.code));
  if (!codes.has('Stats') && !codes.has('StatsAdmin')) {
    $('stats-section').hidden = true;
    return;
  }
  const zone = state.me.domain.timeZone || 'UTC';
  const to = dayIn(new Date(), zone);
  const from = addDays(to, -6);
  const report = await api('GET', `/statistics?from=${from}&to=${to}&granularity=day`);
  const byDay = new Map(report.buckets.map((bucket) => [bucket.day, bucket.figures]));
  const days = Array.from({ length: 7 }, (_, index) => addDays(from, index));
  const empty = { calls: 0, incoming: 0, outgoing: 0, missed: 0 };
  const rows = days.map((day) => ({ day, figures: byDay.get(day) ?? empty }));
  drawWeek(rows, report.total);
  $('stats-table').tBodies[0].replaceChildren(
    ...rows.map(({ day, figures }) =>
      el(
        'tr',
        { 'data-day': day },
        el('th', { scope: 'row', text: day }),
        el('td', { class: 'stats-calls', text: figures.calls }),
        el('td', { class: 'stats-incoming', text: figures.incoming }),
        el('td', { class: 'stats-outgoing', text: figures.outgoing }),
        el('td', { class: 'stats-missed', text: figures.missed }),
        el('td', { text: figures.averageTalkSeconds === undefined ? '–' : `${Math.round(figures.averageTalkSeconds)} s` }),
      ),
    ),
  );
  $('stats-section').hidden = false;
}

/** Seven bars (calls per day, the missed part in the alert colour), drawn as inline SVG with a title and a
 * description for assistive technology; the table beside it holds the same figures. */
function drawWeek(rows, total) {
  const width = 420;
  const height = 160;
  const base = 130;
  const slot = width / rows.length;
  const highest = Math.max(1, ...rows.map((row) => row.figures.calls));
  const summary = `${total.calls} calls in 7 days: ${total.incoming} incoming, ${total.outgoing} outgoing, ${total.missed} missed`;
  const chart = svg(
    'svg',
    { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': 'stats-svg-title stats-svg-desc', class: 'stats-svg' },
    svg('title', { id: 'stats-svg-title', text: 'Calls per day, last 7 days' }),
    svg('desc', { id: 'stats-svg-desc', text: summary }),
  );
  // The legend: the whole bar is the day's calls, its lower part in the alert colour the missed ones.
  chart.append(
    svg('rect', { class: 'stats-bar', x: 4, y: 4, width: 10, height: 10 }),
    svg('text', { class: 'stats-label', x: 18, y: 13, text: 'calls' }),
    svg('rect', { class: 'stats-bar-missed', x: 60, y: 4, width: 10, height: 10 }),
    svg('text', { class: 'stats-label', x: 74, y: 13, text: 'of which missed' }),
  );
  rows.forEach(({ day, figures }, index) => {
    const x = index * slot + slot * 0.2;
    const barWidth = slot * 0.6;
    const barHeight = (figures.calls / highest) * (base - 20);
    const missedHeight = (figures.missed / highest) * (base - 20);
    const bar = svg(
      'g',
      { class: 'stats-day', 'data-day': day, 'data-calls': figures.calls, 'data-missed': figures.missed },
      svg('rect', { class: 'stats-bar', x, y: base - barHeight, width: barWidth, height: barHeight }),
      svg('rect', { class: 'stats-bar-missed', x, y: base - missedHeight, width: barWidth, height: missedHeight }),
      svg('text', { class: 'stats-value', x: x + barWidth / 2, y: base - barHeight - 4, 'text-anchor': 'middle', text: figures.calls }),
      svg('text', { class: 'stats-label', x: x + barWidth / 2, y: base + 16, 'text-anchor': 'middle', text: day.slice(5) }),
    );
    chart.append(bar);
  });
  $('stats-chart').replaceChildren(chart);
  $('stats-caption').textContent = summary;
}

// MARK: Push channel

function setPushState(text) {
  $('push-state').textContent = text;
}

/** Opens the WebSocket of the push channel; after a drop it comes back with `after=<last seq>`, missing nothing. */
function connectPush() {
  if (!state.token) return;
  const configured = document.querySelector('meta[name="tws-push-port"]')?.content ?? '';
  const port = /^[0-9]{1,5}$/.test(configured) ? configured : '9000';
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  let address = `${scheme}://${location.hostname}:${port}/events?access_token=${encodeURIComponent(state.token)}`;
  if (state.lastSeq !== null) address += `&after=${state.lastSeq}`;
  const socket = new WebSocket(address);
  state.socket = socket;
  setPushState(state.retries ? 'reconnecting' : 'connecting');
  socket.addEventListener('open', () => {
    if (state.socket !== socket) return;
    state.retries = 0;
    setPushState('live');
    document.body.dataset.push = 'live';
  });
  socket.addEventListener('message', (message) => {
    if (state.socket !== socket) return;
    let event;
    try {
      event = JSON.parse(message.data);
    } catch {
      return;
    }
    if (typeof event.seq === 'number') state.lastSeq = event.seq;
    handle(event);
  });
  socket.addEventListener('close', (close) => {
    if (state.socket !== socket) return;
    state.socket = null;
    delete document.body.dataset.push;
    if (!state.token) return;
    // 4401: the session ended (signed out elsewhere, revoked, expired).
    if (close.code === 4401) {
      signOut({ tellServer: false });
      return;
    }
    setPushState('reconnecting');
    const delay = Math.min(500 * 2 ** state.retries, 10000);
    state.retries += 1;
    state.reconnectTimer = setTimeout(async () => {
      // A refused upgrade looks like any drop to a browser: asking the API tells an ended session (401) apart.
      try {
        await api('GET', '/me');
      } catch {
        if (!state.token) return;
      }
      connectPush();
    }, delay);
  });
}

/** One PushEvent. */
function handle(event) {
  switch (event.type) {
    case 'call': {
      const call = event.call;
      if (!call || !state.devices.has(call.device)) break;
      if (call.state !== 'alerting') state.settled.add(call.callId);
      if (call.event === 'delivered' && call.direction === 'incoming' && call.state === 'alerting') {
        showIncoming({ callId: call.callId, device: call.device, ...callerFields(call.caller, call.peerNumber, call.peerName) });
      } else if (state.incoming && state.incoming.callId === call.callId && call.device === state.incoming.device && call.state !== 'alerting') {
        hideIncoming();
      }
      refreshSoon('lines', loadLines);
      break;
    }
    case 'alerter': {
      const card = event.alerter;
      if (!card || !state.devices.has(card.device)) break;
      state.cards.set(card.callId, card);
      if (state.incoming && state.incoming.callId === card.callId) {
        drawCard(card);
      } else if (!state.incoming) {
        showIncoming({ callId: card.callId, device: card.device, ...callerFields(card.caller, card.caller?.number) });
      }
      break;
    }
    case 'device_presence':
    case 'forwarding':
    case 'message_waiting':
      refreshSoon('lines', loadLines);
      break;
    case 'user_presence':
      if (state.me && event.userPresence?.userId === state.me.user.id) showMyStatus(event.userPresence.status);
      break;
    case 'call_log':
    case 'missed_call':
      refreshSoon('history', loadHistory);
      refreshSoon('stats', loadStats);
      break;
    case 'resync':
      // `after` fell out of the server's window: what was missed is unknown, so everything is read again.
      refreshSoon('lines', loadLines);
      refreshSoon('history', loadHistory);
      refreshSoon('status', loadMyStatus);
      refreshSoon('stats', loadStats);
      break;
    default:
      break;
  }
}

// MARK: Start

function wire() {
  $('sign-in-form').addEventListener('submit', signIn);
  $('sign-out').addEventListener('click', () => signOut());
  $('my-status').addEventListener('change', setMyStatus);
  $('search-form').addEventListener('submit', search);
  $('answer').addEventListener('click', async () => {
    if (!state.incoming) return;
    const { callId, device } = state.incoming;
    try {
      await answer(callId, device);
    } catch (error) {
      report(error, $('incoming-error'));
    }
  });
  $('divert').addEventListener('click', async () => {
    if (!state.incoming) return;
    const to = $('divert-to').value.trim();
    if (!to) {
      report(new Error('Enter the number to divert to.'), $('incoming-error'));
      $('divert-to').focus();
      return;
    }
    try {
      await divert(state.incoming.callId, state.incoming.device, to);
    } catch (error) {
      report(error, $('incoming-error'));
    }
  });
  // Headings the page moves focus to must be focusable.
  $('lines-title').tabIndex = -1;
  state.token = sessionStorage.getItem(TOKEN_KEY);
  if (state.token) start();
  else {
    if (state.callBack) $('sign-in-error').textContent = 'Sign in to call back your missed call.';
    $('username').focus();
  }
}

wire();
