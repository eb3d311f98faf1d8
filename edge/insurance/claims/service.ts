// The claims flow: Incident (or manual report) -> FNOL record + evidence bundle -> claims.db row ->
// the store's durable outbox (stream `claims`) -> one delivery loop -> the insurer over HTTPS, with
// status changes emitted (node output, `claim` points, the policy register's claims ledger).
// See DESIGN.md for the state machine and the exactly-once argument.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import type { Incident } from '../../incidents/types.js';
import { Outbox } from '../../store/outbox.js';
import type { StorePoint } from '../../store/point.js';
import type { PolicyRegister } from '../register.js';
import type { ClaimEntry, Policy } from '../types.js';
import { postFnol, type InsurerEndpoint, type SendResult } from './delivery.js';
import { writeEvidence, type EvidenceVersions } from './evidence.js';
import { fnolFromIncident, fnolFromManual, fnolIdOf, parseManualReport, policyFor, type FnolOptions } from './fnol.js';
import { validateFnol } from './schema.js';
import { verify, SIGNATURE_HEADER } from './signature.js';
import { ClaimStore, type StateChange } from './state.js';
import { claimPoint } from './points.js';
import { ClaimInputError, FINAL_DELIVERY, type ClaimRecord, type ClaimStatus, type FnolRecord } from './types.js';

export const CLAIMS_STREAM = 'claims';

export interface RetryPolicy {
  /** first back-off, ms (default 1000) */
  baseMs: number;
  /** largest back-off, ms (default 5 min) */
  maxMs: number;
}

export interface ClaimsServiceOptions {
  /** claims.db, evidence/ and outbox/ live here */
  dir: string;
  /** policies (and the claims ledger, recordClaim) */
  register?: PolicyRegister;
  /** or a list of policies (tests, a register kept elsewhere) */
  policies?: () => readonly Policy[];
  /** insurer endpoint; null: claims are queued and kept until one is configured */
  endpoint: InsurerEndpoint | null;
  /** raw CAN archive to cut the evidence frames from */
  archive?: { extract(fromUs: number, toUs: number): Promise<Buffer> };
  /** versions of the DBC files, VSS map, scoring config (evidence) */
  versions?: EvidenceVersions;
  /** files added to every bundle (e.g. the DBC files), read when a bundle is built */
  attachFiles?: string[];
  /** vehicle id -> VIN or plate, when the gateway's vehicle ids are neither */
  vehicles?: Record<string, string>;
  /** seconds of frames before the recording in the bundle (default 60: the IMU calibration needs a lead-in) */
  leadS?: number;
  /** URL prefix under which the insurer can fetch the bundle (default /api/v1/claims) */
  evidenceBaseUrl?: string;
  fnol?: FnolOptions;
  retry?: Partial<RetryPolicy>;
  /** outbox fsync (default 'always': a claim is on disk before submit resolves) */
  fsync?: 'always' | 'interval';
  now?: () => number;
  random?: () => number;
}

export interface ClaimsEvents {
  status: [ClaimStatus];
  point: [StorePoint];
  warning: [string];
}

export class ClaimsService extends EventEmitter<ClaimsEvents> {
  readonly store: ClaimStore;
  readonly outbox: Outbox;
  readonly evidenceDir: string;
  private readonly o: ClaimsServiceOptions;
  private readonly now: () => number;
  private readonly rnd: () => number;
  private readonly backoff: RetryPolicy;
  private endpoint: InsurerEndpoint | null;
  private closed = false;
  private running: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private abort: AbortController | null = null;
  /** fnolId being delivered, and since when (for the status) */
  inFlight: string | null = null;
  lastError: string | null = null;

  constructor(o: ClaimsServiceOptions) {
    super();
    this.o = o;
    this.now = o.now ?? Date.now;
    this.rnd = o.random ?? Math.random;
    this.backoff = { baseMs: o.retry?.baseMs ?? 1000, maxMs: o.retry?.maxMs ?? 300_000 };
    this.endpoint = o.endpoint;
    fs.mkdirSync(o.dir, { recursive: true });
    this.evidenceDir = path.join(o.dir, 'evidence');
    this.outbox = new Outbox({ dir: path.join(o.dir, 'outbox'), fsync: o.fsync ?? 'always', streams: { [CLAIMS_STREAM]: { dropPriority: 'never' } }, memRecords: 1000 });
    this.outbox.on('warning', (m: string) => this.emit('warning', `claims outbox: ${m}`));
    try {
      this.store = new ClaimStore(path.join(o.dir, 'claims.db'));
    } catch (e) {
      this.outbox.close();
      throw e;
    }
  }

