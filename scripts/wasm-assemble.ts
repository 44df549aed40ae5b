// The kernels' WAT text, with the kinds' backward steps, assembled with wabt (a devDependency): shared by the build script and the
// test that checks the committed binary.
import wabtInit from 'wabt';
import { kinds } from '../src/modules/kinds/index.js';
import { kernelsWat, stepExport } from '../src/kernels/wasm/wat.js';

export async function assembleKernels(): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const module = wabt.parseWat('kernels.wat', kernelsWat(kinds.flatMap((k) => (k.simdBackward ? [{ name: stepExport(k.type), step: k.simdBackward }] : []))), { simd: true });
  try {
    module.validate();
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}
