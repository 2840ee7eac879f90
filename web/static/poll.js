// Runs fn now and again every interval while the screen is shown and the page is visible; a hidden
// tab (or an iframe Jira hides) costs nothing. One run at a time: the next waits for the last.
export function poll(ctx, fn, intervalMs, onError = () => {}) {
  let timer = null;
  let running = false;
  let stopped = false;
  const live = () => ctx.alive && !stopped;
  const run = async () => {
    timer = null;
    if (!live() || running) return;
    if (document.visibilityState === 'hidden') return;
    running = true;
    try {
      await fn();
    } catch (e) {
      if (live()) onError(e);
    } finally {
      running = false;
      if (live() && document.visibilityState !== 'hidden') timer = setTimeout(run, intervalMs);
    }
  };
  const onVisibility = () => {
    if (live() && document.visibilityState === 'visible' && !timer && !running) run();
  };
  document.addEventListener('visibilitychange', onVisibility);
  ctx.onCleanup(() => {
    if (timer) clearTimeout(timer);
    document.removeEventListener('visibilitychange', onVisibility);
  });
  run();
  return {
    now: () => { if (timer) clearTimeout(timer); timer = null; if (!running) run(); },
    stop: () => { stopped = true; if (timer) clearTimeout(timer); },
  };
}
