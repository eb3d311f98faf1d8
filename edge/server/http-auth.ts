// Authentication middleware for what the host serves besides Node-RED's editor (which uses
// Node-RED's own adminAuth, backed by the same account).
import type { Request, Response, NextFunction, RequestHandler } from 'express';
import { AdminCredentials, setupInstructions } from './admin-credentials.js';

/** Answers 503 with setup instructions until an admin account exists. */
export function requireAccount(creds: AdminCredentials, dataDir: string): RequestHandler {
  return (_req: Request, res: Response, next: NextFunction) => {
    if (creds.isConfigured()) return next();
    res.status(503).type('text/plain').send(setupInstructions(dataDir) + '\n');
  };
}

const MAX_FAILURES = 10;
const WINDOW_MS = 60_000;

/** HTTP Basic authentication against the admin account, with a per-address lockout after repeated failures. */
export function basicAuth(creds: AdminCredentials, realm: string): RequestHandler {
  const failures = new Map<string, { count: number; until: number }>();
  return (req: Request, res: Response, next: NextFunction) => {
    const addr = req.socket.remoteAddress ?? '?';
    const now = Date.now();
    const f = failures.get(addr);
    if (f && f.count >= MAX_FAILURES && f.until > now) {
      res.status(429).set('Retry-After', String(Math.ceil((f.until - now) / 1000))).json({ error: 'too many failed logins' });
      return;
    }
    const parsed = parseBasic(req.headers.authorization);
    const deny = () => {
      const cur = failures.get(addr);
      const next = cur && cur.until > now ? { count: cur.count + 1, until: cur.until } : { count: 1, until: now + WINDOW_MS };
      failures.set(addr, next);
      if (failures.size > 10_000) failures.clear();
      res.status(401).set('WWW-Authenticate', `Basic realm="${realm}", charset="UTF-8"`).json({ error: 'authentication required' });
    };
    if (!parsed) return deny();
    creds.verify(parsed.user, parsed.password).then(
      (ok) => {
        if (!ok) return deny();
        failures.delete(addr);
        next();
      },
      (err: unknown) => next(err),
    );
  };
}

function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  if (!header || !/^basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  return { user: decoded.slice(0, i), password: decoded.slice(i + 1) };
}
