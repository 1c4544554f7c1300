// The console's start: who is signed in (GET /api/v1/session), then the page of the URL. Each view
// has its own URL, filters in the query string; links are followed without reloading the page,
// and back and forward work.
import { api, setCsrfToken } from './api.js';
import { h, fill } from './dom.js';
import { renderSignIn } from './pages/signin.js';
import { renderExecutions } from './pages/executions.js';
import { renderExecution } from './pages/execution.js';

const main = document.getElementById('main');
let session = null;
let leave = null;  // the current page's clean-up (closing its event stream)

export function can(permission) { return !!session && session.permissions.includes(permission); }

export function navigate(url, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  render();
}

function showSignedIn() {
  const signedIn = !!session;
  document.getElementById('nav').hidden = !signedIn;
  document.getElementById('sign-out').hidden = !signedIn;
  document.getElementById('who').textContent = signedIn ? `Signed in as ${session.user}` : '';
}

async function render() {
  if (leave) { leave(); leave = null; }
  showSignedIn();
  const path = location.pathname;
  const params = new URLSearchParams(location.search);
  if (!session) {
    document.title = 'Sign in · wf';
    renderSignIn(main, async (answer) => {
      session = answer;
      setCsrfToken(answer.csrf_token);
      // Back to the page that asked for the sign-in (a shared link), or to the executions.
      const here = path === '/' || path === '/signin' ? '/executions' : path + location.search;
      navigate(here, { replace: true });
    });
    return;
  }
  const detail = path.match(/^\/executions\/(\d+)$/);
  if (detail) {
    leave = renderExecution(main, Number(detail[1]), params, { can, navigate });
  } else if (path === '/executions') {
    leave = renderExecutions(main, params, { navigate });
  } else if (path === '/' || path === '/signin') {
    navigate('/executions', { replace: true });
    return;
  } else {
    document.title = 'Not found · wf';
    fill(main, h('h1', {}, 'Not found'), h('p', {}, 'The console has no page here. ', h('a', { href: '/executions' }, 'Executions')));
  }
  for (const link of document.querySelectorAll('#nav a'))
    link.toggleAttribute('aria-current', path.startsWith(link.getAttribute('href')));
}

// Links inside the console change the URL without a reload.
document.addEventListener('click', (e) => {
  const link = e.target.closest('a[href]');
  if (!link || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || link.target) return;
  const url = new URL(link.href);
  if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
  e.preventDefault();
  navigate(url.pathname + url.search);
});
window.addEventListener('popstate', render);
window.addEventListener('wf-signed-out', () => {
  if (!session) return;
  session = null;
  setCsrfToken('');
  render();
});
document.getElementById('sign-out').addEventListener('click', async () => {
  try { await api('DELETE', '/session'); } catch { /* signed out either way */ }
  session = null;
  setCsrfToken('');
  navigate('/signin');
});

async function start() {
  try {
    session = await api('GET', '/session');
    setCsrfToken(session.csrf_token);
  } catch {
    session = null;
  }
  render();
}
start();
