import { api, query, session, streamTurn } from './api.js';
import { describeError } from './app.js';
import { field, fill, fmt, h } from './dom.js';

const STATES = ['active', 'inactive', 'paused', 'archived'];
/** Kept across views of this tab: the list's filter and the model picked. */
const filter = { q: '', state: '' };
let models = null;
let modelsOf = null;
let streaming = null;

export async function renderPlayground(main, conversationId) {
  const search = h('input', { type: 'search', value: filter.q, placeholder: 'words, "a phrase", -word', maxlength: 200 });
  const state = h('select', { value: filter.state }, h('option', { value: '' }, 'all but archived'), STATES.map((s) => h('option', { value: s }, s)));
  const list = h('ul', { class: 'conversations', 'aria-label': 'Conversations' });
  const pane = h('section', { class: 'conversation', 'aria-label': 'Conversation' });
  let timer = 0;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      filter.q = search.value.trim();
      void loadList(list, conversationId);
    }, 250);
  });
  state.addEventListener('change', () => {
    filter.state = state.value;
    void loadList(list, conversationId);
  });
  const sidebar = h(
    'aside',
    { class: 'sidebar', 'aria-label': 'Conversation list' },
    h('button', { type: 'button', class: 'primary wide', onclick: () => void newConversation() }, 'New conversation'),
    h('form', { role: 'search', onsubmit: (event) => event.preventDefault() }, field('Search', search), field('State', state)),
    list,
  );
  fill(main, h('div', { class: 'playground' }, sidebar, pane));
  // The picker offers what the caller's plan allows, as /v1/models says (asked again for another user).
  if (modelsOf !== session.user.id) {
    models = (await api('GET', '/v1/models')).data.filter((model) => model.allowed);
    modelsOf = session.user.id;
  }
  await Promise.all([loadList(list, conversationId), conversationId ? openConversation(pane, conversationId, () => loadList(list, conversationId)) : welcome(pane)]);
}

function welcome(pane) {
  fill(pane, h('div', { class: 'empty' }, h('h1', null, 'Playground'), h('p', null, 'Pick a conversation on the left or start a new one.')));
}

let listRequests = 0;

async function loadList(list, currentId) {
  const request = ++listRequests;
  const page = await api('GET', `/v1/conversations${query({ q: filter.q, state: filter.state, limit: 50 })}`);
  if (request !== listRequests) return; // a later search was typed meanwhile: its answer wins
  fill(
    list,
    page.data.length === 0 ? h('li', { class: 'muted' }, filter.q ? 'Nothing matches.' : 'No conversations yet.') : null,
    page.data.map((c) =>
      h(
        'li',
        null,
        h(
          'a',
          { href: `#/chat/${c.id}`, 'aria-current': c.id === currentId ? 'page' : null, dataset: { id: c.id } },
          h('span', { class: 'title' }, c.title ?? 'Untitled'),
          h('span', { class: 'muted small' }, `${c.state} · ${c.messageCount} messages${c.forkedFrom ? ' · fork' : ''}`),
        ),
      ),
    ),
  );
}

async function newConversation() {
  const created = await api('POST', '/v1/conversations', { model: models?.[0]?.id });
  location.hash = `#/chat/${created.id}`;
}

/** The conversation's whole tree, indexed; the shown branch is the path from a root to `leafId`. */
function indexTree(tree) {
  const byId = new Map(tree.messages.map((m) => [m.id, m]));
  return { byId, rootIds: tree.rootIds, leafId: tree.currentLeafId };
}

function pathTo(byId, leafId) {
  const path = [];
  for (let id = leafId; id; id = byId.get(id)?.parentId ?? null) path.push(byId.get(id));
  return path.filter(Boolean).reverse();
}

/** The leaf a branch switch lands on: from the chosen message down its newest children. */
function deepest(byId, id) {
  let message = byId.get(id);
  while (message?.childIds.length) message = byId.get(message.childIds.at(-1));
  return message?.id ?? id;
}

