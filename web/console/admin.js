import { api, query } from './api.js';
import { describeError } from './app.js';
import { field, fill, fmt, h } from './dom.js';
import { histogramQuantile, parseMetrics } from './metrics.js';

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

function days(from, to) {
  const result = [];
  for (let t = Date.parse(from); t <= Date.parse(to); t += DAY) result.push(new Date(t).toISOString().slice(0, 10));
  return result;
}

async function usage(body) {
  const to = h('input', { type: 'date', value: new Date().toISOString().slice(0, 10) });
  const from = h('input', { type: 'date', value: new Date(Date.now() - 13 * DAY).toISOString().slice(0, 10) });
  const metric = h('select', null, Object.entries(METRICS).map(([key, label]) => h('option', { value: key }, label)));
  const out = h('div');
  const form = h(
    'form',
    { class: 'row filters', onsubmit: (event) => (event.preventDefault(), void draw()) },
    field('From', from),
    field('To', to),
    field('Measure', metric),
    h('button', { type: 'submit' }, 'Show'),
  );
  body.append(h('h1', null, 'Usage'), form, out);
  const draw = async () => {
    fill(out, h('p', { class: 'muted' }, 'Loading…'));
    const range = { from: from.value, to: to.value };
    const [all, uPlot, userIndex] = await Promise.all([api('GET', `/v1/admin/usage${query(range)}`), loadUPlot(), allUsers()]);
    const axis = days(all.from, all.to);
    // The API gives usage by day for one model or one user at a time: one call per model, and per user for plans.
    const models = all.byModel.slice(0, COLORS.length);
    const perModel = await Promise.all(models.map((m) => api('GET', `/v1/admin/usage${query({ ...range, model: m.model })}`)));
    const heavy = [...all.byUser].sort((a, b) => b.totalTokens - a.totalTokens).slice(0, 25);
    const perUser = await Promise.all(heavy.map((u) => api('GET', `/v1/admin/usage${query({ ...range, userId: u.userId })}`)));
    const byPlan = new Map();
    heavy.forEach((u, i) => {
      const plan = userIndex.get(u.userId)?.plan ?? 'unknown';
      const series = byPlan.get(plan) ?? { totals: { turns: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, costMicros: 0 }, byDay: new Map() };
      for (const key of Object.keys(series.totals)) series.totals[key] += u[key];
      for (const day of perUser[i].byDay) {
        const sum = series.byDay.get(day.day) ?? { turns: 0, totalTokens: 0, costMicros: 0 };
        sum.turns += day.turns;
        sum.totalTokens += day.totalTokens;
        sum.costMicros += day.costMicros;
        series.byDay.set(day.day, sum);
      }
      byPlan.set(plan, series);
    });
    const m = metric.value;
    const x = axis.map((day) => Date.parse(day) / 1000);
    const modelSeries = perModel.map((report) => {
      const values = new Map(report.byDay.map((d) => [d.day, metricValue(d, m)]));
      return axis.map((day) => values.get(day) ?? 0);
    });
    const plans = [...byPlan.keys()].slice(0, COLORS.length);
    const planSeries = plans.map((plan) => axis.map((day) => {
      const sum = byPlan.get(plan).byDay.get(day);
      return sum ? metricValue(sum, m) : 0;
    }));
    const modelChart = h('figure', { class: 'chart', 'data-testid': 'usage-by-model' }, h('figcaption', null, `${METRICS[m]} per day by model`));
    const planChart = h('figure', { class: 'chart', 'data-testid': 'usage-by-plan' }, h('figcaption', null, `${METRICS[m]} per day by plan${all.byUser.length > heavy.length ? ` (the ${heavy.length} heaviest users)` : ''}`));
    fill(
      out,
      h('p', { class: 'totals' }, `Total ${all.from} – ${all.to}: ${fmt.int(all.totals.turns)} turns, ${fmt.int(all.totals.totalTokens)} tokens, ${fmt.cost(all.totals.costMicros)}`),
      h('div', { class: 'charts' }, modelChart, planChart),
      totalsTable('By model', 'Model', all.byModel.map((row) => [row.model, row])),
      totalsTable('By plan', 'Plan', [...byPlan].map(([plan, s]) => [plan, s.totals])),
    );
    // Two charts a row: half the width less the gap, the figure's padding and border.
    const width = Math.max(300, Math.floor((out.clientWidth - 16) / 2) - 24);
    chart(uPlot, modelChart, x, models.map((row) => row.model), modelSeries, width);
    chart(uPlot, planChart, x, plans, planSeries, width);
  };
  await draw();
}

function chart(uPlot, figure, x, labels, series, width) {
  if (labels.length === 0) {
    figure.append(h('p', { class: 'muted' }, 'No usage in this range.'));
    return;
  }
  const opts = {
    width,
    height: 240,
    scales: { x: { time: true } },
    series: [{ label: 'day', value: (_, t) => (t === null ? '–' : new Date(t * 1000).toISOString().slice(0, 10)) }, ...labels.map((label, i) => ({ label, stroke: COLORS[i], width: 2, points: { show: true } }))],
    axes: [{}, { size: 60 }],
  };
  new uPlot(opts, [x, ...series], figure);
}

