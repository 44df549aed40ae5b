/**
 * The WebAssembly SIMD kernels, written as WAT text by this generator: y = x W^T + b for the
 * products an RNN pass needs, with W packed into panels (src/kernels/wasm/simd.ts packs them).
 * `npm run build:wasm` assembles this text with wabt into src/kernels/wasm/binary.ts; a unit test
 * checks that the committed binary is this text's.
 *
 * Two precisions, one generator:
 *   - f32 (the fast mode): panels of 8 outputs, two f32x4 accumulators per row, each lane one
 *     output summed over k in order in float32, then the bias;
 *   - f64 (the exact mode): panels of 4 outputs, two f64x2 accumulators per row, W packed as
 *     float32 and widened in registers (WEIGHT_BYTES), x copied in as float64 (one load64_splat
 *     per row and step, not a load, a promote and a splat: W2 LSTM exact 4.1× the js kernel
 *     against 3.3×): each lane one output summed over k in order in float64, plus the bias,
 *     rounded once to float32. These are the plain-TypeScript kernel's sums in its order (src/kernels/gemm.ts),
 *     so the results are its bits.
 * A tile is p.rows rows of x times one panel; the driver runs every panel over every block of rows
 * (the panel, K * 32 or K * 16 bytes, stays in L1 while the rows stream past), then the rows left over with
 * a tile of their own height. A panel with fewer valid outputs than its width (the last one) is
 * stored lane by lane.
 *
 * Pointers are byte offsets into the module's memory; 0 for the bias means none (the memory's
 * first bytes are never handed out).
 */

/**
 * Bytes per packed weight, in both precisions: the weights are float32 values, and the f64 kernel
 * widens them in registers (exactly), which halves the bytes streamed per step against float64
 * panels (measured, exact mode against float64 panels in one process: W4 (batch 1) LSTM 0.75-0.81
 * of the time, GRU 0.90, RNN 0.91; W2 unchanged within the noise).
 */
export const WEIGHT_BYTES = 4;

export interface Precision {
  readonly name: 'f32' | 'f64';
  /** Outputs per panel (two vectors). */
  readonly panel: number;
  /** Bytes per accumulator lane: of x as the kernel reads it (the host copies x in as this type) and of the packed bias. */
  readonly bytes: number;
  /** Rows of x per tile: rows × 2 vectors accumulators, plus 2 weight vectors and a splat. */
  readonly rows: number;
}

export const PRECISIONS: readonly Precision[] = [
  { name: 'f32', panel: 8, bytes: 4, rows: 4 },
  { name: 'f64', panel: 4, bytes: 8, rows: 4 },
];

/** Lanes per vector, and vectors per panel. */
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const lanes = (p: Precision): number => 16 / p.bytes;
const vectors = (p: Precision): number[] => range(p.panel / lanes(p));
const vec = (p: Precision): string => (p.name === 'f32' ? 'f32x4' : 'f64x2');
/** x[r][k] (in memory as the accumulators' type: the host widens x to float64 for f64) as a splat. */
const splat = (p: Precision, ptr: string): string => `(v128.load${p.bytes * 8}_splat (local.get ${ptr}))`;
/** One lane of an accumulator as the float32 stored. */
const laneValue = (p: Precision, acc: string, lane: number): string =>
  p.name === 'f32' ? `(f32x4.extract_lane ${lane} (local.get ${acc}))` : `(f32.demote_f64 (f64x2.extract_lane ${lane} (local.get ${acc})))`;


