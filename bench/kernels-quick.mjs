import { Recurrent, Tensor, kinds } from '../dist/index.js';
const [B,T,I,H,L] = (process.argv[2] ?? '32,100,128,128,2').split(',').map(Number);
const kindName = process.argv[3] ?? 'lstm';
const kind = kinds.find(k => k.type === kindName);
const m = new Recurrent(kind, { inputSize: I, hiddenSize: H, numLayers: L, seed: 1 }).eval();
const x = new Tensor(Float32Array.from({ length: T*B*I }, (_, i) => Math.sin(i)), [T, B, I]);
const modes = [['js', {kernel:'js'}], ['wasm', {kernel:'wasm'}], ['exact', {kernel:'wasm', exact:true}]];
const res = {};
for (let rep = 0; rep < 3; rep++) for (const [name, o] of modes) {
  const t0 = performance.now(); m.forward(x, { ...o, threads: 1, keepTrace: false }); const dt = performance.now() - t0;
  (res[name] ??= []).push(dt);
}
for (const [name, ts] of Object.entries(res)) { ts.sort((a,b)=>a-b); console.log(name, ts[1].toFixed(0), 'ms', (res.js[1]/ts[1]).toFixed(2)+'x'); }
