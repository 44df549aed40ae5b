/// <reference lib="dom" />
import { run } from './engine.js';

(globalThis as unknown as { rnnInspect: unknown }).rnnInspect = { run };