/** tile_<p>_<rows>(x, K, wp, b, y, N, ncols): `rows` rows of x (stride K) times one panel. */
function tile(p: Precision, rows: number): string {
  const rs = range(rows);
  const acc = (r: number, v: number): string => `$a${r}_${v}`;
  const panelBytes = p.panel * WEIGHT_BYTES;
  const vecBytes = 16;
  const vs = vectors(p);
  const lines: string[] = [];
  lines.push(`(func $tile_${p.name}_${rows} (param $x i32) (param $K i32) (param $wp i32) (param $b i32) (param $y i32) (param $N i32) (param $ncols i32)`);
  lines.push(`  (local $k i32) ${vs.map((v) => `(local $w${v} v128)`).join(' ')} (local $s v128)`);
  for (const r of rs) lines.push(`  (local $x${r} i32) ${vs.map((v) => `(local ${acc(r, v)} v128)`).join(' ')}`);
  for (const r of rs) lines.push(`  (local.set $x${r} (i32.add (local.get $x) (i32.mul (local.get $K) (i32.const ${r * p.bytes}))))`);
  lines.push('  (local.set $k (local.get $K))');
  lines.push('  (block $done (loop $next');
  lines.push('    (br_if $done (i32.eqz (local.get $k)))');
  // f32: one vector of 4 weights; f64: 2 float32 weights widened exactly into the f64x2 lanes.
  for (const v of vs) lines.push(`    (local.set $w${v} ${p.name === 'f32' ? `(v128.load offset=${v * 16} (local.get $wp))` : `(f64x2.promote_low_f32x4 (v128.load64_zero offset=${v * 8} (local.get $wp)))`})`);
  for (const r of rs) {
    lines.push(`    (local.set $s ${splat(p, `$x${r}`)})`);
    for (const v of vs) lines.push(`    (local.set ${acc(r, v)} (${vec(p)}.add (local.get ${acc(r, v)}) (${vec(p)}.mul (local.get $s) (local.get $w${v}))))`);
    lines.push(`    (local.set $x${r} (i32.add (local.get $x${r}) (i32.const ${p.bytes})))`);
  }
  lines.push(`    (local.set $wp (i32.add (local.get $wp) (i32.const ${panelBytes})))`);
  lines.push('    (local.set $k (i32.sub (local.get $k) (i32.const 1)))');
  lines.push('    (br $next)))');
  // The bias (packed like a panel row, in the accumulators' type), when there is one.
  lines.push('  (if (local.get $b) (then');
  for (const r of rs) for (const v of vs) lines.push(`    (local.set ${acc(r, v)} (${vec(p)}.add (local.get ${acc(r, v)}) (v128.load offset=${v * vecBytes} (local.get $b))))`);
  lines.push('  ))');
  // Stores: row r's outputs start at y + r * N * 4.
  const n = lanes(p);
  for (const r of rs) {
    const yRow = r === 0 ? '(local.get $y)' : `(i32.add (local.get $y) (i32.mul (local.get $N) (i32.const ${r * 4})))`;
    lines.push(`  (local.set $k ${yRow})`);
    if (p.name === 'f32') {
      lines.push(`  (if (i32.eq (local.get $ncols) (i32.const ${p.panel})) (then`);
      lines.push(`    ${vs.map((v) => `(v128.store offset=${v * 16} (local.get $k) (local.get ${acc(r, v)}))`).join(' ')})`);
      lines.push('  (else');
    }
    for (const j of range(p.panel)) {
      const store = `(f32.store offset=${j * 4} (local.get $k) ${laneValue(p, acc(r, Math.floor(j / n)), j % n)})`;
      lines.push(j === 0 ? `    ${store}` : `    (if (i32.gt_u (local.get $ncols) (i32.const ${j})) (then ${store}))`);
    }
    if (p.name === 'f32') lines.push('  ))');
  }
  lines.push(')');
  return lines.join('\n');
}

/**
 * The products of 1 or 2 rows (the recurrent step at batch 1 or 2) run m adjacent full panels per
 * tile: a one-panel tile has only 2 (or 4) accumulators, each a chain of dependent adds, which the
 * add's latency bounds; m panels give rows × m × 2 independent chains. Each output is still its
 * sum over k in order, plus the bias: the one-panel tile's bits.
 */
export const WIDE_TILES: readonly { rows: number; panels: number }[] = [
  { rows: 1, panels: 4 },
  { rows: 2, panels: 2 },
];

/** tile_<p>_<rows>x<m>(x, K, wp, b, y, N): `rows` rows of x (stride K) times m full panels from wp on. */
function wideTile(p: Precision, rows: number, m: number): string {
  const rs = range(rows);
  const qs = range(m);
  const vs = vectors(p);
  const acc = (r: number, q: number, v: number): string => `$a${r}_${q}_${v}`;
  const panelBytes = p.panel * WEIGHT_BYTES;
  const n = lanes(p);
  const lines: string[] = [];
  lines.push(`(func $tile_${p.name}_${rows}x${m} (param $x i32) (param $K i32) (param $wp i32) (param $b i32) (param $y i32) (param $N i32)`);
  lines.push(`  (local $k i32) (local $stride i32) ${vs.map((v) => `(local $w${v} v128)`).join(' ')}`);
  lines.push(`  ${qs.map((q) => `(local $p${q} i32)`).join(' ')}`);
  for (const r of rs) lines.push(`  (local $x${r} i32) (local $s${r} v128) ${qs.flatMap((q) => vs.map((v) => `(local ${acc(r, q, v)} v128)`)).join(' ')}`);
  lines.push(`  (local.set $stride (i32.mul (local.get $K) (i32.const ${panelBytes})))`);
  for (const q of qs) lines.push(`  (local.set $p${q} (i32.add (local.get $wp) (i32.mul (local.get $stride) (i32.const ${q}))))`);
  for (const r of rs) lines.push(`  (local.set $x${r} (i32.add (local.get $x) (i32.mul (local.get $K) (i32.const ${r * p.bytes}))))`);
  lines.push('  (local.set $k (local.get $K))');
  lines.push('  (block $done (loop $next');
  lines.push('    (br_if $done (i32.eqz (local.get $k)))');
  for (const r of rs) {
    lines.push(`    (local.set $s${r} ${splat(p, `$x${r}`)})`);
    lines.push(`    (local.set $x${r} (i32.add (local.get $x${r}) (i32.const ${p.bytes})))`);
  }
  for (const q of qs) {
    for (const v of vs) lines.push(`    (local.set $w${v} ${p.name === 'f32' ? `(v128.load offset=${v * 16} (local.get $p${q}))` : `(f64x2.promote_low_f32x4 (v128.load64_zero offset=${v * 8} (local.get $p${q})))`})`);
    for (const r of rs) for (const v of vs) lines.push(`    (local.set ${acc(r, q, v)} (${vec(p)}.add (local.get ${acc(r, q, v)}) (${vec(p)}.mul (local.get $s${r}) (local.get $w${v}))))`);
    lines.push(`    (local.set $p${q} (i32.add (local.get $p${q}) (i32.const ${panelBytes})))`);
  }
  lines.push('    (local.set $k (i32.sub (local.get $k) (i32.const 1)))');
  lines.push('    (br $next)))');
  lines.push('  (if (local.get $b) (then');
  for (const r of rs) for (const q of qs) for (const v of vs) lines.push(`    (local.set ${acc(r, q, v)} (${vec(p)}.add (local.get ${acc(r, q, v)}) (v128.load offset=${q * p.panel * p.bytes + v * 16} (local.get $b))))`);
  lines.push('  ))');
  for (const r of rs) {
    lines.push(`  (local.set $k ${r === 0 ? '(local.get $y)' : `(i32.add (local.get $y) (i32.mul (local.get $N) (i32.const ${r * 4})))`})`);
    for (const q of qs) {
      if (p.name === 'f32') lines.push(`  ${vs.map((v) => `(v128.store offset=${q * p.panel * 4 + v * 16} (local.get $k) (local.get ${acc(r, q, v)}))`).join(' ')}`);
      else for (const j of range(p.panel)) lines.push(`  (f32.store offset=${(q * p.panel + j) * 4} (local.get $k) ${laneValue(p, acc(r, q, Math.floor(j / n)), j % n)})`);
    }
  }
  lines.push(')');
  return lines.join('\n');
}

