// The web UI: a small single-page app over the API (no build step, no dependencies). Screens:
// sign-in, inbox (待办), notices list and detail with the actions the state allows, issuing a notice
// (office), escalations waiting for a leader (督办) and their detail. Everything shown comes from the
// API; every refusal shows the API's own message ("中文 / English").
//
// DOM is built with createElement/textContent only (never innerHTML), so nothing from the API can
// inject markup; the page runs under a CSP of 'self' with no inline scripts or styles.

import { label, lang, loadGlossary, pick, setLang, t } from './i18n.js';
import { api, ApiError, clearToken, download, getToken, onUnauthorized, query, setToken } from './api.js';
import { beijingToday, beijingToIso, formatBeijing } from './time.js';

const UNIT_ACTOR_ROLES = ['liaison', 'direct_responsible', 'first_responsible'];
const STATUSES = ['issued', 'rectifying', 'under_review', 'closed', 'withdrawn', 'not_issued'];
const SEVERITIES = ['critical', 'high', 'medium', 'low'];
const CATEGORIES = ['vulnerability', 'defacement', 'outage', 'data_leak', 'infrastructure_attack', 'mining', 'concealment', 'other'];
const DECISIONS = ['supervise', 'extend', 'escalate', 'propose_accountability'];
const CHAIN_LEVELS = [1, 2, 3, 4, 5];
/** Accountability may be proposed from level 3 (supervising university leader) upwards. */
const MIN_PROPOSAL_LEVEL = 3;
const PAGE_SIZE = 20;

/** Who is signed in, and what the session has loaded once. */
const session = { me: null, units: null, people: null, unread: 0 };
/** A message shown once at the top of the next screen: { kind: 'info' | 'error', text }. */
let flash = null;
/** Each render gets a number; a slower, older render never replaces a newer screen. */
let renderSeq = 0;
let firstRender = true;
/** True between submitting a token on the sign-in screen and the API accepting it. */
let signingIn = false;

const main = document.getElementById('main');
const topbar = document.getElementById('topbar');
const footer = document.getElementById('footer');

// ---------------------------------------------------------------------------------------------
// DOM helpers

function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  appendAll(el, children);
  return el;
}

function appendAll(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(typeof c === 'string' || typeof c === 'number' ? String(c) : c);
  }
}

