// One HTTPS POST of an FNOL record to the insurer, classified for the delivery loop:
//   ok      2xx: the insurer has the claim (its claim number when the reply carries one)
//   retry   timeout, connection refused/reset/dropped, 408, 409 (same key in progress), 425, 429, 5xx
//   reject  any other 4xx (the request itself is wrong: dead-lettered with the insurer's reason)
import http from 'node:http';
import https from 'node:https';
import { sign, SIGNATURE_HEADER } from './signature.js';

export interface InsurerEndpoint {
  /** https://... (http:// only with allowHttp, for tests on a loopback) */
  url: string;
  /** shared secret for the HMAC signature (never logged) */
  secret: string;
  /** PEM CA certificate(s) to trust for the insurer's server certificate (default: the system's) */
  ca?: string | Buffer;
  /** client certificate and key (PEM) for mutual TLS */
  cert?: string | Buffer;
  key?: string | Buffer;
  passphrase?: string;
  /** per-request timeout (default 15 s) */
  timeoutMs?: number;
  allowHttp?: boolean;
  /** extra secrets accepted on callbacks while rotating */
  previousSecrets?: string[];
}

export type SendResult =
  | { kind: 'ok'; status: number; body: string; claimNumber: string | null; rejected: string | null; receivedAt: number | null }
  | { kind: 'retry'; reason: string; status: number | null }
  | { kind: 'reject'; status: number; reason: string; body: string };

const MAX_REPLY = 64 * 1024;

export function endpointProblem(e: Partial<InsurerEndpoint>): string | null {
  if (!e.url) return 'url: required';
  let u: URL;
  try {
    u = new URL(e.url);
  } catch {
    return `url: "${e.url.slice(0, 60)}" is not a URL`;
  }
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && e.allowHttp)) return 'url: must be https://';
  if (!e.secret || e.secret.length < 16) return 'secret: required, at least 16 characters';
  if ((e.cert && !e.key) || (!e.cert && e.key)) return 'cert/key: give both or neither';
  return null;
}

export function postFnol(ep: InsurerEndpoint, body: string, idempotencyKey: string, nowMs: number, signal?: AbortSignal): Promise<SendResult> {
  return new Promise<SendResult>((resolve) => {
    let done = false;
    const finish = (r: SendResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(r);
    };
    const u = new URL(ep.url);
    const timeoutMs = ep.timeoutMs ?? 15000;
    const headers = {
      'Content-Type': 'application/json',
      'Content-Length': String(Buffer.byteLength(body)),
      'Idempotency-Key': idempotencyKey,
      [SIGNATURE_HEADER]: sign(ep.secret, body, nowMs),
      'User-Agent': 'ubi-edge-claims/1',
    };
    const opts: https.RequestOptions = { method: 'POST', headers, agent: false, ...(signal ? { signal } : {}) };
    if (u.protocol === 'https:') {
      if (ep.ca) opts.ca = ep.ca;
      if (ep.cert) opts.cert = ep.cert;
      if (ep.key) opts.key = ep.key;
      if (ep.passphrase) opts.passphrase = ep.passphrase;
    }
    let req: http.ClientRequest;
    try {
      req = (u.protocol === 'https:' ? https : http).request(u, opts, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= MAX_REPLY) chunks.push(c);
        });
        res.on('error', (e) => finish({ kind: 'retry', reason: `reply: ${e.message}`, status: res.statusCode ?? null }));
        res.on('aborted', () => finish({ kind: 'retry', reason: 'reply cut off', status: res.statusCode ?? null }));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          if (status >= 200 && status < 300) {
            const j = parseObject(text);
            const num = j ? firstString(j, ['claimNumber', 'claim_number', 'protocolNumber', 'claimId']) : null;
            const st = j ? firstString(j, ['status']) : null;
            const rec = j ? firstString(j, ['receivedAt', 'received_at']) : null;
            const recMs = rec ? Date.parse(rec) : NaN;
            finish({ kind: 'ok', status, body: text, claimNumber: num, rejected: st === 'rejected' ? (firstString(j!, ['reason', 'message']) ?? 'rejected by the insurer') : null, receivedAt: Number.isFinite(recMs) ? recMs : null });
          } else if (status === 408 || status === 409 || status === 425 || status === 429 || status >= 500) {
            finish({ kind: 'retry', reason: `HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''}`, status });
          } else {
            const j = parseObject(text);
            const why = (j && (firstString(j, ['error', 'message', 'reason']) ?? (Array.isArray(j.errors) ? JSON.stringify(j.errors).slice(0, 500) : null))) ?? text.slice(0, 500);
            finish({ kind: 'reject', status, reason: `HTTP ${status}: ${why || 'no reason given'}`, body: text });
          }
        });
      });
    } catch (e) {
      return finish({ kind: 'retry', reason: `request: ${(e as Error).message}`, status: null });
    }
    const timer = setTimeout(() => {
      finish({ kind: 'retry', reason: `timeout after ${timeoutMs} ms`, status: null });
      req.destroy(new Error('timeout'));
    }, timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => finish({ kind: 'retry', reason: `${e.code ?? 'error'}: ${e.message}`, status: null }));
    req.end(body);
  });
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const j = JSON.parse(text) as unknown;
    return typeof j === 'object' && j !== null && !Array.isArray(j) ? (j as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function firstString(j: Record<string, unknown>, keys: string[]): string | null {
  for (const k of keys) {
    const v = j[k];
    if (typeof v === 'string' && v !== '') return v.slice(0, 200);
    if (typeof v === 'number') return String(v);
  }
  return null;
}