  /** Re-queues rows a crash left unqueued and starts the delivery loop. */
  async start(): Promise<void> {
    for (const c of this.store.unqueued()) await this.enqueue(c.record);
    if (!this.running) this.running = this.loop().catch((e: unknown) => {
        this.emit('warning', `claims delivery stopped: ${(e as Error).message}`);
      });
  }

  /** The raw CAN archive for evidence frames (the store's, when the flow has one). */
  setArchive(a: ClaimsServiceOptions['archive']): void {
    this.o.archive = a;
  }

  setEndpoint(ep: InsurerEndpoint | null): void {
    this.endpoint = ep;
    this.kick();
  }

  // ---- intake ---------------------------------------------------------------------------------

  private policies(): readonly Policy[] {
    if (this.o.policies) return this.o.policies();
    return this.o.register ? this.o.register.listPolicies() : [];
  }

  /** Files the claim for an incident once: a repeated incident (same id) returns the existing claim's status. */
  async submitIncident(i: Incident): Promise<ClaimStatus> {
    const fnolId = fnolIdOf(i.id);
    const have = this.store.get(fnolId);
    if (have) return this.statusOf(have);
    const key = this.o.vehicles?.[i.vehicle] ?? i.vehicle;
    const policy = policyFor(this.policies(), key, i.t * 1000);
    if (!policy) {
      // nothing to send it under: kept as dead with the reason; re-filed by POST /claims/:id/retry once the register has the policy
      const rec = fnolFromIncident(i, { policyNumber: 'UNKNOWN', vin: '', plate: '' } as Policy, null, this.o.fnol);
      return this.createDead(rec, `no policy in force for vehicle "${key}" on ${rec.occurrence.dateTime.slice(0, 10)}`, i);
    }
    const evidence = await this.buildEvidence(fnolId, i);
    const rec = fnolFromIncident(i, policy, evidence, this.o.fnol);
    return this.file(rec);
  }

  /** Validates a manual report (ClaimInputError naming the fields) and files it through the same queue. */
  async submitManual(body: unknown): Promise<{ status: ClaimStatus; created: boolean }> {
    const r = parseManualReport(body, this.now());
    const key = r.vin ?? r.plate!;
    const policy = policyFor(this.policies(), key, r.occurredAtMs);
    if (!policy) throw new ClaimInputError([{ field: r.vin ? 'vin' : 'plate', reason: `no policy in force for "${key}" on ${new Date(r.occurredAtMs).toISOString().slice(0, 10)}` }]);
    const rec = fnolFromManual(r, policy, this.o.fnol);
    const have = this.store.get(rec.fnolId);
    if (have) return { status: this.statusOf(have), created: false };
    return { status: await this.file(rec), created: true };
  }

  private async buildEvidence(fnolId: string, i: Incident): Promise<FnolRecord['evidence']> {
    const lead = this.o.leadS ?? 60;
    const fromUs = Math.round((i.recording.from - lead) * 1e6);
    const toUs = Math.round((i.recording.to + 1) * 1e6);
    let frames: Buffer = Buffer.alloc(0);
    if (this.o.archive) {
      try {
        frames = await this.o.archive.extract(fromUs, toUs);
      } catch (e) {
        this.emit('warning', `evidence ${fnolId}: archive: ${(e as Error).message}`);
      }
    }
    const attachments = (this.o.attachFiles ?? []).flatMap((f) => {
      try {
        return [{ name: path.basename(f), data: fs.readFileSync(f) }];
      } catch (e) {
        this.emit('warning', `evidence ${fnolId}: ${path.basename(f)}: ${(e as Error).message}`);
        return [];
      }
    });
    const b = writeEvidence(this.evidenceDir, { fnolId, incident: i, frames, fromUs, toUs, versions: this.o.versions ?? {}, attachments });
    return { ref: `${this.o.evidenceBaseUrl ?? '/api/v1/claims'}/${fnolId}/evidence`, sha256: b.sha256, files: b.manifest.files.length };
  }

