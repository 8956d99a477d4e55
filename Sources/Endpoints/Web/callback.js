// The call-me-back widget of Telephony Web Services (README "The call-me-back widget", issue 20).
//
// A website adds two lines:
//   <div data-tws-callback data-key="tws_k1_…" data-target-group="Sales"></div>
//   <script src="https://tws.example/widget/callback.js" async></script>
// and gets a "Call me back" button; the form posts to POST /api/v1/callbacks with the publishable key, then follows
// the request's status URL until it ends. No framework, no build step. Server and visitor text only ever reaches the
// page through textContent and attribute values, never as HTML. Styles are scoped under `.tws-cb` (class prefix
// `tws-cb-`) and injected once.
(() => {
  'use strict';

  // Where the API is: the origin this script came from, unless an element names another with data-api.
  const script = document.currentScript;
  const scriptOrigin = script && script.src ? new URL(script.src, document.baseURI).origin : window.location.origin;

  const POLL_MS = 1000;
  const FINAL = new Set(['completed', 'failed', 'cancelled']);
  const STATUS_TEXT = {
    scheduled: 'Your request is registered: we will call you shortly.',
    'calling-agent': 'Calling our agent…',
    'calling-visitor': 'Our agent is calling you now…',
    connected: 'Connected',
    completed: 'Call completed',
    cancelled: 'Cancelled',
  };
  // The reasons of a failed request (openapi/tws.yaml, Callback.reason), in the visitor's words.
  const REASONS = {
    agent_no_answer: 'no agent answered',
    agent_busy: 'our agents are busy',
    no_agent: 'no agent is available',
    visitor_no_answer: 'your phone did not answer',
    visitor_busy: 'your line was busy',
    agent_hung_up: 'the agent hung up',
    window_passed: 'the time you chose has passed',
    pbx_refused: 'the call could not be placed',
    cancelled_by_visitor: 'you cancelled the request',
    group_deleted: 'this service is no longer available',
  };

  const CSS = `
.tws-cb{all:initial;display:inline-block;font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;text-align:left}
.tws-cb *,.tws-cb *::before,.tws-cb *::after{box-sizing:border-box;font:inherit;color:inherit;letter-spacing:normal;text-transform:none}
.tws-cb [hidden]{display:none!important}
.tws-cb-button{display:inline-block;margin:0;padding:.55em 1.1em;border:1px solid #0b5cad;border-radius:6px;background:#0b5cad;color:#fff;cursor:pointer;font-weight:600}
.tws-cb-button:hover{background:#094c8f}
.tws-cb-button:focus-visible,.tws-cb-input:focus-visible,.tws-cb-radio:focus-visible{outline:3px solid #f5a623;outline-offset:2px}
.tws-cb-button[disabled]{opacity:.6;cursor:default}
.tws-cb-secondary{background:#fff;color:#0b5cad}
.tws-cb-secondary:hover{background:#eef4fb}
.tws-cb-form{display:block;margin:.6em 0 0;padding:1em;width:20em;max-width:100%;border:1px solid #c9d1d9;border-radius:8px;background:#fff;box-shadow:0 4px 14px rgba(0,0,0,.12)}
.tws-cb-title{display:block;margin:0 0 .6em;font-size:1.05em;font-weight:700}
.tws-cb-field{display:block;margin:0 0 .7em;padding:0;border:0}
.tws-cb-label{display:block;margin:0 0 .2em;font-weight:600}
.tws-cb-input{display:block;width:100%;margin:0;padding:.4em .5em;border:1px solid #8c959f;border-radius:4px;background:#fff}
.tws-cb-input[aria-invalid="true"]{border-color:#c62828;box-shadow:0 0 0 1px #c62828}
.tws-cb-choice{display:flex;align-items:center;gap:.4em;margin:.2em 0;font-weight:400}
.tws-cb-actions{display:flex;gap:.5em;margin:.8em 0 0}
.tws-cb-panel{display:block;margin:.5em 0 0;padding:.6em .9em;width:20em;max-width:100%;border-left:4px solid #0b5cad;border-radius:4px;background:#f3f6fa}
/* Idle, the panel takes no room but stays displayed: a live region must be in the page before it speaks. */
.tws-cb[data-state="idle"] .tws-cb-panel{margin:0;padding:0;border:0;background:none}
.tws-cb-status{display:block;font-weight:600}
.tws-cb-status:focus{outline:none}
.tws-cb-summary{display:block;margin:.15em 0 0;color:#57606a;font-size:.9em}
.tws-cb[data-status="connected"] .tws-cb-panel,.tws-cb[data-status="completed"] .tws-cb-panel{border-color:#1b6e2a}
.tws-cb[data-status="connected"] .tws-cb-status,.tws-cb[data-status="completed"] .tws-cb-status{color:#1b6e2a}
.tws-cb[data-state="error"] .tws-cb-panel,.tws-cb[data-status="failed"] .tws-cb-panel{border-color:#c62828}
.tws-cb[data-state="error"] .tws-cb-status,.tws-cb[data-status="failed"] .tws-cb-status{color:#c62828}
.tws-cb-cancel{margin:.6em 0 0}
`;

  let widgets = 0;

  /** Adds the widget's style sheet to the page, once. */
  function injectStyle() {
    if (document.getElementById('tws-cb-style')) return;
    const style = document.createElement('style');
    style.id = 'tws-cb-style';
    style.textContent = CSS;
    (document.head || document.documentElement).appendChild(style);
  }

  /** An element with classes, attributes (set as attributes, never parsed as HTML) and text. */
  function make(tag, attributes = {}, text) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value === true) node.setAttribute(name, '');
      else if (value !== false && value != null) node.setAttribute(name, String(value));
    }
    if (text != null) node.textContent = text;
    return node;
  }

  /** The API's base URL for `host`: its data-api, or the origin of this script. */
  function apiBase(host) {
    const override = host.dataset.api;
    try {
      return new URL(override || scriptOrigin, document.baseURI).origin;
    } catch (_) {
      return scriptOrigin;
    }
  }

  /** The target of `host`'s requests, from data-target-group, data-target-user or data-target-queue. */
  function targetOf(host) {
    for (const kind of ['group', 'user', 'queue']) {
      const value = host.getAttribute(`data-target-${kind}`);
      if (value) return { [kind]: value };
    }
    return null;
  }

  /** A `<input type="datetime-local">` value for `date` in local time (its `min`). */
  function localInputValue(date) {
    const pad = (n) => String(n).padStart(2, '0');
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
  }

  /** What the visitor reads for a request in `callback` (the server's Callback object). */
  function describe(callback) {
    if (callback.status === 'failed') {
      return `We could not reach you: ${REASONS[callback.reason] || 'the call could not be made'}.`;
    }
    if (callback.status === 'scheduled' && callback.dueAt) {
      const due = new Date(callback.dueAt);
      if (!Number.isNaN(due.getTime()) && due.getTime() - Date.now() > 60000) {
        return `Scheduled: we will call you on ${due.toLocaleString(undefined, { dateStyle: 'full', timeStyle: 'short' })}.`;
      }
    }
    return STATUS_TEXT[callback.status] || 'Please wait…';
  }

  /** One widget in its host element. */
  class Widget {
    constructor(host) {
      this.host = host;
      this.base = apiBase(host);
      this.key = host.dataset.key || '';
      this.target = targetOf(host);
      this.statusUrl = null;
      this.timer = null;
      this.build();
    }

    build() {
      const n = ++widgets;
      const id = (name) => `tws-cb-${n}-${name}`;
      const root = make('div', { class: 'tws-cb', 'data-state': 'idle' });
      this.root = root;

      this.open = make('button', { type: 'button', class: 'tws-cb-button tws-cb-open', 'aria-expanded': 'false', 'aria-controls': id('form') },
        this.host.dataset.label || 'Call me back');

      const form = make('form', { class: 'tws-cb-form', id: id('form'), 'aria-labelledby': id('title'), novalidate: true, hidden: true });
      form.append(make('span', { class: 'tws-cb-title', id: id('title') }, 'We call you back'));

      this.number = make('input', {
        class: 'tws-cb-input tws-cb-number', id: id('number'), name: 'number', type: 'tel', autocomplete: 'tel', inputmode: 'tel',
        required: true, maxlength: 64, 'aria-describedby': id('status'),
      });
      form.append(this.field(make('label', { class: 'tws-cb-label', for: id('number') }, 'Your phone number'), this.number));

      this.name = make('input', { class: 'tws-cb-input tws-cb-name', id: id('name'), name: 'name', type: 'text', autocomplete: 'name', maxlength: 128 });
      form.append(this.field(make('label', { class: 'tws-cb-label', for: id('name') }, 'Your name (optional)'), this.name));

      const when = make('fieldset', { class: 'tws-cb-field' });
      when.append(make('legend', { class: 'tws-cb-label' }, 'When'));
      this.now = make('input', { class: 'tws-cb-radio tws-cb-now', type: 'radio', name: id('when'), id: id('now'), value: 'now', checked: true });
      this.later = make('input', { class: 'tws-cb-radio tws-cb-later', type: 'radio', name: id('when'), id: id('later'), value: 'later' });
      this.at = make('input', { class: 'tws-cb-input tws-cb-at', type: 'datetime-local', id: id('at'), name: 'at', disabled: true, 'aria-label': 'Date and time' });
      const nowLabel = make('label', { class: 'tws-cb-choice', for: id('now') });
      nowLabel.append(this.now, document.createTextNode('Now'));
      const laterLabel = make('label', { class: 'tws-cb-choice', for: id('later') });
      laterLabel.append(this.later, document.createTextNode('At a time of my choice'));
      when.append(nowLabel, laterLabel, this.at);
      form.append(when);
      const choose = () => {
        this.at.disabled = !this.later.checked;
        if (this.later.checked) {
          this.at.min = localInputValue(new Date());
          if (!this.at.value) this.at.value = localInputValue(new Date(Date.now() + 3600000));
        }
      };
      this.now.addEventListener('change', choose);
      this.later.addEventListener('change', choose);

      this.submit = make('button', { type: 'submit', class: 'tws-cb-button tws-cb-submit' }, 'Call me back');
      this.close = make('button', { type: 'button', class: 'tws-cb-button tws-cb-secondary tws-cb-close' }, 'Close');
      const actions = make('div', { class: 'tws-cb-actions' });
      actions.append(this.submit, this.close);
      form.append(actions);
      this.form = form;

      // The status region is in the page from the start: screen readers announce changes to a live region they
      // already know, not one just added.
      this.status = make('div', { class: 'tws-cb-status', id: id('status'), role: 'status', 'aria-live': 'polite', tabindex: -1 });
      this.summary = make('div', { class: 'tws-cb-summary', hidden: true });
      this.cancel = make('button', { type: 'button', class: 'tws-cb-button tws-cb-secondary tws-cb-cancel', hidden: true }, 'Cancel');
      this.panel = make('div', { class: 'tws-cb-panel' });
      this.panel.append(this.status, this.summary, this.cancel);

      root.append(this.open, form, this.panel);
      this.host.replaceChildren(root);

      this.open.addEventListener('click', () => this.show());
      this.close.addEventListener('click', () => this.hide());
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        this.send();
      });
      root.addEventListener('keydown', (event) => {
        if (event.key === 'Escape' && !this.form.hidden) {
          event.preventDefault();
          this.hide();
        }
      });
      this.number.addEventListener('input', () => this.number.removeAttribute('aria-invalid'));
      this.cancel.addEventListener('click', () => this.cancelRequest());

      if (!this.key || !this.target) {
        this.open.disabled = true;
        this.say('This call-back button is not set up: it needs data-key and a data-target-group, -user or -queue.', 'error');
      }
    }

    field(label, input) {
      const field = make('div', { class: 'tws-cb-field' });
      field.append(label, input);
      return field;
    }

    /** Writes `text` into the status region (announced politely), with the widget's state for styles. */
    say(text, state) {
      this.root.dataset.state = state;
      this.status.textContent = text;
    }

    /** Opens the form and moves focus to the number field. */
    show() {
      this.form.hidden = false;
      this.open.setAttribute('aria-expanded', 'true');
      if (this.root.dataset.state !== 'pending') {
        this.summary.hidden = true;
        this.say('', 'idle');
        delete this.root.dataset.status;
      }
      this.number.focus();
    }

    /** Closes the form and gives focus back to the button that opened it. */
    hide() {
      this.form.hidden = true;
      this.open.setAttribute('aria-expanded', 'false');
      this.open.focus();
    }

    /** The body of POST /api/v1/callbacks for what the visitor typed. */
    request() {
      const body = { number: this.number.value.trim(), target: this.target };
      const name = this.name.value.trim();
      if (name) body.name = name;
      if (this.later.checked && this.at.value) {
        const at = new Date(this.at.value); // datetime-local: the visitor's local time
        if (!Number.isNaN(at.getTime())) {
          body.at = at.toISOString();
          body.whenClosed = 'next-opening';
        }
      }
      return body;
    }

    async send() {
      if (!this.number.value.trim()) {
        this.number.setAttribute('aria-invalid', 'true');
        this.say('Please enter your phone number.', 'error');
        this.number.focus();
        return;
      }
      this.submit.disabled = true;
      this.say('Sending your request…', 'sending');
      let response;
      let body = null;
      try {
        response = await fetch(`${this.base}/api/v1/callbacks`, {
          method: 'POST',
          mode: 'cors',
          credentials: 'omit',
          headers: { 'Content-Type': 'application/json', 'X-API-Key': this.key },
          body: JSON.stringify(this.request()),
        });
        body = await response.json().catch(() => null);
      } catch (_) {
        // The browser hides why (CORS refusal, network down): the page may not use this key, or the server is away.
        this.say('Sorry, the call-back service cannot be reached from this page right now.', 'error');
        return;
      } finally {
        this.submit.disabled = false;
      }
      if (!response.ok || !body || typeof body.statusUrl !== 'string') {
        this.problem(body, response);
        return;
      }
      this.number.removeAttribute('aria-invalid');
      this.statusUrl = this.resolve(body.statusUrl);
      if (!this.statusUrl) {
        this.say('Sorry, something went wrong.', 'error');
        return;
      }
      this.form.hidden = true;
      this.open.setAttribute('aria-expanded', 'false');
      // Focus leaves the closed form for Cancel (or, when the request cannot be cancelled, what render puts instead).
      this.open.hidden = true;
      this.cancel.hidden = false;
      this.summary.textContent = `Call-back to ${this.number.value.trim()}`;
      this.summary.hidden = false;
      this.cancel.focus();
      this.render(body);
    }

    /** Shows a problem answer (RFC 9457): its detail, and the number field marked when it is the one at fault. */
    problem(body, response) {
      const detail = body && typeof body.detail === 'string' && body.detail ? body.detail : body && typeof body.title === 'string' ? body.title : '';
      let text = detail || `Sorry, your request could not be taken (${response.status}).`;
      if (response.status === 429) {
        const wait = Number(response.headers.get('Retry-After'));
        if (!detail) text = 'Too many requests: please try again later.';
        if (wait > 0) text += ` (try again in ${Math.ceil(wait / 60)} min)`;
      }
      this.say(text, 'error');
      if (body && body.field === 'number') {
        this.number.setAttribute('aria-invalid', 'true');
        this.number.focus();
      }
    }

    /** `statusUrl` (relative) resolved against the API; null when it would lead to another origin. */
    resolve(statusUrl) {
      try {
        const url = new URL(statusUrl, this.base);
        return url.origin === this.base ? url.href : null;
      } catch (_) {
        return null;
      }
    }

    /** Shows the request's status; follows it every second until it ends. */
    render(callback) {
      const final = FINAL.has(callback.status);
      this.root.dataset.status = callback.status;
      this.say(describe(callback), final ? 'done' : 'pending');
      // A connected call is no longer cancellable (the server answers 409 callback_finished).
      this.settle(final, !final && callback.status !== 'connected');
      clearTimeout(this.timer);
      if (!final) this.timer = setTimeout(() => this.poll(), POLL_MS);
    }

    async poll() {
      // A host page that removed the widget stops it.
      if (!this.host.isConnected || !this.statusUrl) return;
      try {
        const response = await fetch(this.statusUrl, { mode: 'cors', credentials: 'omit', cache: 'no-store' });
        if (response.ok) {
          this.render(await response.json());
          return;
        }
        if (response.status === 404) {
          this.say('This request is no longer known.', 'error');
          this.settle(true, false);
          return;
        }
      } catch (_) {
        // A dropped connection: try again at the next tick, keeping what is shown.
      }
      this.timer = setTimeout(() => this.poll(), POLL_MS * 2);
    }

    /**
     * Shows Cancel while the request can be cancelled, and the button again once it has ended (for another request);
     * focus on a button that goes away moves to what replaces it.
     */
    settle(final, cancellable) {
      const hadFocus = document.activeElement === this.cancel;
      this.cancel.hidden = !cancellable;
      this.open.hidden = !final;
      if (final) this.statusUrl = null;
      if (hadFocus && !cancellable) (final ? this.open : this.status).focus();
    }

    async cancelRequest() {
      if (!this.statusUrl) return;
      this.cancel.disabled = true;
      try {
        const response = await fetch(this.statusUrl, { method: 'DELETE', mode: 'cors', credentials: 'omit' });
        const body = await response.json().catch(() => null);
        if (response.ok && body) {
          this.render(body);
        } else if (body) {
          // 409 callback_finished: too late; the next poll shows how it ended.
          this.say(body.detail || 'The request could not be cancelled.', 'pending');
        }
      } catch (_) {
        this.say('Sorry, the request could not be cancelled right now.', 'pending');
      } finally {
        this.cancel.disabled = false;
      }
    }
  }

  /** Draws a widget in every `[data-tws-callback]` element not yet drawn. */
  function scan() {
    injectStyle();
    for (const host of document.querySelectorAll('[data-tws-callback]')) {
      if (host.dataset.twsCallbackReady) continue;
      host.dataset.twsCallbackReady = 'true';
      new Widget(host);
    }
  }

  // Pages that add the element later call TWSCallback.scan().
  window.TWSCallback = Object.freeze({ scan });
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', scan);
  else scan();
})();
