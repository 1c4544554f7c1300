// The console's only way to the service: the public API under /api/v1, signed in by the session
// cookie, every change carrying the session's CSRF token.
let csrfToken = '';

export function setCsrfToken(token) { csrfToken = token || ''; }

// An answer that was not 2xx: its status and the API's error code and message.
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = csrfToken;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin', cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError(0, 'unreachable', `the service could not be reached (${e.message})`);
  }
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!response.ok) {
    const error = (json && json.error) || {};
    if (response.status === 401) window.dispatchEvent(new CustomEvent('wf-signed-out'));
    throw new ApiError(response.status, error.code || 'error', error.message || `HTTP ${response.status}`);
  }
  return json;
}

// The organization's (or one instance's) Server-Sent Events from now on (`?after=now`: the page
// reads its state itself); `onEvent(type, event)` for each event, and `onOpen()` at each
// (re)connection, when the page reads its state again so that nothing of a gap is missed. The
// browser reconnects by itself with Last-Event-ID. Returns the EventSource (close it).
export function events(path, types, onEvent, onOpen) {
  const source = new EventSource(`/api/v1${path}?after=now`, { withCredentials: true });
  if (onOpen) source.addEventListener('open', onOpen);
  for (const type of types) {
    source.addEventListener(type, (message) => {
      let event;
      try { event = JSON.parse(message.data); } catch { return; }
      onEvent(type, event);
    });
  }
  return source;
}
