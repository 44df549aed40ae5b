/**
 * Every cause the doctor names: for shapes made to show it, PyTorch's exact message, the cause
 * (its id and its key words) and the fix; and the fits case, with the expected shapes named.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { doctor, GRU, LSTM, RNN } from '../../src/index.js';
import { diagnoseModule, type ModuleDiagnosis } from '../../src/diagnose/doctor.js';
import type { ShapeInput } from '../../src/modules/layer/prepare.js';
import type { DoctorProblem } from '../../src/schema/doctor.js';
import { DETECTORS } from '../../src/diagnose/causes.js';
import { item } from '../helpers/checked.js';

const diagnose = (m: RNN | LSTM | GRU, shapes: ShapeInput): ModuleDiagnosis => diagnoseModule(m.kind, m.config, shapes);

/** The only problem of a diagnosis, checked against the expected cause id and PyTorch message. */
function only(d: ModuleDiagnosis, { tensor, causeId, pytorch }: { tensor: string; causeId: string; pytorch: string | null }): DoctorProblem {
  assert.equal(d.module.ok, false);
  assert.equal(d.problems.length, 1, JSON.stringify(d.problems.map((p) => p.cause_id)));
  const p = item(d.problems, 0, 'problems');
  assert.equal(p.tensor, tensor);
  assert.equal(p.cause_id, causeId);
  assert.equal(p.pytorch_message, pytorch);
  return p;
}