let idCounter = 0;
function uid(prefix) {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

function timeEl(iso) {
  if (!iso) return h('span', { class: 'muted' }, t('common.none'));
  return h('time', { datetime: iso, title: t('common.beijing') }, formatBeijing(iso));
}

function badge(kind, value, extra = '') {
  return h('span', { class: `badge ${kind}-${value} ${extra}`.trim() }, label(kind, value));
}

/** A table cell whose content stays together when narrow screens lay the cell out as a labelled row. */
function cell(props, ...children) {
  return h('td', props, h('span', { class: 'cell' }, children));
}

function overdueBadge(overdue) {
  return overdue ? h('span', { class: 'badge overdue' }, label('overdue', overdue)) : null;
}

function sep() {
  return lang() === 'en' ? '; ' : '；';
}

function unitName(unit) {
  if (!unit) return '';
  return lang() === 'en' && unit.nameEn ? unit.nameEn : unit.name;
}

function unitById(id) {
  return session.units?.find((u) => u.id === id);
}

function nameOf(id, extra) {
  if (!id) return t('esc.vacant');
  if (id === 'system') return t('notice.system');
  return extra?.get(id) ?? session.people?.get(id) ?? id;
}

function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function positiveInt(value, fallback) {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

function hasRole(role) {
  const me = session.me;
  return Boolean(me && (me.university.includes(role) || me.units.some((u) => u.role === role)));
}

function isUnitActor(unitId) {
  return Boolean(session.me?.units.some((u) => u.unitId === unitId && UNIT_ACTOR_ROLES.includes(u.role)));
}

function randomKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return `ui-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

// ---------------------------------------------------------------------------------------------
// Form helpers

function field(labelText, control, { hint, optional } = {}) {
  const id = control.id || uid('f');
  control.id = id;
  const hintEl = hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, labelText, optional ? h('span', { class: 'muted' }, t('common.optional')) : null),
    control,
    hintEl,
  );
}

function select(name, options, { value, required, emptyLabel } = {}) {
  const el = h('select', { name, required });
  if (emptyLabel !== undefined) el.append(h('option', { value: '' }, emptyLabel));
  for (const o of options) {
    if (o.group) {
      const g = h('optgroup', { label: o.group });
      for (const x of o.options) g.append(h('option', { value: x.value, selected: x.value === value }, x.label));
      el.append(g);
    } else {
      el.append(h('option', { value: o.value, selected: o.value === value }, o.label));
    }
  }
  return el;
}

function radios(name, legend, options, { value, onchange } = {}) {
  return h(
    'fieldset',
    { class: 'radios' },
    h('legend', {}, legend),
    options.map((o) =>
      h(
        'label',
        { class: 'radio' },
        h('input', { type: 'radio', name, value: o.value, checked: o.value === value, required: true, onchange }),
        ' ',
        o.label,
      ),
    ),
  );
}

/** A Beijing date and an optional time; read back with readDeadline(form, name). */
function deadlineInputs(name, legend, { required } = {}) {
  const date = h('input', { type: 'date', name: `${name}Date`, min: beijingToday(), required });
  const time = h('input', { type: 'time', name: `${name}Time`, step: 60 });
  const hintId = uid('hint');
  date.setAttribute('aria-describedby', hintId);
  time.setAttribute('aria-describedby', hintId);
  return h(
    'fieldset',
    { class: 'deadline-input', 'data-name': name },
    h('legend', {}, legend, required ? null : h('span', { class: 'muted' }, t('common.optional'))),
    h(
      'div',
      { class: 'inline-fields' },
      field(t('common.date'), date),
      field(t('common.time'), time, { optional: true }),
    ),
    h('p', { class: 'hint', id: hintId }, t('common.dateHint')),
  );
}

function readDeadline(form, name) {
  const date = form.elements[`${name}Date`]?.value ?? '';
  const time = form.elements[`${name}Time`]?.value ?? '';
  const iso = beijingToIso(date, time);
  if (iso === null) throw new Error(t('common.badDate'));
  return iso;
}

function errorBox() {
  return h('div', { class: 'form-error', role: 'alert' });
}

function showError(box, err) {
  box.replaceChildren();
  if (!err) return;
  box.append(h('p', { class: 'error-title' }, err.message || t('common.errorTitle')));
  const details = err instanceof ApiError ? err.details : [];
  if (details.length) {
    box.append(h('ul', {}, details.map((d) => h('li', {}, d.path ? `${d.path}: ${d.message}` : d.message))));
  }
}

/**
 * A form that calls `onSubmit(form)`; while it runs the button is disabled, and a refusal shows the
 * API's message inside the form.
 */
function actionForm({ submitText, onSubmit, danger, children, name }) {
  const box = errorBox();
  const button = h('button', { type: 'submit', class: danger ? 'btn danger' : 'btn primary' }, submitText);
  const form = h('form', { class: 'action-form', 'data-action': name }, children, box, h('div', { class: 'form-actions' }, button));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!form.reportValidity()) return;
    showError(box, null);
    button.disabled = true;
    form.setAttribute('aria-busy', 'true');
    button.textContent = t('common.working');
    Promise.resolve()
      .then(() => onSubmit(form))
      .catch((err) => {
        showError(box, err);
        box.scrollIntoView({ block: 'nearest' });
      })
      .finally(() => {
        button.disabled = false;
        form.removeAttribute('aria-busy');
        button.textContent = submitText;
      });
  });
  return form;
}

function fileToBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const s = String(reader.result);
      resolve(s.slice(s.indexOf(',') + 1));
    };
    reader.onerror = () => reject(reader.error ?? new Error(file.name));
    reader.readAsDataURL(file);
  });
}

// ---------------------------------------------------------------------------------------------
// Navigation

function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  void render();
}

document.addEventListener('click', (ev) => {
  if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
  const a = ev.target instanceof Element ? ev.target.closest('a[href]') : null;
  if (!a || a.target || a.hasAttribute('download')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
  if (url.pathname === location.pathname && url.search === location.search && url.hash) return;
  ev.preventDefault();
  navigate(url.pathname + url.search);
});

window.addEventListener('popstate', () => void render());

onUnauthorized((err) => {
  const wasSignedIn = Boolean(getToken()) && !signingIn;
  signingIn = false;
  clearToken();
  session.me = null;
  session.units = null;
  session.people = null;
  flash = { kind: 'error', text: wasSignedIn ? `${t('signin.expired')} ${err.message}` : err.message };
  void render();
});

const ROUTES = [
  [/^\/$/, () => navigate('/inbox', { replace: true })],
  [/^\/inbox$/, renderInbox],
  [/^\/notices$/, renderNotices],
  [/^\/notices\/([^/]+)$/, renderNotice],
  [/^\/issue$/, renderIssue],
  [/^\/escalations$/, renderEscalations],
  [/^\/escalations\/([^/]+)$/, renderEscalation],
];

/** Puts a screen in place, unless a newer render has started meanwhile. */
function mount(seq, title, ...nodes) {
  if (seq !== renderSeq) return false;
  document.title = title ? `${title} · ${t('app.title')}` : t('app.title');
  const notice = flash ? h('div', { class: `flash ${flash.kind}`, role: flash.kind === 'error' ? 'alert' : 'status' }, flash.text) : null;
  flash = null;
  main.replaceChildren(...[notice, ...nodes].filter(Boolean));
  if (!firstRender) {
    window.scrollTo(0, 0);
    const h1 = main.querySelector('h1');
    if (h1) {
      h1.setAttribute('tabindex', '-1');
      h1.focus({ preventScroll: true });
    }
  }
  firstRender = false;
  return true;
}

async function render() {
  renderSeq += 1;
  const seq = renderSeq;
  document.documentElement.lang = lang();
  renderFooter();
  if (!getToken()) {
    renderHeader();
    renderSignIn(seq);
    return;
  }
  try {
    if (!session.me) await loadSession();
    if (seq !== renderSeq) return;
    renderHeader();
    void refreshUnread();
    let path = location.pathname;
    try {
      path = decodeURIComponent(path);
    } catch {
      // a malformed address: matched as it is, and shown as not found
    }
    const params = new URLSearchParams(location.search);
    for (const [re, screen] of ROUTES) {
      const m = re.exec(path);
      if (m) {
        await screen(seq, params, ...m.slice(1));
        return;
      }
    }
    mount(seq, t('common.notFoundPage'), h('h1', {}, t('common.notFoundPage')), h('p', {}, h('a', { href: '/inbox' }, t('nav.inbox'))));
  } catch (err) {
    if (seq !== renderSeq) return;
    if (!getToken()) return; // a 401: the sign-in screen is already showing
    mount(seq, t('common.errorTitle'), h('h1', {}, t('common.errorTitle')), h('div', { class: 'form-error', role: 'alert' }, err.message));
  }
}

async function loadSession() {
  session.me = await api('GET', '/api/me');
  signingIn = false;
  try {
    session.units = (await api('GET', '/api/org/units')).items;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) throw err;
    session.units = [];
  }
}

async function ensurePeople() {
  if (session.people) return;
  try {
    const { items } = await api('GET', '/api/org/people');
    session.people = new Map(items.map((p) => [p.id, p.name]));
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) throw err;
    session.people = new Map();
  }
}

async function refreshUnread() {
  try {
    const r = await api('GET', '/api/me/inbox?unread=true&pageSize=1');
    session.unread = r.unread;
    updateUnreadBadge();
  } catch {
    // the badge is a convenience; the inbox screen shows errors
  }
}

function updateUnreadBadge() {
  const el = document.getElementById('unread-badge');
  if (!el) return;
  el.hidden = !session.unread;
  el.textContent = String(session.unread);
  el.setAttribute('aria-label', t('nav.unread', { n: session.unread }));
}

// ---------------------------------------------------------------------------------------------
// Chrome: header, footer, sign-in

function langButton() {
  const other = lang() === 'en' ? 'zh-CN' : 'en';
  return h(
    'button',
    {
      type: 'button',
      class: 'btn ghost lang-switch',
      lang: other,
      'aria-label': t('lang.switchLabel'),
      onclick: () => {
        setLang(other);
        void render();
      },
    },
    t('lang.switch'),
  );
}

function renderHeader() {
  const brand = h(
    'a',
    { class: 'brand', href: session.me ? '/inbox' : '/' },
    h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, '安'),
    h('span', { class: 'brand-text' }, h('strong', {}, t('app.title')), h('span', { class: 'brand-sub' }, t('app.subtitle'))),
  );
  if (!session.me) {
    topbar.replaceChildren(h('div', { class: 'topbar-inner' }, brand, h('div', { class: 'user' }, langButton())));
    return;
  }
  const path = location.pathname;
  const link = (href, text, active, extra) =>
    h('li', {}, h('a', { href, 'aria-current': active ? 'page' : null }, text, extra));
  const badgeEl = h('span', { id: 'unread-badge', class: 'count', hidden: !session.unread }, String(session.unread));
  const nav = h(
    'nav',
    { class: 'mainnav', 'aria-label': t('nav.label') },
    h(
      'ul',
      {},
      link('/inbox', t('nav.inbox'), path === '/inbox', badgeEl),
      link('/notices', t('nav.notices'), path.startsWith('/notices')),
      hasRole('office') ? link('/issue', t('nav.issue'), path === '/issue') : null,
      link('/escalations', t('nav.escalations'), path.startsWith('/escalations')),
    ),
  );
  const roles = (session.me.roleLabels ?? []).map((r) => {
    const base = pick(r);
    const unit = r.unitId ? unitName(unitById(r.unitId)) || r.unitId : '';
    return unit ? `${unit} · ${base}` : base;
  });
  const user = h(
    'div',
    { class: 'user' },
    h(
      'div',
      { class: 'who' },
      h('span', { class: 'sr-only' }, `${t('me.signedInAs')}: `),
      h('span', { class: 'who-name', 'data-testid': 'me-name' }, session.me.name),
      h('span', { class: 'who-roles' }, roles.join(lang() === 'en' ? '; ' : '、')),
    ),
    langButton(),
    h(
      'button',
      {
        type: 'button',
        class: 'btn ghost',
        onclick: () => {
          clearToken();
          session.me = null;
          session.units = null;
          session.people = null;
          flash = { kind: 'info', text: t('signin.signedOut') };
          void render();
        },
      },
      t('me.signOut'),
    ),
  );
  topbar.replaceChildren(h('div', { class: 'topbar-inner' }, brand, user), nav);
  updateUnreadBadge();
}

function renderFooter() {
  footer.replaceChildren(h('p', {}, lang() === 'en' ? 'All times are Beijing time (UTC+8).' : '所有时间均为北京时间（UTC+8）。'));
}

function renderSignIn(seq) {
  const box = errorBox();
  const token = h('textarea', {
    name: 'token',
    rows: 4,
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    autocapitalize: 'off',
    class: 'mono',
  });
  const form = h(
    'form',
    { class: 'signin-form' },
    field(t('signin.token'), token),
    box,
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn primary' }, t('signin.submit'))),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const value = token.value.trim().replace(/^Bearer\s+/i, '');
    if (!value) {
      showError(box, new Error(t('signin.empty')));
      return;
    }
    setToken(value);
    signingIn = true;
    flash = null;
    void render();
  });
  mount(
    seq,
    t('signin.title'),
    h(
      'section',
      { class: 'card signin' },
      h('h1', {}, t('signin.title')),
      h('p', {}, t('signin.intro')),
      h('p', { class: 'hint' }, t('signin.how'), ' ', h('code', {}, 'npm run -s token -- <personId>')),
      form,
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Shared pieces

function pageHead(title, ...rest) {
  return h('div', { class: 'page-head' }, h('h1', {}, title), rest);
}

function pager(total, page, pageSize, hrefFor) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const info = h('span', { class: 'pager-info' }, t('common.page', { page: Math.min(page, pages), pages, total }));
  return h(
    'nav',
    { class: 'pager', 'aria-label': t('common.pagination') },
    page > 1 ? h('a', { class: 'btn', href: hrefFor(page - 1), rel: 'prev' }, t('common.prev')) : null,
    info,
    page < pages ? h('a', { class: 'btn', href: hrefFor(page + 1), rel: 'next' }, t('common.next')) : null,
  );
}

function empty() {
  return h('p', { class: 'empty' }, t('common.empty'));
}

function section(title, ...children) {
  const id = uid('s');
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), children);
}

function dl(rows) {
  return h(
    'dl',
    { class: 'fields' },
    rows.filter(Boolean).map(([k, v]) => h('div', { class: 'row' }, h('dt', {}, k), h('dd', {}, v))),
  );
}

function multiline(text) {
  return h('p', { class: 'multiline' }, text ?? '');
}

function levelText(level) {
  return `${t('esc.levelN', { n: level })} · ${label('level', level)}`;
}

// ---------------------------------------------------------------------------------------------
// 待办 / Inbox

async function renderInbox(seq, params) {
  const unreadOnly = params.get('unread') === 'true';
  const page = positiveInt(params.get('page'), 1);
  const data = await api('GET', `/api/me/inbox${query({ unread: unreadOnly ? 'true' : undefined, page, pageSize: PAGE_SIZE })}`);
  if (!unreadOnly || page === 1) {
    session.unread = data.unread;
    updateUnreadBadge();
  }
  const toggle = h('input', {
    type: 'checkbox',
    checked: unreadOnly,
    onchange: (ev) => navigate(`/inbox${query({ unread: ev.target.checked ? 'true' : undefined })}`),
  });
  const list = data.items.length
    ? h('ul', { class: 'messages' }, data.items.map((m) => messageItem(m)))
    : empty();
  mount(
    seq,
    t('inbox.title'),
    pageHead(t('inbox.title'), h('p', { class: 'muted' }, t('inbox.summary', { total: data.total, unread: data.unread }))),
    h('div', { class: 'toolbar' }, h('label', { class: 'check' }, toggle, ' ', t('inbox.unreadOnly'))),
    list,
    pager(data.total, page, PAGE_SIZE, (p) => `/inbox${query({ unread: unreadOnly ? 'true' : undefined, page: p })}`),
  );
}

function messageItem(m) {
  const unread = !m.readAt;
  // The message's own link line points at PUBLIC_URL; the button below opens the notice here.
  const body = m.link ? m.body.split('\n').filter((line) => !line.includes(m.link)).join('\n') : m.body;
  const markRead = async () => {
    await api('POST', `/api/me/inbox/${m.id}/read`);
  };
  const actions = h('div', { class: 'message-actions' });
  if (m.noticeId) {
    actions.append(
      h(
        'a',
        {
          class: 'btn primary',
          href: `/notices/${encodeURIComponent(m.noticeId)}`,
          onclick: (ev) => {
            if (ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
            ev.preventDefault();
            const go = () => navigate(`/notices/${encodeURIComponent(m.noticeId)}`);
            if (unread) markRead().then(go, go);
            else go();
          },
        },
        t('inbox.open', { id: m.noticeId }),
      ),
    );
  }
  if (unread) {
    actions.append(
      h(
        'button',
        {
          type: 'button',
          class: 'btn',
          onclick: (ev) => {
            ev.currentTarget.disabled = true;
            markRead().then(
              () => void render(),
              (err) => {
                flash = { kind: 'error', text: err.message };
                void render();
              },
            );
          },
        },
        t('inbox.markRead'),
      ),
    );
  }
  return h(
    'li',
    { class: `card message${unread ? ' unread' : ''}` },
    h(
      'div',
      { class: 'message-head' },
      unread ? h('span', { class: 'badge unread-dot' }, t('inbox.unread')) : null,
      h('h2', { class: 'message-subject' }, m.subject),
      timeEl(m.createdAt),
    ),
    multiline(body),
    actions,
  );
}

// ---------------------------------------------------------------------------------------------
// 通知 / Notices list

async function renderNotices(seq, params) {
  const f = {
    unitId: params.get('unitId') ?? '',
    status: STATUSES.includes(params.get('status')) ? params.get('status') : '',
    severity: SEVERITIES.includes(params.get('severity')) ? params.get('severity') : '',
    overdue: ['true', 'false'].includes(params.get('overdue')) ? params.get('overdue') : '',
  };
  const page = positiveInt(params.get('page'), 1);
  const data = await api('GET', `/api/notices${query({ ...f, page, pageSize: PAGE_SIZE })}`);

  const units = session.units ?? [];
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': t('notices.filters') },
    units.length
      ? field(t('notices.unit'), select('unitId', units.map((u) => ({ value: u.id, label: unitName(u) })), { value: f.unitId, emptyLabel: t('common.all') }))
      : null,
    field(t('notices.status'), select('status', STATUSES.map((s) => ({ value: s, label: label('status', s) })), { value: f.status, emptyLabel: t('common.all') })),
    field(t('notices.severity'), select('severity', SEVERITIES.map((s) => ({ value: s, label: label('severity', s) })), { value: f.severity, emptyLabel: t('common.all') })),
    field(
      t('notices.overdue'),
      select('overdue', [{ value: 'true', label: t('notices.overdueYes') }, { value: 'false', label: t('notices.overdueNo') }], { value: f.overdue, emptyLabel: t('common.all') }),
    ),
    h('div', { class: 'filter-actions' }, h('button', { type: 'submit', class: 'btn primary' }, t('common.search')), h('a', { class: 'btn', href: '/notices' }, t('common.reset'))),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const fd = new FormData(form);
    navigate(`/notices${query({ unitId: fd.get('unitId'), status: fd.get('status'), severity: fd.get('severity'), overdue: fd.get('overdue') })}`);
  });

  const cols = [t('notices.id'), t('notices.noticeTitle'), t('notices.unit'), t('notices.severity'), t('notices.status'), t('notices.rectifyBy'), t('notices.issuedAt')];
  const table = data.items.length
    ? h(
        'table',
        { class: 'data' },
        h('caption', { class: 'sr-only' }, t('notices.title')),
        h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, c)))),
        h(
          'tbody',
          {},
          data.items.map((n) =>
            h(
              'tr',
              {},
              cell({ 'data-label': cols[0] }, h('a', { href: `/notices/${encodeURIComponent(n.id)}`, class: 'mono' }, n.id)),
              cell({ 'data-label': cols[1], class: 'title-cell' }, h('a', { href: `/notices/${encodeURIComponent(n.id)}` }, n.title)),
              cell({ 'data-label': cols[2] }, unitName(unitById(n.unitId)) || n.unitName),
              cell({ 'data-label': cols[3] }, badge('severity', n.severity)),
              cell({ 'data-label': cols[4] }, badge('status', n.status), ' ', overdueBadge(n.overdue)),
              cell({ 'data-label': cols[5] }, timeEl(n.rectifyBy)),
              cell({ 'data-label': cols[6] }, timeEl(n.issuedAt)),
            ),
          ),
        ),
      )
    : empty();
  mount(
    seq,
    t('notices.title'),
    pageHead(t('notices.title'), hasRole('office') ? h('a', { class: 'btn primary', href: '/issue' }, t('nav.issue')) : null),
    form,
    h('div', { class: 'table-wrap' }, table),
    pager(data.total, page, PAGE_SIZE, (p) => `/notices${query({ ...f, page: p })}`),
  );
}

// ---------------------------------------------------------------------------------------------
// Notice detail

async function renderNotice(seq, _params, rawId) {
  const id = rawId;
  const [n] = await Promise.all([api('GET', `/api/notices/${encodeURIComponent(id)}`), ensurePeople()]);
  const names = new Map((n.timeline ?? []).filter((e) => e.actorId && e.actorName).map((e) => [e.actorId, e.actorName]));
  const who = (pid) => nameOf(pid, names);
  const issuedEvent = (n.timeline ?? []).find((e) => e.type === 'issued');

  const head = h(
    'div',
    { class: 'page-head notice-head' },
    h('nav', { class: 'crumbs', 'aria-label': t('common.breadcrumb') }, h('a', { href: '/notices' }, t('nav.notices')), ' › ', h('span', { class: 'mono' }, n.id)),
    h('h1', {}, n.title),
    h(
      'div',
      { class: 'badges' },
      h('span', { class: 'mono id' }, n.id),
      h('span', { 'data-testid': 'notice-status' }, badge('status', n.status)),
      badge('severity', n.severity),
      overdueBadge(n.overdue),
    ),
  );

  const basics = section(
    t('notice.fields'),
    dl([
      [t('notice.unit'), unitName(unitById(n.unitId)) || n.unitName],
      [t('notice.category'), label('category', n.category)],
      [t('notice.severity'), badge('severity', n.severity)],
      [t('notice.status'), [badge('status', n.status), ' ', overdueBadge(n.overdue)]],
      [t('notice.issuedAt'), timeEl(n.issuedAt)],
      [t('notice.issuedBy'), issuedEvent?.actorName ?? who(n.issuedBy)],
      n.acknowledgedAt ? [t('notice.acknowledged'), t('notice.acknowledgedBy', { time: formatBeijing(n.acknowledgedAt), name: who(n.acknowledgedBy) })] : null,
      n.closedAt ? [t('notice.closedAt'), timeEl(n.closedAt)] : null,
      n.withdrawal
        ? [t('notice.withdrawal'), t('notice.withdrawnBy', { time: formatBeijing(n.withdrawal.at), name: who(n.withdrawal.by), reason: n.withdrawal.reason })]
        : null,
      n.notRecorded ? [t('notice.notRecorded'), pick(n.notRecorded)] : null,
      [t('notice.description'), multiline(n.description)],
      n.assets?.length ? [t('notice.assets'), h('ul', { class: 'plain' }, n.assets.map((a) => h('li', { class: 'mono' }, a)))] : null,
    ]),
  );

  const deadline = (title, d, kind) =>
    h(
      'div',
      { class: `deadline${n.overdue === kind ? ' is-overdue' : ''}` },
      h('h3', {}, title),
      h('p', { class: 'deadline-at' }, timeEl(d.at), n.overdue === kind ? h('span', { class: 'badge overdue' }, t('notice.overdueFlag')) : null),
      h('p', { class: 'explanation' }, pick(d.explanation)),
      d.explanation?.warnings?.length
        ? h('ul', { class: 'warnings', 'aria-label': t('notice.warnings') }, d.explanation.warnings.map((w) => h('li', {}, w)))
        : null,
    );
  const deadlines = section(
    t('notice.deadlines'),
    h('div', { class: 'deadlines' }, deadline(t('notice.acknowledgeBy'), n.acknowledgeBy, 'acknowledge'), deadline(t('notice.rectifyByLabel'), n.rectifyBy, 'rectify')),
  );

  const reports = n.rectifications?.length
    ? section(
        t('notice.rectifications'),
        h(
          'ol',
          { class: 'rounds' },
          n.rectifications.map((r) =>
            h(
              'li',
              { class: 'round' },
              h('h3', {}, t('notice.round', { n: r.round })),
              h('p', { class: 'muted' }, t('notice.submitted', { time: formatBeijing(r.submittedAt), name: who(r.submittedBy) })),
              dl([
                [t('notice.summary'), multiline(r.summary)],
                [t('notice.measures'), multiline(r.measures)],
                [
                  t('notice.evidence'),
                  h(
                    'ul',
                    { class: 'evidence' },
                    r.evidence.map((e) =>
                      h(
                        'li',
                        {},
                        h('span', { class: 'file-name' }, e.name),
                        h('span', { class: 'muted' }, ` ${formatSize(e.size)} · ${e.mediaType} · `, h('span', { class: 'mono', title: e.sha256 }, e.sha256.slice(0, 12))),
                        ' ',
                        h(
                          'button',
                          {
                            type: 'button',
                            class: 'btn small',
                            'aria-label': t('notice.downloadLabel', { name: e.name }),
                            onclick: (ev) => {
                              const b = ev.currentTarget;
                              b.disabled = true;
                              download(`/api/notices/${encodeURIComponent(n.id)}/evidence/${e.sha256}`, e.name)
                                .catch((err) => {
                                  if (!getToken()) return;
                                  b.after(h('span', { class: 'inline-error', role: 'alert' }, ` ${err.message}`));
                                })
                                .finally(() => {
                                  b.disabled = false;
                                });
                            },
                          },
                          t('notice.download'),
                        ),
                      ),
                    ),
                  ),
                ],
                [
                  t('notice.review'),
                  r.review
                    ? h(
                        'span',
                        { class: r.review.decision === 'accept' ? 'ok' : 'warn' },
                        t('notice.reviewBy', {
                          time: formatBeijing(r.review.at),
                          name: who(r.review.by),
                          decision: r.review.decision === 'accept' ? t('notice.reviewAccept') : t('notice.reviewReject'),
                        }),
                        r.review.comment ? `${sep()}${r.review.comment}` : '',
                      )
                    : h('span', { class: 'muted' }, t('notice.reviewPending')),
                ],
              ]),
            ),
          ),
        ),
      )
    : null;

  const extensions = n.extensions?.length
    ? section(
        t('notice.extensions'),
        h(
          'ul',
          { class: 'plain stack' },
          n.extensions.map((x) =>
            h(
              'li',
              { class: 'extension' },
              h('div', {}, h('span', { class: 'mono' }, x.id), ' ', badge('ext', x.status)),
              dl([
                [t('notice.extUntil'), timeEl(x.until)],
                [t('notice.extReason'), multiline(x.reason)],
              ]),
              h('p', { class: 'muted' }, t('notice.extRequested', { time: formatBeijing(x.requestedAt), name: who(x.requestedBy) })),
              x.decidedAt
                ? h('p', { class: 'muted' }, t('notice.extDecided', { time: formatBeijing(x.decidedAt), name: who(x.decidedBy), comment: x.comment || t('common.none') }))
                : null,
            ),
          ),
        ),
      )
    : null;

  const escalations = n.escalations?.length
    ? section(
        t('notice.escalations'),
        n.escalations.map((e) =>
          h(
            'div',
            { class: 'escalation' },
            h(
              'h3',
              {},
              t('notice.escRound', { n: e.round, trigger: t(`esc.trigger.${e.trigger}`) }),
              ' ',
              badge('escStatus', e.status),
            ),
            chainList(e, who),
            e.endReason ? h('p', { class: 'muted' }, `${t('esc.endReason')}${lang() === 'en' ? ': ' : '：'}${label('endReason', e.endReason)}`) : null,
            h('p', {}, h('a', { href: `/escalations/${encodeURIComponent(e.id)}` }, t('notice.escOpen'))),
          ),
        ),
      )
    : null;

  const timeline = section(t('notice.timeline'), timelineList(n.timeline ?? [], who));

  mount(
    seq,
    `${n.id} ${n.title}`,
    head,
    h(
      'div',
      { class: 'notice-layout' },
      h('aside', { class: 'notice-actions', 'aria-label': t('notice.actions') }, actionsPanel(n)),
      h('div', { class: 'notice-main' }, basics, deadlines, reports, extensions, escalations, timeline),
    ),
  );
}

function timelineList(events, who) {
  if (!events.length) return empty();
  return h(
    'ol',
    { class: 'timeline', 'data-testid': 'timeline' },
    events.map((e) =>
      h(
        'li',
        { class: `event event-${e.type}`, 'data-type': e.type },
        h('div', { class: 'event-when' }, timeEl(e.at)),
        h(
          'div',
          { class: 'event-what' },
          h('span', { class: 'event-label' }, label('event', e.type)),
          h('span', { class: 'event-actor' }, e.actorName ?? who(e.actorId)),
          eventDetail(e, who) ? h('p', { class: 'event-detail' }, eventDetail(e, who)) : null,
        ),
      ),
    ),
  );
}

function eventDetail(e, who) {
  const d = e.data ?? {};
  const at = (iso) => (iso ? formatBeijing(iso) : '');
  const parts = [];
  switch (e.type) {
    case 'issued':
      if (d.acknowledgeBy?.at) parts.push(`${t('notice.acknowledgeBy')} ${at(d.acknowledgeBy.at)}`);
      if (d.rectifyBy?.at) parts.push(`${t('notice.rectifyByLabel')} ${at(d.rectifyBy.at)}`);
      break;
    case 'rectification_submitted':
      parts.push(t('detail.round', { n: d.round }), t('detail.evidenceCount', { n: d.evidence }));
      break;
    case 'review_accepted':
    case 'review_rejected':
      if (d.round) parts.push(t('detail.round', { n: d.round }));
      if (d.comment) parts.push(d.comment);
      if (d.rectifyBy) parts.push(`${t('notice.rectifyByLabel')} ${at(d.rectifyBy)}`);
      break;
    case 'withdrawn':
      parts.push(d.reason);
      break;
    case 'extension_requested':
      parts.push(t('detail.until', { time: at(d.until) }), d.reason);
      break;
    case 'extension_approved':
    case 'extension_denied':
      parts.push(t('detail.until', { time: at(d.until) }), d.comment);
      break;
    case 'reminder_sent':
    case 'overdue':
      parts.push(`${label('detail.deadline', d.deadline)} ${at(d.due)}`);
      break;
    case 'escalated':
      parts.push(levelText(d.level), who(d.assigneeId));
      if (d.decideBy) parts.push(`${t('esc.decideBy')} ${at(d.decideBy)}`);
      for (const s of d.skipped ?? []) parts.push(`${t('detail.level', { n: s.level })} ${label('outcome', s.outcome)}`);
      break;
    case 'escalation_reminder':
    case 'escalation_timed_out':
      parts.push(levelText(d.level), who(d.assigneeId));
      break;
    case 'escalation_decided':
      parts.push(levelText(d.level), label('decision', d.decision));
      if (d.until) parts.push(t('detail.until', { time: at(d.until) }));
      if (d.comment) parts.push(d.comment);
      break;
    case 'supervision_lapsed':
      parts.push(levelText(d.level));
      if (d.until) parts.push(t('detail.until', { time: at(d.until) }));
      break;
    case 'escalation_ended':
      parts.push(label('endReason', d.reason));
      break;
    default:
      break;
  }
  return parts.filter(Boolean).join(sep());
}

/** The five levels of the chain, with what happened at each in this escalation. */
function chainList(e, who) {
  return h(
    'ol',
    { class: 'chain', 'data-testid': 'chain' },
    CHAIN_LEVELS.map((level) => {
      const step = [...(e.steps ?? [])].reverse().find((s) => s.level === level);
      const current = step?.outcome === 'pending' && e.status !== 'ended';
      const state = !step ? 'unreached' : step.outcome;
      const detail = [];
      if (step) {
        detail.push(h('span', { class: 'chain-who' }, step.assigneeId ? who(step.assigneeId) : t('esc.vacant')));
        detail.push(h('span', { class: 'chain-outcome' }, label('outcome', step.outcome)));
        if (step.decideBy?.at && step.outcome === 'pending') detail.push(h('span', {}, `${t('esc.decideBy')} `, timeEl(step.decideBy.at)));
        if (step.decision) {
          detail.push(
            h(
              'span',
              { class: 'chain-decision' },
              label('decision', step.decision.kind),
              step.decision.until ? ` · ${t('detail.until', { time: formatBeijing(step.decision.until) })}` : '',
              step.decision.comment ? ` · ${step.decision.comment}` : '',
            ),
          );
        }
      } else {
        detail.push(h('span', { class: 'muted' }, t('esc.notReached')));
      }
      return h(
        'li',
        { class: `chain-level state-${state}${current ? ' current' : ''}`, 'aria-current': current ? 'step' : null },
        h('span', { class: 'chain-num', 'aria-hidden': 'true' }, String(level)),
        h('div', { class: 'chain-body' }, h('span', { class: 'chain-title' }, levelText(level)), h('span', { class: 'chain-detail' }, detail)),
      );
    }),
  );
}

// ---- Actions on a notice: only those that make sense now (the API refuses the rest anyway).

function actionsPanel(n) {
  const open = !['closed', 'withdrawn', 'not_issued'].includes(n.status);
  const unit = isUnitActor(n.unitId);
  const office = hasRole('office');
  const pending = n.extensions?.find((x) => x.status === 'pending');
  const forms = [];
  if (unit && n.status === 'issued') forms.push(acknowledgeForm(n));
  if (unit && n.status === 'rectifying') forms.push(rectificationForm(n));
  if (office && n.status === 'under_review') forms.push(reviewForm(n));
  if (office && open && pending) forms.push(decideExtensionForm(n, pending));
  if (unit && ['issued', 'rectifying'].includes(n.status) && !pending) forms.push(collapsible(t('action.requestExtension'), extensionRequestForm(n)));
  if (office && open) forms.push(collapsible(t('action.withdraw'), withdrawForm(n)));
  return section(t('notice.actions'), forms.length ? forms : h('p', { class: 'muted' }, t('notice.noActions')));
}

function collapsible(title, content) {
  return h('details', { class: 'collapsible' }, h('summary', {}, title), content);
}

async function afterAction(path, body) {
  await api('POST', path, { body });
  flash = { kind: 'info', text: t('action.submitted') };
  await render();
}

function acknowledgeForm(n) {
  return h(
    'div',
    { class: 'action' },
    h('h3', {}, t('action.acknowledge')),
    actionForm({
      name: 'acknowledge',
      submitText: t('action.acknowledge'),
      children: [h('p', { class: 'hint' }, t('action.acknowledgeHint'))],
      onSubmit: () => afterAction(`/api/notices/${encodeURIComponent(n.id)}/acknowledge`),
    }),
  );
}

function rectificationForm(n) {
  const files = h('input', { type: 'file', name: 'evidence', multiple: true, required: true });
  return h(
    'div',
    { class: 'action' },
    h('h3', {}, t('action.rectification')),
    actionForm({
      name: 'rectification',
      submitText: t('common.submit'),
      children: [
        field(t('action.summary'), h('textarea', { name: 'summary', rows: 3, required: true, maxlength: 20000 })),
        field(t('action.measures'), h('textarea', { name: 'measures', rows: 3, required: true, maxlength: 20000 })),
        field(t('action.files'), files),
      ],
      onSubmit: async (form) => {
        const chosen = Array.from(files.files ?? []);
        if (!chosen.length) throw new Error(t('action.filesNeeded'));
        const evidence = [];
        for (const f of chosen) {
          const mediaType = /^[\w.+-]+\/[\w.+-]+$/.test(f.type) ? f.type : 'application/octet-stream';
          evidence.push({ name: f.name, mediaType, contentBase64: await fileToBase64(f) });
        }
        await afterAction(`/api/notices/${encodeURIComponent(n.id)}/rectification`, {
          summary: form.elements.summary.value,
          measures: form.elements.measures.value,
          evidence,
        });
      },
    }),
  );
}

function reviewForm(n) {
  const newDeadline = deadlineInputs('rectifyBy', t('action.newRectifyBy'));
  newDeadline.hidden = true;
  const decision = radios(
    'decision',
    t('action.decision'),
    [
      { value: 'accept', label: t('action.accept') },
      { value: 'reject', label: t('action.reject') },
    ],
    {
      onchange: (ev) => {
        newDeadline.hidden = ev.target.value !== 'reject';
      },
    },
  );
  return h(
    'div',
    { class: 'action' },
    h('h3', {}, t('action.review')),
    actionForm({
      name: 'review',
      submitText: t('common.submit'),
      children: [
        decision,
        field(t('action.comment'), h('textarea', { name: 'comment', rows: 3, maxlength: 5000 }), { hint: t('action.commentHint') }),
        newDeadline,
      ],
      onSubmit: async (form) => {
        const d = form.elements.decision.value;
        const body = { decision: d, comment: form.elements.comment.value.trim() || undefined };
        if (d === 'reject') body.rectifyBy = readDeadline(form, 'rectifyBy');
        await afterAction(`/api/notices/${encodeURIComponent(n.id)}/review`, body);
      },
    }),
  );
}

function withdrawForm(n) {
  return actionForm({
    name: 'withdraw',
    danger: true,
    submitText: t('action.withdraw'),
    children: [field(t('action.reason'), h('textarea', { name: 'reason', rows: 2, required: true, maxlength: 5000 }))],
    onSubmit: (form) => afterAction(`/api/notices/${encodeURIComponent(n.id)}/withdraw`, { reason: form.elements.reason.value }),
  });
}

function extensionRequestForm(n) {
  return actionForm({
    name: 'extension-request',
    submitText: t('action.requestExtension'),
    children: [
      deadlineInputs('until', t('action.until'), { required: true }),
      field(t('action.reason'), h('textarea', { name: 'reason', rows: 2, required: true, maxlength: 5000 })),
    ],
    onSubmit: (form) =>
      afterAction(`/api/notices/${encodeURIComponent(n.id)}/extension-requests`, {
        until: readDeadline(form, 'until'),
        reason: form.elements.reason.value,
      }),
  });
}

function decideExtensionForm(n, x) {
  return h(
    'div',
    { class: 'action' },
    h('h3', {}, t('action.decideExtension', { id: x.id })),
    dl([
      [t('notice.extUntil'), timeEl(x.until)],
      [t('notice.extReason'), multiline(x.reason)],
    ]),
    actionForm({
      name: 'extension-decision',
      submitText: t('common.submit'),
      children: [
        radios('decision', t('action.decision'), [
          { value: 'approve', label: t('action.approve') },
          { value: 'deny', label: t('action.deny') },
        ]),
        field(t('action.extComment'), h('textarea', { name: 'comment', rows: 2, maxlength: 5000 })),
      ],
      onSubmit: (form) =>
        afterAction(`/api/notices/${encodeURIComponent(n.id)}/extension-requests/${encodeURIComponent(x.id)}/decision`, {
          decision: form.elements.decision.value,
          comment: form.elements.comment.value.trim() || undefined,
        }),
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// 下发通知 / Issue a notice (office)

async function renderIssue(seq) {
  if (!hasRole('office')) {
    mount(seq, t('issue.title'), pageHead(t('issue.title')), h('p', { class: 'form-error', role: 'alert' }, t('issue.onlyOffice')));
    return;
  }
  const units = (session.units ?? []).filter((u) => u.active !== false);
  const kinds = ['college', 'department', 'affiliated'];
  const unitOptions = kinds
    .map((k) => ({ group: label('unitKind', k), options: units.filter((u) => u.kind === k).map((u) => ({ value: u.id, label: unitName(u) })) }))
    .filter((g) => g.options.length);
  const others = units.filter((u) => !kinds.includes(u.kind)).map((u) => ({ value: u.id, label: unitName(u) }));
  const idempotencyKey = randomKey();
  const form = actionForm({
    name: 'issue',
    submitText: t('issue.submit'),
    children: [
      field(t('issue.unit'), select('unitId', [...unitOptions, ...others], { required: true, emptyLabel: t('issue.chooseUnit') })),
      field(t('issue.noticeTitle'), h('input', { type: 'text', name: 'title', required: true, maxlength: 200 })),
      h(
        'div',
        { class: 'inline-fields' },
        field(t('issue.category'), select('category', CATEGORIES.map((c) => ({ value: c, label: label('category', c) })), { required: true, emptyLabel: '—' })),
        field(t('issue.severity'), select('severity', SEVERITIES.map((c) => ({ value: c, label: label('severity', c) })), { required: true, emptyLabel: '—' })),
      ),
      field(t('issue.description'), h('textarea', { name: 'description', rows: 6, required: true, maxlength: 20000 })),
      field(t('issue.assets'), h('textarea', { name: 'assets', rows: 2, class: 'mono' })),
      h(
        'fieldset',
        { class: 'group' },
        h('legend', {}, t('issue.deadlines')),
        deadlineInputs('acknowledgeBy', t('issue.acknowledgeBy')),
        deadlineInputs('rectifyBy', t('issue.rectifyBy')),
      ),
    ],
    onSubmit: async (f) => {
      const el = f.elements;
      const assets = el.assets.value
        .split('\n')
        .map((s) => s.trim())
        .filter(Boolean);
      const body = {
        unitId: el.unitId.value,
        title: el.title.value,
        category: el.category.value,
        severity: el.severity.value,
        description: el.description.value,
        assets: assets.length ? assets : undefined,
        acknowledgeBy: readDeadline(f, 'acknowledgeBy'),
        rectifyBy: readDeadline(f, 'rectifyBy'),
      };
      const created = await api('POST', '/api/notices', { body, headers: { 'Idempotency-Key': idempotencyKey } });
      flash = { kind: 'info', text: `${created.id} ${t('common.done')}` };
      navigate(`/notices/${encodeURIComponent(created.id)}`);
    },
  });
  mount(seq, t('issue.title'), pageHead(t('issue.title')), h('section', { class: 'card narrow' }, form));
}

// ---------------------------------------------------------------------------------------------
// 督办 / Escalations

const ESC_SCOPES = {
  mine: { assignee: 'me', status: 'active' },
  active: { status: 'active' },
  ended: { status: 'ended' },
};

async function renderEscalations(seq, params) {
  const scope = Object.hasOwn(ESC_SCOPES, params.get('scope')) ? params.get('scope') : 'mine';
  const page = positiveInt(params.get('page'), 1);
  const data = await api('GET', `/api/escalations${query({ ...ESC_SCOPES[scope], page, pageSize: PAGE_SIZE })}`);
  const tabs = h(
    'nav',
    { class: 'tabs', 'aria-label': t('esc.scope') },
    h(
      'ul',
      {},
      Object.keys(ESC_SCOPES).map((s) =>
        h('li', {}, h('a', { href: `/escalations${s === 'mine' ? '' : query({ scope: s })}`, 'aria-current': s === scope ? 'page' : null }, t(`esc.${s}`))),
      ),
    ),
  );
  const cols = [t('esc.notice'), t('esc.unit'), t('esc.level'), t('esc.status'), t('esc.decideBy'), t('esc.startedAt')];
  const table = data.items.length
    ? h(
        'table',
        { class: 'data' },
        h('caption', { class: 'sr-only' }, t(`esc.${scope}`)),
        h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, c)))),
        h(
          'tbody',
          {},
          data.items.map((e) =>
            h(
              'tr',
              {},
              h(
                'td',
                { 'data-label': cols[0], class: 'title-cell' },
                h('a', { href: `/escalations/${encodeURIComponent(e.id)}` }, h('span', { class: 'mono' }, e.noticeId), ' ', e.noticeTitle),
              ),
              cell({ 'data-label': cols[1] }, unitName(unitById(e.unitId)) || e.unitName),
              cell({ 'data-label': cols[2] }, e.level ? levelText(e.level) : '—', e.assigneeName ? h('span', { class: 'muted' }, ` · ${e.assigneeName}`) : null),
              cell({ 'data-label': cols[3] }, badge('escStatus', e.status)),
              cell({ 'data-label': cols[4] }, e.status === 'awaiting_decision' ? timeEl(e.decideBy) : '—'),
              cell({ 'data-label': cols[5] }, timeEl(e.startedAt)),
            ),
          ),
        ),
      )
    : empty();
  mount(
    seq,
    t('esc.title'),
    pageHead(t('esc.title')),
    tabs,
    h('div', { class: 'table-wrap' }, table),
    pager(data.total, page, PAGE_SIZE, (p) => `/escalations${query({ scope: scope === 'mine' ? undefined : scope, page: p })}`),
  );
}

async function renderEscalation(seq, _params, id) {
  const [row] = await Promise.all([api('GET', `/api/escalations/${encodeURIComponent(id)}`), ensurePeople()]);
  const names = new Map((row.timeline ?? []).filter((e) => e.actorId && e.actorName).map((e) => [e.actorId, e.actorName]));
  if (row.assigneeId && row.assigneeName) names.set(row.assigneeId, row.assigneeName);
  const who = (pid) => nameOf(pid, names);
  const e = row.state ?? { steps: [], status: row.status, level: row.level };
  const mine = (row.assigneeId === session.me.id || (row.delegates ?? []).includes(session.me.id)) && row.status === 'awaiting_decision';

  const head = h(
    'div',
    { class: 'page-head notice-head' },
    h('nav', { class: 'crumbs', 'aria-label': t('common.breadcrumb') }, h('a', { href: '/escalations' }, t('esc.title')), ' › ', h('span', { class: 'mono' }, row.id)),
    h('h1', {}, t('esc.detail', { id: row.id })),
    h('div', { class: 'badges' }, h('span', { 'data-testid': 'esc-status' }, badge('escStatus', row.status)), row.level ? h('span', { class: 'badge level' }, levelText(row.level)) : null),
  );
  const facts = section(
    t('notice.fields'),
    dl([
      [t('esc.notice'), h('a', { href: `/notices/${encodeURIComponent(row.noticeId)}` }, h('span', { class: 'mono' }, row.noticeId), ' ', row.noticeTitle)],
      [t('esc.unit'), unitName(unitById(row.unitId)) || row.unitName],
      [t('notice.status'), badge('escStatus', row.status)],
      e.trigger ? [t('notice.escalations'), t(`esc.trigger.${e.trigger}`)] : null,
      row.level ? [t('esc.level'), levelText(row.level)] : null,
      row.status !== 'ended' ? [t('esc.assignee'), row.assigneeName ?? who(row.assigneeId)] : null,
      row.status === 'awaiting_decision' ? [t('esc.decideBy'), timeEl(row.decideBy)] : null,
      e.superviseUntil && row.status === 'supervising' ? [t('esc.superviseUntil'), timeEl(e.superviseUntil)] : null,
      [t('esc.startedAt'), timeEl(row.startedAt)],
      row.endReason ? [t('esc.endReason'), label('endReason', row.endReason)] : null,
    ]),
  );
  const chain = section(t('esc.chain'), chainList(e, who));
  const decision = mine ? section(t('esc.decisionForm'), decisionForm(row)) : section(t('esc.decisionForm'), h('p', { class: 'muted' }, t('esc.notYours')));
  const timeline = section(t('esc.timeline'), timelineList(row.timeline ?? [], who));
  mount(
    seq,
    t('esc.detail', { id: row.id }),
    head,
    h('div', { class: 'notice-layout' }, h('aside', { class: 'notice-actions', 'aria-label': t('esc.decisionForm') }, decision), h('div', { class: 'notice-main' }, facts, chain, timeline)),
  );
}

function decisionForm(row) {
  const until = deadlineInputs('until', t('esc.until'));
  until.hidden = true;
  const options = DECISIONS.filter((d) => d !== 'propose_accountability' || row.level >= MIN_PROPOSAL_LEVEL).map((d) => ({ value: d, label: label('decision', d) }));
  return actionForm({
    name: 'escalation-decision',
    submitText: t('common.submit'),
    children: [
      radios('decision', t('esc.decision'), options, {
        onchange: (ev) => {
          until.hidden = !['supervise', 'extend'].includes(ev.target.value);
        },
      }),
      until,
      field(t('esc.comment'), h('textarea', { name: 'comment', rows: 3, maxlength: 5000 })),
    ],
    onSubmit: async (form) => {
      const d = form.elements.decision.value;
      const body = { decision: d, comment: form.elements.comment.value.trim() || undefined };
      if (['supervise', 'extend'].includes(d)) body.until = readDeadline(form, 'until');
      await api('POST', `/api/escalations/${encodeURIComponent(row.id)}/decision`, { body });
      flash = { kind: 'info', text: t('action.submitted') };
      await render();
    },
  });
}

// ---------------------------------------------------------------------------------------------

setLang(lang());
void loadGlossary().then(render);
