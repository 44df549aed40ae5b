/**
 * The languages `explain` speaks: adding one is one catalogue file and one entry here.
 */
import { en } from './en.js';
import type { Messages } from './types.js';
import { zh } from './zh.js';

export type { Messages } from './types.js';

export const catalogues = { en, zh } satisfies Record<string, Messages>;

export type Lang = keyof typeof catalogues;

export const languages = Object.keys(catalogues) as Lang[];
