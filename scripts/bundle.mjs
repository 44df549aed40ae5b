// Bundles the CLI for start-up time: the built modules (dist/, from tsc) and the packages they
// import become a few files in dist/bundle/, so a run resolves and reads 2 files instead of 60.
// Measured on the seed example: ~120 ms -> ~90 ms for the whole command. The library (dist/index.js)
// is not bundled. Commands, mathjs and zod stay separate chunks, loaded when used; the pool's
// worker is an entry of its own beside the chunks (the pool finds it as ./worker.js).
//
// The playground's engine and page script is a second bundle, dist/playground.js, for the browser:
// `rnn-inspect playground FILE` inlines it into the page. Node.js built-ins are stubbed
// (scripts/browser-shims/): `process` is a quiet one, and each built-in module exports its real
// names as functions that throw, which the page's runs never call (the browser test runs them).
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';

const outdir = new URL('../dist/bundle/', import.meta.url).pathname;
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { main: 'dist/cli/entry/main.js', worker: 'dist/modules/run/worker.js' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // CommonJS packages (cli-table3) call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
});

const shims = new URL('./browser-shims/', import.meta.url).pathname;
const require = createRequire(import.meta.url);
const OWN = { os: ['availableParallelism'], events: ['EventEmitter'] };

/** node:fs, fs, ... -> a module with the real module's export names, from node-builtin.mjs. */
const nodeBuiltins = {
  name: 'node-builtins',
  setup(b) {
    b.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => {
      const name = args.path.replace(/^node:/, '');
      if (!builtinModules.includes(name)) return undefined;
      if (name === 'process') return { path: shims + 'process.mjs' };
      return { path: name, namespace: 'node-builtin' };
    });
    b.onLoad({ filter: /.*/, namespace: 'node-builtin' }, (args) => {
      const own = OWN[args.path] ?? [];
      const names = Object.keys(require(args.path)).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k) && k !== 'default');
      const lines = [`import { unavailable, ${own.join(', ')} } from ${JSON.stringify(shims + 'node-builtin.mjs')};`.replace(', }', ' }')];
      if (own.length) lines.push(`export { ${own.join(', ')} };`);
      for (const k of names) if (!own.includes(k)) lines.push(`export const ${k} = unavailable(${JSON.stringify(`node:${args.path}.${k}`)});`);
      lines.push(`export default { ${names.join(', ')} };`);
      return { contents: lines.join('\n'), resolveDir: shims, loader: 'js' };
    });
  },
};

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const browser = await build({
  // From the source: src/cli/browser/ is left out of tsc's build (its DOM types stay out of the
  // library's); npm run typecheck checks it.
  entryPoints: ['src/cli/browser/playground.ts'],
  outfile: new URL('../dist/playground.js', import.meta.url).pathname,
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  legalComments: 'none',
  inject: [shims + 'process.mjs'],
  // The pool's worker URL (never used in a page: it has one thread).
  define: { RNN_INSPECT_VERSION: JSON.stringify(pkg.version), 'import.meta.url': 'document.baseURI' },
  plugins: [nodeBuiltins],
  metafile: true,
  logLevel: 'warning',
});
if (process.env['RNN_INSPECT_BUNDLE_REPORT']) {
  const inputs = Object.entries(browser.metafile.outputs[Object.keys(browser.metafile.outputs)[0]].inputs);
  const by = new Map();
  for (const [file, { bytesInOutput }] of inputs) {
    const key = file.startsWith('node_modules/') ? file.split('/').slice(0, 2).join('/') : file.split('/').slice(0, 3).join('/');
    by.set(key, (by.get(key) ?? 0) + bytesInOutput);
  }
  for (const [k, v] of [...by].sort((a, b) => b[1] - a[1])) console.log(String(v).padStart(8), k);
}
