// The kernels' WAT text assembled with wabt (a devDependency): shared by the build script and the
// test that checks the committed binary.
import wabtInit from 'wabt';
import { kernelsWat } from '../src/kernels/wasm/wat.js';

export async function assembleKernels(): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const module = wabt.parseWat('kernels.wat', kernelsWat(), { simd: true });
  try {
    module.validate();
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}
