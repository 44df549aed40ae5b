/** The one chalk instance, with colour decided once: off for --no-color, NO_COLOR or a non-TTY. */
import { Chalk, type ChalkInstance } from 'chalk';

export function makeChalk(color: boolean): ChalkInstance {
  const noColorEnv = process.env['NO_COLOR'] !== undefined && process.env['NO_COLOR'] !== '';
  const forced = process.env['FORCE_COLOR'] !== undefined && process.env['FORCE_COLOR'] !== '0';
  const level = !color || noColorEnv ? 0 : forced || process.stdout.isTTY ? 1 : 0;
  return new Chalk({ level: level as 0 | 1 });
}

export { num } from '../../report/number.js';
