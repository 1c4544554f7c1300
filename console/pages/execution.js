// One execution (/executions/{id}): its status banner, the step timeline and the log, kept live by
// the instance's Server-Sent Events; a job's stdout and stderr; a pending approval's card
// (approve or reject with a note, recorded with `via = web`); cancel, pause, resume and retry,
// shown only to a user with `workflows.execute`, each after a confirmation.
import { api, events } from '../api.js';
import { h, fill } from '../dom.js';
import { timeEl, durationText, elapsed } from '../time.js';
import { badge, FINISHED } from '../status.js';
import { confirmAction } from '../confirm.js';

const ACTIONS = [
  { name: 'cancel', label: 'Cancel', when: (s) => !FINISHED.has(s), text: 'The instance stops; its finally blocks still run. This cannot be undone.' },
  { name: 'pause', label: 'Pause', when: (s) => s === 'running' || s === 'queued', text: 'The instance pauses at its next effect boundary until it is resumed.' },
  { name: 'resume', label: 'Resume', when: (s, i) => s === 'paused' && i.pause_reason === 'operator', text: 'The instance goes on from where it paused.' },
  { name: 'retry', label: 'Retry', when: (s) => s === 'failed', text: 'The instance runs again from the step it failed in, as a new attempt; the failed attempt is kept.' },
];

// The hosts and groups an instance was started on ({hosts, groups}, or a list).
function hostsText(targets) {
  if (targets === undefined || targets === null) return '—';
  if (Array.isArray(targets)) return targets.map(String).join(', ') || '—';
  const hosts = (targets.hosts || []).map(String);
  const groups = (targets.groups || []).map((g) => `group ${g}`);
  return [...hosts, ...groups].join(', ') || '—';
}

