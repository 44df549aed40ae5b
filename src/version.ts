/**
 * The package's version, read once from its package.json. Found by walking up from this module,
 * so it works from the built library (dist/version.js), the bundled CLI (dist/bundle/*.js) and the
 * source (src/version.ts) alike.
 */
import { existsSync, readFileSync } from 'node:fs';

let cached: string | null = null;

export function version(): string {
  if (cached !== null) return cached;
  for (let dir = new URL('./', import.meta.url), i = 0; i < 4; dir = new URL('../', dir), i++) {
    const file = new URL('package.json', dir);
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'rnn-inspect' && pkg.version) return (cached = pkg.version);
  }
  return (cached = '0.0.0');
}
