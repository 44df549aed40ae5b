// Start-up: the modules the CLI loads before it knows the command, and the library's entry,
// must not reach the heavy dependencies only some commands need (mathjs: compare --reference;
// zod: pipeline --spec and schema). Walks the static import graph of the built code.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../../dist/', import.meta.url));
const STATIC_IMPORT = /^\s*(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;

/** Every package a module reaches through static (not type-only, not dynamic) imports. */
function staticPackages(...entries: string[]): { packages: Set<string>; files: number } {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const stack = entries.map((e) => resolve(dist, e));
  while (stack.length) {
    const file = stack.pop();
    if (file === undefined || seen.has(file)) continue;
    seen.add(file);
    for (const [, spec = ''] of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) {
      if (spec.startsWith('.')) stack.push(resolve(dirname(file), spec));
      else if (!spec.startsWith('node:')) packages.add(spec.split('/')[0]);
    }
  }
  return { packages, files: seen.size };
}

test('the run path (the CLI entry and the run command) loads neither mathjs nor zod', () => {
  const { packages, files } = staticPackages('cli/entry/main.js', 'cli/commands/run.js');
  assert.ok(files > 10, `walked ${files} files`);
  assert.ok(packages.has('commander'), 'the walk finds the packages main.js does import');
  assert.ok(!packages.has('mathjs'), 'mathjs is reached from cli/entry/main.js');
  assert.ok(!packages.has('zod'), 'zod is reached from cli/entry/main.js');
});

test("the library's entry does not load mathjs (the reference is the rnn-inspect/reference subpath)", () => {
  const { packages } = staticPackages('index.js');
  assert.ok(!packages.has('mathjs'));
  assert.ok(staticPackages('reference/mathjs-forward.js').packages.has('mathjs'));
});

test('the CLI program loads no command module statically: each is loaded when named', () => {
  const main = readFileSync(resolve(dist, 'cli/entry/program.js'), 'utf8');
  const staticSpecs = [...main.matchAll(STATIC_IMPORT)].map((m) => m[1]);
  assert.ok(staticSpecs.includes('../commands/index.js'));
  assert.deepEqual(staticSpecs.filter((s) => /commands\/(?!index)/.test(s)), []);
  const index = readFileSync(resolve(dist, 'cli/commands/index.js'), 'utf8');
  assert.deepEqual([...index.matchAll(STATIC_IMPORT)].map((m) => m[1]), [], 'commands/index.js imports its commands only dynamically');
});

test('the bin runs the bundle, whose start-up files hold no zod and no mathjs', () => {
  const bin = readFileSync(fileURLToPath(new URL('../../bin/rnn-inspect.js', import.meta.url)), 'utf8');
  assert.match(bin, /from '\.\.\/dist\/bundle\/main\.js'/);
  const { files } = staticPackages('bundle/main.js');
  assert.ok(files >= 2, 'main.js imports its shared chunks');
  // Walk again, reading the text: bundled packages leave their node_modules paths in comments.
  const seen = new Set<string>();
  // The entry (the main thread's supervisor) reaches no package; the program it loads in its worker does.
  const walk = (entry: string): Set<string> => {
    const stack = [resolve(dist, entry)];
    const reached = new Set<string>();
    while (stack.length) {
      const file = stack.pop();
      if (file === undefined || seen.has(file)) continue;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const [, pkg = ''] of text.matchAll(/node_modules\/((?:@[\w.-]+\/)?[\w.-]+)\//g)) reached.add(pkg);
      for (const [, spec = ''] of text.matchAll(STATIC_IMPORT)) if (spec.startsWith('.')) stack.push(resolve(dirname(file), spec));
    }
    return reached;
  };
  assert.deepEqual([...walk('bundle/main.js')], [], 'the supervisor loads no package');
  const program = /import\(["'](\.\/program-[\w-]+\.js)["']\)/.exec(readFileSync(resolve(dist, 'bundle/main.js'), 'utf8'));
  assert.ok(program, 'the entry imports the program chunk when it runs in the worker');
  const reached = walk(`bundle/${program[1]!}`);
  assert.ok(reached.has('commander'), `found ${[...reached].join(', ')}`);
  assert.ok(!reached.has('zod') && !reached.has('mathjs'), `found ${[...reached].join(', ')}`);
});
