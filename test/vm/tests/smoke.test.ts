import assert from 'node:assert/strict';
import fs from 'node:fs';

describe('vm smoke', () => {
  it('has vcan0 with CAN FD MTU', () => {
    assert.equal(fs.readFileSync('/sys/class/net/vcan0/mtu', 'utf8').trim(), '72');
  });
});
