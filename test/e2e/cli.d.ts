// Types of the end-to-end helpers in cli.js, for the tests written in TypeScript.
export const BIN: string;
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}
export function runCli(args: string[], options?: { input?: string; env?: Record<string, string> }): CliResult;
export function runJson(args: string[], options?: { input?: string; env?: Record<string, string> }): any;
export function tempDir(): string;
export function writeJson(dir: string, name: string, value: unknown): string;
export function flatten(nested: unknown): unknown[];
export function shapeOf(nested: unknown): number[];
export function maxAbsDiff(a: unknown, b: unknown): number;
export function plain(text: string): string;
export function assertUserError(args: string[], pattern: RegExp, options?: { code?: number; input?: string }): CliResult;
