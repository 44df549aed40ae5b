// The io tests import their helpers by this path; they live in test/helpers/.
export * from '../helpers/io.js';
export { flatten } from '../helpers/nested.js';
export { maxAbsDiffF32 as maxAbsDiff } from '../helpers/io.js';
