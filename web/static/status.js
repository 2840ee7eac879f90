// A TeamCity server's live state, as GET /api/v1/servers/{id}/status reports it, in words:
// healthy, failing (and why), backfilling (how far), removing, waiting for the first poll.
import { h, lozenge, number, time } from './dom.js';

export function backfillRunning(status) {
  const b = status && status.backfill;
  return !!b && (b.state === 'queued' || b.state === 'running');
}

export function summarize(status) {
  if (!status) return { key: 'unknown', label: 'Unknown', tone: 'default' };
  if (status.state === 'removing') return { key: 'removing', label: 'Removing', tone: 'moved' };
  if (status.state === 'failing') return { key: 'failing', label: 'Failing', tone: 'failed' };
  if (backfillRunning(status)) return { key: 'backfilling', label: 'Backfilling', tone: 'inprogress' };
  if (status.state === 'syncing') return { key: 'healthy', label: 'Healthy', tone: 'success' };
  return { key: 'waiting', label: 'Waiting', tone: 'default' };
}

export function stateLozenge(status) {
  const s = summarize(status);
  return lozenge(s.label, s.tone);
}

// The progress of a backfill: a <progress> bar and "340 of 1,000 builds read".
export function backfillProgress(backfill) {
  if (!backfill) return null;
  const total = Number(backfill.total) || 0;
  const seen = Math.min(Number(backfill.seen) || 0, total || Infinity);
  const running = backfill.state === 'queued' || backfill.state === 'running';
  const days = backfill.days ? ` (last ${backfill.days} days)` : '';
  if (!running) {
    if (backfill.state !== 'done') return null;
    return h('p', { class: 'tcj-backfill tcj-backfill--done' },
             `Backfill done${days}: ${number(seen)} ${seen === 1 ? 'build' : 'builds'} read`,
             backfill.finished_at ? [', finished ', time(backfill.finished_at)] : null, '.');
  }
  const text = backfill.state === 'queued' && total === 0
    ? `Backfill${days} waiting to start`
    : total === 0 ? `Backfill${days}: counting builds…` : `Backfill${days}: ${number(seen)} of ${number(total)} builds read`;
  const bar = h('progress', { class: 'tcj-progress', max: String(Math.max(total, 1)), value: String(seen),
                              'aria-label': 'Backfill progress' });
  if (total === 0) bar.removeAttribute('value');  // indeterminate
  return h('div', { class: 'tcj-backfill' }, h('p', { class: 'tcj-backfill__text' }, text), bar);
}

// One line under the state: the reason in words for a failure, when it last polled otherwise.
export function stateDetail(status) {
  if (!status) return null;
  const s = summarize(status);
  if (s.key === 'removing') return h('p', { class: 'tcj-state-detail' }, 'Deleting its builds and deployments from Jira…');
  if (s.key === 'failing') {
    const reason = status.last_error && status.last_error.message ? status.last_error.message : 'The last polls failed.';
    return h('p', { class: 'tcj-state-detail tcj-state-detail--failed' }, reason);
  }
  if (s.key === 'waiting') return h('p', { class: 'tcj-state-detail' }, 'Waiting for the first poll.');
  if (status.last_success_at) return h('p', { class: 'tcj-state-detail' }, 'Last read ', time(status.last_success_at), '.');
  return null;
}
