// Runs the VM tests with mocha's programmatic API inside the guest: loading mocha's CLI (yargs and
// friends, ~130 modules) takes ~6 s under TCG, the library alone about half of that.
//   node --expose-gc dist/test/vm/guest-mocha.js [--grep <regexp>] [--invert] [--bail]
import fs from 'node:fs';
import path from 'node:path';
import Mocha from 'mocha';

const args = process.argv.slice(2);
// the guest's stdout is a serial console (a tty); colour only when the host's terminal is one
const opts: Mocha.MochaOptions = { reporter: 'spec', timeout: 60_000, color: process.env.UBI_VM_COLOR === '1' };
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if ((a === '--grep' || a === '-g') && args[i + 1] !== undefined) opts.grep = args[++i]!;
  else if (a === '--invert' || a === '-i') opts.invert = true;
  else if (a === '--bail' || a === '-b') opts.bail = true;
  else {
    process.stderr.write(`guest-mocha: unknown argument ${a} (supported: --grep <re>, --invert, --bail)\n`);
    process.exit(2);
  }
}
const mocha = new Mocha(opts);
const dir = path.join(__dirname, 'tests');
for (const f of fs.readdirSync(dir).sort()) if (f.endsWith('.test.js')) mocha.addFile(path.join(dir, f));
mocha.run((failures) => {
  process.exitCode = failures > 0 ? 1 : 0;
});
