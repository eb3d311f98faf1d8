// Plain line logger for the host and the CLI. Secrets are never passed to it.
export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export function consoleLogger(prefix = '[ubi-edge]', stream: NodeJS.WritableStream = process.stderr): Logger {
  const line = (level: string, msg: string) => {
    for (const l of msg.split('\n')) stream.write(`${new Date().toISOString()} ${prefix} ${level} ${l}\n`);
  };
  return {
    info: (m) => line('info', m),
    warn: (m) => line('warn', m),
    error: (m) => line('error', m),
  };
}
