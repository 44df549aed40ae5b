/**
 * The WebAssembly SIMD kernels (src/kernels/wasm/) against the plain-TypeScript kernel
 * (src/kernels/gemm.ts), on random shapes that reach every tile height (1-4 rows left over), a
 * partial last panel, offsets into x and y, and with and without a bias: the exact mode's results
 * are the plain kernel's bits, the fast mode's within float32 rounding of the sums. And the
 * committed binary is the generator's text assembled (wabt). The backward pass's sums over rows
 * (A^T B and column sums) and weights prepared transposed, in every mode; each kind's backward step
 * in float32 lanes against its float64 step; each kind's state update in float32 lanes, fused with
 * the recurrent product, against its float64 update on the same gates.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { gemm } from '../../src/kernels/gemm.js';
import { kernelFor, product, STEP_SLOTS, stepExport } from '../../src/kernels/kernel.js';
import { InternalError } from '../../src/errors.js';
import { Recurrent, Tensor } from '../../src/index.js';
import { kinds, type CellKind } from '../../src/modules/kinds/index.js';
import { KERNELS_WASM_BASE64 } from '../../src/kernels/wasm/binary.js';
import { assembleKernels } from '../../scripts/wasm-assemble.js';

const bits = (a: Float32Array): number[] => [...new Uint32Array(a.buffer, a.byteOffset, a.length)];

const shape = fc.record({
  rows: fc.integer({ min: 1, max: 13 }),
  K: fc.integer({ min: 1, max: 70 }),
  N: fc.integer({ min: 1, max: 41 }),
  xOffset: fc.integer({ min: 0, max: 5 }),
  yOffset: fc.integer({ min: 0, max: 5 }),
  bias: fc.boolean(),
  seed: fc.integer({ min: 1, max: 2 ** 30 }),
});

function operands(s: { rows: number; K: number; N: number; xOffset: number; bias: boolean; seed: number }) {
  let state = s.seed;
  const next = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
  const fill = (n: number) => Float32Array.from({ length: n }, next);
  return { x: fill(s.xOffset + s.rows * s.K), w: fill(s.N * s.K), b: s.bias ? fill(s.N) : null };
}

test('wasm exact equals the plain kernel bit for bit; wasm fast is within float32 rounding', () => {
  const exact = kernelFor({ kernel: 'wasm', exact: true });
  const fast = kernelFor({ kernel: 'wasm' });
  assert.equal(exact.label, 'wasm exact');
  assert.equal(fast.label, 'wasm');
  fc.assert(
    fc.property(shape, (s) => {
      const { x, w, b } = operands(s);
      const size = s.yOffset + s.rows * s.N;
      const ref = new Float32Array(size).fill(7);
      gemm(x, s.xOffset, s.rows, s.K, w, s.N, b, ref, s.yOffset);
      const e = new Float32Array(size).fill(7);
      product(exact, x, s.xOffset, s.rows, s.K, w, s.N, b, e, s.yOffset);
      assert.deepEqual(bits(e), bits(ref));
      const f = new Float32Array(size).fill(7);
      product(fast, x, s.xOffset, s.rows, s.K, w, s.N, b, f, s.yOffset);
      for (let i = 0; i < size; i++) {
        // Each |term| <= 0.25 and K terms: float32 rounding of K partial sums bounds the error.
        assert.ok(Math.abs(f[i]! - ref[i]!) <= s.K * 0.25 * 2 ** -22 + 1e-7, `fast [${i}]: ${f[i]} vs ${ref[i]}`);
        if (i < s.yOffset) assert.equal(f[i], 7, 'nothing before y offset is written');
      }
    }),
    { numRuns: 300 },
  );
});

test('a row gives the same bits whether its product has 1, 2 or 5 rows (the wide tiles of 1 and 2 rows against the one-panel tiles)', () => {
  const many = fc.record({ K: fc.integer({ min: 1, max: 40 }), N: fc.integer({ min: 1, max: 90 }), bias: fc.boolean(), seed: fc.integer({ min: 1, max: 2 ** 30 }) });
  for (const exact of [false, true]) {
    const k = kernelFor({ kernel: 'wasm', exact });
    fc.assert(
      fc.property(many, (s) => {
        const { x, w, b } = operands({ rows: 5, K: s.K, N: s.N, xOffset: 0, bias: s.bias, seed: s.seed });
        const all = new Float32Array(5 * s.N);
        product(k, x, 0, 5, s.K, w, s.N, b, all, 0);
        for (const rows of [1, 2]) {
          const part = new Float32Array(rows * s.N);
          product(k, x, 0, rows, s.K, w, s.N, b, part, 0);
          assert.deepEqual(bits(part), bits(all.subarray(0, rows * s.N)), `${k.label}: ${rows} row(s), K ${s.K}, N ${s.N}`);
        }
      }),
      { numRuns: 100 },
    );
  }
});

test('prepared weights stay valid while later ones are prepared and freed', () => {
  const k = kernelFor({ kernel: 'wasm', exact: true });
  const mark = k.mark();
  const w1 = Float32Array.of(1, 2, 3, 4);
  const first = k.prepare(w1, 2, 2, null);
  const inner = k.mark();
  for (let i = 0; i < 10; i++) k.prepare(new Float32Array(1 << 16).fill(9), 256, 256, null);
  k.release(inner);
  k.prepare(Float32Array.of(5, 5, 5, 5), 2, 2, null);
  const y = new Float32Array(2);
  first(Float32Array.of(1, 1), 0, 1, y, 0);
  assert.deepEqual([...y], [3, 7]);
  k.release(mark);
  assert.equal(k.mark(), mark);
});

test('the committed binary is the generator\'s WAT assembled (regenerate: npm run build:wasm)', async () => {
  const bytes = await assembleKernels();
  assert.equal(Buffer.from(bytes).toString('base64'), KERNELS_WASM_BASE64, 'src/kernels/wasm/binary.ts is stale: run npm run build:wasm');
});

test("the fast mode's gate activations are within 3e-7 of float64 ones, saturate, and pass NaN through", () => {
  const k = kernelFor({ kernel: 'wasm' });
  assert.ok(k.prepareGated, 'the fast mode fuses the gates');
  assert.equal(kernelFor({ kernel: 'wasm', exact: true }).prepareGated, undefined, 'the exact mode runs the kinds\' own steps');
  const values = [...Array.from({ length: 4001 }, (_, i) => -20 + i / 100), -100, 100, -1e30, 1e30, -Infinity, Infinity, NaN, -0, 1e-30];
  const N = values.length * 4;
  const gi = Float32Array.from([...values, ...values, ...values, ...values]);
  const blocks = (['identity', 'sigmoid', 'tanh', 'relu'] as const).map((activation, i) => ({ start: i * values.length, end: (i + 1) * values.length, activation }));
  const mark = k.mark();
  const y = new Float32Array(N);
  // W = 0 and h = 0: y = act(gi).
  const gated = k.prepareGated!(new Float32Array(N), N, 1, null, blocks, null);
  assert.equal(gated.updates, false, 'no update given: the gates alone');
  gated.run({ batch: 1, hPrev: new Float32Array(1), gi, giOffset: 0, cPrev: null, gates: y, gh: null, hOut: new Float32Array(0), cOut: null });
  k.release(mark);
  const exact = [(v: number) => v, (v: number) => 1 / (1 + Math.exp(-v)), Math.tanh, (v: number) => (v > 0 || v !== v ? v : 0)];
  let worst = 0;
  values.forEach((v0, i) => {
    const v = Math.fround(v0);
    exact.forEach((f, a) => {
      const want = f(v);
      const got = y[a * values.length + i]!;
      if (Number.isNaN(want)) assert.ok(Number.isNaN(got), `activation ${a} of NaN: ${got}`);
      else if (!Number.isFinite(want)) assert.equal(got, want, `activation ${a} of ${v}`);
      else {
        worst = Math.max(worst, Math.abs(got - want));
        assert.ok(Math.abs(got - want) <= 3e-7, `activation ${a} of ${v}: ${got}, float64 ${want}`);
      }
    });
  });
  assert.ok(worst > 0, 'float32 lanes differ from float64 somewhere');
});

const overRows = fc.record({
  rows: fc.integer({ min: 1, max: 600 }),
  M: fc.integer({ min: 1, max: 21 }),
  Ns: fc.array(fc.integer({ min: 1, max: 19 }), { minLength: 1, maxLength: 2 }),
  sums: fc.boolean(),
  seed: fc.integer({ min: 1, max: 2 ** 30 }),
});

test('the backward sums over rows: js and wasm exact agree bit for bit, wasm fast within float32 rounding', () => {
  const js = kernelFor({ kernel: 'js' });
  const exact = kernelFor({ kernel: 'wasm', exact: true });
  const fast = kernelFor({ kernel: 'wasm' });
  fc.assert(
    fc.property(overRows, (s) => {
      const { x: a } = operands({ rows: s.rows, K: s.M, N: 1, xOffset: 0, bias: false, seed: s.seed });
      const bs = s.Ns.map((N, i) => operands({ rows: s.rows, K: N, N: 1, xOffset: 0, bias: false, seed: s.seed + i + 1 }).x);
      const ref = js.productsOverRows(a, s.M, bs, s.Ns, s.rows, s.sums);
      const e = exact.productsOverRows(a, s.M, bs, s.Ns, s.rows, s.sums);
      const f = fast.productsOverRows(a, s.M, bs, s.Ns, s.rows, s.sums);
      assert.equal(ref.length, s.Ns.length + (s.sums ? 1 : 0));
      // A^T B_i by the definition, in float64: the reference's sums are within rounding of it.
      s.Ns.forEach((N, i) => {
        assert.equal(ref[i]!.length, s.M * N);
        for (let m = 0; m < s.M; m++) {
          for (let n = 0; n < N; n++) {
            let want = 0;
            for (let r = 0; r < s.rows; r++) want += a[r * s.M + m]! * bs[i]![r * N + n]!;
            assert.ok(Math.abs(ref[i]![m * N + n]! - want) <= 1e-6 * (1 + Math.abs(want)), `A^T B_${i} [${m}, ${n}]: ${ref[i]![m * N + n]} vs ${want}`);
          }
        }
      });
      ref.forEach((r, i) => {
        assert.deepEqual(bits(e[i]!), bits(r), `exact result ${i}`);
        assert.equal(f[i]!.length, r.length);
        // Each |term| <= 0.25, `rows` terms: float32 rounding of the partial sums bounds the error.
        for (let j = 0; j < r.length; j++) assert.ok(Math.abs(f[i]![j]! - r[j]!) <= s.rows * 0.25 * 2 ** -22 + 1e-7, `fast result ${i} [${j}]: ${f[i]![j]} vs ${r[j]}`);
      });
    }),
    { numRuns: 150 },
  );
});

test('a weight prepared transposed gives the same products as its transpose prepared', () => {
  fc.assert(
    fc.property(shape, (s) => {
      const { x, w } = operands(s);
      // w read as W^T (K, N): its transpose W (N, K) row-major.
      const wT = new Float32Array(s.N * s.K);
      for (let k = 0; k < s.K; k++) for (let n = 0; n < s.N; n++) wT[n * s.K + k] = w[k * s.N + n]!;
      for (const choice of [{ kernel: 'js' as const }, { kernel: 'wasm' as const }, { kernel: 'wasm' as const, exact: true }]) {
        const k = kernelFor(choice);
        const size = s.yOffset + s.rows * s.N;
        const want = new Float32Array(size);
        product(k, x, s.xOffset, s.rows, s.K, wT, s.N, null, want, s.yOffset);
        const mark = k.mark();
        const got = new Float32Array(size);
        k.prepareTransposed(w, s.K, s.N)(x, s.xOffset, s.rows, got, s.yOffset);
        k.release(mark);
        assert.deepEqual(bits(got), bits(want), k.label);
      }
    }),
    { numRuns: 100 },
  );
});

test("each kind's backward step in float32 lanes agrees with its float64 step, rows with 1-3 units left over included", () => {
  const k = kernelFor({ kernel: 'wasm' });
  assert.ok(k.prepareStep, 'the fast mode has the kinds\' SIMD steps');
  assert.equal(kernelFor({ kernel: 'wasm', exact: true }).prepareStep, undefined, 'the exact mode runs the kinds\' own steps');
  const withSimd = kinds.filter((kind) => kind.simdBackward && kind.backward);
  assert.ok(withSimd.length > 0);
  const mark = k.mark();
  assert.equal(k.prepareStep!('backward_not_assembled', withSimd[0]!.simdBackward!, 1, 1, 1, 0), null, 'a step the module lacks: the kind\'s own runs');
  k.release(mark);
  for (const kind of withSimd) {
    for (const nonlinearity of kind.hasNonlinearity ? (['tanh', 'relu'] as const) : (['tanh'] as const)) {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 11 }), fc.integer({ min: 1, max: 2 ** 30 }), (B, H, seed) => {
          const G = kind.gates.length * H;
          const at = 3; // every buffer read and written from an offset
          const { x: raw } = operands({ rows: 1, K: 12 * (at + B * G), N: 1, xOffset: 0, bias: false, seed });
          const slot = (i: number, wide: boolean, shift = 0.5) => Float32Array.from(raw.subarray(i * (at + B * G), i * (at + B * G) + at + B * (wide ? G : H)), (v) => v + shift);
          const inputs = { gates: slot(0, true), gh: slot(1, true, 0), hPrev: slot(2, false, 0), cPrev: slot(3, false, 0), c: slot(4, false, 0), dh: slot(5, false, 0), dc: slot(6, false, 0) };
          const sub = (a: Float32Array) => a.subarray(at);
          const js = { dgi: new Float32Array(at + B * G), dgh: new Float32Array(at + B * G), dhPrev: new Float32Array(B * H), dcPrev: new Float32Array(B * H), dcTotal: new Float32Array(B * H) };
          kind.backward!({
            batch: B, hiddenSize: H, gates: inputs.gates, gatesOffset: at, gh: inputs.gh, ghOffset: at, hPrev: sub(inputs.hPrev), cPrev: sub(inputs.cPrev), c: sub(inputs.c),
            dh: sub(inputs.dh), dc: sub(inputs.dc), dgi: js.dgi, dgiOffset: at, dgh: js.dgh, dghOffset: at, dhPrev: js.dhPrev, dcPrev: js.dcPrev, dcTotal: js.dcTotal,
            nonlinearity, recurrent: null, dRecurrent: null,
          });
          const simd = { dgi: new Float32Array(at + B * G), dgh: new Float32Array(at + B * G), dhPrev: new Float32Array(at + B * H), dcPrev: new Float32Array(at + B * H), dcTotal: new Float32Array(at + B * H) };
          const buffers = { ...inputs, ...simd };
          const mark = k.mark();
          const run = k.prepareStep!(stepExport('backward', kind.type), kind.simdBackward!, B, H, G, nonlinearity === 'relu' ? 1 : 0);
          assert.ok(run, `the module has ${kind.name}'s step (regenerate: npm run build:wasm)`);
          run(buffers, Object.fromEntries(STEP_SLOTS.map((s) => [s, at])));
          k.release(mark);
          for (const name of kind.simdBackward!.writes) {
            const want = name === 'dgi' || name === 'dgh' ? sub(js[name]) : js[name as 'dhPrev' | 'dcPrev' | 'dcTotal'];
            const got = sub(simd[name as keyof typeof simd]);
            for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) <= 1e-6 * (1 + Math.abs(want[i]!)), `${kind.name} ${nonlinearity} ${name}[${i}]: ${got[i]} vs ${want[i]}`);
            assert.deepEqual([...simd[name as keyof typeof simd].subarray(0, at)], [0, 0, 0], 'nothing before the offset is written');
          }
          // A step that does not write dhPrev has no direct part: the float64 step writes zeros there.
          if (!kind.simdBackward!.writes.includes('dhPrev')) assert.ok(js.dhPrev.every((v) => v === 0), `${kind.name}: dhPrev`);
        }),
        { numRuns: 40 },
      );
    }
  }
});

/** The gates' blocks as the runner hands them to the fused product (σ and tanh; the rawInUpdate gate raw). */
function blocksOf(kind: CellKind, H: number) {
  return kind.gates.map((g, i) => ({ start: i * H, end: (i + 1) * H, activation: g.name === kind.rawInUpdate ? ('raw' as const) : g.activation === 'sigmoid' ? ('sigmoid' as const) : ('tanh' as const) }));
}

