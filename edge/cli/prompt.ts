// Reading a password without echoing it, or from stdin for scripts.
import readline from 'node:readline';
import { Writable } from 'node:stream';

export async function promptHidden(question: string): Promise<string> {
  if (!process.stdin.isTTY) throw new Error('no terminal to ask for the password: pass it on stdin with --stdin');
  let muted = false;
  const out = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (!muted) process.stderr.write(chunk);
      cb();
    },
  });
  const rl = readline.createInterface({ input: process.stdin, output: out, terminal: true });
  try {
    return await new Promise<string>((resolve) => {
      rl.question(question, (answer) => resolve(answer));
      muted = true;
    });
  } finally {
    rl.close();
    process.stderr.write('\n');
  }
}

export async function readStdinLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

export async function askNewPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) return readStdinLine();
  const a = await promptHidden('New admin password (12+ characters): ');
  const b = await promptHidden('Repeat it: ');
  if (a !== b) throw new Error('the two passwords differ');
  return a;
}