export function renderExecution(main, id, params, { can }) {
  document.title = `Execution #${id} · wf`;
  const banner = h('div', { id: 'status-banner', 'aria-live': 'polite' });
  const problem = h('div', { id: 'load-error', 'aria-live': 'assertive' });
  const actions = h('div', { class: 'actions', id: 'actions' });
  const approvals = h('section', { id: 'approvals', 'aria-label': 'Pending approvals' });
  const facts = h('section', { 'aria-labelledby': 'facts-title' }, h('h2', { id: 'facts-title' }, 'Trigger and parameters'));
  const timeline = h('ol', { class: 'timeline', id: 'timeline' });
  const job = h('section', { id: 'job', 'aria-live': 'polite' });
  const log = h('pre', { id: 'log', tabindex: '0', 'aria-label': 'Execution log' });
  fill(main,
    h('p', {}, h('a', { href: '/executions' }, '← Executions')),
    h('h1', { id: 'title' }, `Execution #${id}`),
    problem, banner, actions, approvals, facts,
    h('section', { 'aria-labelledby': 'timeline-title' }, h('h2', { id: 'timeline-title' }, 'Steps'), timeline),
    job,
    h('section', { 'aria-labelledby': 'log-title' }, h('h2', { id: 'log-title' }, 'Log'), log));

  let closed = false;
  let instance = null;

  async function load() {
    try {
      const [detail, pending, logPage] = await Promise.all([
        api('GET', `/instances/${id}`),
        api('GET', `/approvals?instance=${id}&status=pending`),
        api('GET', `/instances/${id}/log`),
      ]);
      if (closed) return;
      problem.replaceChildren();
      instance = detail;
      show(detail, pending.items || [], logPage.items || []);
    } catch (err) {
      if (closed) return;
      fill(problem, h('div', { class: 'banner error', role: 'alert' },
        h('span', {}, `This execution could not be loaded: ${err.message}`),
        h('button', { type: 'button', onclick: load }, 'Retry')));
    }
  }

  function show(i, pending, lines) {
    document.getElementById('title').textContent = `Execution #${i.id}: ${i.workflow}`;
    fill(banner, h('div', { class: 'banner card' },
      badge(i.status), ' ',
      i.pause_reason ? h('span', {}, `(${i.pause_reason}) `) : null,
      h('span', {}, `Elapsed ${durationText(elapsed(i.started_at, i.ended_at))}. Started `), timeEl(i.started_at || i.created_at),
      i.ended_at ? [h('span', {}, '; ended '), timeEl(i.ended_at)] : null,
      i.error_message ? h('p', { class: 'error', id: 'error-message' }, i.error_message) : null));
    fill(actions, can('workflows.execute')
      ? ACTIONS.filter((a) => a.when(i.status, i)).map((a) => h('button', {
          type: 'button', class: a.name === 'cancel' ? 'danger' : '', dataset: { action: a.name },
          onclick: async () => {
            if (!(await confirmAction(`${a.label} execution #${i.id}?`, a.text, a.label))) return;
            try { await api('POST', `/instances/${i.id}/${a.name}`); load(); } catch (err) { showProblem(err); }
          } }, a.label))
      : []);
    fill(facts, h('h2', { id: 'facts-title' }, 'Trigger and parameters'),
      h('dl', { class: 'facts' },
        h('dt', {}, 'Trigger'), h('dd', {}, i.trigger || '—'),
        h('dt', {}, 'Version'), h('dd', {}, String(i.version ?? '—')),
        h('dt', {}, 'Hosts'), h('dd', {}, hostsText(i.targets)),
        h('dt', {}, 'Parameters'), h('dd', {}, h('code', {}, JSON.stringify(i.params ?? {}))),
        h('dt', {}, 'Variables'), h('dd', {}, h('code', {}, JSON.stringify(i.variables ?? {})))));
    fill(approvals, pending.map(approvalCard));
    fill(timeline, (i.steps || []).length === 0 ? h('li', { class: 'muted' }, 'No step yet.') :
      i.steps.map((s) => h('li', { dataset: { status: s.status } },
        badge(s.status), ' ', h('strong', {}, s.name || s.kind), ` (${s.kind}) `,
        s.attempt > 1 ? `attempt ${s.attempt} ` : '',
        h('span', { class: 'muted' }, durationText(s.duration_ms ?? elapsed(s.started_at, s.ended_at))), ' ',
        (s.jobs || []).map((j) => h('button', { type: 'button', class: 'link', dataset: { job: j }, onclick: () => showJob(j) }, `Job ${j} output`)))));
    log.textContent = lines.map((l) => `${l.at}  ${l.kind}  ${l.message}`).join('\n') || '(empty)';
  }

  function showProblem(err) {
    fill(problem, h('div', { class: 'banner error', role: 'alert' }, h('span', {}, err.message), h('button', { type: 'button', onclick: load }, 'Retry')));
  }

  async function showJob(jobId) {
    try {
      const j = await api('GET', `/jobs/${jobId}`);
      fill(job, h('h2', {}, `Job ${j.id}`),
        h('dl', { class: 'facts' },
          h('dt', {}, 'Status'), h('dd', {}, badge(j.status)),
          h('dt', {}, 'Host'), h('dd', {}, j.host || j.hostname || '—'),
          h('dt', {}, 'Exit code'), h('dd', {}, String(j.exit_code ?? '—'))),
        h('h3', {}, 'stdout'), h('pre', { tabindex: '0', 'aria-label': 'stdout' }, j.stdout || ''),
        h('h3', {}, 'stderr'), h('pre', { tabindex: '0', 'aria-label': 'stderr' }, j.stderr || ''));
    } catch (err) { showProblem(err); }
  }

  function approvalCard(a) {
    const noteId = `note-${a.id}`;
    const note = h('textarea', { id: noteId, name: 'note', rows: 2, cols: 40 });
    const answer = async (decision) => {
      try {
        await api('POST', `/approvals/${a.id}/respond`, { decision, note: note.value, via: 'web' });
        load();
      } catch (err) { showProblem(err); }
    };
    const voted = (a.responses || []).map((r) => `${r.who} (${r.decision})`).join(', ');
    return h('div', { class: 'card approval', dataset: { approval: a.id } },
      h('h2', {}, `Approval: ${a.title}`),
      h('p', {}, `Quorum ${a.quorum}. `, voted ? `Voted: ${voted}.` : 'No vote yet.'),
      can('workflows.execute') ? [
        h('label', { for: noteId }, 'Note'), note,
        h('div', { class: 'actions' },
          h('button', { type: 'button', class: 'primary', dataset: { decision: 'approve' }, onclick: () => answer('approve') }, 'Approve'),
          h('button', { type: 'button', class: 'danger', dataset: { decision: 'reject' }, onclick: () => answer('reject') }, 'Reject')),
      ] : null);
  }

  let pending = null;
  const stream = events(`/instances/${id}/events`,
    ['instance.status', 'step.started', 'step.completed', 'step.failed', 'job.completed', 'approval.requested', 'approval.responded', 'approval.decided', 'log'],
    () => {
      if (pending) return;
      pending = setTimeout(() => { pending = null; load(); }, 250);
    }, load);
  load();  // now, and again whenever the stream (re)connects
  return () => { closed = true; stream.close(); if (pending) clearTimeout(pending); };
}
