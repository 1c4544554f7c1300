// Times as the console shows them: in the browser's own time zone, with the UTC instant on hover.
import { h } from './dom.js';

const local = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

// A <time> element for an RFC 3339 instant ("—" when there is none).
export function timeEl(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return h('span', {}, iso);
  return h('time', { datetime: iso, title: `${when.toISOString().replace('.000Z', 'Z')} UTC` }, local.format(when));
}

// "1 h 2 min", "3.4 s", "120 ms".
export function durationText(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.floor(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

// How long an instance ran: to its end, or to now while it runs.
export function elapsed(startedAt, endedAt) {
  if (!startedAt) return null;
  const end = endedAt ? Date.parse(endedAt) : Date.now();
  return end - Date.parse(startedAt);
}