  private createDead(rec: FnolRecord, reason: string, _i?: Incident): ClaimStatus {
    const at = this.now();
    this.store.insert(rec, at, 'dead', reason);
    const c = this.store.get(rec.fnolId)!;
    this.changed(c);
    return this.statusOf(c);
  }

  private async file(rec: FnolRecord): Promise<ClaimStatus> {
    const problems = validateFnol(rec);
    if (problems.length) return this.createDead(rec, `record does not match the FNOL schema: ${problems.map((p) => `${p.field}: ${p.reason}`).join('; ')}`);
    const at = this.now();
    if (!this.store.insert(rec, at)) return this.statusOf(this.store.get(rec.fnolId)!);
    const c = this.store.get(rec.fnolId)!;
    this.changed(c);
    this.ledger(c);
    await this.enqueue(rec);
    return this.statusOf(c);
  }

  private async enqueue(rec: FnolRecord): Promise<void> {
    const job = { fnolId: rec.fnolId, record: rec };
    await this.outbox.append(CLAIMS_STREAM, [JSON.stringify(job)], [job]);
    this.store.markQueued(rec.fnolId);
    this.kick();
  }

  // ---- delivery -------------------------------------------------------------------------------

  private kick(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  private async loop(): Promise<void> {
    while (!this.closed) {
      if (!this.endpoint) {
        await this.sleep(60_000);
        continue;
      }
      const taken = this.outbox.take(CLAIMS_STREAM, 1);
      if (!taken) {
        await this.sleep(60_000);
        continue;
      }
      const job = (taken.objects?.[0] ?? JSON.parse(taken.records[0]!.toString('utf8'))) as { fnolId: string; record: FnolRecord };
      // a record taken from the outbox whose row a crash lost (append before insert cannot happen
      // in this order, but a deleted claims.db can): the outbox copy is enough to deliver it
      if (!this.store.get(job.fnolId)) this.store.insert(job.record, this.now());
      const finished = await this.deliver(job.fnolId);
      if (!finished) {
        this.outbox.rewind(CLAIMS_STREAM);
        continue;
      }
      this.outbox.ack(CLAIMS_STREAM, taken.next);
    }
  }

  private deliveryDone(c: ClaimRecord): boolean {
    return FINAL_DELIVERY.has(c.state) || (c.state === 'sent' && c.reply !== null);
  }

  /** Delivers one claim until the insurer gave a definite answer (true) or the service closes / loses its endpoint (false). */
  private async deliver(fnolId: string): Promise<boolean> {
    for (;;) {
      let c = this.store.get(fnolId);
      if (!c || this.deliveryDone(c)) return true;
      const ep = this.endpoint;
      if (this.closed || !ep) return false;
      const attempts = c.attempts + 1;
      c = this.update(c, c.state === 'pending' ? { state: 'sent', attempts } : { attempts }, c.state === 'pending');
      this.inFlight = fnolId;
      this.abort = new AbortController();
      const body = JSON.stringify(c.record);
      let r: SendResult;
      try {
        r = await postFnol(ep, body, fnolId, this.now(), this.abort.signal);
      } finally {
        this.abort = null;
        this.inFlight = null;
      }
      if (this.closed) return false;
      const at = this.now();
      if (r.kind === 'ok') {
        this.lastError = null;
        const reply = { httpStatus: r.status, claimNumber: r.claimNumber, receivedAt: r.receivedAt ?? at, body: r.body.slice(0, 16 * 1024) };
        if (r.rejected) this.update(c, { state: 'rejected', reason: r.rejected, reply, claimNumber: r.claimNumber });
        else if (r.claimNumber) this.update(c, { state: 'acknowledged', claimNumber: r.claimNumber, reply, reason: null });
        else this.update(c, { reply, reason: null }, true); // accepted without a number yet: the callback brings it
        return true;
      }
      if (r.kind === 'reject') {
        this.lastError = r.reason;
        this.update(c, { state: 'dead', reason: r.reason, reply: { httpStatus: r.status, claimNumber: null, receivedAt: at, body: r.body.slice(0, 16 * 1024) } });
        return true;
      }
      this.lastError = r.reason;
      this.store.update(fnolId, { reason: `attempt ${attempts}: ${r.reason}` }, at);
      const cap = Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** Math.min(attempts - 1, 30));
      const delay = Math.max(this.backoff.baseMs / 10, cap * this.rnd()); // full jitter (a floor keeps it from spinning)
      await this.sleep(delay);
    }
  }

