// The `process` the playground's browser bundle sees: no environment, no terminal, no exit.
const stream = { isTTY: false, columns: undefined, write: () => true, hasColors: () => false };
export const process = {
  env: {},
  argv: [],
  execArgv: [],
  versions: {},
  platform: 'browser',
  stdout: stream,
  stderr: stream,
  exitCode: undefined,
  cwd: () => '/',
  exit: (code) => {
    throw new Error(`process.exit(${code}) is not available in the page`);
  },
  on: () => undefined,
};
export default process;
