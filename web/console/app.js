import { ApiError, api, session } from './api.js';
import { $, field, fill, h } from './dom.js';

const main = $('#main');

/** Hash routes: #/login, #/chat[/id], #/admin[/section]. The page holds no state a reload must keep but the route. */
async function route() {
  const [, page = 'chat', arg] = location.hash.split('/');
  renderChrome(page);
  if (!session.signedIn) return renderLogin();
  try {
    if (page === 'admin') {
      if (session.user.role !== 'admin') return fill(main, h('h1', null, 'Admins only'), h('p', null, 'This page is for the admin role; the API refuses its calls to anyone else.'));
      const { renderAdmin } = await import('./admin.js');
      await renderAdmin(main, arg ? decodeURIComponent(arg) : 'usage');
    } else {
      const { renderPlayground } = await import('./playground.js');
      await renderPlayground(main, arg ? decodeURIComponent(arg) : null);
    }
  } catch (error) {
    fill(main, h('p', { class: 'error', role: 'alert' }, describeError(error)));
  }
}

export function describeError(error) {
  if (error instanceof ApiError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

function renderChrome(page) {
  const user = session.user;
  const link = (href, text, current) => h('a', { href, 'aria-current': current ? 'page' : null }, text);
  fill(
    $('#nav'),
    user ? link('#/chat', 'Playground', page !== 'admin') : null,
    user?.role === 'admin' ? link('#/admin', 'Admin', page === 'admin') : null,
    h('a', { href: '/docs' }, 'API docs'),
  );
  fill(
    $('#who'),
    user
      ? [
          h('span', { class: 'muted', 'data-testid': 'who' }, `${user.email ?? 'guest'} · ${user.role} · plan ${user.plan}`),
          h('button', { type: 'button', class: 'link', onclick: () => session.end() }, 'Log out'),
        ]
      : null,
  );
}

function renderLogin() {
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true, maxlength: 320 });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true, maxlength: 1024 });
  const problem = h('p', { class: 'error', role: 'alert' });
  const signIn = async (call) => {
    problem.textContent = '';
    try {
      const token = await call();
      await session.start(token.accessToken);
    } catch (error) {
      problem.textContent = describeError(error);
    }
  };
  const form = h(
    'form',
    {
      class: 'card login',
      'aria-labelledby': 'login-title',
      onsubmit: (event) => {
        event.preventDefault();
        void signIn(() => api('POST', '/v1/auth/login', { email: email.value, password: password.value }));
      },
    },
    h('h1', { id: 'login-title' }, 'Log in to gus'),
    field('Email', email),
    field('Password', password),
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, 'Log in'), h('button', { type: 'button', onclick: () => void signIn(() => api('POST', '/v1/auth/guest')) }, 'Continue as guest')),
    problem,
    h('p', { class: 'muted small' }, 'The token stays in this tab’s memory: reloading the page logs you out.'),
  );
  fill(main, form);
  email.focus();
}

session.onChange(() => {
  const onLogin = !location.hash || location.hash.startsWith('#/login');
  const target = session.signedIn ? (onLogin ? '#/chat' : location.hash) : '#/login';
  if (location.hash !== target) location.hash = target; // the hashchange routes
  else void route();
});
window.addEventListener('hashchange', () => void route());
void route();
