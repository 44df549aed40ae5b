// The kernels' WAT text, with the kinds' steps (each kind's simdUpdate and simdBackward), assembled with wabt (a devDependency):
// shared by the build script and the test that checks the committed binary.
import wabtInit from 'wabt';
import { kinds } from '../src/modules/kinds/index.js';
import { kernelsWat, stepExport, type SimdStep } from '../src/kernels/wasm/wat.js';

/** Every kind's float32 steps, by export name: update_<type> and backward_<type> where the kind has them. */
export function kindSteps(): { name: string; step: SimdStep }[] {
  return kinds.flatMap((k) => [
    ...(k.simdUpdate ? [{ name: stepExport('update', k.type), step: k.simdUpdate }] : []),
    ...(k.simdBackward ? [{ name: stepExport('backward', k.type), step: k.simdBackward }] : []),
  ]);
}

export async function assembleKernels(): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const module = wabt.parseWat('kernels.wat', kernelsWat(kindSteps()), { simd: true });
  try {
    module.validate();
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}
