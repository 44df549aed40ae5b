/**
 * `npm run fuzz [-- --cases N] [--seed S] [--spawn M] [--only NAME,...]`: the fuzz suite at volume.
 *
 * Targets: every reader (mutated fixtures, in-process), the pipeline spec (parse, schema, modules),
 * the CLI's program in-process (argument parsing and validation: runs too large for the main
 * thread stop once their options are checked, as the entry would hand them to its worker), and a
 * sample of spawned runs of the built CLI. Each failure is saved under fuzz-out/ with the command
 * that reproduces it; the exit code is 1 when anything failed.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import {
  argvArbitrary,
  argvFiles,
  checkRead,
  cliFailure,
  fuzzInput,
  kerasWeightSeeds,
  PICKLE_SEEDS,
  pooled,
  readAs,
  readerTargets,
  readSpecBytes,
  shellLine,
  spawnCli,
  withKerasWeights,
  withNpyMember,
  withPickle,
} from '../test/helpers/fuzz.js';
import { InProcessPool } from '../test/helpers/in-process-cli.js';

interface Args {
  cases: number;
  seed: number;
  spawn: number;
  only: string[] | null;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { cases: 100_000, seed: Date.now() % 2 ** 31, spawn: 100, only: null, out: resolve('fuzz-out') };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag}: expected a value`);
      return v;
    };
    const int = (): number => {
      const v = value();
      if (!/^\d+$/.test(v)) throw new Error(`${flag}: expected a non-negative integer, got "${v}"`);
      return Number(v);
    };
    if (flag === '--cases') a.cases = int();
    else if (flag === '--seed') a.seed = int();
    else if (flag === '--spawn') a.spawn = int();
    else if (flag === '--only') a.only = value().split(',');
    else if (flag === '--out') a.out = resolve(value());
    else throw new Error(`expected --cases N, --seed S, --spawn M, --only NAME,... or --out DIR, got "${argv[i]}"`);
  }
  return a;
}

interface Failure {
  target: string;
  why: string;
  repro: string;
}

interface Target {
  name: string;
  /** Share of --cases. */
  weight: number;
  run(count: number, seed: number, fail: (why: string, save: () => string) => void): Promise<void> | void;
}

const BATCH = 500;
/** A case of the in-process CLI that takes longer than this is a failure (the spawned ones get 60 s). */
const CASE_TIMEOUT_MS = 10_000;

/** Samples `count` values of `arb` in batches (seeded by `seed` and the batch), calling `each`. */
async function forEach<T>(arb: fc.Arbitrary<T>, count: number, seed: number, each: (v: T, i: number) => Promise<void> | void): Promise<void> {
  for (let done = 0, b = 0; done < count; b++) {
    const n = Math.min(BATCH, count - done);
    const values = fc.sample(arb, { numRuns: n, seed: (seed + b * 7919) % 2 ** 31 });
    for (let k = 0; k < n; k++) await each(values[k]!, done + k);
    done += n;
  }
}

function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  rmSync(args.out, { recursive: true, force: true });
  const scratch = join(args.out, 'scratch');
  mkdirSync(scratch, { recursive: true });
  const files = argvFiles(scratch);
  // Relative outputs the generated command lines name (`-o=` is a file called "=") land in scratch.
  process.chdir(scratch);
  process.env['NO_COLOR'] = '1';
  return run(args, scratch, files);
}