test("each kind's state update in float32 lanes, fused with the product, agrees with its float64 update on the same gates", () => {
  const k = kernelFor({ kernel: 'wasm' });
  const withSimd = kinds.filter((kind) => kind.simdUpdate);
  assert.ok(withSimd.length >= 2, 'LSTM and GRU have one');
  for (const kind of withSimd) {
    assert.ok(kind.update, `${kind.name}: a simdUpdate is its update in float32 lanes`);
    const readsH = kind.simdUpdate!.reads.includes('hPrev');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 23 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 2 ** 30 }), (B, H, extra, seed) => {
        const G = kind.gates.length * H;
        // K: the hidden size, or (a projection's size) another, for an update that does not read h_{t-1}.
        const K = readsH ? H : H + extra;
        const at = 5; // gi from an offset, as the runner's chunk of steps
        const { x: raw } = operands({ rows: 1, K: G * K + G + B * K + at + B * G + B * H, N: 1, xOffset: 0, bias: false, seed });
        let used = 0;
        const take = (n: number, scale = 1) => Float32Array.from(raw.subarray(used, (used += n)), (v) => v * scale);
        const w = take(G * K, 4 / Math.sqrt(K));
        const b = take(G);
        const h = take(B * K, 2);
        const gi = take(at + B * G, 4);
        const cPrev = kind.hasCellState ? take(B * H, 6) : null;
        const blocks = blocksOf(kind, H);
        const mark = k.mark();
        const plain = k.prepareGated!(w, G, K, b, blocks, null);
        const fused = k.prepareGated!(w, G, K, b, blocks, { name: stepExport('update', kind.type), step: kind.simdUpdate!, hidden: H, option: 0 });
        assert.equal(plain.updates, false);
        assert.equal(fused.updates, true, `the module has ${kind.name}'s update (regenerate: npm run build:wasm)`);
        // Reference: the gates alone, then the kind's float64 update.
        const ref = { gates: new Float32Array(B * G), gh: new Float32Array(B * G), hOut: new Float32Array(B * H), cOut: cPrev ? new Float32Array(B * H) : null };
        plain.run({ batch: B, hPrev: h, gi, giOffset: at, cPrev, gates: ref.gates, gh: null, hOut: ref.hOut, cOut: ref.cOut });
        kind.update!({ batch: B, hiddenSize: H, hPrev: h, gi, giOffset: at, cPrev, recurrent: null, ...ref });
        // Every output starts as NaN: what the fused run does not write stays NaN and fails below.
        const got = { gates: new Float32Array(B * G).fill(NaN), gh: new Float32Array(B * G).fill(NaN), hOut: new Float32Array(B * H).fill(NaN), cOut: cPrev ? new Float32Array(B * H).fill(NaN) : null };
        fused.run({ batch: B, hPrev: h, gi, giOffset: at, cPrev, ...got });
        k.release(mark);
        for (const name of ['gates', 'hOut', 'cOut', ...(kind.gatedRecurrentTerm ? ['gh' as const] : [])] as const) {
          const want = ref[name];
          const have = got[name];
          if (!want || !have) continue;
          for (let i = 0; i < want.length; i++) {
            const diff = Math.abs(have[i]! - want[i]!);
            assert.ok(diff <= 5e-7 * (1 + Math.abs(want[i]!)), `${kind.name} B ${B} H ${H} K ${K} ${name}[${i}]: ${have[i]} vs ${want[i]}`);
          }
        }
      }),
      { numRuns: 60 },
    );
  }
});