/**
 * gemm_<p>(x, rows, K, wp, N, b, y): y (rows, N) = x (rows, K) W^T + b, W packed (see simd.ts).
 * For each panel, the blocks of p.rows rows, then the rows left over in one shorter tile; a product
 * of 1 or 2 rows first runs its full panels m at a time (WIDE_TILES).
 */
function driver(p: Precision): string {
  const panelBytes = p.panel * WEIGHT_BYTES;
  const biasBytes = p.panel * p.bytes;
  const tail = range(p.rows - 1).map((i) => i + 1);
  return `(func (export "gemm_${p.name}") (param $x i32) (param $rows i32) (param $K i32) (param $wp i32) (param $N i32) (param $b i32) (param $y i32)
  (local $o i32) (local $r i32) (local $ncols i32) (local $full i32) (local $xr i32) (local $yr i32) (local $bp i32)
  (local.set $full (i32.sub (local.get $rows) (i32.rem_u (local.get $rows) (i32.const ${p.rows}))))
  (local.set $bp (local.get $b))
${WIDE_TILES.map(({ rows, panels: m }) => `  (if (i32.eq (local.get $rows) (i32.const ${rows})) (then
    (block $wide${rows}done (loop $wide${rows}next
      (br_if $wide${rows}done (i32.gt_u (i32.add (local.get $o) (i32.const ${m * p.panel})) (local.get $N)))
      (call $tile_${p.name}_${rows}x${m} (local.get $x) (local.get $K) (local.get $wp) (local.get $bp) (i32.add (local.get $y) (i32.shl (local.get $o) (i32.const 2))) (local.get $N))
      (local.set $wp (i32.add (local.get $wp) (i32.mul (local.get $K) (i32.const ${m * panelBytes}))))
      (if (local.get $b) (then (local.set $bp (i32.add (local.get $bp) (i32.const ${m * biasBytes})))))
      (local.set $o (i32.add (local.get $o) (i32.const ${m * p.panel})))
      (br $wide${rows}next)))))`).join('\n')}
  (block $panels (loop $panel
    (br_if $panels (i32.ge_u (local.get $o) (local.get $N)))
    (local.set $ncols (i32.sub (local.get $N) (local.get $o)))
    (if (i32.gt_u (local.get $ncols) (i32.const ${p.panel})) (then (local.set $ncols (i32.const ${p.panel}))))
    (local.set $r (i32.const 0))
    (local.set $xr (local.get $x))
    (local.set $yr (i32.add (local.get $y) (i32.shl (local.get $o) (i32.const 2))))
    (block $blocks (loop $block
      (br_if $blocks (i32.ge_u (local.get $r) (local.get $full)))
      (call $tile_${p.name}_${p.rows} (local.get $xr) (local.get $K) (local.get $wp) (local.get $bp) (local.get $yr) (local.get $N) (local.get $ncols))
      (local.set $xr (i32.add (local.get $xr) (i32.mul (local.get $K) (i32.const ${p.rows * p.bytes}))))
      (local.set $yr (i32.add (local.get $yr) (i32.mul (local.get $N) (i32.const ${p.rows * 4}))))
      (local.set $r (i32.add (local.get $r) (i32.const ${p.rows})))
      (br $block)))
${tail
  .map(
    (rows) =>
      `    (if (i32.eq (i32.sub (local.get $rows) (local.get $full)) (i32.const ${rows})) (then (call $tile_${p.name}_${rows} (local.get $xr) (local.get $K) (local.get $wp) (local.get $bp) (local.get $yr) (local.get $N) (local.get $ncols))))`,
  )
  .join('\n')}
    (local.set $wp (i32.add (local.get $wp) (i32.mul (local.get $K) (i32.const ${panelBytes}))))
    (if (local.get $b) (then (local.set $bp (i32.add (local.get $bp) (i32.const ${biasBytes})))))
    (local.set $o (i32.add (local.get $o) (i32.const ${p.panel})))
    (br $panel)))
)`;
}

