// "Why isn't my build in Jira?": search by issue key, TeamCity build id or build URL, and read the
// story of each matching build.
import { h, replace, button, message, field, count } from './dom.js';
import { get, enc } from './api.js';
import { storyCard } from './story.js';

export function diagnosticsView(main, { query }, ctx) {
  const input = h('input', { type: 'search', spellcheck: 'false', autocomplete: 'off', value: query.get('q') || '',
                             placeholder: 'ABC-123, 4711 or https://teamcity.example.com/buildConfiguration/…' });
  const search = field({ label: 'Issue key, TeamCity build id or build URL', control: input });
  const submit = button('Search', null, { kind: 'primary', type: 'submit' });
  const results = h('div', { class: 'tcj-diagnostics__results' });
  const form = h('form', { class: 'tcj-search', role: 'search', novalidate: true }, search.el, submit);
  main.append(
    h('h1', {}, 'Diagnostics'),
    h('p', { class: 'tcj-intro' }, 'Why is a build in Jira, or why not? Find the builds of an issue, or one build, and read what happened to it: ',
      'which issue keys were found and where, which were dropped and why, when it was sent and what Jira answered.'),
    form, results);

  let seq = 0;
  const run = async (q, { focusResults }) => {
    const mine = ++seq;
    search.setError('');
    replace(results, h('p', { class: 'tcj-subtle', role: 'status' }, 'Searching…'));
    try {
      const answer = await get(`/api/v1/diagnostics?q=${enc(q)}`);
      if (!ctx.alive || mine !== seq) return;
      const builds = answer.builds || [];
      const kind = answer.query && answer.query.kind;
      const value = (answer.query && answer.query.value) || q;
      const what = kind === 'issue_key' ? `issue ${value}` : kind === 'build_id' ? `build id ${value}` : value;
      const heading = h('h2', { tabindex: '-1', class: 'tcj-diagnostics__heading' },
        builds.length ? `${count(builds.length, 'build')} for ${what}` : `No builds for ${what}`);
      replace(results, heading,
        builds.length === 0
          ? h('p', { class: 'tcj-subtle' }, kind === 'issue_key'
            ? 'No build read from your TeamCity servers mentions this issue key. Check that the key is in a branch name, a commit message or the jira.issueKeys parameter, and that its project is synced.'
            : 'The service has not read a build with this id. Check the server is added and its project is synced; builds older than the backfill window are not read.')
          : builds.map(storyCard));
      if (focusResults) heading.focus();
    } catch (e) {
      if (!ctx.alive || mine !== seq) return;
      replace(results);
      if (e.field === 'q') {
        search.setError(e.message);
        input.focus();
      } else {
        replace(results, message(e.message));
      }
    }
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const q = input.value.trim();
    if (!q) {
      search.setError('Enter an issue key such as ABC-123, a TeamCity build id, or a build\'s URL.');
      input.focus();
      return;
    }
    // Keep the search in the address (for the back button and for links) without re-rendering.
    window.history.pushState(null, '', `#/diagnostics?q=${enc(q)}`);
    run(q, { focusResults: true });
  });

  if (query.get('q')) run(query.get('q'), { focusResults: false });
  else setTimeout(() => { if (ctx.alive && document.activeElement === document.body) input.focus(); }, 0);
}
