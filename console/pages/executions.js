// The executions list (/executions): the organization's instances, newest first, filtered by
// workflow, status and trigger as the query string says, paged by the server (skip/limit), and
// brought up to date when an instance is created or changes status (Server-Sent Events: no polling).
import { api, events } from '../api.js';
import { h, fill } from '../dom.js';
import { timeEl, durationText, elapsed } from '../time.js';
import { badge, STATUSES, TRIGGERS } from '../status.js';

const PAGE_SIZES = [25, 50, 100];

function select(id, label, values, current) {
  return [h('label', { for: id }, label,
    h('select', { id, name: id },
      h('option', { value: '' }, 'any'),
      values.map((v) => h('option', { value: v, selected: v === current }, v))))];
}

export function renderExecutions(main, params, { navigate }) {
  document.title = 'Executions · wf';
  const filters = {
    workflow: params.get('workflow') || '',
    status: params.get('status') || '',
    trigger: params.get('trigger') || '',
  };
  const limit = PAGE_SIZES.includes(Number(params.get('limit'))) ? Number(params.get('limit')) : 50;
  const skip = Math.max(0, Number.parseInt(params.get('skip') || '0', 10) || 0);

  const url = (change) => {
    const q = new URLSearchParams();
    const next = { ...filters, skip, limit, ...change };
    for (const [k, v] of Object.entries(next))
      if (v !== '' && !(k === 'skip' && v === 0) && !(k === 'limit' && v === 50)) q.set(k, v);
    const text = q.toString();
    return text ? `/executions?${text}` : '/executions';
  };

  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter executions' },
    h('label', { for: 'workflow' }, 'Workflow', h('input', { id: 'workflow', name: 'workflow', value: filters.workflow, placeholder: 'name' })),
    select('status', 'Status', STATUSES, filters.status),
    select('trigger', 'Trigger', TRIGGERS, filters.trigger),
    h('button', { type: 'submit' }, 'Apply'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = new FormData(form);
    navigate(url({ workflow: String(data.get('workflow') || '').trim(), status: data.get('status'), trigger: data.get('trigger'), skip: 0 }));
  });
  for (const id of ['status', 'trigger']) form.querySelector(`#${id}`).addEventListener('change', () => form.requestSubmit());

  const banner = h('div', { id: 'load-error', 'aria-live': 'assertive' });
  const summary = h('p', { class: 'muted', id: 'summary', 'aria-live': 'polite' }, 'Loading…');
  const body = h('tbody', { id: 'executions-rows' });
  const table = h('div', { class: 'table-wrap' }, h('table', { 'aria-describedby': 'summary' },
    h('caption', { class: 'muted caption' }, 'Executions, newest first'),
    h('thead', {}, h('tr', {}, ['ID', 'Workflow', 'Status', 'Trigger', 'Started', 'Duration', 'Error'].map((t) => h('th', { scope: 'col' }, t)))),
    body));
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  fill(main, h('h1', {}, 'Executions'), form, banner, summary, table, pager);

  let closed = false;
  async function load() {
    const q = new URLSearchParams({ skip, limit, count: 'true' });
    for (const [k, v] of Object.entries(filters)) if (v) q.set(k, v);
    try {
      const page = await api('GET', `/instances?${q}`);
      if (closed) return;
      banner.replaceChildren();
      showRows(page);
    } catch (err) {
      if (closed) return;
      fill(banner, h('div', { class: 'banner error', role: 'alert' },
        h('span', {}, `The executions could not be loaded: ${err.message}`),
        h('button', { type: 'button', onclick: () => { summary.textContent = 'Loading…'; load(); } }, 'Retry')));
      summary.textContent = '';
    }
  }

  function showRows(page) {
    const items = page.items || [];
    const total = page.total ?? items.length;
    summary.textContent = total === 0 ? 'No executions match.' : `${skip + 1}–${skip + items.length} of ${total}`;
    fill(body, items.map((i) => h('tr', { dataset: { id: i.id, status: i.status } },
      h('td', {}, h('a', { href: `/executions/${i.id}` }, `#${i.id}`)),
      h('td', {}, i.workflow),
      h('td', {}, badge(i.status)),
      h('td', {}, i.trigger || '—'),
      h('td', {}, timeEl(i.started_at || i.created_at)),
      h('td', {}, durationText(elapsed(i.started_at, i.ended_at))),
      h('td', { class: 'error-preview', title: i.error_message || '' }, i.error_message || ''))));
    fill(pager,
      skip > 0 ? h('a', { href: url({ skip: Math.max(0, skip - limit) }), rel: 'prev' }, '← Newer') : null,
      skip + items.length < total ? h('a', { href: url({ skip: skip + limit }), rel: 'next' }, 'Older →') : null);
  }

  // A created instance or a changed status reads the page again (once for a burst of events).
  let pending = null;
  const stream = events('/events', ['instance.created', 'instance.status'], () => {
    if (pending) return;
    pending = setTimeout(() => { pending = null; load(); }, 250);
  }, load);
  load();  // now, and again whenever the stream (re)connects
  return () => {
    closed = true;
    stream.close();
    if (pending) clearTimeout(pending);
  };
}
