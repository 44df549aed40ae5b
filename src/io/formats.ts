/**
 * The file formats, in the order they are tried when sniffing magic bytes. Add a format here.
 *
 * safetensors comes before json: a safetensors header length whose first byte is `{` (123) would
 * otherwise look like JSON. tfjs (a model.json) is told from JSON by its layout, before extensions. npz, pt and keras all claim zip magic; index.ts looks inside to choose.
 */
import { csvFormat } from './csv.js';
import type { TensorFormat } from './format.js';
import { jsonFormat } from './json.js';
import { kerasFormat, kerasH5Format } from './keras.js';
import { npyFormat } from './npy.js';
import { npzFormat } from './npz.js';
import { onnxFormat } from './onnx.js';
import { ptFormat } from './pt.js';
import { safetensorsFormat } from './safetensors.js';
import { tfjsFormat } from './tfjs.js';

export const formats: readonly TensorFormat[] = [npyFormat, safetensorsFormat, npzFormat, ptFormat, kerasFormat, kerasH5Format, onnxFormat, tfjsFormat, jsonFormat, csvFormat];
