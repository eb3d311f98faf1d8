# Baseline for bench/decode: canmatrix (Debian's python3-canmatrix, /usr/bin/python3) decoding the same
# frames with the same DBC. argv: <dbc> <frames file: one "dbcId hex" per line>. Prints one JSON line.
import contextlib
import io
import json
import logging
import sys
import time

logging.disable(logging.CRITICAL)
with contextlib.redirect_stdout(io.StringIO()):
    import canmatrix
    import canmatrix.formats.dbc as cm_dbc

dbc_path, frames_path = sys.argv[1], sys.argv[2]
with open(dbc_path, 'rb') as f, contextlib.redirect_stdout(io.StringIO()):
    db = cm_dbc.load(f)
by_id = {fr.arbitration_id.to_compound_integer(): fr for fr in db.frames}
frames = []
with open(frames_path) as f:
    for line in f:
        i, h = line.split()
        frames.append((int(i), bytes.fromhex(h)))

t0 = time.perf_counter()
decoded = 0
signals = 0
for dbc_id, data in frames:
    fr = by_id.get(dbc_id)  # lookup by id, as a decoder of a live bus must
    if fr is None:
        continue
    values = fr.decode(data)
    decoded += 1
    signals += len(values)
elapsed = time.perf_counter() - t0
print(json.dumps({'frames': len(frames), 'decoded': decoded, 'signals': signals, 'seconds': elapsed,
                  'version': getattr(canmatrix, '__version__', '?')}))
