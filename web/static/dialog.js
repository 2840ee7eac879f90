// Modal dialogs on the native <dialog>: showModal() makes the rest of the page inert and keeps
// focus inside, Escape closes, and focus goes back to whatever opened the dialog, or on to what
// the confirmed action made.
import { h, uid, button, message, replace, setBusy } from './dom.js';
import { insideJira } from './api.js';

// actions: [{text, kind, run}], Cancel with autofocus unless an action says so. run is async and
// resolves to true to keep the dialog open, or to {focus: element} to close it and put the focus
// there (what the action created) instead of on the opener.
// Returns {dialog, close, setBody, setError}.
export function openDialog({ title, body = [], actions = [], cancelText = 'Cancel' }) {
  const opener = document.activeElement;
  const titleId = uid('dialog-title');
  // The body describes the dialog: a screen reader reads it with the title when the focus moves
  // onto a button, not only the button's name.
  const content = h('div', { class: 'tcj-dialog__body', id: uid('dialog-body') }, body);
  const errorSlot = h('div', { class: 'tcj-dialog__error' });
  const footer = h('div', { class: 'tcj-dialog__actions' });
  const dialog = h('dialog', { class: 'tcj-dialog', 'aria-labelledby': titleId, 'aria-describedby': content.id },
                   h('h2', { id: titleId, class: 'tcj-dialog__title' }, title), content, errorSlot, footer);

  // Tab and Shift+Tab go round the dialog's controls. showModal() makes the page behind inert, but
  // Tab from the last control would still leave the document: to the browser, or inside Jira to
  // Jira's page around the frame, behind the dialog.
  dialog.addEventListener('keydown', (event) => {
    if (event.key !== 'Tab') return;
    const stops = [...dialog.querySelectorAll('a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])')]
      .filter((el) => !el.disabled && el.getClientRects().length > 0);
    if (stops.length === 0) return;
    const edge = event.shiftKey ? stops[0] : stops[stops.length - 1];
    if (document.activeElement !== edge) return;
    event.preventDefault();
    (event.shiftKey ? stops[stops.length - 1] : stops[0]).focus();
  });
  let focusAfter = null;
  const close = () => {
    if (dialog.open) dialog.close();
  };
  dialog.addEventListener('close', () => {
    dialog.remove();
    const target = focusAfter && focusAfter.isConnected ? focusAfter : opener;
    if (target && target.isConnected && typeof target.focus === 'function') target.focus();
  });

  const setActions = (list) => {
    replace(footer);
    for (const action of list) {
      const b = button(action.text, async () => {
        replace(errorSlot);
        for (const other of footer.querySelectorAll('button')) setBusy(other, true);
        try {
          const outcome = action.run ? await action.run() : false;
          if (outcome !== true) {
            focusAfter = (outcome && outcome.focus) || null;
            close();
          }
        } catch (e) {
          replace(errorSlot, message(e.message));
        } finally {
          for (const other of footer.querySelectorAll('button')) setBusy(other, false);
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
