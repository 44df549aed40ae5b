export * from './tensor.js';
export * from './nested.js';
export * from './stats.js';
export * from './random.js';