/**
 * pack_f32(src, R, M, width, dst): the columns of A (R, M) row-major as panels of `width` columns
 * (4 or 8), each panel's R rows adjacent: dst[(q * R + r) * width + j] = A[r][q * width + j], 0
 * past M. gemm_tn_f32 reads both its operands so: one contiguous stream each.
 */
const PACK = `(func (export "pack_f32") (param $src i32) (param $R i32) (param $M i32) (param $width i32) (param $dst i32)
  (local $q i32) (local $r i32) (local $j i32) (local $col i32) (local $row i32)
  (block $qdone (loop $qnext
    (br_if $qdone (i32.ge_u (local.get $q) (local.get $M)))
    (local.set $row (i32.add (local.get $src) (i32.shl (local.get $q) (i32.const 2))))
    (local.set $r (i32.const 0))
    (block $rdone (loop $rnext
      (br_if $rdone (i32.ge_u (local.get $r) (local.get $R)))
      (if (i32.le_u (i32.add (local.get $q) (local.get $width)) (local.get $M))
        (then
          (v128.store (local.get $dst) (v128.load (local.get $row)))
          (if (i32.eq (local.get $width) (i32.const 8)) (then (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $row))))))
        (else
          (local.set $j (i32.const 0))
          (block $jdone (loop $jnext
            (br_if $jdone (i32.ge_u (local.get $j) (local.get $width)))
            (local.set $col (i32.add (local.get $q) (local.get $j)))
            (f32.store (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2)))
              (if (result f32) (i32.lt_u (local.get $col) (local.get $M)) (then (f32.load (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2))))) (else (f32.const 0))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $jnext)))))
      (local.set $dst (i32.add (local.get $dst) (i32.shl (local.get $width) (i32.const 2))))
      (local.set $row (i32.add (local.get $row) (i32.shl (local.get $M) (i32.const 2))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rnext)))
    (local.set $q (i32.add (local.get $q) (local.get $width)))
    (br $qnext)))
)`;

/**
 * pack_rows_f32(x, rows, K, dst): x (rows, K) row-major as panels of 4 rows, each panel's K steps
 * adjacent: dst[(q * K + k) * 4 + i] = x[4q + i][k], 0 past the last row. gemm_tn_f32 then runs
 * y = x W^T as the sum over k of x's columns times W's rows (W packed as prepare packs it).
 */
const PACK_ROWS = `(func (export "pack_rows_f32") (param $x i32) (param $rows i32) (param $K i32) (param $dst i32)
  (local $q i32) (local $i i32) (local $k i32) (local $src i32) (local $to i32) (local $k4 i32)
  (local.set $k4 (i32.shl (local.get $K) (i32.const 2)))
  (block $qdone (loop $qnext
    (br_if $qdone (i32.ge_u (local.get $q) (local.get $rows)))
    (local.set $i (i32.const 0))
    (block $idone (loop $inext
      (br_if $idone (i32.ge_u (local.get $i) (i32.const 4)))
      (local.set $to (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2))))
      (if (i32.lt_u (i32.add (local.get $q) (local.get $i)) (local.get $rows))
        (then
          (local.set $src (i32.add (local.get $x) (i32.mul (i32.add (local.get $q) (local.get $i)) (local.get $k4))))
          (local.set $k (local.get $K))
          (block $kdone (loop $knext
            (br_if $kdone (i32.eqz (local.get $k)))
            (f32.store (local.get $to) (f32.load (local.get $src)))
            (local.set $src (i32.add (local.get $src) (i32.const 4)))
            (local.set $to (i32.add (local.get $to) (i32.const 16)))
            (local.set $k (i32.sub (local.get $k) (i32.const 1)))
            (br $knext))))
        (else
          (local.set $k (local.get $K))
          (block $zdone (loop $znext
            (br_if $zdone (i32.eqz (local.get $k)))
            (f32.store (local.get $to) (f32.const 0))
            (local.set $to (i32.add (local.get $to) (i32.const 16)))
            (local.set $k (i32.sub (local.get $k) (i32.const 1)))
            (br $znext)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $inext)))
    (local.set $dst (i32.add (local.get $dst) (i32.shl (local.get $K) (i32.const 4))))
    (local.set $q (i32.add (local.get $q) (i32.const 4)))
    (br $qnext)))
)`;

/** Columns of A per tn_tile panel (and rows of x per pack_rows_f32 panel): measured below. */
export const TN_PANEL = 4;

/**
 * tn_tile(a, b, R, c, N, nrows, ncols, add): a panel of 4 columns of A times a panel of 8 of B
 * (both packed by pack_f32), each lane summed over the R rows in order in float32; c = the sums,
 * or c += them when `add`, for the first nrows rows and ncols columns of the tile. Measured
 * against taller tiles on the backward pass's shapes (M 64-1024, N 256-512, 256-1024 rows), in
 * one run: 4 columns 29-32 GFLOP/s, 5 columns 26-27.5, 6 columns (12 accumulators) 23-26.
 */