function totalsTable(caption, keyLabel, rows) {
  return h(
    'table',
    null,
    h('caption', null, caption),
    h('thead', null, h('tr', null, [keyLabel, 'Turns', 'Prompt tokens', 'Completion tokens', 'Total tokens', 'Cost'].map((t) => h('th', { scope: 'col' }, t)))),
    h(
      'tbody',
      null,
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

// ---- latency (from the Prometheus histograms of /metrics: no /v1 route reports percentiles) -----------------

async function metricsText() {
  const response = await fetch('/metrics', { credentials: 'omit' });
  if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
  return parseMetrics(await response.text());
}

async function latency(body) {
  const samples = await metricsText();
  const rows = new Map();
  for (const [metric, key] of [['gus_model_call_duration_seconds', 'call'], ['gus_model_time_to_first_token_seconds', 'ttft']]) {
    const byModel = new Map();
    for (const s of samples) {
      if (s.name !== `${metric}_bucket` || s.labels.model === undefined) continue;
      const buckets = byModel.get(s.labels.model) ?? new Map();
      buckets.set(s.labels.le, (buckets.get(s.labels.le) ?? 0) + s.value); // summed over outcomes
      byModel.set(s.labels.model, buckets);
    }
    for (const [model, buckets] of byModel) {
      const row = rows.get(model) ?? {};
      const sorted = [...buckets].map(([le, count]) => [le === '+Inf' ? Infinity : Number(le), count]).sort((a, b) => a[0] - b[0]);
      row[key] = { count: sorted.at(-1)?.[1] ?? 0, p50: histogramQuantile(0.5, sorted), p90: histogramQuantile(0.9, sorted), p99: histogramQuantile(0.99, sorted) };
      rows.set(model, row);
    }
  }
  const ms = (seconds) => (seconds === null ? '–' : fmt.ms(seconds * 1000));
  body.append(
    h('h1', null, 'Latency and time to first token'),
    h('p', { class: 'muted' }, 'Estimated from this instance’s histograms at /metrics since it started (bucket interpolation, as Prometheus does).'),
    h(
      'table',
      { 'data-testid': 'latency' },
      h('caption', null, 'Percentiles by model'),
      h('thead', null, h('tr', null, ['Model', 'Calls', 'Latency p50', 'p90', 'p99', 'TTFT p50', 'p90', 'p99'].map((t) => h('th', { scope: 'col' }, t)))),
      h(
        'tbody',
        null,
        rows.size === 0 ? h('tr', null, h('td', { colspan: 8 }, 'No model calls yet.')) : null,
        [...rows].map(([model, r]) =>
          h('tr', null, h('th', { scope: 'row' }, model), h('td', null, fmt.int(r.call?.count ?? 0)), [r.call?.p50, r.call?.p90, r.call?.p99, r.ttft?.p50, r.ttft?.p90, r.ttft?.p99].map((v) => h('td', null, ms(v ?? null)))),
        ),
      ),
    ),
  );
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
  const plan = h('input', { type: 'text', value: 'free', maxlength: 64, list: 'plans' });
  const plans = h('datalist', { id: 'plans' });
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
    fill(plans, [...new Set(['free', ...all.map((u) => u.plan)])].map((p) => h('option', { value: p })));
    fill(
      list,
      all.map((user) => {
        const roleSelect = h('select', { 'aria-label': `Role of ${user.email}` }, ['user', 'admin'].map((r) => h('option', { value: r }, r)));
        roleSelect.value = user.role;
        roleSelect.addEventListener('change', () => void act(() => api('PATCH', `/v1/admin/users/${user.id}`, { role: roleSelect.value })));
        const planInput = h('input', { type: 'text', value: user.plan, maxlength: 64, list: 'plans', 'aria-label': `Plan of ${user.email}`, size: 10 });
        planInput.addEventListener('change', () => void act(() => api('PATCH', `/v1/admin/users/${user.id}`, { plan: planInput.value })));
        const suspended = user.status === 'suspended';
        return h(
          'tr',
          { dataset: { email: user.email ?? '' } },
          h('th', { scope: 'row' }, user.email ?? '(guest)'),
          h('td', null, roleSelect),
          h('td', null, planInput),
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
    plans,
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

async function queue(body) {
  const [samples, ready] = await Promise.all([metricsText(), fetch('/health/ready', { credentials: 'omit' }).then((r) => r.json())]);
  const jobs = samples.filter((s) => s.name === 'gus_queue_jobs');
  body.append(
    h('h1', null, 'Queue health'),
    h('p', null, `Readiness: ${ready.status}`),
    h('ul', null, Object.entries(ready.details ?? {}).map(([name, d]) => h('li', null, `${name}: ${d.status}${d.detail ? ` (${d.detail})` : ''}${d.message ? ` — ${d.message}` : ''}`))),
    h(
      'table',
      { 'data-testid': 'queue' },
      h('caption', null, 'Jobs by queue and state (read from the queue at scrape time)'),
      h('thead', null, h('tr', null, ['Queue', 'State', 'Jobs'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, jobs.length === 0 ? h('tr', null, h('td', { colspan: 3 }, 'No queue metrics.')) : null, jobs.map((s) => h('tr', null, h('td', null, s.labels.queue), h('td', null, s.labels.state), h('td', null, fmt.int(s.value))))),
    ),
    h('p', { class: 'muted small' }, 'gus ships no queue dashboard of its own; with Redis, any BullMQ dashboard can read the queues under GUS_REDIS_PREFIX.'),
  );
}
