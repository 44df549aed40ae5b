#!/usr/bin/env node
// The CLI, bundled for start-up time (scripts/bundle.mjs); the same code as dist/cli/entry/main.js.
import { main } from '../dist/bundle/main.js';

main(process.argv);
