// Value tables: VAL_ per signal, VAL_TABLE_ by name, labels on request, cp1252 labels.
import { strict as assert } from 'node:assert';
import { parseDbc } from '../../edge/dbc/index.js';
import { hex, loadFixture } from './helpers.js';

describe('dbc: value tables (VAL_, VAL_TABLE_)', () => {
  it('labels on request, numbers by default (choices.dbc, cp1252 label)', () => {
    const db = loadFixture('cantools/choices.dbc');
    assert.equal(db.encoding, 'windows-1252');
    const m = db.messageByName('Foo')!;
    assert.deepEqual(m.decodeObject(hex('01 00 00 00 00 00 00 00')), { Foo: 1 });
    assert.deepEqual(m.decodeObject(hex('01 00 00 00 00 00 00 00'), { choices: true }), { Foo: "#%=*ä'" });
    // -5 as signed 8-bit is 0xfb
    assert.deepEqual(m.decodeObject(hex('fb'), { choices: true }), { Foo: 'A negative value' });
    // a value without a label stays a number
    assert.deepEqual(m.decodeObject(hex('07'), { choices: true }), { Foo: 7 });
    assert.equal(m.label(m.signals[0]!, 0), 'With space');
  });

  it('named value tables are kept (val_table.dbc)', () => {
    const db = loadFixture('cantools/val_table.dbc');
    assert.deepEqual([...db.valueTables.get('Table1')!], [[1, 'One'], [0, 'Zero']]);
    assert.equal(db.valueTables.get('Table2')!.size, 0);
    assert.deepEqual(db.messageByName('Message1')!.decodeObject(hex('01'), { choices: true }), { Signal1: 'One' });
  });

  it('labels apply to raw values, before scaling', () => {
    const db = parseDbc('BO_ 1 M: 1 X\n SG_ S : 0|8@1+ (0.5,10) [0|0] "" X\nVAL_ 1 S 4 "four" ;\n', 'x.dbc');
    const m = db.messageById(1, false)!;
    assert.deepEqual(m.decodeObject(hex('04')), { S: 12 });
    assert.deepEqual(m.decodeObject(hex('04'), { choices: true }), { S: 'four' });
    assert.deepEqual([...m.encode({ S: 'four' })], [4]);
  });

  it('VAL_ naming a VAL_TABLE_ reuses it', () => {
    const db = parseDbc('VAL_TABLE_ OnOff 1 "On" 0 "Off" ;\nBO_ 1 M: 1 X\n SG_ S : 0|1@1+ (1,0) [0|1] "" X\nVAL_ 1 S OnOff ;\n', 'x.dbc');
    assert.deepEqual(db.messageById(1, false)!.decodeObject(hex('01'), { choices: true }), { S: 'On' });
  });
});