async function openConversation(pane, id, listChanged) {
  const [conversation, tree] = await Promise.all([api('GET', `/v1/conversations/${id}`), api('GET', `/v1/conversations/${id}/tree`)]);
  const view = { conversation, ...indexTree(tree) };
  const thread = h('div', { class: 'thread', 'aria-live': 'off' });
  const outline = h('details', { class: 'outline' }, h('summary', null, 'Tree'));
  const warnings = h('ul', { class: 'warnings', role: 'status', 'aria-live': 'polite', 'aria-label': 'Warnings' });
  const problem = h('p', { class: 'error', role: 'alert' });
  const model = h(
    'select',
    { name: 'model' },
    models.map((m) => h('option', { value: m.id }, `${m.id} (${m.tier})`)),
  );
  if (models.some((m) => m.id === conversation.model)) model.value = conversation.model;
  const stateSelect = h('select', null, ['active', 'paused', 'archived'].map((s) => h('option', { value: s }, s)));
  stateSelect.value = ['active', 'paused', 'archived'].includes(conversation.state) ? conversation.state : 'active';
  stateSelect.addEventListener('change', async () => {
    try {
      view.conversation = await api('PATCH', `/v1/conversations/${id}`, { state: stateSelect.value });
    } catch (error) {
      problem.textContent = describeError(error);
    }
  });
  const asJson = h('input', { type: 'checkbox', name: 'json' });
  const maxTokens = h('input', { type: 'number', name: 'maxTokens', min: 1, max: 1000000, size: 8 });
  const options = () => ({ model: model.value, ...(asJson.checked ? { format: 'json' } : {}), ...(maxTokens.value ? { maxTokens: Number(maxTokens.value) } : {}) });
  const input = h('textarea', { name: 'content', rows: 3, required: true, placeholder: 'Write a message; Enter sends, Shift+Enter starts a new line' });
  const send = h('button', { type: 'submit', class: 'primary' }, 'Send');
  const stop = h('button', { type: 'button', disabled: true, onclick: () => streaming?.abort() }, 'Stop');
  const composer = h(
    'form',
    {
      class: 'composer',
      onsubmit: (event) => {
        event.preventDefault();
        const content = input.value;
        if (!content.trim() || streaming) return;
        input.value = '';
        void turn(`/v1/conversations/${id}/messages`, { content }, content);
      },
    },
    field('Message', input),
    h('div', { class: 'row' }, field('Model', model), field('Max tokens', maxTokens), h('div', { class: 'field check' }, h('label', null, asJson, ' JSON answer')), send, stop),
  );
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });

  const render = () => {
    const path = pathTo(view.byId, view.leafId);
    fill(thread, path.length === 0 ? h('p', { class: 'muted' }, 'No messages yet.') : path.map((m) => messageView(m)));
    fill(outline, h('summary', null, `Tree (${view.byId.size} messages)`), outlineView(view, new Set(path.map((m) => m.id))));
    thread.lastElementChild?.scrollIntoView({ block: 'end' });
  };

  const reload = async (waitFor) => {
    for (let attempt = 0; ; attempt++) {
      const tree = await api('GET', `/v1/conversations/${id}/tree`);
      Object.assign(view, indexTree(tree));
      if (!waitFor || view.byId.has(waitFor) || attempt >= 40) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    render();
  };

  const switchTo = async (leafId) => {
    try {
      await api('PATCH', `/v1/conversations/${id}`, { currentLeafId: leafId });
      view.leafId = leafId;
      render();
    } catch (error) {
      problem.textContent = describeError(error);
    }
  };

  const showWarnings = (list) => {
    for (const text of list) warnings.append(h('li', null, text));
  };

  /** Runs one streamed turn (send, edit-and-resend or regenerate) and shows its tokens as they arrive. */
  const turn = async (path, body, question, replaced) => {
    problem.textContent = '';
    fill(warnings);
    // A regenerated answer or an edited question takes the place of what it replaces, and of what followed it.
    while (replaced?.nextElementSibling) replaced.nextElementSibling.remove();
    replaced?.remove();
    const controller = new AbortController();
    streaming = controller;
    send.disabled = true;
    stop.disabled = false;
    let answerId = null;
    let bubble = null;
    thread.querySelector(':scope > p.muted')?.remove();
    const pending = question === undefined ? null : messageView({ role: 'user', content: question, status: 'sending', childIds: [] });
    if (pending) thread.append(pending);
    let stored = false;
    try {
      if (view.conversation.title === null && question !== undefined) {
        view.conversation = await api('PATCH', `/v1/conversations/${id}`, { title: question.slice(0, 80) });
        heading.textContent = view.conversation.title;
      }
      await streamTurn(path, { ...body, ...options() }, {
        signal: controller.signal,
        onHeaders: (headers) => showWarnings([headers.get('X-Quota-Warning'), headers.get('X-RateLimit-Warning')].filter(Boolean)),
        onEvent: (event, data) => {
          if (event === 'message.created') stored = true;
          else if (event === 'message.delta') {
            if (!bubble) {
              answerId = data.messageId;
              bubble = messageView({ id: data.messageId, role: 'assistant', content: '', status: 'streaming', childIds: [] });
              thread.append(bubble);
            }
            bubble.querySelector('.content').append(data.delta);
            bubble.scrollIntoView({ block: 'end' });
          } else if (event === 'message.completed') {
            answerId = data.id;
            showWarnings(data.warnings ?? []);
          } else if (event === 'error') {
            problem.textContent = `${data.code}: ${data.message}`;
          }
        },
      });
    } catch (error) {
      if (error.name !== 'AbortError') problem.textContent = describeError(error);
      // Refused before gus stored the question: say so, and give the text back to edit or resend.
      if (pending && !stored) {
        Object.assign(pending.querySelector('.badge'), { className: 'badge not-sent', textContent: 'not sent' });
        pending.dataset.status = 'not-sent';
        if (!input.value) input.value = question;
      }
    } finally {
      streaming = null;
      send.disabled = false;
      stop.disabled = true;
    }
    await Promise.all([reload(answerId), listChanged()]).catch((error) => (problem.textContent ||= describeError(error)));
  };

  function messageView(message) {
    const siblings = message.id ? (message.parentId ? view.byId.get(message.parentId)?.childIds : view.rootIds) ?? [] : [];
    const index = siblings.indexOf(message.id);
    const content = h('div', { class: 'content' }, message.content);
    const actions = h('div', { class: 'actions' });
    const article = h(
      'article',
      { class: `msg ${message.role}`, tabindex: 0, dataset: { id: message.id ?? '', status: message.status }, 'aria-label': `${message.role} message` },
      h(
        'header',
        null,
        h('span', { class: 'role' }, message.role),
        message.status !== 'complete' ? h('span', { class: `badge ${message.status}` }, message.status) : null,
        message.errorCode ? h('span', { class: 'badge failed' }, message.errorCode) : null,
        siblings.length > 1
          ? h(
              'span',
              { class: 'branches', role: 'group', 'aria-label': 'Branches' },
              h('button', { type: 'button', class: 'small', 'aria-label': 'Previous branch', disabled: index <= 0, onclick: () => void switchTo(deepest(view.byId, siblings[index - 1])) }, '‹'),
              h('span', { class: 'branch-count' }, `${index + 1} / ${siblings.length}`),
              h('button', { type: 'button', class: 'small', 'aria-label': 'Next branch', disabled: index >= siblings.length - 1, onclick: () => void switchTo(deepest(view.byId, siblings[index + 1])) }, '›'),
            )
          : null,
      ),
      content,
      message.id ? metaView(message) : null,
      actions,
    );
    if (!message.id || message.status === 'streaming') return article;
    if (message.role === 'assistant') {
      actions.append(
        h('button', { type: 'button', class: 'small', onclick: () => void turn(`/v1/conversations/${view.conversation.id}/messages/${message.id}/regenerate`, {}, undefined, article) }, 'Regenerate'),
        h('button', { type: 'button', class: 'small', onclick: () => void fork(message.id) }, 'Fork from here'),
      );
    } else if (message.role === 'user' && message.parentId) {
      // A root message has no parent to branch from: the API starts a second root only as a new conversation.
      actions.append(h('button', { type: 'button', class: 'small', onclick: () => edit(article, message) }, 'Edit and resend'));
    }
    return article;
  }

  function edit(article, message) {
    const text = h('textarea', { rows: 3, value: message.content });
    const form = h(
      'form',
      {
        class: 'edit',
        onsubmit: (event) => {
          event.preventDefault();
          if (!text.value.trim() || streaming) return;
          void turn(`/v1/conversations/${view.conversation.id}/messages`, { content: text.value, parentId: message.parentId }, text.value, article);
        },
      },
      field('Edited message', text),
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary small' }, 'Send as new branch'), h('button', { type: 'button', class: 'small', onclick: render }, 'Cancel')),
    );
    article.querySelector('.content').replaceWith(form);
    text.focus();
  }

  async function fork(messageId) {
    try {
      const created = await api('POST', `/v1/conversations/${view.conversation.id}/fork`, { messageId });
      location.hash = `#/chat/${created.id}`;
    } catch (error) {
      problem.textContent = describeError(error);
    }
  }

  function outlineView(v, onPath) {
    // Linear runs stay at one level; only a message with several children opens a nested list.
    const list = (ids) => h('ul', null, ids.map((id) => run(id)));
    const run = (id) => {
      const items = [];
      let message = v.byId.get(id);
      while (message) {
        const target = deepest(v.byId, message.id);
        items.push(
          h(
            'button',
            { type: 'button', class: `node ${message.role}${onPath.has(message.id) ? ' on-path' : ''}`, title: message.content.slice(0, 200), onclick: () => void switchTo(target) },
            `${message.role === 'user' ? 'Q' : 'A'}: ${message.content.slice(0, 40) || '…'}`,
          ),
        );
        if (message.childIds.length !== 1) break;
        message = v.byId.get(message.childIds[0]);
      }
      return h('li', null, items, message && message.childIds.length > 1 ? list(message.childIds) : null);
    };
    return list(v.rootIds);
  }

  const heading = h('h1', null, view.conversation.title ?? 'Untitled');
  fill(
    pane,
    h(
      'header',
      { class: 'conv-head' },
      heading,
      conversation.forkedFrom ? h('a', { class: 'small', href: `#/chat/${conversation.forkedFrom.conversationId}` }, 'forked from another conversation') : null,
      field('State', stateSelect),
    ),
    outline,
    thread,
    warnings,
    problem,
    composer,
  );
  render();
  if (session.user) input.focus();
}

function metaView(message) {
  if (message.role !== 'assistant') return h('div', { class: 'meta small' }, `${fmt.int(message.tokenCount)} tokens`);
  const parts = [
    message.model,
    `${fmt.int(message.promptTokens)} in + ${fmt.int(message.completionTokens)} out tokens`,
    `latency ${fmt.ms(message.latencyMs)}`,
    `TTFT ${fmt.ms(message.ttftMs)}`,
    `cost ${fmt.cost(message.costMicros)}`,
  ];
  return h('div', { class: 'meta small' }, parts.filter(Boolean).join(' · '));
}
