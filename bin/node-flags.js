// The Node.js settings `ubi-edge start` runs with: bin/ubi-edge.js applies them when it starts the
// appliance, and bench/memory runs with the same ones, so its figure is the appliance's.
//
// Measured with bench/memory (8 saturated 500 kbit/s buses, 36,000 frames/s through the default flow's
// nodes; README, Design notes "Memory"). The live JS data is ~30-40 MB, but with Node's defaults V8
// sizes the heap for a desktop process with a 4 GB limit: the young generation grows to 2 x 64 MB
// within seconds at this allocation rate (~50 MB/s) and stays there, and the old generation may grow to
// ~3x its live data between full collections (92 MB committed for 32 MB used). glibc malloc keeps
// what freed ArrayBuffers left, over up to 8 arenas per core. RSS was ~270-330 MB for that work.
//
//   --max-semi-space-size=4     young generation <= 2 x 4 MB: a scavenge every ~0.1 s, each cheap
//                               (semi-spaces of 4 / 8 / 16 MB measured: RSS max 151 / 162 / 173 MB,
//                               CPU 9.3 / 8.9 / 8.4 us per frame)
//   --max-old-space-size=512    the heap cap the systemd unit already set for a 4 GB Pi (Node-RED's Pi
//                               installer does the same); with a cap below ~2 GB V8 also grows the old
//                               generation by a small factor after each full collection (33 MB
//                               committed for 28 MB used, instead of 92 for 32)
//   MALLOC_ARENA_MAX=1          glibc: one malloc arena instead of up to 8 per core (threads' frees
//                               are reused by the main thread; RSS 147-149 MB flat against 143-153)
//   MALLOC_MMAP_THRESHOLD_=16384, MALLOC_TRIM_THRESHOLD_=131072
//                               glibc: blocks >= 16 KB (typed-array columns of decoded batches and of
//                               the time merge, log read chunks, HTTP bodies) straight from mmap and
//                               back to the system when freed; the heap top trimmed past 128 KB
//                               (malloc's share of RSS 60-80 MB -> ~27 MB with 64 KB; with 16 KB, since
//                               decoded batches are views into 16 KB columns: ~15 MB, RSS 134-139 MB
//                               flat over 3 minutes against 134-146 MB and rising, CPU per frame within
//                               the noise)
//
// Anything the user already set wins: a flag given on the command line or in NODE_OPTIONS (the same
// flag name), an environment variable already set. Other C libraries (musl) ignore the MALLOC_ ones.
'use strict';

const V8_FLAGS = ['--max-semi-space-size=4', '--max-old-space-size=512'];
const ENV = { MALLOC_ARENA_MAX: '1', MALLOC_MMAP_THRESHOLD_: '16384', MALLOC_TRIM_THRESHOLD_: '131072' };

const flagName = (f) => f.replace(/^--?/, '').split('=')[0].replace(/_/g, '-');

/** The V8 flags still to pass: those whose name appears neither in execArgv nor in NODE_OPTIONS. */
function missingFlags(execArgv = process.execArgv, nodeOptions = process.env.NODE_OPTIONS || '') {
  const given = new Set([...execArgv, ...nodeOptions.split(/\s+/).filter(Boolean)].filter((a) => a.startsWith('-')).map(flagName));
  return V8_FLAGS.filter((f) => !given.has(flagName(f)));
}

/** The environment variables still to set (not set at all in env). */
function missingEnv(env = process.env) {
  const out = {};
  for (const [k, v] of Object.entries(ENV)) if (env[k] === undefined) out[k] = v;
  return out;
}

/** A one-line description for logs and bench output. */
function describe() {
  return `${V8_FLAGS.join(' ')} ${Object.entries(ENV)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')}`;
}

module.exports = { V8_FLAGS, ENV, missingFlags, missingEnv, describe };
