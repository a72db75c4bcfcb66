import { api, query } from './api.js';
import { describeError } from './app.js';
import { field, fill, fmt, h } from './dom.js';
import { parseMetrics } from './metrics.js';

const SECTIONS = { usage: 'Usage', latency: 'Latency', users: 'Users', flags: 'Flags', trace: 'Audit trace', queue: 'Queue health' };
const COLORS = ['#1d4ed8', '#b91c1c', '#047857', '#7c3aed', '#b45309', '#0e7490', '#be185d', '#4d7c0f'];
const DAY = 86_400_000;

export async function renderAdmin(main, section) {
  const [name, arg] = section.split(':');
  const current = SECTIONS[name] ? name : 'usage';
  const body = h('div', { class: 'admin-body' });
  fill(
    main,
    h('div', { class: 'admin' }, h('nav', { class: 'tabs', 'aria-label': 'Admin sections' }, Object.entries(SECTIONS).map(([key, label]) => h('a', { href: `#/admin/${key}`, 'aria-current': key === current ? 'page' : null }, label))), body),
  );
  try {
    await VIEWS[current](body, arg);
  } catch (error) {
    body.append(h('p', { class: 'error', role: 'alert' }, describeError(error)));
  }
}

const VIEWS = { usage, latency, users, flags, trace, queue };

// ---- usage -------------------------------------------------------------------------------------------------

let uPlotLoaded = null;
/** uPlot is loaded only when a chart is first drawn: a user who never opens the dashboard never downloads it. */
function loadUPlot() {
  uPlotLoaded ??= new Promise((resolve, reject) => {
    document.head.append(h('link', { rel: 'stylesheet', href: '/vendor/uPlot.min.css' }));
    document.head.append(h('script', { src: '/vendor/uPlot.iife.min.js', onload: () => resolve(window.uPlot), onerror: () => reject(new Error('the chart library did not load')) }));
  });
  return uPlotLoaded;
}

const METRICS = { totalTokens: 'tokens', costMicros: 'cost (USD)', turns: 'turns' };
const metricValue = (totals, metric) => (metric === 'costMicros' ? totals.costMicros / 1e6 : totals[metric]);
const SUMMED = ['turns', 'promptTokens', 'completionTokens', 'totalTokens', 'costMicros'];

function days(from, to) {
  const result = [];
  for (let t = Date.parse(from); t <= Date.parse(to); t += DAY) result.push(new Date(t).toISOString().slice(0, 10));
  return result;
}

/** A From / To / extra-fields form that calls draw on submit; the range defaults to the last `span` days. */
function rangeForm(span, extra = []) {
  const to = h('input', { type: 'date', value: new Date().toISOString().slice(0, 10) });
  const from = h('input', { type: 'date', value: new Date(Date.now() - (span - 1) * DAY).toISOString().slice(0, 10) });
  const form = h('form', { class: 'row filters' }, field('From', from), field('To', to), extra, h('button', { type: 'submit' }, 'Show'));
  return { form, range: () => ({ from: from.value, to: to.value }) };
}

/** Analytics rows (per UTC day and model) summed by `key(row)`: totals and per-day sums. */
function sumBy(rows, key) {
  const groups = new Map();
  for (const row of rows) {
    const group = groups.get(key(row)) ?? { totals: Object.fromEntries(SUMMED.map((k) => [k, 0])), byDay: new Map() };
    const day = group.byDay.get(row.day) ?? Object.fromEntries(SUMMED.map((k) => [k, 0]));
    for (const k of SUMMED) {
      group.totals[k] += row[k];
      day[k] += row[k];
    }
    group.byDay.set(row.day, day);
    groups.set(key(row), group);
  }
  return groups;
}

/** The plans an admin may assign, cached for the page's life (the catalogue changes only with a restart). */
let plansLoaded = null;
const loadPlans = () => (plansLoaded ??= api('GET', '/v1/admin/plans').then((r) => r.data, (error) => ((plansLoaded = null), Promise.reject(error))));

