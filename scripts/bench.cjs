// Runs a benchmark: `npm run bench -- <name> [args]` runs dist/bench/<name>.js with the project's
// Node 24 (node_modules/.bin/node). Without a name it lists the benches.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const dir = path.join(root, 'dist', 'bench');
const names = fs.existsSync(dir)
  ? fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.js'))
      .map((f) => f.slice(0, -3))
      .sort()
  : [];

const [name, ...args] = process.argv.slice(2);
if (!name) {
  console.log('benches (run one with: npm run bench -- <name>):');
  for (const n of names) console.log('  ' + n);
  if (names.length === 0) console.log('  (none built: run npm run build first)');
  process.exit(0);
}
if (!names.includes(name)) {
  console.error(`no bench named '${name}'; have: ${names.join(', ') || '(none built)'}`);
  process.exit(2);
}
const local = path.join(root, 'node_modules', '.bin', 'node');
const node = fs.existsSync(local) ? local : process.execPath;
const r = spawnSync(node, [path.join(dir, name + '.js'), ...args], { stdio: 'inherit', cwd: root });
process.exit(r.status === null ? 1 : r.status);