describe('doctor: the causes', () => {
  test('h_0 in batch-first order: transpose(0, 1).contiguous(), batch_first does not apply to h_0', () => {
    const m = new RNN({ inputSize: 100, hiddenSize: 20, numLayers: 4, batchFirst: true });
    const p = only(diagnose(m, { x: [3, 10, 100], h0: [3, 4, 20] }), { tensor: 'h_0', causeId: 'h0-batch-first', pytorch: 'Expected hidden size (4, 3, 20), got [3, 4, 20]' });
    assert.match(p.cause, /batch_first=True applies to x and out only, never to h_0/);
    assert.match(p.fix, /h0 = h0\.transpose\(0, 1\)\.contiguous\(\), which gives \(4, 3, 20\)/);
    assert.deepEqual(p.expected, [4, 3, 20]);
    assert.deepEqual(p.expected_dims, ['num_layers', 'batch', 'hidden_size']);
  });

  test('a smaller last batch (the issue\'s done-when): h_0 built from a fixed batch size; build it from x, or drop_last', () => {
    const m = new RNN({ inputSize: 128, hiddenSize: 256, numLayers: 2, batchFirst: true });
    const p = only(diagnose(m, { x: [4, 35, 128], h0: [2, 64, 256] }), { tensor: 'h_0', causeId: 'smaller-last-batch', pytorch: 'Expected hidden size (2, 4, 256), got [2, 64, 256]' });
    assert.match(p.cause, /smaller last batch: h_0 was built for a fixed batch size of 64, but this x has a batch of 4/);
    assert.match(p.fix, /torch\.zeros\(2, x\.size\(0\), 256\)/);
    assert.match(p.fix, /drop_last=True/);
    assert.match(p.why, /batch is x's batch \(x's dimension 0\)/);
  });

  test('a batch of another size, larger: the state was built for another batch', () => {
    const m = new GRU({ inputSize: 5, hiddenSize: 6 });
    const p = only(diagnose(m, { x: [7, 8, 5], h0: [1, 2, 6] }), { tensor: 'h_0', causeId: 'batch-mismatch', pytorch: 'Expected hidden size (1, 8, 6), got [1, 2, 6]' });
    assert.match(p.fix, /torch\.zeros\(1, x\.size\(1\), 6\)/);
  });

  test('num_layers*num_directions: bidirectional forgotten', () => {
    const m = new RNN({ inputSize: 10, hiddenSize: 20, numLayers: 2, bidirectional: true });
    const p = only(diagnose(m, { x: [5, 3, 10], h0: [2, 3, 20] }), { tensor: 'h_0', causeId: 'bidirectional-forgotten', pytorch: 'Expected hidden size (4, 3, 20), got [2, 3, 20]' });
    assert.match(p.cause, /num_layers\*num_directions = 2\*2 = 4/);
    assert.match(p.fix, /torch\.zeros\(4, x\.size\(1\), 20\)/);
    assert.match(p.fix, /2 if bidirectional else 1/);
  });

  test('num_layers*num_directions: built for a bidirectional module, or for another num_layers', () => {
    const m = new GRU({ inputSize: 4, hiddenSize: 3, numLayers: 2 });
    only(diagnose(m, { x: [5, 2, 4], h0: [4, 2, 3] }), { tensor: 'h_0', causeId: 'bidirectional-extra', pytorch: 'Expected hidden size (2, 2, 3), got [4, 2, 3]' });
    const p = only(diagnose(m, { x: [5, 2, 4], h0: [3, 2, 3] }), { tensor: 'h_0', causeId: 'num-layers', pytorch: 'Expected hidden size (2, 2, 3), got [3, 2, 3]' });
    assert.match(p.cause, /one slice per layer and direction: num_layers\*num_directions = 2\*1 = 2; it has 3/);
  });

  test('proj_size vs hidden_size mixed between h_0 and c_0: both listed, each with its fix', () => {
    const m = new LSTM({ inputSize: 8, hiddenSize: 20, projSize: 10 });
    const d = diagnose(m, { x: [5, 3, 8], h0: [1, 3, 20], c0: [1, 3, 10] });
    assert.equal(d.module.ok, false);
    const h = item(d.problems, 0, 'problems');
    const c = item(d.problems, 1, 'problems');
    assert.equal(h.tensor, 'h_0');
    assert.equal(h.cause_id, 'proj-size-in-h0');
    assert.equal(h.pytorch_message, 'Expected hidden[0] size (1, 3, 10), got [1, 3, 20]');
    assert.match(h.cause, /h \(h_0, h_n, out\) has proj_size features, while c keeps hidden_size=20/);
    assert.match(h.fix, /h0 = torch\.zeros\(1, x\.size\(1\), 10\) \(proj_size\)/);
    assert.equal(c.tensor, 'c_0');
    assert.equal(c.cause_id, 'proj-size-in-c0');
    assert.equal(c.pytorch_message, 'Expected hidden[1] size (1, 3, 20), got [1, 3, 10]');
    assert.match(c.fix, /c0 = torch\.zeros\(1, x\.size\(1\), 20\) \(hidden_size\)/);
  });

  test('a state of another feature size', () => {
    const m = new RNN({ inputSize: 4, hiddenSize: 6 });
    const p = only(diagnose(m, { x: [5, 2, 4], h0: [1, 2, 7] }), { tensor: 'h_0', causeId: 'state-features', pytorch: 'Expected hidden size (1, 2, 6), got [1, 2, 7]' });
    assert.match(p.cause, /last dimension is hidden_size = 6/);
  });

  test('input_size mismatch: a wrong embedding size', () => {
    const m = new LSTM({ inputSize: 128, hiddenSize: 64 });
    const p = only(diagnose(m, { x: [35, 4, 100] }), { tensor: 'x', causeId: 'input-size', pytorch: 'input.size(-1) must be equal to input_size. Expected 128, got 100' });
    assert.match(p.cause, /embedding_dim=100/);
    assert.match(p.fix, /nn\.LSTM\(100, hidden_size\)/);
    assert.match(p.fix, /nn\.Embedding\(vocab_size, 128\)/);
    assert.deepEqual(p.expected, [35, 4, 128]);
  });

  test('input_size mismatch: the previous module\'s bidirectional 2*hidden', () => {
    const m = new GRU({ inputSize: 64, hiddenSize: 32 });
    const p = only(diagnose(m, { x: [35, 4, 128] }), { tensor: 'x', causeId: 'input-size-bidirectional', pytorch: 'input.size(-1) must be equal to input_size. Expected 64, got 128' });
    assert.match(p.cause, /bidirectional module, which carries num_directions\*hidden_size = 2\*64/);
    assert.match(p.fix, /input_size=128/);
  });

  test('input_size at another dimension: x transposed (a Conv1d layout)', () => {
    const m = new RNN({ inputSize: 100, hiddenSize: 20, batchFirst: true });
    const p = only(diagnose(m, { x: [3, 100, 10] }), { tensor: 'x', causeId: 'x-transposed', pytorch: 'input.size(-1) must be equal to input_size. Expected 100, got 10' });
    assert.match(p.message, /; is the input transposed\?$/);
    assert.match(p.fix, /x = x\.transpose\(1, 2\), which gives \(3, 10, 100\)/);
  });

  test('x in (batch, seq, feature) order without batch_first', () => {
    const m = new RNN({ inputSize: 100, hiddenSize: 20 });
    const p = only(diagnose(m, { x: [64, 10, 100], h0: [1, 64, 20] }), { tensor: 'h_0', causeId: 'x-batch-first-order', pytorch: 'Expected hidden size (1, 10, 20), got [1, 64, 20]' });
    assert.match(p.cause, /x \(64, 10, 100\) looks like \(batch, seq_len, input_size\), but the module has batch_first=False, so PyTorch reads it as seq_len=64, batch=10/);
    assert.match(p.fix, /batch_first=True/);
    assert.match(p.fix, /x\.transpose\(0, 1\)/);
  });

  test('x in (batch, seq, feature) order without batch_first, seen through the lengths', () => {
    const m = new RNN({ inputSize: 100, hiddenSize: 20 });
    const p = only(diagnose(m, { x: [3, 10, 100], lengths: [10, 9, 3], enforceSorted: true }), {
      tensor: 'lengths',
      causeId: 'lengths-x-batch-first-order',
      pytorch: 'Expected `len(lengths)` to be equal to batch_size, but got 3 (batch_size=10)',
    });
    assert.match(p.fix, /batch_first=True in both the module and pack_padded_sequence/);
    // Without enforce_sorted, pack_padded_sequence index_selects the listed sequences: no count check.
    only(diagnose(m, { x: [3, 10, 100], lengths: [10, 9, 3] }), { tensor: 'lengths', causeId: 'lengths-x-batch-first-order', pytorch: null });
  });

  test('unbatched input (2-D x) with a 3-D h_0', () => {
    const m = new RNN({ inputSize: 100, hiddenSize: 20, numLayers: 2 });
    const p = only(diagnose(m, { x: [10, 100], h0: [2, 1, 20] }), { tensor: 'h_0', causeId: 'unbatched-x-3d-state', pytorch: 'For unbatched 2-D input, hx should also be 2-D but got 3-D tensor' });
    assert.match(p.cause, /ONE unbatched sequence/);
    assert.match(p.fix, /x\.unsqueeze\(1\)/);
    assert.match(p.fix, /h0\.squeeze\(1\)/);
    const lstm = new LSTM({ inputSize: 4, hiddenSize: 3 });
    const d = diagnose(lstm, { x: [10, 4], h0: [1, 5, 3], c0: [1, 5, 3] });
    assert.deepEqual(d.problems.map((q) => [q.tensor, q.cause_id]), [['h_0', 'unbatched-x-3d-state'], ['c_0', 'unbatched-x-3d-state']]);
    const first = item(d.problems, 0, 'problems');
    assert.equal(first.pytorch_message, 'For unbatched 2-D input, hx and cx should also be 2-D but got (3-D, 3-D) tensors');
    assert.match(first.fix, /all 5 sequences/);
  });

  test('a batched x with a 2-D h_0: a cell\'s state, without the layer dimension', () => {
    const m = new GRU({ inputSize: 4, hiddenSize: 3 });
    const p = only(diagnose(m, { x: [5, 2, 4], h0: [2, 3] }), { tensor: 'h_0', causeId: 'batched-x-2d-state', pytorch: 'For batched 3-D input, hx should also be 3-D but got 2-D tensor' });
    assert.match(p.cause, /nn\.GRUCell/);
    assert.match(p.fix, /h0\.unsqueeze\(0\)/);
  });

  test('lengths unsorted with enforce_sorted', () => {
    const m = new RNN({ inputSize: 2, hiddenSize: 3 });
    const p = only(diagnose(m, { x: [10, 3, 2], lengths: [9, 10, 3], enforceSorted: true }), {
      tensor: 'lengths',
      causeId: 'lengths-unsorted',
      pytorch:
        '`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this requirement if you do not need ONNX exportability.',
    });
    assert.match(p.cause, /lengths\[0\]=9 < lengths\[1\]=10/);
    assert.match(p.fix, /enforce_sorted=False/);
    assert.match(p.fix, /lengths\.sort\(descending=True\)/);
    assert.equal(diagnose(m, { x: [10, 3, 2], lengths: [9, 10, 3], enforceSorted: false }).module.ok, true);
  });

  test("lengths longer than seq_len: packing passes, PyTorch's kernel runs out of rows", () => {
    const m = new RNN({ inputSize: 2, hiddenSize: 3 });
    // Checked against PyTorch 1.13: x is sliced to 10 + 9 + 3 = 22 packed rows; step 10 wants one more.
    const p = only(diagnose(m, { x: [10, 3, 2], lengths: [12, 9, 3] }), { tensor: 'lengths', causeId: 'lengths-too-long', pytorch: 'start (22) + length (1) exceeds dimension size (22).' });
    assert.equal(p.message, 'lengths: start (22) + length (1) exceeds dimension size (22). lengths[0]: expected an integer in 1..10 (seq_len), got 12');
    assert.match(p.cause, /the longest is 12, but x has seq_len=10/);
    assert.match(p.fix, /lengths\.clamp\(max=10\)/);
  });

  test('lengths out of range and unsorted: two problems on lengths', () => {
    const m = new RNN({ inputSize: 2, hiddenSize: 3 });
    const d = diagnose(m, { x: [10, 3, 2], lengths: [0, 12, 3], enforceSorted: true });
    assert.deepEqual(d.problems.map((p) => p.cause_id), ['lengths-zero', 'lengths-unsorted']);
    assert.equal(item(d.problems, 0, 'problems').pytorch_message, "Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0");
  });

  test('lengths of another count; lengths with an unbatched x', () => {
    const m = new RNN({ inputSize: 2, hiddenSize: 3, batchFirst: true });
    only(diagnose(m, { x: [3, 10, 2], lengths: [10, 9], enforceSorted: true }), { tensor: 'lengths', causeId: 'lengths-count', pytorch: 'Expected `len(lengths)` to be equal to batch_size, but got 2 (batch_size=3)' });
    only(diagnose(m, { x: [3, 10, 2], lengths: [10, 9] }), { tensor: 'lengths', causeId: 'lengths-count', pytorch: null });
    // More lengths than sequences without enforce_sorted: index_select fails at the first row x lacks,
    // in the sorted order (checked against PyTorch 1.13 with [4, 3, 2, 1], [1, 2, 3, 4] and [1, 1, 9, 9, 1]).
    only(diagnose(m, { x: [3, 10, 2], lengths: [4, 3, 2, 1] }), { tensor: 'lengths', causeId: 'lengths-count', pytorch: 'INDICES element is out of DATA bounds, id=3 axis_dim=3' });
    only(diagnose(m, { x: [3, 10, 2], lengths: [1, 1, 9, 9, 1] }), { tensor: 'lengths', causeId: 'lengths-count', pytorch: 'INDICES element is out of DATA bounds, id=3 axis_dim=3' });
    only(diagnose(m, { x: [2, 10, 2], lengths: [1, 1, 9, 9, 1] }), { tensor: 'lengths', causeId: 'lengths-count', pytorch: 'INDICES element is out of DATA bounds, id=2 axis_dim=2' });
    const p = only(diagnose(m, { x: [10, 2], lengths: [10], enforceSorted: true }), { tensor: 'lengths', causeId: 'lengths-unbatched', pytorch: 'Expected `len(lengths)` to be equal to batch_size, but got 1 (batch_size=10)' });
    assert.match(p.fix, /x\.unsqueeze\(0\)/);
  });

  test('pack_padded_sequence runs first: a bad length is the first problem, as PyTorch raises it', () => {
    const lstm = new LSTM({ inputSize: 6, hiddenSize: 5 });
    const d = diagnose(lstm, { x: [2, 3, 7], h0: [1, 3, 5], c0: [1, 3, 5], lengths: [1, 1, 0] });
    assert.deepEqual(d.problems.map((p) => p.tensor), ['lengths', 'x']);
    assert.equal(item(d.problems, 0, 'problems').pytorch_message, "Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0");
    // A length beyond seq_len fails only when the kernel runs: after the module's own checks.
    const rnn = new RNN({ inputSize: 10, hiddenSize: 20 });
    const e = diagnose(rnn, { x: [5, 3, 10], h0: [1, 4, 20], lengths: [6, 2, 1], enforceSorted: true });
    assert.deepEqual(e.problems.map((p) => p.pytorch_message), ['Expected hidden size (1, 3, 20), got [1, 4, 20]', 'start (8) + length (1) exceeds dimension size (8).']);
  });

  test("with lengths and enforce_sorted=False, PyTorch index_selects h_0's batch: silent when larger, an index error when smaller", () => {
    const rnn = new RNN({ inputSize: 10, hiddenSize: 20 });
    const larger = only(diagnose(rnn, { x: [5, 3, 10], h0: [1, 5, 20], lengths: [5, 2, 1] }), { tensor: 'h_0', causeId: 'x-batch-first-order', pytorch: null });
    assert.match(larger.message, /PyTorch does not check this with enforce_sorted=False: .* silently uses 3 of its 5 rows/);
    // Checked against PyTorch 1.13: the first row index_select cannot find, in longest-first order.
    only(diagnose(rnn, { x: [5, 3, 10], h0: [1, 1, 20], lengths: [1, 2, 5] }), { tensor: 'h_0', causeId: 'batch-mismatch', pytorch: 'INDICES element is out of DATA bounds, id=2 axis_dim=1' });
    only(diagnose(rnn, { x: [5, 3, 10], h0: [1, 1, 20], lengths: [2, 5, 1] }), { tensor: 'h_0', causeId: 'batch-mismatch', pytorch: 'INDICES element is out of DATA bounds, id=1 axis_dim=1' });
    only(diagnose(rnn, { x: [5, 3, 10], h0: [1, 5, 20], lengths: [5, 2, 1], enforceSorted: true }), { tensor: 'h_0', causeId: 'x-batch-first-order', pytorch: 'Expected hidden size (1, 3, 20), got [1, 5, 20]' });
  });

  test('an LSTM given h_0 alone; a GRU given c_0', () => {
    const lstm = new LSTM({ inputSize: 4, hiddenSize: 3, numLayers: 2 });
    const p = only(diagnose(lstm, { x: [5, 2, 4], h0: [2, 2, 3] }), { tensor: 'c_0', causeId: 'lstm-pair', pytorch: 'For batched 3-D input, hx and cx should also be 3-D but got (2-D, 2-D) tensors' });
    assert.match(p.fix, /lstm\(x, \(h0, c0\)\)/);
    const gru = new GRU({ inputSize: 4, hiddenSize: 3 });
    const q = only(diagnose(gru, { x: [5, 2, 4], h0: [1, 2, 3], c0: [1, 2, 3] }), { tensor: 'c_0', causeId: 'no-cell-state', pytorch: "'tuple' object has no attribute 'dim'" });
    assert.match(q.cause, /only LSTM keeps c/);
  });

  test('x of rank 4: RNN, LSTM and GRU wording', () => {
    const p = only(diagnose(new RNN({ inputSize: 4, hiddenSize: 3 }), { x: [2, 5, 2, 4] }), { tensor: 'x', causeId: 'x-rank', pytorch: 'RNN: Expected input to be 2D or 3D, got 4D tensor instead' });
    assert.match(p.fix, /flatten|squeeze/);
    only(diagnose(new LSTM({ inputSize: 4, hiddenSize: 3 }), { x: [4] }), { tensor: 'x', causeId: 'x-rank', pytorch: 'LSTM: Expected input to be 2D or 3D, got 1D instead' });
  });

  test('every problem is listed, one per tensor, in the order PyTorch meets them', () => {
    const m = new LSTM({ inputSize: 8, hiddenSize: 6, numLayers: 2, bidirectional: true });
    const d = diagnose(m, { x: [5, 3, 9], h0: [2, 3, 6], c0: [4, 2, 6], lengths: [5, 6, 1] });
    assert.deepEqual(d.problems.map((p) => p.tensor), ['x', 'h_0', 'c_0', 'lengths']);
    assert.deepEqual(d.problems.map((p) => p.cause_id), ['input-size', 'bidirectional-forgotten', 'batch-mismatch', 'lengths-too-long']);
  });

  test('every detector is reachable by a code the shape checks produce', () => {
    const codes = new Set(['x-rank', 'cell-state-unexpected', 'state-pair', 'state-rank', 'input-size', 'state-size', 'lengths-unbatched', 'lengths-count', 'lengths-range', 'lengths-unsorted']);
    for (const d of DETECTORS) assert.ok(d.codes.every((c) => codes.has(c)), d.id);
    assert.equal(new Set(DETECTORS.map((d) => d.id)).size, DETECTORS.length, 'unique ids');
  });
});

