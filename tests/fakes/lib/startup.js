'use strict';
// Startup protocol shared by both fakes:
//   node main.js [--port N] [--host 127.0.0.1] [--ignore-stdin] [--verbose]
// On listening, exactly one JSON line goes to stdout:
//   {"listening":{"host":"127.0.0.1","port":12345}}
// A fake with more listeners (the Atlassian fake's stand-in Forge CDN) adds its
// own top-level fields after "listening", never inside it: harnesses read
// listening.port (or the first "port":N of the line).
// Nothing else is ever written to stdout. The process exits on SIGTERM/SIGINT and
// when stdin reaches EOF, so a fake whose parent test died does not linger.

// extra: options of one fake alone, { '--name': (value, opts) => void }, each
// taking one value ("--name V" or "--name=V"); a handler throws on a bad value.
function parseArgs(argv, extra = {}) {
  const opts = { port: 0, host: '127.0.0.1', ignoreStdin: false, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--port') opts.port = Number(next());
    else if (a.startsWith('--port=')) opts.port = Number(a.slice(7));
    else if (a === '--host') opts.host = next();
    else if (a.startsWith('--host=')) opts.host = a.slice(7);
    else if (a === '--ignore-stdin') opts.ignoreStdin = true;
    else if (a === '--verbose') opts.verbose = true;
    else if (Object.hasOwn(extra, a)) extra[a](next(), opts);
    else if (a.includes('=') && Object.hasOwn(extra, a.slice(0, a.indexOf('=')))) extra[a.slice(0, a.indexOf('='))](a.slice(a.indexOf('=') + 1), opts);
    else throw new Error(`unknown argument: ${a}`);
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) throw new Error('--port must be 0..65535');
  return opts;
}

// app: { server, setOrigin(origin), afterListen?({host, originHost}) -> extra
// announcement fields, shutdown?() }. makeApp gets { debug, opts } (opts holds
// what the extra options set).
async function runMain(makeApp, argv = process.argv.slice(2), extraOptions = {}) {
  let opts;
  try {
    opts = parseArgs(argv, extraOptions);
  } catch (err) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  const debug = opts.verbose || process.env.FAKE_VERBOSE === '1'
    ? (msg) => process.stderr.write(`${msg}\n`) : () => {};
  // Signal and stdin handlers go in before the announcement line: a parent may
  // send SIGTERM the instant it has read the port.
  let app = null;
  let stopping = false;
  const stop = (why) => {
    if (stopping) return;
    stopping = true;
    debug(`stopping: ${why}`);
    if (!app || !app.server.listening) process.exit(0);
    if (app.shutdown) app.shutdown();
    app.server.close(() => process.exit(0));
    app.server.closeAllConnections();
    setTimeout(() => process.exit(0), 1000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  if (!opts.ignoreStdin) {
    process.stdin.on('end', () => stop('stdin EOF'));
    process.stdin.on('error', () => stop('stdin error'));
    process.stdin.on('data', () => {}); // input is ignored; we only watch for EOF
    process.stdin.resume();
  }

  app = await makeApp({ debug, opts });
  await new Promise((resolve, reject) => {
    app.server.once('error', reject);
    app.server.listen(opts.port, opts.host, resolve);
  });
  const { port } = app.server.address();
  const urlHost = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  const originHost = urlHost.includes(':') ? `[${urlHost}]` : urlHost;
  app.setOrigin(`http://${originHost}:${port}`);
  const extra = app.afterListen ? await app.afterListen({ host: opts.host, originHost }) : {};
  if (stopping) return app;
  process.stdout.write(`${JSON.stringify({ listening: { host: opts.host, port }, ...extra })}\n`);
  return app;
}

// For in-process use by tests: listen on an ephemeral loopback port.
async function listenLocal(app) {
  await new Promise((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${app.server.address().port}`;
  app.setOrigin(origin);
  if (app.afterListen) await app.afterListen({ host: '127.0.0.1', originHost: '127.0.0.1' });
  return origin;
}

async function closeLocal(app) {
  if (app.shutdown) await app.shutdown();
  await new Promise((resolve) => {
    app.server.close(() => resolve());
    app.server.closeAllConnections();
  });
}

module.exports = { parseArgs, runMain, listenLocal, closeLocal };