async function usage(body) {
  const metric = h('select', null, Object.entries(METRICS).map(([key, label]) => h('option', { value: key }, label)));
  const { form, range } = rangeForm(14, field('Measure', metric));
  form.addEventListener('submit', (event) => (event.preventDefault(), void draw()));
  const out = h('div');
  body.append(h('h1', null, 'Usage'), form, out);
  const draw = async () => {
    fill(out, h('p', { class: 'muted' }, 'Loading…'));
    // From GET /v1/admin/analytics: the stored answers of every instance, per UTC day and model; by plan, one call per plan.
    const [all, plans, uPlot] = await Promise.all([api('GET', `/v1/admin/analytics${query(range())}`), loadPlans(), loadUPlot()]);
    const perPlan = await Promise.all(plans.map((plan) => api('GET', `/v1/admin/analytics${query({ ...range(), plan: plan.id })}`)));
    const axis = days(all.from, all.to);
    const x = axis.map((day) => Date.parse(day) / 1000);
    const m = metric.value;
    const series = (groups) => [...groups.values()].slice(0, COLORS.length).map((g) => axis.map((day) => (g.byDay.has(day) ? metricValue(g.byDay.get(day), m) : 0)));
    const byModel = sumBy(all.data.filter((row) => row.turns > 0), (row) => row.model ?? '(none)');
    const byPlan = new Map(plans.map((plan, i) => [plan.id, sumBy(perPlan[i].data, () => plan.id).get(plan.id) ?? { totals: Object.fromEntries(SUMMED.map((k) => [k, 0])), byDay: new Map() }]));
    const used = new Map([...byPlan].filter(([, g]) => g.totals.turns > 0));
    const total = sumBy(all.data, () => 'all').get('all')?.totals ?? Object.fromEntries(SUMMED.map((k) => [k, 0]));
    const modelChart = h('figure', { class: 'chart', 'data-testid': 'usage-by-model' }, h('figcaption', null, `${METRICS[m]} per day by model`));
    const planChart = h('figure', { class: 'chart', 'data-testid': 'usage-by-plan' }, h('figcaption', null, `${METRICS[m]} per day by plan (the users' plan now)`));
    fill(
      out,
      h('p', { class: 'totals' }, `Total ${all.from} – ${all.to}: ${fmt.int(total.turns)} turns, ${fmt.int(total.totalTokens)} tokens, ${fmt.cost(total.costMicros)}`),
      h('p', { class: 'muted small' }, 'Counted from the stored answers of every instance (failed and stopped ones too); the billing ledger is GET /v1/admin/usage.'),
      h('div', { class: 'charts' }, modelChart, planChart),
      totalsTable('By model', 'Model', [...byModel].map(([model, g]) => [model, g.totals]), 'usage-models'),
      totalsTable('By plan', 'Plan', [...byPlan].map(([plan, g]) => [plan, g.totals]), 'usage-plans'),
    );
    // Two charts a row: half the width less the gap, the figure's padding and border.
    const width = Math.max(300, Math.floor((out.clientWidth - 16) / 2) - 24);
    chart(uPlot, modelChart, x, [...byModel.keys()].slice(0, COLORS.length), series(byModel), width);
    chart(uPlot, planChart, x, [...used.keys()].slice(0, COLORS.length), series(used), width);
  };
  await draw();
}

function chart(uPlot, figure, x, labels, series, width, empty = 'No usage in this range.', format = undefined) {
  if (labels.length === 0) {
    figure.append(h('p', { class: 'muted' }, empty));
    return;
  }
  const opts = {
    width,
    height: 240,
    scales: { x: { time: true } },
    series: [{ label: 'day', value: (_, t) => (t === null ? '–' : new Date(t * 1000).toISOString().slice(0, 10)) }, ...labels.map((label, i) => ({ label, stroke: COLORS[i], width: 2, points: { show: true }, ...(format ? { value: (_, v) => format(v) } : {}) }))],
    axes: [{}, { size: 60 }],
  };
  new uPlot(opts, [x, ...series], figure);
}

function totalsTable(caption, keyLabel, rows, testId) {
  return h(
    'table',
    { 'data-testid': testId },
    h('caption', null, caption),
    h('thead', null, h('tr', null, [keyLabel, 'Turns', 'Prompt tokens', 'Completion tokens', 'Total tokens', 'Cost'].map((t) => h('th', { scope: 'col' }, t)))),
    h(
      'tbody',
      null,
      rows.length === 0 ? h('tr', null, h('td', { colspan: 6 }, 'No usage in this range.')) : null,
      rows.map(([key, t]) => h('tr', null, h('th', { scope: 'row' }, key), h('td', null, fmt.int(t.turns)), h('td', null, fmt.int(t.promptTokens)), h('td', null, fmt.int(t.completionTokens)), h('td', null, fmt.int(t.totalTokens)), h('td', null, fmt.cost(t.costMicros)))),
    ),
  );
}

/** Every user (id → user), paged through 100 at a time, at most 1,000. */
async function allUsers() {
  const users = new Map();
  let cursor;
  for (let page = 0; page < 10; page++) {
    const result = await api('GET', `/v1/admin/users${query({ limit: 100, cursor })}`);
    for (const user of result.data) users.set(user.id, user);
    cursor = result.nextCursor;
    if (!cursor) break;
  }
  return users;
}