function tnTile(): string {
  const rs = range(TN_PANEL);
  const acc = (r: number, v: number): string => `$a${r}_${v}`;
  const lines: string[] = [];
  lines.push('(func $tn_tile (param $a i32) (param $b i32) (param $R i32) (param $c i32) (param $N i32) (param $nrows i32) (param $ncols i32) (param $add i32)');
  lines.push('  (local $k i32) (local $w0 v128) (local $w1 v128) (local $s v128) (local $at i32)');
  for (const r of rs) lines.push(`  (local ${acc(r, 0)} v128) (local ${acc(r, 1)} v128)`);
  lines.push('  (local.set $k (local.get $R))');
  lines.push('  (block $done (loop $next');
  lines.push('    (br_if $done (i32.eqz (local.get $k)))');
  lines.push('    (local.set $w0 (v128.load (local.get $b)))');
  lines.push('    (local.set $w1 (v128.load offset=16 (local.get $b)))');
  for (const r of rs) {
    lines.push(`    (local.set $s (v128.load32_splat offset=${r * 4} (local.get $a)))`);
    for (const v of [0, 1]) lines.push(`    (local.set ${acc(r, v)} (f32x4.add (local.get ${acc(r, v)}) (f32x4.mul (local.get $s) (local.get $w${v}))))`);
  }
  lines.push(`    (local.set $a (i32.add (local.get $a) (i32.const ${TN_PANEL * 4})))`);
  lines.push('    (local.set $b (i32.add (local.get $b) (i32.const 32)))');
  lines.push('    (local.set $k (i32.sub (local.get $k) (i32.const 1)))');
  lines.push('    (br $next)))');
  // Row r of the tile starts at c + r * N * 4.
  for (const r of rs) {
    lines.push(`  (if (i32.gt_u (local.get $nrows) (i32.const ${r})) (then`);
    lines.push(`  (local.set $at ${r === 0 ? '(local.get $c)' : `(i32.add (local.get $c) (i32.mul (local.get $N) (i32.const ${r * 4})))`})`);
    lines.push('  (if (i32.eq (local.get $ncols) (i32.const 8)) (then');
    lines.push('    (if (local.get $add) (then');
    for (const v of [0, 1]) lines.push(`      (local.set ${acc(r, v)} (f32x4.add (local.get ${acc(r, v)}) (v128.load offset=${v * 16} (local.get $at))))`);
    lines.push('    ))');
    lines.push(`    (v128.store (local.get $at) (local.get ${acc(r, 0)}))`);
    lines.push(`    (v128.store offset=16 (local.get $at) (local.get ${acc(r, 1)})))`);
    lines.push('  (else');
    for (const j of range(8)) {
      const value = `(f32x4.extract_lane ${j % 4} (local.get ${acc(r, Math.floor(j / 4))}))`;
      const store = `(f32.store offset=${j * 4} (local.get $at) (if (result f32) (local.get $add) (then (f32.add (f32.load offset=${j * 4} (local.get $at)) ${value})) (else ${value})))`;
      lines.push(j === 0 ? `    ${store}` : `    (if (i32.gt_u (local.get $ncols) (i32.const ${j})) (then ${store}))`);
    }
    lines.push('  ))))');
  }
  lines.push(')');
  return lines.join('\n');
}

/**
 * gemm_tn_f32(a, M, b, N, R, c, add): C (M, N) = A^T B, or C += A^T B when `add`, for A (R, M)
 * and B (R, N) as pack_f32 leaves them (A in panels of 4 columns, B of 8): the weight gradients'
 * sums over steps × batch rows. For each panel of B (R * 32 bytes, kept in L1 while A's panels
 * stream past), every panel of A.
 */
const TN_DRIVER = `(func (export "gemm_tn_f32") (param $a i32) (param $M i32) (param $b i32) (param $N i32) (param $R i32) (param $c i32) (param $add i32)
  (local $o i32) (local $m i32) (local $ncols i32) (local $nrows i32) (local $ap i32)
  (block $panels (loop $panel
    (br_if $panels (i32.ge_u (local.get $o) (local.get $N)))
    (local.set $ncols (i32.sub (local.get $N) (local.get $o)))
    (if (i32.gt_u (local.get $ncols) (i32.const 8)) (then (local.set $ncols (i32.const 8))))
    (local.set $m (i32.const 0))
    (local.set $ap (local.get $a))
    (block $blocks (loop $block
      (br_if $blocks (i32.ge_u (local.get $m) (local.get $M)))
      (local.set $nrows (i32.sub (local.get $M) (local.get $m)))
      (if (i32.gt_u (local.get $nrows) (i32.const ${TN_PANEL})) (then (local.set $nrows (i32.const ${TN_PANEL}))))
      (call $tn_tile (local.get $ap) (local.get $b) (local.get $R)
        (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $m) (local.get $N)) (local.get $o)) (i32.const 2))) (local.get $N) (local.get $nrows) (local.get $ncols) (local.get $add))
      (local.set $ap (i32.add (local.get $ap) (i32.mul (local.get $R) (i32.const ${TN_PANEL * 4}))))
      (local.set $m (i32.add (local.get $m) (i32.const ${TN_PANEL})))
      (br $block)))
    (local.set $b (i32.add (local.get $b) (i32.shl (local.get $R) (i32.const 5))))
    (local.set $o (i32.add (local.get $o) (i32.const 8)))
    (br $panel)))
)`;