async function run(args: Args, scratch: string, files: ReturnType<typeof argvFiles>): Promise<number> {
  const failures: Failure[] = [];
  let saved = 0;
  const save = (name: string, bytes: Uint8Array): string => {
    const file = join(args.out, name);
    writeFileSync(file, bytes);
    saved++;
    return file;
  };

  const readers: Target[] = readerTargets().map((t) => ({
    name: t.name,
    weight: t.role === 'spec' ? 3 : 2,
    run: (count, seed, fail) =>
      forEach(fuzzInput(t.seeds), count, seed, ({ name, bytes }, i) => {
        const r = checkRead(() => (t.role === 'spec' ? readSpecBytes(bytes) : readAs(t.ext, t.role as 'tensor' | 'tensors', bytes)));
        if (!r.ok) {
          fail(`${r.why} [${name}]`, () => {
            const file = save(`${t.name}-${i}${t.ext}`, bytes);
            const cli = t.role === 'spec' ? `rnn-inspect pipeline --spec ${file}` : t.role === 'tensor' ? `rnn-inspect --input ${file}` : `rnn-inspect inspect ${file}`;
            const call = t.role === 'spec' ? '' : `; in-process: ${t.role === 'tensor' ? 'readTensorFile' : 'readTensorsFile'}('${file}')`;
            return cli + call;
          });
        }
      }),
  }));
  const npySeeds = readerTargets().find((t) => t.name === 'npy')!.seeds;
  const nested: Target[] = [
    {
      name: 'pt-pickle',
      weight: 2,
      run: (count, seed, fail) =>
        forEach(fuzzInput(PICKLE_SEEDS), count, seed, ({ name, bytes }, i) => {
          const zip = withPickle(bytes);
          const r = checkRead(() => readAs('.pt', 'tensors', zip));
          if (!r.ok) fail(`${r.why} [data.pkl ${name}]`, () => `rnn-inspect inspect ${save(`pt-pickle-${i}.pt`, zip)}`);
        }),
    },
    {
      name: 'keras-weights',
      weight: 1,
      run: (count, seed, fail) =>
        forEach(fuzzInput(kerasWeightSeeds()), count, seed, ({ name, bytes }, i) => {
          const zip = withKerasWeights(bytes);
          const r = checkRead(() => readAs('.keras', 'tensors', zip));
          if (!r.ok) fail(`${r.why} [model.weights.h5 ${name}]`, () => `rnn-inspect inspect ${save(`keras-weights-${i}.keras`, zip)}`);
        }),
    },
    {
      name: 'npz-member',
      weight: 1,
      run: (count, seed, fail) =>
        forEach(fuzzInput(npySeeds), count, seed, ({ name, bytes }, i) => {
          const zip = withNpyMember(bytes);
          const r = checkRead(() => readAs('.npz', 'tensors', zip));
          if (!r.ok) fail(`${r.why} [member ${name}]`, () => `rnn-inspect inspect ${save(`npz-member-${i}.npz`, zip)}`);
        }),
    },
  ];
  const argv = argvArbitrary(files);
  const pool = new InProcessPool(CASE_TIMEOUT_MS);
  /** The program in worker threads, two cases at a time, each stopped after CASE_TIMEOUT_MS. */
  const cliTarget = (name: string, weight: number, inline: boolean, env: Record<string, string | undefined>): Target => ({
    name,
    weight,
    run: async (count, seed, fail) => {
      for (let done = 0, b = 0; done < count; b++) {
        const n = Math.min(BATCH, count - done);
        const batch = fc.sample(argv, { numRuns: n, seed: (seed + b * 7919) % 2 ** 31 });
        const results = await pooled(batch.map((a) => () => pool.run(a, { inline, env })), 2);
        batch.forEach((a, k) => {
          const r = results[k]!;
          const why = r.crashed
            ? `the program's thread died: ${r.crashed}`
            : cliFailure(a, { code: r.code === 'worker' ? 0 : r.code, stderr: r.stderr, ms: r.ms, timedOut: !!r.timedOut });
          if (why) fail(why, () => `(cd ${scratch} && ${shellLine(a)})`);
        });
        done += n;
      }
    },
  });
  // Parsing and validation: a command too large for the main thread stops once its options are checked.
  const cli = cliTarget('cli-parse', 6, true, { RNN_INSPECT_INLINE_MAX_MACS: '0' });
  // Every command run to the end in-process: file inputs, outputs, the forward pass, rendering.
  const cliRun = cliTarget('cli-run', 1, false, { RNN_INSPECT_INLINE_MAX_MACS: undefined });
  const targets = [...readers, ...nested, cli, cliRun].filter((t) => !args.only || args.only.includes(t.name));
  const totalWeight = targets.reduce((s, t) => s + t.weight, 0);

  console.log(`fuzz: ${args.cases} cases, seed ${args.seed}, failures saved under ${args.out}`);
  const counts: [string, number, number, number][] = [];
  const started = performance.now();
  for (const [k, t] of targets.entries()) {
    const count = Math.max(1, Math.round((args.cases * t.weight) / totalWeight));
    const t0 = performance.now();
    let failed = 0;
    await t.run(count, args.seed + k * 104_729, (why, repro) => {
      failed++;
      // Save the first few of each target; count the rest.
      if (failed <= 10) failures.push({ target: t.name, why, repro: repro() });
    });
    const ms = performance.now() - t0;
    counts.push([t.name, count, failed, ms]);
    console.log(`  ${t.name.padEnd(16)} ${String(count).padStart(7)} cases  ${String(failed).padStart(4)} failed  ${(ms / 1000).toFixed(1).padStart(6)} s`);
  }

  let spawned = 0;
  if (args.spawn > 0 && (!args.only || args.only.includes('cli-spawn'))) {
    const t0 = performance.now();
    const input = readFileSync(join(scratch, 'x.json'), 'utf8');
    const cases = fc.sample(argvArbitrary(files, { stdin: true }), { numRuns: args.spawn, seed: args.seed });
    const results = await pooled(cases.map((a) => () => spawnCli(a, { cwd: scratch, input, timeoutMs: 60_000 })), 2);
    let failed = 0;
    cases.forEach((a, i) => {
      const why = cliFailure(a, results[i]!);
      if (why) {
        failed++;
        failures.push({ target: 'cli-spawn', why, repro: `(cd ${scratch} && ${shellLine(a)}${a.includes('-') ? ` < ${join(scratch, 'x.json')}` : ''})` });
      }
    });
    spawned = cases.length;
    const ms = performance.now() - t0;
    counts.push(['cli-spawn', spawned, failed, ms]);
    console.log(`  ${'cli-spawn'.padEnd(16)} ${String(spawned).padStart(7)} cases  ${String(failed).padStart(4)} failed  ${(ms / 1000).toFixed(1).padStart(6)} s`);
  }

  await pool.close();
  const total = counts.reduce((s, c) => s + c[1], 0);
  const failedTotal = counts.reduce((s, c) => s + c[2], 0);
  console.log(`fuzz: ${total} cases in ${((performance.now() - started) / 1000).toFixed(0)} s, ${failedTotal} failed${saved ? `, ${saved} inputs saved` : ''}`);
  for (const f of failures) console.log(`\nFAIL ${f.target}: ${f.why}\n  reproduce: ${f.repro}`);
  if (failedTotal) console.log(`\nrepeat this run: npm run fuzz -- --cases ${args.cases} --seed ${args.seed}${args.only ? ` --only ${args.only.join(',')}` : ''}`);
  return failedTotal ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`fuzz: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);