  private update(c: ClaimRecord, ch: StateChange, emit = true): ClaimRecord {
    const before = c.state;
    const n = this.store.update(c.fnolId, ch, this.now())!;
    if (emit || n.state !== before) {
      this.changed(n);
      this.ledger(n);
    }
    return n;
  }

  // ---- insurer callback -----------------------------------------------------------------------

  /**
   * An insurer's status update: the raw body as received and its UBI-Signature header. Returns the
   * HTTP status and JSON body to answer with; a bad or missing signature is refused (401) before
   * anything in the body is looked at.
   */
  callback(raw: Buffer, signature: string | undefined): { status: number; body: Record<string, unknown> } {
    const ep = this.endpoint;
    if (!ep) return { status: 503, body: { error: 'no insurer endpoint configured' } };
    const v = verify([ep.secret, ...(ep.previousSecrets ?? [])], signature, raw, this.now());
    if (!v.ok) return { status: 401, body: { error: `${SIGNATURE_HEADER}: ${v.reason}` } };
    let j: Record<string, unknown>;
    try {
      const p = JSON.parse(raw.toString('utf8')) as unknown;
      if (typeof p !== 'object' || p === null || Array.isArray(p)) throw new Error('not an object');
      j = p as Record<string, unknown>;
    } catch {
      return { status: 400, body: { error: 'body: a JSON object is required', errors: [{ field: 'body', reason: 'not a JSON object' }] } };
    }
    const errors: Array<{ field: string; reason: string }> = [];
    const fnolId = j.fnolId;
    if (typeof fnolId !== 'string' || fnolId === '') errors.push({ field: 'fnolId', reason: 'required' });
    const st = j.status;
    if (st !== 'acknowledged' && st !== 'rejected' && st !== 'closed') errors.push({ field: 'status', reason: 'must be one of acknowledged, rejected, closed' });
    const num = j.claimNumber;
    if (num !== undefined && num !== null && (typeof num !== 'string' || num.length > 64 || num === '')) errors.push({ field: 'claimNumber', reason: 'a string of 1-64 characters' });
    const settled = j.settledAmountCents;
    if (settled !== undefined && settled !== null && (typeof settled !== 'number' || !Number.isSafeInteger(settled) || settled < 0)) errors.push({ field: 'settledAmountCents', reason: 'a whole number of cents >= 0' });
    const closed = j.closedDate;
    if (closed !== undefined && closed !== null && (typeof closed !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(closed))) errors.push({ field: 'closedDate', reason: 'an ISO date YYYY-MM-DD' });
    const reason = j.reason;
    if (reason !== undefined && reason !== null && typeof reason !== 'string') errors.push({ field: 'reason', reason: 'a string' });
    if (st === 'acknowledged' && !num) errors.push({ field: 'claimNumber', reason: 'required with status acknowledged' });
    if (errors.length) return { status: 400, body: { error: errors.map((e) => `${e.field}: ${e.reason}`).join('; '), errors } };
    const c = this.store.get(fnolId as string);
    if (!c) return { status: 404, body: { error: `fnolId: "${String(fnolId).slice(0, 80)}" is not a claim of this gateway` } };
    if (c.claimNumber && num && c.claimNumber !== num) return { status: 409, body: { error: `claimNumber: the claim is ${c.claimNumber}` } };
    const ch: StateChange = { state: st as ClaimRecord['state'] };
    if (num) ch.claimNumber = num as string;
    if (typeof settled === 'number') ch.settledAmountCents = settled;
    if (typeof closed === 'string') ch.closedDate = closed;
    if (typeof reason === 'string') ch.reason = reason.slice(0, 500);
    const n = this.update(c, ch);
    return { status: 200, body: { fnolId: n.fnolId, state: n.state, claimNumber: n.claimNumber } };
  }

  // ---- reads ----------------------------------------------------------------------------------

  get(fnolId: string): ClaimRecord | null {
    return this.store.get(fnolId);
  }

