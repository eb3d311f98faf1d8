// A small insurer claims endpoint over HTTPS for the claims tests: it checks what a real one would
// (the UBI-Signature over timestamp + body, the Idempotency-Key equal to the record's fnolId, the
// FNOL JSON Schema), answers the same claim number for a repeated key, and can be told to fail:
//   '500'          answers 500 without storing anything
//   'drop-before'  drops the connection without storing
//   'drop-after'   stores the claim, then drops the connection (the reply is lost)
//   'timeout-after' stores the claim and never answers (the client times out)
//   'slow'         answers after slowMs
//   'flaky'        one of the above at random per request (seeded)
// The PKI (a CA, a server certificate for localhost/127.0.0.1, a client certificate) is made with
// openssl in a temporary directory.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import type http from 'node:http';
import { validateFnol } from '../../edge/insurance/claims/schema.js';
import { sign, verify, SIGNATURE_HEADER } from '../../edge/insurance/claims/signature.js';

export interface Pki {
  dir: string;
  caCert: string;
  serverKey: string;
  serverCert: string;
  clientKey: string;
  clientCert: string;
}

/** A throw-away CA with a server (localhost, 127.0.0.1) and a client certificate. */
export function makePki(dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ubi-pki-'))): Pki {
  const ossl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ossl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=ubi-edge test CA');
  fs.writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  ossl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  ossl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'server.ext');
  fs.writeFileSync(path.join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  ossl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=ubi-edge gateway');
  ossl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.crt', '-days', '2', '-extfile', 'client.ext');
  const r = (f: string): string => fs.readFileSync(path.join(dir, f), 'utf8');
  return { dir, caCert: r('ca.crt'), serverKey: r('server.key'), serverCert: r('server.crt'), clientKey: r('client.key'), clientCert: r('client.crt') };
}

export type FailMode = 'none' | '500' | 'drop-before' | 'drop-after' | 'timeout-after' | 'slow' | 'flaky';

export interface StoredClaim {
  claimNumber: string;
  body: string;
  firstAt: number;
  requests: number;
}

export interface Refusal {
  status: number;
  reason: string;
}

export class TestInsurer {
  url = '';
  mode: FailMode = 'none';
  slowMs = 300;
  /** by Idempotency-Key */
  readonly claims = new Map<string, StoredClaim>();
  readonly refusals: Refusal[] = [];
  requests = 0;
  /** the key the next request must not be stored under (tests of 4xx): answers 422 */
  rejectKeys = new Set<string>();
  /** called when a signed, schema-valid request arrives (before any failure mode) */
  onRequest: ((key: string) => void) | null = null;
  private server: https.Server;
  private sockets = new Set<Duplex>();
  private seq = 0;
  private rnd: () => number;

  constructor(
    pki: Pki,
    readonly secret: string,
    opts: { requireClientCert?: boolean; seed?: number } = {},
  ) {
    let a = opts.seed ?? 7;
    this.rnd = () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    this.server = https.createServer(
      { key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert, requestCert: opts.requireClientCert ?? false, rejectUnauthorized: opts.requireClientCert ?? false },
      (req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => this.handle(req, res, Buffer.concat(chunks)));
      },
    );
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('tlsClientError', () => undefined);
  }

  async start(port = 0): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.url = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}/fnol`;
    return this.url;
  }

  private refuse(res: http.ServerResponse, status: number, reason: string, extra: Record<string, unknown> = {}): void {
    this.refusals.push({ status, reason });
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: reason, ...extra }));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
    this.requests++;
    if (req.method !== 'POST' || req.url !== '/fnol') return this.refuse(res, 404, 'not found');
    const sig = verify(this.secret, req.headers[SIGNATURE_HEADER.toLowerCase()] as string | undefined, body, Date.now());
    if (!sig.ok) return this.refuse(res, 401, sig.reason);
    let rec: { fnolId?: unknown };
    try {
      rec = JSON.parse(body.toString('utf8')) as { fnolId?: unknown };
    } catch {
      return this.refuse(res, 400, 'body is not JSON');
    }
    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string' || key === '') return this.refuse(res, 400, 'Idempotency-Key header required');
    if (key !== rec.fnolId) return this.refuse(res, 400, 'Idempotency-Key is not the record fnolId');
    const errors = validateFnol(rec);
    if (errors.length) return this.refuse(res, 422, 'schema', { errors });
    this.onRequest?.(key);
    if (this.rejectKeys.has(key)) return this.refuse(res, 422, 'policy not known to the insurer');
    let mode = this.mode;
    if (mode === 'flaky') mode = (['500', 'drop-before', 'drop-after', 'timeout-after', 'slow', 'none'] as const)[Math.floor(this.rnd() * 6)]!;
    if (mode === '500') return void res.writeHead(500).end('insurer down');
    if (mode === 'drop-before') return void req.socket.destroy();
    const have = this.claims.get(key);
    let c: StoredClaim;
    if (have) {
      if (have.body !== body.toString('utf8')) return this.refuse(res, 422, 'Idempotency-Key reused with a different body');
      have.requests++;
      c = have;
    } else {
      c = { claimNumber: `CLM-${String(++this.seq).padStart(6, '0')}`, body: body.toString('utf8'), firstAt: Date.now(), requests: 1 };
      this.claims.set(key, c);
    }
    if (mode === 'drop-after') return void req.socket.destroy();
    if (mode === 'timeout-after') return; // never answers; the socket is closed by the client's timeout or close()
    const answer = (): void => void res.writeHead(have ? 200 : 201, { 'Content-Type': 'application/json' }).end(JSON.stringify({ claimNumber: c.claimNumber, receivedAt: new Date(c.firstAt).toISOString(), status: 'registered' }));
    if (mode === 'slow') setTimeout(answer, this.slowMs);
    else answer();
  }

  /** A signed status callback body + header, as the insurer would send it to the gateway. */
  callback(payload: Record<string, unknown>, secret = this.secret, nowMs = Date.now()): { body: string; signature: string } {
    const body = JSON.stringify(payload);
    return { body, signature: sign(secret, body, nowMs) };
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
