// Copies the node editor files (.html) next to their compiled .js, as Node-RED requires.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
function copyTree(from, to, exts) {
  if (!fs.existsSync(from)) return 0;
  let n = 0;
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, e.name);
    const dst = path.join(to, e.name);
    if (e.isDirectory()) n += copyTree(src, dst, exts);
    else if (exts.some((x) => e.name.endsWith(x))) {
      fs.mkdirSync(to, { recursive: true });
      fs.copyFileSync(src, dst);
      n++;
    }
  }
  return n;
}
copyTree(path.join(root, 'nodes'), path.join(root, 'dist', 'nodes'), ['.html', '.json', '.png', '.svg']);