  /** A dead claim filed again (e.g. once the policy is in the register, or the insurer fixed its side). */
  async retry(fnolId: string, incident?: Incident): Promise<ClaimStatus | null> {
    const c = this.store.get(fnolId);
    if (!c) return null;
    if (c.state !== 'dead') return this.statusOf(c);
    if (c.record.policy.policyNumber === 'UNKNOWN') {
      const key = this.o.vehicles?.[c.record.vehicle.vehicleId] ?? c.record.vehicle.vehicleId;
      const p = policyFor(this.policies(), key, Date.parse(c.record.occurrence.dateTime));
      if (!p) return this.statusOf(c);
      const evidence = incident ? await this.buildEvidence(fnolId, incident) : null;
      const rec: FnolRecord = { ...c.record, policy: { policyNumber: p.policyNumber, documentType: 'FLEET_MOTOR' }, vehicle: { ...c.record.vehicle, vin: p.vin, plate: p.plate }, evidence: evidence ?? c.record.evidence };
      this.store.replaceRecord(rec, this.now());
    }
    // a record outside the published schema stays dead (was: queued and sent anyway; the insurer can
    // only refuse it, and the API documents every live claim's record as a valid FNOL record)
    const problems = validateFnol(this.store.get(fnolId)!.record);
    if (problems.length) return this.statusOf(this.store.update(fnolId, { reason: `record does not match the FNOL schema: ${problems.map((p) => `${p.field}: ${p.reason}`).join('; ')}` }, this.now())!);
    const n = this.update(c, { state: 'pending', reason: null, attempts: 0 });
    await this.enqueue(n.record);
    return this.statusOf(this.store.get(fnolId)!);
  }

  statusOf(c: ClaimRecord): ClaimStatus {
    return {
      kind: 'claim_status',
      fnolId: c.fnolId,
      state: c.state,
      vehicle: c.record.vehicle.vehicleId,
      driver: c.record.driver.driverId,
      policyNumber: c.record.policy.policyNumber,
      incidentId: c.record.crash?.incidentId ?? null,
      claimNumber: c.claimNumber,
      attempts: c.attempts,
      reason: c.reason,
      settledAmountCents: c.settledAmountCents,
      closedDate: c.closedDate,
      at: c.updatedAt,
      test: c.record.test,
    };
  }

  private changed(c: ClaimRecord): void {
    const s = this.statusOf(c);
    this.emit('status', s);
    this.emit('point', claimPoint(s));
  }

  /** The policy register's claims ledger (not for test claims or claims without a policy). */
  private ledger(c: ClaimRecord): void {
    const reg = this.o.register;
    if (!reg || c.record.test || c.record.policy.policyNumber === 'UNKNOWN' || c.state === 'dead') return;
    const status: ClaimEntry['status'] = c.state === 'acknowledged' ? 'registered' : c.state === 'rejected' ? 'rejected' : c.state === 'closed' ? 'closed' : 'reported';
    try {
      // put() with the CSV/JSON text forms: recordClaim() hands numbers to a validator that wants ISO strings (reported)
      const isoOrNull = (ms: number | null): string => (ms === null ? '' : new Date(ms).toISOString());
      reg.put('claims', {
        claim_id: c.fnolId,
        policy_number: c.record.policy.policyNumber,
        vin: c.record.vehicle.vin,
        occurred_at: c.record.occurrence.dateTime,
        reported_at: isoOrNull(c.createdAt),
        registered_at: isoOrNull(c.claimNumber ? Math.max(c.createdAt, c.reply?.receivedAt ?? c.updatedAt) : null), // clocks differ: never before our report
        closed_at: isoOrNull(c.state === 'closed' ? Math.max(c.createdAt, c.closedDate ? Date.parse(`${c.closedDate}T00:00:00Z`) : c.updatedAt) : null),
        status,
        paid: ((c.settledAmountCents ?? 0) / 100).toFixed(2),
        reserve: '0.00',
        source: c.record.source,
      });
    } catch (e) {
      this.emit('warning', `claims ledger ${c.fnolId}: ${(e as Error).message}`);
    }
  }

  counts(): Record<string, number> {
    return this.store.counts();
  }

  pending(): number {
    return this.outbox.pending(CLAIMS_STREAM);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.abort?.abort();
    this.kick();
    await this.running;
    this.outbox.close();
    this.store.close();
  }
}
