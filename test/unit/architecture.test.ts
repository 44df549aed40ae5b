/**
 * The shape of the source tree, checked: no folder imports a folder that imports it back, the
 * library never imports the CLI, and no list of kind names stands outside src/modules/kinds/.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { kindNames } from '../../src/modules/kinds/index.js';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every relative import (static, dynamic, type-only) of a file, as paths relative to src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]!);
  return specs.map((s) => relative(SRC, resolve(dirname(file), s)));
}

/** A file's node in the graph: its folder; a file at the top of src/ (index.ts, errors.ts) is a node of its own. */
const nodeOf = (file: string): string => (dirname(file) === '.' ? file.replace(/\.js$/, '.ts') : dirname(file));

const files = sources(SRC).map((f) => relative(SRC, f));
const edges = new Map<string, Set<string>>();
for (const file of files) {
  const from = nodeOf(file);
  for (const target of importsOf(join(SRC, file))) {
    const to = nodeOf(target);
    if (to === from) continue;
    if (!edges.has(from)) edges.set(from, new Set());
    edges.get(from)!.add(to);
  }
}

test('no two folders import each other, directly or through others', () => {
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const visit = (node: string, path: string[]): void => {
    if (state.get(node) === 'done') return;
    if (state.get(node) === 'open') {
      cycles.push([...path.slice(path.indexOf(node)), node].join(' -> '));
      return;
    }
    state.set(node, 'open');
    for (const next of edges.get(node) ?? []) visit(next, [...path, node]);
    state.set(node, 'done');
  };
  for (const node of edges.keys()) visit(node, []);
  assert.deepEqual(cycles, [], 'folder import cycles');
  assert.ok(edges.size > 10, 'the import graph was read');
});

test('the library never imports the CLI', () => {
  const offenders = files.filter((f) => !f.startsWith('cli/') && importsOf(join(SRC, f)).some((t) => t.startsWith('cli/')));
  assert.deepEqual(offenders, []);
});

test('no list of kind names outside src/modules/kinds/', () => {
  // A quoted kind name beside another one on a line is a list (z.enum([...]), a record, a union).
  const quoted = (name: string) => new RegExp(`['"\`]${name}['"\`]`);
  const offenders = files
    .filter((f) => !f.startsWith('modules/kinds/'))
    .flatMap((f) =>
      readFileSync(join(SRC, f), 'utf8')
        .split('\n')
        .map((line, i) => ({ line, at: `${f}:${i + 1}` }))
        .filter(({ line }) => kindNames.filter((k) => quoted(k).test(line)).length >= 2)
        .map(({ at, line }) => `${at}: ${line.trim()}`),
    );
  // The independent reference names its own three sets of equations; it is not a list of kinds.
  assert.deepEqual(
    offenders.filter((o) => !o.startsWith('reference/')),
    [],
  );
});
