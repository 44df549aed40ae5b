// How long the full trace takes to print as a table against the same run as JSON, measured in one
// run (not part of npm test): `rnn-inspect --layers 3 --seq-len 1000 --trace full` with and without
// `--format json`, alternating, each the median of `--repeats` runs (default 5), output to a pipe
// at the default width (80 columns) and at --width 200.
// Usage: npm run build && node bench/trace-table.js [--repeats N] [--json]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/rnn-inspect.js', import.meta.url));
const args = process.argv.slice(2);
const repeats = args.includes('--repeats') ? Number(args[args.indexOf('--repeats') + 1]) : 5;
const asJson = args.includes('--json');
const RUN = ['--layers', '3', '--seq-len', '1000', '--trace', 'full'];

function seconds(extra) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [BIN, ...RUN, ...extra], { encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, COLUMNS: '' } });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`rnn-inspect ${[...RUN, ...extra].join(' ')} exited ${r.status}: ${r.stderr}`);
  return { s, bytes: Buffer.byteLength(r.stdout), lines: r.stdout.split('\n').length - 1 };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const cases = { json: ['--format', 'json'], 'table (80 columns)': [], 'table (--width 200)': ['--width', '200'] };
const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
const sizes = {};
seconds(cases.json); // warm the file cache
for (let i = 0; i < repeats; i++) {
  for (const [name, extra] of Object.entries(cases)) {
    const r = seconds(extra);
    times[name].push(r.s);
    sizes[name] = { bytes: r.bytes, lines: r.lines };
  }
}
const json = median(times.json);
const result = Object.fromEntries(Object.keys(cases).map((k) => [k, { seconds: median(times[k]), ratio_to_json: median(times[k]) / json, ...sizes[k] }]));
if (asJson) process.stdout.write(JSON.stringify({ run: RUN.join(' '), repeats, result }, null, 2) + '\n');
else {
  process.stdout.write(`rnn-inspect ${RUN.join(' ')}: median of ${repeats}\n`);
  for (const [k, v] of Object.entries(result)) {
    process.stdout.write(`  ${k.padEnd(20)} ${v.seconds.toFixed(3)} s  ${v.ratio_to_json.toFixed(2)}× json  (${v.lines} lines, ${(v.bytes / 1e6).toFixed(1)} MB)\n`);
  }
}
