// The status badge: a colour and always the status's word, so colour is never the only sign.
import { h } from './dom.js';

export const STATUSES = ['queued', 'running', 'paused', 'completed', 'failed', 'cancelled', 'timeout'];
export const TRIGGERS = ['manual', 'schedule', 'webhook', 'alert', 'api', 'child', 'retry'];
export const FINISHED = new Set(['completed', 'failed', 'cancelled', 'timeout']);

export function badge(status) {
  return h('span', { class: `badge badge-${status}`, dataset: { status } }, status);
}