/**
 * colsum_f32(a, R, M, out, add): out (M) = the column sums of A (R, M), or out += them when
 * `add`; each column summed over the rows in order in float32 (the fast mode's bias gradients).
 */
const COLSUM = `(func (export "colsum_f32") (param $a i32) (param $R i32) (param $M i32) (param $out i32) (param $add i32)
  (local $r i32) (local $j i32) (local $full i32) (local $row i32) (local $at i32)
  (if (i32.eqz (local.get $add)) (then (memory.fill (local.get $out) (i32.const 0) (i32.shl (local.get $M) (i32.const 2)))))
  (local.set $full (i32.sub (local.get $M) (i32.rem_u (local.get $M) (i32.const 4))))
  (local.set $row (local.get $a))
  (block $rdone (loop $rnext
    (br_if $rdone (i32.ge_u (local.get $r) (local.get $R)))
    (local.set $j (i32.const 0))
    (block $vdone (loop $vnext
      (br_if $vdone (i32.ge_u (local.get $j) (local.get $full)))
      (local.set $at (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2))))
      (v128.store (local.get $at) (f32x4.add (v128.load (local.get $at)) (v128.load (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2))))))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $vnext)))
    (block $sdone (loop $snext
      (br_if $sdone (i32.ge_u (local.get $j) (local.get $M)))
      (local.set $at (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2))))
      (f32.store (local.get $at) (f32.add (f32.load (local.get $at)) (f32.load (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2))))))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $snext)))
    (local.set $row (i32.add (local.get $row) (i32.shl (local.get $M) (i32.const 2))))
    (local.set $r (i32.add (local.get $r) (i32.const 1)))
    (br $rnext)))
)`;

/**
 * The activations a gate block can have, by code: what `gates_f32` applies to gi + gh, or `raw`:
 * the block keeps gh alone (a gate whose recurrent term is gated, GRU's n). Float32 lanes (the
 * fast mode only: the exact mode keeps the kinds' own float64 steps).
 */
