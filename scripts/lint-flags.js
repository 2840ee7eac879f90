// scripts/lint: the compile flags of each source in compile_commands.json, one file per source
// (one flag per line, without the compiler, -c, -o and the source), for the lint's cache key.
// A command with quotes or backslashes is left out: that source is then always linted.
//   node scripts/lint-flags.js compile_commands.json ROOT OUT_DIR
'use strict';
const fs = require('fs');
const path = require('path');

const [commandsFile, root, outDir] = process.argv.slice(2);
fs.mkdirSync(outDir, { recursive: true });
for (const entry of JSON.parse(fs.readFileSync(commandsFile, 'utf8'))) {
  if (typeof entry.command !== 'string' || /["'\\]/.test(entry.command)) continue;
  const source = path.relative(root, entry.file);
  const words = entry.command.trim().split(/\s+/).slice(1);
  const flags = [];
  for (let i = 0; i < words.length; i++) {
    if (words[i] === '-o') i++;
    else if (words[i] !== '-c' && words[i] !== entry.file) flags.push(words[i]);
  }
  fs.writeFileSync(path.join(outDir, source.replaceAll('/', '_')), flags.join('\n') + '\n');
}