// ---- latency (GET /v1/admin/analytics: observed percentiles per UTC day and model, over every instance) -------

async function latency(body) {
  const { form, range } = rangeForm(7);
  form.addEventListener('submit', (event) => (event.preventDefault(), void draw()));
  const out = h('div');
  body.append(
    h('h1', null, 'Latency and time to first token'),
    h('p', { class: 'muted' }, 'Observed p50 and p95 of the stored answers of every instance, per UTC day and model (percentiles of different days cannot be added up, so each day has its own).'),
    form,
    out,
  );
  const ms = (value) => (value === null || value === undefined ? '–' : fmt.ms(value));
  const pct = (value) => (value === null ? '–' : `${(value * 100).toFixed(1)} %`);
  const draw = async () => {
    fill(out, h('p', { class: 'muted' }, 'Loading…'));
    const [report, uPlot] = await Promise.all([api('GET', `/v1/admin/analytics${query(range())}`), loadUPlot()]);
    const rows = report.data.filter((row) => row.turns > 0).sort((a, b) => (a.model ?? '').localeCompare(b.model ?? '') || b.day.localeCompare(a.day));
    const models = [...new Set(rows.map((row) => row.model ?? '(none)'))].slice(0, COLORS.length);
    const axis = days(report.from, report.to);
    const x = axis.map((day) => Date.parse(day) / 1000);
    const seriesOf = (pick) => models.map((model) => axis.map((day) => rows.find((r) => (r.model ?? '(none)') === model && r.day === day)?.[pick].p95 ?? null));
    const latencyChart = h('figure', { class: 'chart', 'data-testid': 'latency-p95' }, h('figcaption', null, 'Latency p95 per day by model (ms)'));
    const ttftChart = h('figure', { class: 'chart', 'data-testid': 'ttft-p95' }, h('figcaption', null, 'TTFT p95 per day by model (ms)'));
    fill(
      out,
      h('div', { class: 'charts' }, latencyChart, ttftChart),
      h(
        'table',
        { 'data-testid': 'latency' },
        h('caption', null, 'Percentiles by model and day'),
        h('thead', null, h('tr', null, ['Model', 'Day', 'Answers', 'Latency p50', 'p95', 'TTFT p50', 'p95', 'Errors', 'Interrupted'].map((t) => h('th', { scope: 'col' }, t)))),
        h(
          'tbody',
          null,
          rows.length === 0 ? h('tr', null, h('td', { colspan: 9 }, 'No answers in this range.')) : null,
          rows.map((r) =>
            h('tr', null, h('th', { scope: 'row' }, r.model ?? '(none)'), h('td', null, r.day), h('td', null, fmt.int(r.turns)), [r.latencyMs.p50, r.latencyMs.p95, r.ttftMs.p50, r.ttftMs.p95].map((v) => h('td', null, ms(v))), h('td', null, pct(r.errorRate)), h('td', null, pct(r.interruptionRate))),
          ),
        ),
      ),
    );
    const width = Math.max(300, Math.floor((out.clientWidth - 16) / 2) - 24);
    chart(uPlot, latencyChart, x, models, seriesOf('latencyMs'), width, 'No answers in this range.', ms);
    chart(uPlot, ttftChart, x, models, seriesOf('ttftMs'), width, 'No answers in this range.', ms);
  };
  await draw();
}

// ---- users -------------------------------------------------------------------------------------------------