test('the fused update falls back to the kind\'s own where it cannot run, and writes the gates only when asked', () => {
  const k = kernelFor({ kernel: 'wasm' });
  const mark = k.mark();
  for (const kind of kinds.filter((kd) => kd.simdUpdate)) {
    const H = 6;
    const G = kind.gates.length * H;
    const blocks = blocksOf(kind, H);
    const w = Float32Array.from({ length: G * H }, (_, i) => Math.sin(i) / 4);
    const missing = k.prepareGated!(w, G, H, null, blocks, { name: 'update_not_assembled', step: kind.simdUpdate!, hidden: H, option: 0 });
    assert.equal(missing.updates, false, `${kind.name}: an export the module lacks: the kind's update runs`);
    if (kind.simdUpdate!.reads.includes('hPrev')) {
      const projected = k.prepareGated!(new Float32Array(G * (H + 1)), G, H + 1, null, blocks, { name: stepExport('update', kind.type), step: kind.simdUpdate!, hidden: H, option: 0 });
      assert.equal(projected.updates, false, `${kind.name}: x is not h_{t-1} at the hidden size`);
    }
    const fused = k.prepareGated!(w, G, H, null, blocks, { name: stepExport('update', kind.type), step: kind.simdUpdate!, hidden: H, option: 0 });
    const args = { batch: 2, hPrev: Float32Array.from({ length: 2 * H }, (_, i) => Math.cos(i)), gi: new Float32Array(2 * G).fill(0.25), giOffset: 0, cPrev: kind.hasCellState ? new Float32Array(2 * H).fill(0.5) : null, gh: null, cOut: kind.hasCellState ? new Float32Array(2 * H) : null };
    const withGates = { ...args, gates: new Float32Array(2 * G), hOut: new Float32Array(2 * H) };
    const without = { ...args, gates: null, hOut: new Float32Array(2 * H) };
    fused.run(withGates);
    fused.run(without);
    assert.deepEqual(bits(without.hOut), bits(withGates.hOut), `${kind.name}: the same h without the gates copied out`);
    assert.ok(withGates.hOut.some((v) => v !== 0), `${kind.name}: h written`);
    assert.throws(() => missing.run(without), InternalError, 'without its update the product must hand the gates on');
  }
  k.release(mark);
});

