# Differential-test helper: decodes frames with canmatrix (Debian's python3-canmatrix), run with
# /usr/bin/python3. Reads one JSON request per line on stdin:
#   {"file": "<dbc path>", "messages": [{"name": str, "nth": int, "frames": ["<hex>", ...]}]}
# and writes one JSON line per request:
#   {"messages": [{"frames": [{"<signal>": ["<raw>", "<phys>"]} | {"error": str}]} | {"error": str}]}
# Values are strings so that 64-bit integers and Decimal results cross JSON exactly.
import contextlib
import io
import json
import logging
import sys

logging.disable(logging.CRITICAL)
with contextlib.redirect_stdout(io.StringIO()):  # canmatrix prints "ldf is not supported" on import
    import canmatrix.formats.dbc as cm_dbc


def text(v):
    s = str(v)
    return {'inf': 'Infinity', '-inf': '-Infinity', 'nan': 'NaN', '-nan': 'NaN', 'sNaN': 'NaN', '-sNaN': 'NaN'}.get(s, s)


def handle(req):
    out = io.StringIO()
    try:
        with open(req['file'], 'rb') as f, contextlib.redirect_stdout(out):
            db = cm_dbc.load(f)
    except Exception as e:  # noqa: BLE001 - reported to the test
        return {'error': 'load failed: %r' % (e,)}
    by_name = {}
    for fr in db.frames:
        by_name.setdefault(fr.name, []).append(fr)
    result = []
    for m in req['messages']:
        frames = by_name.get(m['name'], [])
        if m['nth'] >= len(frames):
            result.append({'error': 'canmatrix has no message %s' % m['name']})
            continue
        fr = frames[m['nth']]
        decoded = []
        for h in m['frames']:
            try:
                with contextlib.redirect_stdout(out):
                    d = fr.decode(bytearray.fromhex(h))
                decoded.append({k: [text(v.raw_value), text(v.phys_value)] for k, v in d.items()})
            except Exception as e:  # noqa: BLE001
                decoded.append({'error': repr(e)})
        result.append({'frames': decoded})
    return {'messages': result}


for line in sys.stdin:
    if line.strip():
        sys.stdout.write(json.dumps(handle(json.loads(line))) + '\n')
        sys.stdout.flush()