describe('doctor: shapes that fit', () => {
  test('no problems, and the expected shapes with every dimension named', () => {
    const m = new LSTM({ inputSize: 5, hiddenSize: 7, numLayers: 2, bidirectional: true, projSize: 3, batchFirst: true });
    const d = diagnose(m, { x: [2, 4, 5], h0: [4, 2, 3], c0: [4, 2, 7], lengths: [4, 2], enforceSorted: true });
    assert.equal(d.module.ok, true);
    assert.deepEqual(d.problems, []);
    assert.deepEqual(d.expected, { x: [2, 4, 5], h_0: [4, 2, 3], c_0: [4, 2, 7], out: [2, 4, 6], h_n: [4, 2, 3], c_n: [4, 2, 7] });
    const h0 = d.module.tensors.find((t) => t.name === 'h_0');
    assert.ok(h0, 'h_0 is described');
    assert.deepEqual(h0.dims.map((x) => x.name), ['num_layers*num_directions', 'batch', 'proj_size']);
    assert.deepEqual(h0.given, [4, 2, 3]);
    assert.equal(h0.ok, true);
    assert.equal(d.module.tensors.find((t) => t.name === 'out')?.given, null);
  });
});

describe('silent pitfalls: what runs without an error and reads the wrong numbers', () => {
  const codes = (r: ReturnType<typeof doctor>): string[] => (r.pitfalls ?? []).map((p) => p.code);

  test('a plain one-layer RNN without lengths has none', () => {
    assert.deepEqual(codes(doctor({ inputSize: 4, hiddenSize: 3 }, { x: [5, 2, 4] })), []);
  });

  test('a bidirectional LSTM with lengths: the padded last step, both directions, the view of h_n, the state pair', () => {
    const r = doctor({ type: 'lstm', inputSize: 100, hiddenSize: 20, numLayers: 2, bidirectional: true }, { x: [10, 3, 100], lengths: [10, 7, 3] });
    assert.deepEqual(codes(r), ['padded-last-step', 'bidirectional-final', 'h_n-view', 'state-pair']);
    const p = (code: string) => r.pitfalls!.find((x) => x.code === code)!;
    assert.match(p('padded-last-step').message, /2 sequence\(s\) shorter than seq_len=10/);
    assert.match(p('padded-last-step').expression, /out\[lengths - 1, torch\.arange\(3\)\]/);
    assert.match(p('bidirectional-final').expression, /torch\.cat\(\[h_n\[-2\], h_n\[-1\]\], dim=1\)/);
    assert.match(p('bidirectional-final').expression, /out\[lengths - 1, torch\.arange\(3\)\]\[:, :20\], out\[0, :, 20:\]/);
    const whole = doctor({ type: 'lstm', inputSize: 100, hiddenSize: 20, numLayers: 2, bidirectional: true, batchFirst: true }, { x: [3, 10, 100] });
    assert.match(whole.pitfalls!.find((x) => x.code === 'bidirectional-final')!.expression, /out\[:, -1, :20\], out\[:, 0, 20:\]/);
    assert.match(p('h_n-view').expression, /h_n\.view\(2, 2, 3, 20\)/);
  });

  test('batch_first: the states stay time-first, and a batch equal to num_layers is called out', () => {
    const r = doctor({ inputSize: 8, hiddenSize: 6, numLayers: 4, batchFirst: true }, { x: [4, 9, 8] });
    const p = r.pitfalls!.find((x) => x.code === 'states-not-batch-first')!;
    assert.match(p.message, /batch = 4 = num_layers \* num_directions/);
    assert.match(p.expression, /torch\.zeros\(4, 4, 6\)/);
    assert.match(doctor({ inputSize: 8, hiddenSize: 6, numLayers: 2, batchFirst: true }, { x: [4, 9, 8] }).pitfalls!.find((x) => x.code === 'states-not-batch-first')!.message, /^batch_first applies to x and out only[^;]*$/);
    assert.match(doctor({ inputSize: 8, hiddenSize: 6, numLayers: 4, batchFirst: true }, { x: [4, 9, 8], lengths: [9, 9, 9, 9] }).pitfalls!.map((x) => x.code).join(), /^h_n-view,states-not-batch-first$/);
  });

  test('proj_size: h and c have different features', () => {
    const r = doctor({ type: 'lstm', inputSize: 8, hiddenSize: 6, projSize: 2 }, { x: [5, 3, 8] });
    assert.match(r.pitfalls!.find((x) => x.code === 'proj-size-features')!.expression, /h_0 = torch\.zeros\(1, 3, 2\); c_0 = torch\.zeros\(1, 3, 6\)/);
  });
});
