// The benchmark's workloads (the performance issue's W1-W4) and their FLOP counts, shared by
// bench/run.js, its children and the peers. FLOPs count the matrix multiplies only: layer 0 is
// 2*T*B*(I*H + H*H), each further layer 2*T*B*(2*H*H), times the kind's gate count.
// repeats: timed runs per row (median and min-max); quick: the same under --quick.
export const WORKLOADS = [
  { id: 'W1', batch: 3, seq_len: 10, input_size: 100, hidden_size: 20, num_layers: 4, repeats: 30, quick: 10 },
  { id: 'W2', batch: 32, seq_len: 100, input_size: 128, hidden_size: 128, num_layers: 2, repeats: 7, quick: 3 },
  { id: 'W3', batch: 64, seq_len: 256, input_size: 256, hidden_size: 256, num_layers: 4, repeats: 3, quick: 1 },
  { id: 'W4', batch: 1, seq_len: 1000, input_size: 64, hidden_size: 512, num_layers: 1, repeats: 5, quick: 3 },
];

/** Matrix-multiply FLOPs of one forward pass of `kind` (a descriptor from the library's `kinds`). */
export function flopsOf(w, kind) {
  const { seq_len: T, batch: B, input_size: I, hidden_size: H, num_layers: L } = w;
  return kind.gates.length * (2 * T * B * (I * H + H * H) + (L - 1) * 2 * T * B * 2 * H * H);
}

/** The module options of a workload, as the library's Recurrent takes them. */
export function moduleOptions(w) {
  return { inputSize: w.input_size, hiddenSize: w.hidden_size, numLayers: w.num_layers };
}
