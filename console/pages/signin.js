// The sign-in page: a token (and, optionally, the user it belongs to) opens a session
// (POST /api/v1/session); the browser keeps it in an HttpOnly cookie.
import { api } from '../api.js';
import { h, fill } from '../dom.js';

export function renderSignIn(main, signedIn) {
  const error = h('p', { class: 'error', role: 'alert', id: 'sign-in-error', hidden: true });
  const user = h('input', { id: 'user', name: 'user', autocomplete: 'username' });
  const token = h('input', { id: 'token', name: 'token', type: 'password', required: true, autocomplete: 'current-password' });
  const button = h('button', { type: 'submit' }, 'Sign in');
  const form = h('form', { class: 'card sign-in', 'aria-describedby': 'sign-in-help' },
    h('h1', {}, 'Sign in to wf'),
    h('p', { id: 'sign-in-help', class: 'muted' }, 'Paste an API token (wf token create makes one). The sign-in lasts 12 hours unless the service says otherwise.'),
    h('label', { for: 'user' }, 'User (optional)'), user,
    h('label', { for: 'token' }, 'Token'), token,
    error, button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    button.disabled = true;
    error.hidden = true;
    try {
      const body = { token: token.value.trim() };
      if (user.value.trim()) body.user = user.value.trim();
      const answer = await api('POST', '/session', body);
      token.value = '';
      signedIn(answer);
    } catch (err) {
      error.textContent = `Sign-in failed: ${err.message}`;
      error.hidden = false;
      token.focus();
    } finally {
      button.disabled = false;
    }
  });
  fill(main, form);
  token.focus();
}
