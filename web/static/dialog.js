// Modal dialogs on the native <dialog>: showModal() makes the rest of the page inert and keeps
// focus inside, Escape closes, and focus goes back to whatever opened the dialog.
import { h, uid, button, message, replace } from './dom.js';
import { insideJira } from './api.js';

// actions: [{text, kind, run: async () => keepOpen?}], the first with autofocus unless one says so.
// Returns {dialog, close, setBody, setError}.
export function openDialog({ title, body = [], actions = [], cancelText = 'Cancel' }) {
  const opener = document.activeElement;
  const titleId = uid('dialog-title');
  const content = h('div', { class: 'tcj-dialog__body' }, body);
  const errorSlot = h('div', { class: 'tcj-dialog__error' });
  const footer = h('div', { class: 'tcj-dialog__actions' });
  const dialog = h('dialog', { class: 'tcj-dialog', 'aria-labelledby': titleId },
                   h('h2', { id: titleId, class: 'tcj-dialog__title' }, title), content, errorSlot, footer);

  const close = () => {
    if (dialog.open) dialog.close();
  };
  dialog.addEventListener('close', () => {
    dialog.remove();
    if (opener && opener.isConnected && typeof opener.focus === 'function') opener.focus();
  });

  const setActions = (list) => {
    replace(footer);
    for (const action of list) {
      const b = button(action.text, async () => {
        replace(errorSlot);
        for (const other of footer.querySelectorAll('button')) other.disabled = true;
        try {
          const keepOpen = action.run ? await action.run() : false;
          if (!keepOpen) close();
        } catch (e) {
          replace(errorSlot, message(e.message));
        } finally {
          for (const other of footer.querySelectorAll('button')) other.disabled = false;
        }
      }, { kind: action.kind || 'default' });
      if (action.autofocus) b.autofocus = true;
      footer.append(b);
    }
    if (cancelText) {
      const cancel = button(cancelText, close, { kind: 'subtle' });
      if (!list.some((a) => a.autofocus)) cancel.autofocus = true;
      footer.append(cancel);
    }
  };
  setActions(actions);

  document.body.append(dialog);
  // Inside Jira the iframe grows to the page's full height, so a centred dialog could open far
  // below what the user sees: open it next to the control that opened it instead.
  if (insideJira && opener && opener.getBoundingClientRect) {
    const top = Math.max(16, Math.min(opener.getBoundingClientRect().top - 80, window.innerHeight - 320));
    dialog.classList.add('tcj-dialog--anchored');
    dialog.style.top = `${Math.round(top)}px`;
  }
  dialog.showModal();
  return {
    dialog,
    close,
    setBody: (...nodes) => replace(content, ...nodes),
    setActions: (list, cancel) => {
      if (cancel !== undefined) cancelText = cancel;
      setActions(list);
      const first = footer.querySelector('button');
      if (first) first.focus();
    },
  };
}
