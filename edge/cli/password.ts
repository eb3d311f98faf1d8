// `ubi-edge set-password` and `ubi-edge hash-password`.
import path from 'node:path';
import { AdminCredentials, ADMIN_HASH_ENV, hashPassword } from '../server/admin-credentials.js';
import { askNewPassword } from './prompt.js';
import { CliError, EXIT } from './exit-codes.js';

export async function setPasswordCommand(o: { user: string; data: string; stdin?: boolean }): Promise<void> {
  const dataDir = path.resolve(o.data);
  const creds = new AdminCredentials(dataDir);
  if (process.env[ADMIN_HASH_ENV]) {
    throw new CliError(`${ADMIN_HASH_ENV} is set in the environment and takes precedence; change it there instead`, EXIT.CONFIG);
  }
  const password = await askNewPassword(!!o.stdin);
  try {
    await creds.setPassword(o.user, password);
  } catch (e) {
    throw new CliError((e as Error).message, EXIT.USAGE);
  }
  process.stderr.write(`admin password for "${o.user}" stored (bcrypt) in ${creds.filePath}; the editor is at /admin/\n`);
}

export async function hashPasswordCommand(o: { stdin?: boolean }): Promise<void> {
  const password = await askNewPassword(!!o.stdin);
  try {
    process.stdout.write((await hashPassword(password)) + '\n');
  } catch (e) {
    throw new CliError((e as Error).message, EXIT.USAGE);
  }
}
