import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { formatLog, parseCandump } from '../../edge/can/candump.js';
import { detectCompression, openLog, readCandumpFile, readLogBytes } from '../../edge/can/candump-file.js';
import type { SourceWarning } from '../../edge/can/source.js';
import { BUNDLED, FIXTURES, decompress, hasXz } from './candump-ref.js';

const XZ_FIXTURE = path.join(FIXTURES, 'css-electronics', 'FCBF0606-00003482-00000001-60B621D9.log.xz');

describe('candump log files: plain, gzip, xz', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ubi-candump-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('recognises compression by magic bytes, not by name', async () => {
    const text = Buffer.from('(1.000000) can0 123#01\n');
    fs.writeFileSync(path.join(dir, 'plain.gz'), text); // misnamed: plain text
    fs.writeFileSync(path.join(dir, 'packed.log'), gzipSync(text)); // misnamed: gzip
    assert.equal(await detectCompression(path.join(dir, 'plain.gz')), 'none');
    assert.equal(await detectCompression(path.join(dir, 'packed.log')), 'gzip');
    assert.equal(await detectCompression(XZ_FIXTURE), 'xz');
    assert.deepEqual(await readLogBytes(path.join(dir, 'plain.gz')), text);
    assert.deepEqual(await readLogBytes(path.join(dir, 'packed.log')), text);
  });

  it('reads the bundled .gz log to the same bytes as zlib', async () => {
    assert.ok((await readLogBytes(BUNDLED)).equals(decompress(BUNDLED)));
  });

  it('reads .xz through the xz command to the same bytes', async function () {
    if (!hasXz()) this.skip();
    assert.ok((await readLogBytes(XZ_FIXTURE)).equals(decompress(XZ_FIXTURE)));
  });

  it('streams parsed chunks whose frames equal a whole-buffer parse, in order', async () => {
    const raw = decompress(BUNDLED);
    const whole = parseCandump(raw);
    const chunks = [];
    for await (const c of readCandumpFile(BUNDLED)) chunks.push(c);
    assert.ok(chunks.length > 3, 'a 3 MB log arrives in several chunks');
    const text = Buffer.concat(chunks.map((c) => formatLog(c)));
    assert.ok(text.equals(raw));
    assert.equal(chunks.reduce((n, c) => n + c.frames, 0), whole.frames);
    assert.equal(chunks.at(-1)!.lines, whole.lines);
  });

  it('a smaller read size (paced replays) gives smaller chunks with the same frames, gz and plain', async () => {
    const raw = decompress(BUNDLED);
    const plain = path.join(dir, 'bundled.log');
    fs.writeFileSync(plain, raw);
    for (const file of [BUNDLED, plain]) {
      const big = [];
      const small = [];
      for await (const c of readCandumpFile(file)) big.push(c);
      for await (const c of readCandumpFile(file, { chunkBytes: 64 * 1024 })) small.push(c);
      assert.ok(small.length >= 3 * big.length, `${file}: ${small.length} chunks of 64 KB vs ${big.length} of 256 KB`);
      assert.ok(Buffer.concat(small.map((c) => formatLog(c))).equals(raw), file);
    }
  });

  it('reports malformed lines of a gz file with file:line and goes on', async () => {
    const lines = ['(1.000000) can0 123#01', '(2.000000) can0 12#01', '(3.000000) can0 124#02', 'junk', '(4.000000) can0 125#03'];
    const file = path.join(dir, 'bad.log.gz');
    fs.writeFileSync(file, gzipSync(lines.join('\n')));
    const warnings: SourceWarning[] = [];
    let frames = 0;
    for await (const c of readCandumpFile(file, { onWarning: (w) => warnings.push(w) })) frames += c.frames;
    assert.equal(frames, 3);
    assert.deepEqual(warnings.map((w) => w.where), [`${file}:2`, `${file}:4`]);
  });

  it('a missing file rejects with the path; a corrupt gz or xz rejects, never crashes', async function () {
    await assert.rejects(readLogBytes(path.join(dir, 'nope.log')), /nope\.log/);
    const gz = gzipSync(Buffer.from('(1.000000) can0 123#01\n'.repeat(1000)));
    const badGz = path.join(dir, 'corrupt.log.gz');
    fs.writeFileSync(badGz, Buffer.concat([gz.subarray(0, 40), Buffer.alloc(40, 0x55)]));
    await assert.rejects(readLogBytes(badGz));
    if (!hasXz()) return;
    const xz = fs.readFileSync(XZ_FIXTURE);
    const badXz = path.join(dir, 'corrupt.log.xz');
    fs.writeFileSync(badXz, Buffer.concat([xz.subarray(0, 200), Buffer.alloc(200, 0x55)]));
    await assert.rejects(readLogBytes(badXz), /xz/);
  });

  it('dispose() of an xz input kills the decompressor', async function () {
    if (!hasXz()) this.skip();
    const input = await openLog(path.join(FIXTURES, 'css-electronics', '2F6913DB-00001089-00000001-63BEF5CD.log.xz'));
    const first = await new Promise<Buffer>((resolve) => input.stream.once('data', resolve));
    assert.ok(first.length > 0);
    // resolves once the decompressor has exited: nothing left at that moment
    await input.dispose();
    assert.ok(!process.getActiveResourcesInfo().includes('ProcessWrap'), String(process.getActiveResourcesInfo()));
  });
});
