// The end-to-end and golden CLI tests import their helpers by this path; they live in test/helpers/.
export { BIN, assertUserError, plain, runCli, runJson, type CliOptions, type CliRun } from '../helpers/cli.js';
export { tempDir, writeJson } from '../helpers/files.js';
export { flatten, maxAbsDiff, shapeOf } from '../helpers/nested.js';
