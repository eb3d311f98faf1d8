import assert from 'node:assert/strict';
import path from 'node:path';
import { busConfigFrom, batchOptionsFrom } from '../../edge/can/bus-config.js';
import { planSource } from '../../edge/can/open-source.js';

describe('CAN bus config', () => {
  const base = { vehicle: 'van-7', source: 'auto', interfaces: '', bitrate: '250000', fd: false, filters: '', replayFile: '', speed: '10', loop: true };

  it('turns editor strings into typed settings', () => {
    const c = busConfigFrom({ ...base, replayFile: 'a.log, b.log.xz' }, '/logs');
    assert.equal(c.bitrate, 250000);
    assert.equal(c.speed, 10);
    assert.deepEqual(c.replayFiles, [path.join('/logs', 'a.log'), path.join('/logs', 'b.log.xz')]);
    assert.equal(busConfigFrom({ ...base, speed: 'max' }).speed, 'max');
  });

  it('names the field that is wrong', () => {
    assert.throws(() => busConfigFrom({ ...base, vehicle: ' ' }), /^Error: vehicle:/);
    assert.throws(() => busConfigFrom({ ...base, bitrate: 'fast' }), /^Error: bitrate: "fast" is not a number/);
    assert.throws(() => busConfigFrom({ ...base, bitrate: 5_000_000 }), /^Error: bitrate: 5000000 is outside/);
    assert.throws(() => busConfigFrom({ ...base, source: 'usb' }), /^Error: source: "usb"/);
    assert.throws(() => busConfigFrom({ ...base, filters: '7E8/zz' }), /^Error: filters: .*entry 1/);
    assert.throws(() => busConfigFrom({ ...base, speed: '-1' }), /^Error: speed:/);
    assert.throws(() => batchOptionsFrom({ maxFrames: '0' }), /^Error: maxFrames:/);
    assert.throws(() => batchOptionsFrom({ maxAgeMs: 'soon' }), /^Error: maxAgeMs:/);
  });

  it('auto reads SocketCAN when interfaces are named, in the environment or present, else replays the bundled log', () => {
    const cfg = busConfigFrom(base);
    const none = () => [];
    assert.equal(planSource({ ...cfg, interfaces: 'can0,can1' }, {}, none).kind, 'socketcan');
    const fromEnv = planSource(cfg, { UBI_CAN_IFACES: 'vcan3' }, none);
    assert.deepEqual([fromEnv.kind, fromEnv.interfaces], ['socketcan', ['vcan3']]);
    const present = planSource(cfg, {}, () => ['can0']);
    assert.match(present.describe, /can0 \(found on this machine\)/);
    const replay = planSource(cfg, {}, none);
    assert.equal(replay.kind, 'replay');
    assert.ok(replay.files.length >= 1, 'bundled log is found');
    assert.match(replay.describe, /^no CAN interface configured .*replaying .*at 10x real time, looping$/);
  });

  it('rejects a replay of a missing file and SocketCAN without interfaces', () => {
    const cfg = busConfigFrom({ ...base, source: 'replay', replayFile: '/nonexistent/x.log' });
    assert.throws(() => planSource(cfg, {}, () => []), /replay file \/nonexistent\/x.log: not found/);
    assert.throws(() => planSource(busConfigFrom({ ...base, source: 'socketcan' }), {}, () => []), /^Error: interfaces:/);
  });
});
