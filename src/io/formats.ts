/** The file formats, in the order they are tried when sniffing magic bytes. Add a format here. */
import type { TensorFormat } from './format.js';
import { jsonFormat } from './json.js';

export const formats: readonly TensorFormat[] = [jsonFormat];
