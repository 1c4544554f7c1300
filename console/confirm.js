// A confirmation before an action that changes something: a modal <dialog> (focus trapped and
// Escape cancels, as the browser does), resolved true only by its confirming button.
import { h } from './dom.js';

export function confirmAction(title, text, confirmLabel) {
  return new Promise((resolve) => {
    const yes = h('button', { type: 'button', class: 'primary', value: 'yes' }, confirmLabel);
    const no = h('button', { type: 'button', value: 'no' }, 'Keep as it is');
    const dialog = h('dialog', { 'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-text', id: 'confirm' },
      h('h2', { id: 'confirm-title' }, title), h('p', { id: 'confirm-text' }, text), h('div', { class: 'actions' }, yes, no));
    const finish = (answer) => { dialog.close(); dialog.remove(); resolve(answer); };
    yes.addEventListener('click', () => finish(true));
    no.addEventListener('click', () => finish(false));
    dialog.addEventListener('cancel', (e) => { e.preventDefault(); finish(false); });
    document.body.append(dialog);
    dialog.showModal();
    no.focus();
  });
}