test('a kind whose h is its gate has one gate, no cell state and no update to run', () => {
  const withGateH = kinds.filter((kind) => kind.hIsGate);
  assert.ok(withGateH.length > 0);
  for (const kind of withGateH) {
    assert.equal(kind.gates.length, 1, kind.name);
    assert.equal(kind.hasCellState, false, kind.name);
    assert.equal(kind.update, undefined, kind.name);
    assert.equal(kind.simdUpdate, undefined, kind.name);
  }
});

test("the fast forward pass: the gates an observer sees agree with the js kernel's, and asking for them changes no output bit", () => {
  for (const kind of kinds) {
    const module = new Recurrent(kind, { inputSize: 5, hiddenSize: 7, numLayers: 2, bidirectional: true, seed: 4 }).eval();
    const x = Tensor.zeros([6, 3, 5]);
    for (let i = 0; i < x.size; i++) x.data[i] = Math.sin(i * 0.7) * 2;
    const seen = (kernel: 'js' | 'wasm') => {
      const gates: Float32Array[] = [];
      const r = module.forward(x, { kernel, threads: 1, onStep: (_l, _d, _t, _h, _c, g) => gates.push(Float32Array.from(g!)), gates: true });
      return { r, gates };
    };
    const fast = seen('wasm');
    const js = seen('js');
    const plain = module.forward(x, { kernel: 'wasm', threads: 1 });
    assert.deepEqual(bits(plain.out.data), bits(fast.r.out.data), `${kind.name}: out with and without the observer`);
    assert.deepEqual(bits(plain.hN.data), bits(fast.r.hN.data), `${kind.name}: h_n with and without the observer`);
    assert.equal(fast.gates.length, js.gates.length);
    fast.gates.forEach((g, step) => {
      for (let i = 0; i < g.length; i++) assert.ok(Math.abs(g[i]! - js.gates[step]![i]!) <= 1e-5, `${kind.name} step ${step} gate value ${i}: ${g[i]} vs ${js.gates[step]![i]}`);
    });
    for (let i = 0; i < plain.out.size; i++) assert.ok(Math.abs(plain.out.data[i]! - js.r.out.data[i]!) <= 1e-5, `${kind.name} out[${i}]`);
  }
});
