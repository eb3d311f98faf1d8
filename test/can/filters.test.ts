import assert from 'node:assert/strict';
import { parseFilters } from '../../edge/can/filters.js';

describe('CAN filter text', () => {
  it('parses standard, extended and mask-less entries', () => {
    assert.deepEqual(parseFilters('7E8/7F8, 18FEF100/3FFFF00x\n0x100'), [
      { id: 0x7e8, mask: 0x7f8, ext: false },
      { id: 0x18fef100, mask: 0x3ffff00, ext: true },
      { id: 0x100, mask: 0x7ff, ext: false },
    ]);
  });
  it('treats a small id with an x suffix as extended with a full 29-bit mask', () => {
    assert.deepEqual(parseFilters('123x'), [{ id: 0x123, mask: 0x1fffffff, ext: true }]);
  });
  it('accepts empty text as no filter', () => {
    assert.deepEqual(parseFilters('  , \n'), []);
  });
  it('names the bad entry', () => {
    assert.throws(() => parseFilters('7E8/7F8, 12G'), /entry 2 "12G"/);
    assert.throws(() => parseFilters('FFFFFFFF'), /29 bits/);
  });
});
