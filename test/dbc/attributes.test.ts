// Attributes that matter for decoding and scheduling: definitions, defaults, GenMsgCycleTime,
// GenMsgSendType enums, long names (SystemSignalLongSymbol / SystemMessageLongSymbol), comments.
import { strict as assert } from 'node:assert';
import { loadFixture } from './helpers.js';

describe('dbc: attributes and comments', () => {
  it('GenMsgCycleTime from BA_ or its default (0 means none), enum send type by index (timing.dbc)', () => {
    const db = loadFixture('cantools/timing.dbc');
    assert.equal(db.messageByName('Foo')!.cycleTime, 200);
    assert.equal(db.messageByName('Bar')!.cycleTime, undefined);
    assert.equal(db.messageByName('Foo')!.sendType, 'Cyclic'); // BA_ ... BO_ 1 0 -> first enum value
    assert.equal(db.messageByName('Bar')!.sendType, 'NoMsgSendType'); // BA_DEF_DEF_
  });

  it('long names replace the 32-character DBC names (long_names.dbc)', () => {
    const db = loadFixture('cantools/long_names.dbc');
    const names = db.messages.flatMap((m) => [m.name, ...m.signals.map((s) => s.name)]);
    assert.ok(names.some((n) => n.length > 32), 'some long name is used');
    assert.ok(db.nodes.some((n) => n.length > 32));
  });

  it('comments of messages, signals and the bus; multi-line and with escaped quotes (motohawk_with_comments, foobar)', () => {
    const db = loadFixture('cantools/motohawk_with_comments.dbc');
    const m = db.messageByName('ExampleMessage')!;
    assert.equal(typeof m.comment, 'string');
    assert.ok(m.signals.some((s) => typeof s.comment === 'string'));
    const foobar = loadFixture('cantools/foobar.dbc');
    assert.equal(foobar.version, '2.0');
    assert.equal(foobar.messageById(0x12330, true)!.comment, 'Foo.');
  });

  it('BO_TX_BU_ adds senders (multiple_senders.dbc)', () => {
    assert.deepEqual(loadFixture('cantools/multiple_senders.dbc').messageById(1, false)!.senders, ['FOO', 'BAR', 'FIE']);
  });

  it('signal ranges, units, receivers; [0|0] is no range', () => {
    const m = loadFixture('cantools/motohawk.dbc').messageByName('ExampleMessage')!;
    const t = m.signal('Temperature')!;
    assert.deepEqual([t.min, t.max, t.unit, t.factor, t.offset, t.byteOrder, t.signed], [229.52, 270.47, 'degK', 0.01, 250, 'big_endian', true]);
    assert.deepEqual(t.receivers, ['PCM1', 'FOO']);
    const s = loadFixture('cantools/signed.dbc').messageById(0, false)!.signals[0]!;
    assert.equal(s.min, undefined);
  });
});