async function users(body) {
  const list = h('tbody');
  const issued = h('div', { role: 'status', 'aria-live': 'polite' });
  const problem = h('p', { class: 'error', role: 'alert' });
  const act = async (call) => {
    problem.textContent = '';
    try {
      await call();
      await load();
    } catch (error) {
      problem.textContent = describeError(error);
    }
  };
  const email = h('input', { type: 'email', required: true, maxlength: 320 });
  const password = h('input', { type: 'password', minlength: 8, maxlength: 1024, autocomplete: 'new-password' });
  const role = h('select', null, h('option', { value: 'user' }, 'user'), h('option', { value: 'admin' }, 'admin'));
  const catalogue = await loadPlans();
  const planOptions = () => catalogue.map((p) => h('option', { value: p.id }, `${p.id} (${p.modelTiers.join(', ')})`));
  const plan = h('select', null, planOptions());
  plan.value = catalogue.some((p) => p.id === 'free') ? 'free' : catalogue[0].id;
  const create = h(
    'form',
    {
      class: 'row filters',
      'aria-label': 'Create a user',
      onsubmit: (event) => {
        event.preventDefault();
        void act(async () => {
          await api('POST', '/v1/admin/users', { email: email.value, ...(password.value ? { password: password.value } : {}), role: role.value, plan: plan.value });
          email.value = '';
          password.value = '';
        });
      },
    },
    field('Email', email),
    field('Password', password),
    field('Role', role),
    field('Plan', plan),
    h('button', { type: 'submit', class: 'primary' }, 'Create user'),
  );
  const load = async () => {
    const all = [...(await allUsers()).values()];
    fill(
      list,
      all.map((user) => {
        const roleSelect = h('select', { 'aria-label': `Role of ${user.email}` }, ['user', 'admin'].map((r) => h('option', { value: r }, r)));
        roleSelect.value = user.role;
        roleSelect.addEventListener('change', () => void act(() => api('PATCH', `/v1/admin/users/${user.id}`, { role: roleSelect.value })));
        // A plan no longer in the catalogue stays visible (and selected) until the admin picks another.
        const known = catalogue.some((p) => p.id === user.plan);
        const planSelect = h('select', { 'aria-label': `Plan of ${user.email}` }, known ? null : h('option', { value: user.plan, disabled: true }, `${user.plan} (not in the catalogue)`), planOptions());
        planSelect.value = user.plan;
        planSelect.addEventListener('change', () => void act(() => api('PATCH', `/v1/admin/users/${user.id}`, { plan: planSelect.value })));
        const suspended = user.status === 'suspended';
        return h(
          'tr',
          { dataset: { email: user.email ?? '' } },
          h('th', { scope: 'row' }, user.email ?? '(guest)'),
          h('td', null, roleSelect),
          h('td', null, planSelect),
          h('td', null, h('span', { class: `badge ${user.status}` }, user.status)),
          h(
            'td',
            null,
            h(
              'div',
              { class: 'actions' },
            h('button', { type: 'button', class: 'small', onclick: () => void act(() => api('PATCH', `/v1/admin/users/${user.id}`, { status: suspended ? 'active' : 'suspended' })) }, suspended ? 'Lift suspension' : 'Suspend'),
            h(
              'button',
              {
                type: 'button',
                class: 'small',
                onclick: () =>
                  void act(async () => {
                    const key = await api('POST', `/v1/admin/users/${user.id}/api-keys`, { name: 'console' });
                    fill(issued, h('div', { class: 'card key' }, h('p', null, `API key for ${user.email} — shown this once, gus keeps only its hash:`), h('code', { 'data-testid': 'api-key' }, key.key)));
                  }),
              },
              'Issue API key',
            ),
            ),
          ),
        );
      }),
    );
  };
  body.append(
    h('h1', null, 'Users'),
    create,
    problem,
    issued,
    h('table', { 'data-testid': 'users' }, h('caption', null, 'Users'), h('thead', null, h('tr', null, ['Email', 'Role', 'Plan', 'Status', 'Actions'].map((t) => h('th', { scope: 'col' }, t)))), list),
  );
  await load();
}

// ---- flags -------------------------------------------------------------------------------------------------

const FLAG_KINDS = ['repeated_message', 'near_duplicate_message', 'bot_timing', 'prompt_injection', 'prompt_injection_blocked', 'forbidden_content', 'repeated_violations', 'system_prompt_leak', 'suspension'];

async function flags(body) {
  const kind = h('input', { type: 'text', list: 'flag-kinds', maxlength: 64 });
  const severity = h('input', { type: 'number', min: 0, max: 10 });
  const userId = h('input', { type: 'text', maxlength: 36, size: 36 });
  const rows = h('tbody');
  const problem = h('p', { class: 'error', role: 'alert' });
  const load = async () => {
    problem.textContent = '';
    try {
      const page = await api('GET', `/v1/admin/flags${query({ kind: kind.value.trim(), severity: severity.value, userId: userId.value.trim(), limit: 100 })}`);
      fill(
        rows,
        page.data.length === 0 ? h('tr', null, h('td', { colspan: 5 }, 'No flags match.')) : null,
        page.data.map((flag) =>
          h(
            'tr',
            null,
            h('td', null, fmt.time(flag.createdAt)),
            h('td', null, flag.kind),
            h('td', null, String(flag.severity)),
            h('td', null, h('code', null, flag.userId), flag.conversationId ? [h('br'), h('a', { href: `#/admin/trace:${flag.conversationId}` }, 'audit trace')] : null),
            h('td', null, h('pre', { class: 'evidence' }, JSON.stringify(flag.evidence, null, 2))),
          ),
        ),
      );
    } catch (error) {
      problem.textContent = describeError(error);
    }
  };
  body.append(
    h('h1', null, 'Moderation flags'),
    h('datalist', { id: 'flag-kinds' }, FLAG_KINDS.map((k) => h('option', { value: k }))),
    h('form', { class: 'row filters', onsubmit: (event) => (event.preventDefault(), void load()) }, field('Kind', kind), field('At least severity', severity), field('User id', userId), h('button', { type: 'submit' }, 'Filter')),
    problem,
    h('table', { 'data-testid': 'flags' }, h('caption', null, 'Flags, newest first'), h('thead', null, h('tr', null, ['When', 'Kind', 'Severity', 'User', 'Evidence'].map((t) => h('th', { scope: 'col' }, t)))), rows),
  );
  await load();
}

