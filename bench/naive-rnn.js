// The naive baseline of the benchmark: a stacked Elman RNN (tanh) as anyone writes it first, plain
// triple loops over time, batch and outputs with one accumulator, no blocking, no precomputed
// input projection. Float64Array weights and states. Shape: x (T, B, I) | out (T, B, H).
export function naiveRnn(x, T, B, I, H, L, weights) {
  let input = x;
  let inSize = I;
  for (let l = 0; l < L; l++) {
    const { wih, whh, bih, bhh } = weights[l];
    const out = new Float64Array(T * B * H);
    const h = new Float64Array(B * H);
    const next = new Float64Array(B * H);
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        for (let o = 0; o < H; o++) {
          let acc = bih[o] + bhh[o];
          for (let k = 0; k < inSize; k++) acc += input[(t * B + b) * inSize + k] * wih[o * inSize + k];
          for (let k = 0; k < H; k++) acc += h[b * H + k] * whh[o * H + k];
          next[b * H + o] = Math.tanh(acc);
        }
      }
      h.set(next);
      out.set(next, t * B * H);
    }
    input = out;
    inSize = H;
  }
  return input;
}

/** Random weights for naiveRnn, uniform in ±1/sqrt(H) as PyTorch initialises them. */
export function naiveWeights(I, H, L) {
  const k = 1 / Math.sqrt(H);
  const u = (n) => Float64Array.from({ length: n }, () => (Math.random() * 2 - 1) * k);
  return Array.from({ length: L }, (_, l) => ({ wih: u(H * (l === 0 ? I : H)), whh: u(H * H), bih: u(H), bhh: u(H) }));
}
