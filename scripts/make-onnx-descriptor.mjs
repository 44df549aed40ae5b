// Compiles src/io/onnx/onnx-subset.proto into the descriptor the ONNX reader and writer load
// (src/io/onnx/descriptor.ts), so no .proto is parsed at run time and nothing is fetched.
// Run after editing the .proto: node scripts/make-onnx-descriptor.mjs
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const dir = fileURLToPath(new URL('../src/io/onnx/', import.meta.url));
const root = protobuf.loadSync(`${dir}onnx-subset.proto`);
const json = JSON.stringify(root.toJSON({ keepComments: false }), null, 1);
writeFileSync(
  `${dir}descriptor.ts`,
  `// Generated from onnx-subset.proto by scripts/make-onnx-descriptor.mjs; do not edit.\nimport type { INamespace } from 'protobufjs';\n\nexport const onnxDescriptor = ${json} as INamespace;\n`,
);
console.log(`wrote ${dir}descriptor.ts`);