export const ACTIVATIONS = ['identity', 'sigmoid', 'tanh', 'relu', 'raw'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

/** The v128 locals the activations (activation4) use, declared by every function they are written into. */
const ACT_LOCALS = '(local $ex v128) (local $en v128) (local $er v128) (local $ep v128) (local $ax v128) (local $ay v128)';

/**
 * exp of the f32x4 expression x (Cephes' expf): x clamped to [-87.3, 88.3] (NaN stays NaN: wasm's
 * min and max propagate it), n = round(x log2 e), r = x - n ln 2 in two parts, a degree-6
 * polynomial for e^r (within 2 float32 ulps), times 2^n built in the exponent bits. Statements
 * that leave e^x in $ep.
 */
function exp4(x: string): string {
  return `(local.set $ex (f32x4.max (f32x4.min ${x} (v128.const f32x4 88.3 88.3 88.3 88.3)) (v128.const f32x4 -87.3 -87.3 -87.3 -87.3)))
  (local.set $en (f32x4.nearest (f32x4.mul (local.get $ex) (v128.const f32x4 1.44269504088896341 1.44269504088896341 1.44269504088896341 1.44269504088896341))))
  (local.set $er (f32x4.sub (local.get $ex) (f32x4.mul (local.get $en) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))))
  (local.set $er (f32x4.sub (local.get $er) (f32x4.mul (local.get $en) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
  (local.set $ep (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4))
${['1.3981999507e-3', '8.3334519073e-3', '4.1665795894e-2', '1.6666665459e-1', '5.0000001201e-1']
  .map((c) => `  (local.set $ep (f32x4.add (f32x4.mul (local.get $ep) (local.get $er)) (v128.const f32x4 ${c} ${c} ${c} ${c})))`)
  .join('\n')}
  (local.set $ep (f32x4.add (f32x4.add (f32x4.mul (f32x4.mul (local.get $ep) (local.get $er)) (local.get $er)) (local.get $er)) (v128.const f32x4 1 1 1 1)))
  (local.set $ep (f32x4.mul (local.get $ep) (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $en)) (v128.const i32x4 127 127 127 127)) (i32.const 23))))`;
}

/**
 * An activation of the f32x4 expression x, as an expression written in place (a block with a
 * result, its locals ACT_LOCALS), not a call: sigmoid 1 / (1 + e^-x); tanh (1 - e) / (1 + e) with
 * e = e^(-2|x|), the sign of x restored; relu max(x, 0). Against a call per vector, the same bits,
 * in one process: W2's fast forward pass LSTM 0.91-0.92 of the time, GRU 0.94-0.96, RNN 0.86-0.96.
 */
export function activation4(name: Exclude<ActivationName, 'raw'>, x: string): string {
  switch (name) {
    case 'identity':
      return x;
    case 'relu':
      return `(f32x4.max ${x} (v128.const f32x4 0 0 0 0))`;
    case 'sigmoid':
      return `(block (result v128)
  ${exp4(`(f32x4.neg ${x})`)}
  (f32x4.div (v128.const f32x4 1 1 1 1) (f32x4.add (v128.const f32x4 1 1 1 1) (local.get $ep))))`;
    case 'tanh':
      return `(block (result v128)
  (local.set $ax ${x})
  ${exp4('(f32x4.mul (f32x4.abs (local.get $ax)) (v128.const f32x4 -2 -2 -2 -2))')}
  (local.set $ay (f32x4.div (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $ep)) (f32x4.add (v128.const f32x4 1 1 1 1) (local.get $ep))))
  ;; the sign bit of x on |t|
  (v128.or (v128.and (local.get $ay) (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff)) (v128.and (local.get $ax) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))))`;
  }
}

/**
 * gates_f32(y, gi, rows, N, blocks, count): y (rows, N) = act(y + gi) in place, gi (rows, N), where
 * \`blocks\` points at \`count\` triples (start, end, activation code) of i32 covering [0, N).
 * Four lanes at a time; the last 1-3 of a block one lane at a time.
 */
function gates(): string {
  const perAct = ACTIVATIONS.flatMap((name, code) =>
    name === 'raw'
      ? []
      : `      (if (i32.eq (local.get $act) (i32.const ${code})) (then
        (block $vdone (loop $vnext
          (br_if $vdone (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $end)))
          (local.set $at (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2))))
          (local.set $g (i32.add (local.get $girow) (i32.shl (local.get $j) (i32.const 2))))
          (v128.store (local.get $at) ${activation4(name, '(f32x4.add (v128.load (local.get $at)) (v128.load (local.get $g)))')})
          (local.set $j (i32.add (local.get $j) (i32.const 4)))
          (br $vnext)))
        (block $sdone (loop $snext
          (br_if $sdone (i32.ge_u (local.get $j) (local.get $end)))
          (local.set $at (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2))))
          (local.set $g (i32.add (local.get $girow) (i32.shl (local.get $j) (i32.const 2))))
          (f32.store (local.get $at) (f32x4.extract_lane 0 ${activation4(name, '(f32x4.splat (f32.add (f32.load (local.get $at)) (f32.load (local.get $g))))')}))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $snext)))))`,
  ).join('\n');
  return `(func (export "gates_f32") (param $y i32) (param $gi i32) (param $rows i32) (param $N i32) (param $blocks i32) (param $count i32)
  (local $r i32) (local $b i32) (local $t i32) (local $j i32) (local $end i32) (local $act i32) (local $row i32) (local $girow i32) (local $at i32) (local $g i32) ${ACT_LOCALS}
  (block $rdone (loop $rnext
    (br_if $rdone (i32.ge_u (local.get $r) (local.get $rows)))
    (local.set $row (i32.add (local.get $y) (i32.shl (i32.mul (local.get $r) (local.get $N)) (i32.const 2))))
    (local.set $girow (i32.add (local.get $gi) (i32.shl (i32.mul (local.get $r) (local.get $N)) (i32.const 2))))
    (local.set $b (i32.const 0))
    (block $bdone (loop $bnext
      (br_if $bdone (i32.ge_u (local.get $b) (local.get $count)))
      (local.set $t (i32.add (local.get $blocks) (i32.mul (local.get $b) (i32.const 12))))
      (local.set $j (i32.load (local.get $t)))
      (local.set $end (i32.load offset=4 (local.get $t)))
      (local.set $act (i32.load offset=8 (local.get $t)))
${perAct}
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bnext)))
    (local.set $r (i32.add (local.get $r) (i32.const 1)))
    (br $rnext)))
)`;
}

/**
 * The buffers of a kind's element-wise step in float32 lanes, forward (the state update: UpdateArgs
 * in src/modules/kinds/kind.ts) and backward (BackwardStepArgs), by those contracts' names, in the
 * order of the pointer table the step's export reads. A row of the gate-wide ones is gates ×
 * hidden values, of the others hidden.
 */
export const STEP_SLOTS = ['gates', 'gh', 'gi', 'hPrev', 'cPrev', 'hOut', 'cOut', 'c', 'dh', 'dc', 'dgi', 'dgh', 'dhPrev', 'dcPrev', 'dcTotal'] as const;
export type StepSlot = (typeof STEP_SLOTS)[number];
export const GATE_WIDE_SLOTS: readonly StepSlot[] = ['gates', 'gh', 'gi', 'dgi', 'dgh'];

/**
 * A kind's step in float32 lanes (the fast mode), its state update or its backward step: the body
 * for four units at a time, written with `load(slot, gate)` (a v128 of the slot's values at these
 * units, in gate block `gate` for a gate-wide slot) and `store(slot, value, gate)`; the body may
 * read the export's i32 `$option` (the module's nonlinearity: 1 for relu) and use the activations
 * (lanes4.tanh, activation4). A slot both read and written is read before it is stored, unit by unit.
 */
export interface SimdStep {
  /** The v128 locals the body sets. */
  readonly locals: readonly string[];
  readonly reads: readonly StepSlot[];
  readonly writes: readonly StepSlot[];
  body(load: (slot: StepSlot, gate?: number) => string, store: (slot: StepSlot, value: string, gate?: number) => string): string;
}

/** WAT builders for a SimdStep's body: float32 lanes. */
export const lanes4 = {
  mul: (...xs: string[]): string => xs.reduce((a, b) => `(f32x4.mul ${a} ${b})`),
  add: (a: string, b: string): string => `(f32x4.add ${a} ${b})`,
  sub: (a: string, b: string): string => `(f32x4.sub ${a} ${b})`,
  zero: '(v128.const f32x4 0 0 0 0)',
  /** 1 - x. */
  oneMinus: (x: string): string => `(f32x4.sub (v128.const f32x4 1 1 1 1) ${x})`,
  get: (local: string): string => `(local.get $${local})`,
  set: (local: string, value: string): string => `(local.set $${local} ${value})`,
  tanh: (x: string): string => activation4('tanh', x),
};

/**
 * <name>(B, H, G, table, option): the step over B rows of H units, G values per gate-wide row,
 * `table` pointing at one i32 pointer per STEP_SLOTS entry; four units at a time, then the 1-3
 * left over of each row in lane 0 (load32_zero, store32_lane).
 */
export function stepFunction(name: string, step: SimdStep): string {
  const used = [...new Set([...step.reads, ...step.writes])];
  const address = (slot: StepSlot, gate = 0): string => {
    const wide = GATE_WIDE_SLOTS.includes(slot);
    const base = `(i32.add (local.get $p_${slot}) (local.get ${wide ? '$wa' : '$na'}))`;
    return gate === 0 ? base : `(i32.add ${base} (i32.mul (local.get $h4) (i32.const ${gate})))`;
  };
  const vector = step.body(
    (slot, gate) => `(v128.load ${address(slot, gate)})`,
    (slot, value, gate) => `(v128.store ${address(slot, gate)} ${value})`,
  );
  const lane = step.body(
    (slot, gate) => `(v128.load32_zero ${address(slot, gate)})`,
    (slot, value, gate) => `(v128.store32_lane 0 ${address(slot, gate)} ${value})`,
  );
  const units = (width: number, body: string): string => `    (block $done${width} (loop $next${width}
      (br_if $done${width} (i32.gt_u (i32.add (local.get $j) (i32.const ${width})) (local.get $H)))
      (local.set $wa (i32.shl (i32.add (i32.mul (local.get $b) (local.get $G)) (local.get $j)) (i32.const 2)))
      (local.set $na (i32.shl (i32.add (i32.mul (local.get $b) (local.get $H)) (local.get $j)) (i32.const 2)))
${body}
      (local.set $j (i32.add (local.get $j) (i32.const ${width})))
      (br $next${width})))`;
  return `(func (export "${name}") (param $B i32) (param $H i32) (param $G i32) (param $table i32) (param $option i32)
  (local $b i32) (local $j i32) (local $wa i32) (local $na i32) (local $h4 i32)
  ${used.map((slot) => `(local $p_${slot} i32)`).join(' ')}
  ${step.locals.map((l) => `(local $${l} v128)`).join(' ')} ${ACT_LOCALS}
  (local.set $h4 (i32.shl (local.get $H) (i32.const 2)))
${used.map((slot) => `  (local.set $p_${slot} (i32.load offset=${STEP_SLOTS.indexOf(slot) * 4} (local.get $table)))`).join('\n')}
  (block $rows (loop $row
    (br_if $rows (i32.ge_u (local.get $b) (local.get $B)))
    (local.set $j (i32.const 0))
${units(4, vector)}
${units(1, lane)}
    (local.set $b (i32.add (local.get $b) (i32.const 1)))
    (br $row)))
)`;
}

/**
 * The whole module's text: its memory (grown by the host), a gemm per precision, the backward
 * pass's A^T B and column sums, the gates, and the kinds' steps, forward and backward (`steps`,
 * by export name).
 */
export function kernelsWat(steps: readonly { name: string; step: SimdStep }[] = []): string {
  const parts = ['(module', '(memory (export "memory") 1)'];
  for (const p of PRECISIONS) {
    for (const rows of range(p.rows).map((i) => i + 1)) parts.push(tile(p, rows));
    for (const { rows, panels } of WIDE_TILES) parts.push(wideTile(p, rows, panels));
    parts.push(driver(p));
  }
  parts.push(PACK, PACK_ROWS, tnTile(), TN_DRIVER, COLSUM);
  parts.push(gates());
  for (const { name, step } of steps) parts.push(stepFunction(name, step));
  parts.push(')');
  return parts.join('\n') + '\n';
}

/** The directions a kind's step runs in float32 lanes: its state update (`simdUpdate`) and its derivative (`simdBackward`). */
export type StepDirection = 'update' | 'backward';

/** The export name of a kind's step (by its `type`) in a direction: update_lstm, backward_lstm, ... */
export const stepExport = (direction: StepDirection, type: string): string => `${direction}_${type.replace(/[^a-z0-9]/g, '_')}`;