// ---- audit trace -------------------------------------------------------------------------------------------

async function trace(body, conversationId) {
  const id = h('input', { type: 'text', value: conversationId ?? '', maxlength: 36, size: 38, required: true });
  const out = h('div');
  const load = async () => {
    try {
      const result = await api('GET', `/v1/admin/conversations/${encodeURIComponent(id.value.trim())}/trace`);
      fill(
        out,
        h('p', { class: 'muted' }, `Conversation ${result.conversationId} of user ${result.userId}: ${result.turns.length} turns`),
        result.turns.map((turn, i) =>
          h(
            'section',
            { class: 'card turn' },
            h('h2', null, `Turn ${i + 1} · ${turn.status}`, h('span', { class: 'muted small' }, ` trace ${turn.traceId ?? '–'}`)),
            h(
              'ol',
              { class: 'timeline' },
              turn.steps.map(({ step, at, ...details }) =>
                h(
                  'li',
                  null,
                  h('span', { class: 'step' }, step),
                  h('time', { class: 'muted small', datetime: at ?? '' }, fmt.time(at)),
                  h('span', { class: 'details small' }, Object.entries(details).filter(([, v]) => v !== null && !(Array.isArray(v) && v.length === 0)).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' · ')),
                ),
              ),
            ),
          ),
        ),
      );
    } catch (error) {
      fill(out, h('p', { class: 'error', role: 'alert' }, describeError(error)));
    }
  };
  body.append(h('h1', null, 'Audit trace'), h('form', { class: 'row filters', onsubmit: (event) => (event.preventDefault(), void load()) }, field('Conversation id', id), h('button', { type: 'submit' }, 'Show')), out);
  if (conversationId) await load();
}

// ---- queue health ------------------------------------------------------------------------------------------

async function metricsText() {
  const response = await fetch('/metrics', { credentials: 'omit' });
  if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
  return parseMetrics(await response.text());
}

/** Whether gus serves a queue dashboard at /admin/queues (a 404 says it does not; anything else, even 401, that it does). */
async function queueDashboard() {
  try {
    // No credentials: a 401 asking for Basic auth then opens no dialog.
    const response = await fetch('/admin/queues', { credentials: 'omit', redirect: 'manual' });
    return response.status !== 404;
  } catch {
    return false;
  }
}

async function queue(body) {
  // Job counts by state have no /v1 route: they come from this instance's /metrics, read from Redis at scrape time.
  const [samples, ready, dashboard] = await Promise.all([metricsText(), fetch('/health/ready', { credentials: 'omit' }).then((r) => r.json()), queueDashboard()]);
  const jobs = samples.filter((s) => s.name === 'gus_queue_jobs');
  body.append(
    h('h1', null, 'Queue health'),
    h('p', null, `Readiness: ${ready.status}`),
    h('ul', null, Object.entries(ready.details ?? {}).map(([name, d]) => h('li', null, `${name}: ${d.status}${d.detail ? ` (${d.detail})` : ''}${d.message ? ` — ${d.message}` : ''}`))),
    dashboard ? h('p', null, h('a', { href: '/admin/queues', 'data-testid': 'queue-dashboard' }, 'Open the queue dashboard')) : null,
    h(
      'table',
      { 'data-testid': 'queue' },
      h('caption', null, 'Jobs by queue and state (read from the queue at scrape time)'),
      h('thead', null, h('tr', null, ['Queue', 'State', 'Jobs'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, jobs.length === 0 ? h('tr', null, h('td', { colspan: 3 }, 'No queue metrics.')) : null, jobs.map((s) => h('tr', null, h('td', null, s.labels.queue), h('td', null, s.labels.state), h('td', null, fmt.int(s.value))))),
    ),
    dashboard ? null : h('p', { class: 'muted small', 'data-testid': 'no-queue-dashboard' }, 'This gus serves no queue dashboard at /admin/queues; with Redis, any BullMQ dashboard can read the queues under GUS_REDIS_PREFIX.'),
  );
}
