/**
 * Embedding, Linear and a head's select, on cases checkable by hand; the numbers against PyTorch
 * are in test/golden/model-fixtures.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, Embedding, Linear, LSTM, Pipeline, selectFeatures, ShapeError, Tensor } from '../../src/index.js';
import { estimatePipeline } from '../../src/modules/memory.js';
import type { PipelineSpec } from '../../src/schema/pipeline.js';

const ids = (values: number[], shape: number[]) => ({ ids: Float64Array.from(values), shape });

test("Embedding: PyTorch's repr, state_dict and padding row", () => {
  const e = new Embedding({ numEmbeddings: 5, embeddingDim: 3, paddingIdx: -1 });
  assert.equal(e.toString(), 'Embedding(5, 3, padding_idx=4)');
  assert.deepEqual([...e.stateDict().keys()], ['weight']);
  assert.deepEqual([...e.stateDict().get('weight')!.data.slice(12)], [0, 0, 0], 'the padding row starts as zeros');
  assert.equal(e.parameterCount(), 15);
  assert.throws(() => new Embedding({ numEmbeddings: 5, embeddingDim: 3, paddingIdx: 5 }), ConfigError);
});

test('Embedding: each id picks its row; out is (*, embedding_dim)', () => {
  const weight = new Tensor(Float32Array.from({ length: 8 }, (_, i) => i), [4, 2]);
  const e = new Embedding({ numEmbeddings: 4, embeddingDim: 2 }).loadStateDict(new Map([['weight', weight]]));
  const out = e.forward(ids([3, 0, 1, 1, 2, 3], [2, 3]));
  assert.deepEqual(out.shape, [2, 3, 2]);
  assert.deepEqual([...out.data], [6, 7, 0, 1, 2, 3, 2, 3, 4, 5, 6, 7]);
});

test('Embedding: an id out of range names the id, where it is and num_embeddings', () => {
  const e = new Embedding({ numEmbeddings: 4, embeddingDim: 2 });
  assert.throws(() => e.forward(ids([0, 1, 2, 9007199254740991], [2, 2])), (err: Error) => {
    assert.ok(err instanceof ShapeError);
    assert.match(err.message, /num_embeddings = 4\), got 9007199254740991 at \[1, 1\]/);
    return true;
  });
  assert.throws(() => e.forward(ids([-1], [1])), /got -1 at \[0\]/);
});

test('Embedding: a misshapen weight is refused as load_state_dict refuses it', () => {
  const e = new Embedding({ numEmbeddings: 4, embeddingDim: 2 });
  assert.throws(() => e.loadStateDict(new Map([['weight', Tensor.zeros([4, 3])]])), /size mismatch for weight: expected shape \(4, 2\), got \(4, 3\)/);
});

test("Linear: y = x W^T + b over the last dimension; PyTorch's repr and keys", () => {
  const l = new Linear({ inFeatures: 2, outFeatures: 3 });
  assert.equal(l.toString(), 'Linear(in_features=2, out_features=3, bias=True)');
  assert.deepEqual([...l.stateDict().keys()], ['weight', 'bias']);
  l.loadStateDict(new Map([['weight', new Tensor(Float32Array.from([1, 0, 0, 1, 1, 1]), [3, 2])], ['bias', new Tensor(Float32Array.from([0, 0, 10]), [3])]]));
  const y = l.forward(new Tensor(Float32Array.from([1, 2, 3, 4]), [2, 1, 2]));
  assert.deepEqual(y.shape, [2, 1, 3]);
  assert.deepEqual([...y.data], [1, 2, 13, 3, 4, 17]);
  assert.deepEqual([...new Linear({ inFeatures: 2, outFeatures: 3, bias: false }).stateDict().keys()], ['weight']);
  assert.throws(() => l.forward(Tensor.zeros([2, 3])), /in_features = 2, got shape \(2, 3\)/);
});

test('select: last is out at each last valid step, h_n is cat(h_n[-2], h_n[-1]), for both layouts', () => {
  for (const batchFirst of [false, true]) {
    const lstm = new LSTM({ inputSize: 3, hiddenSize: 2, numLayers: 2, bidirectional: true, batchFirst, seed: 1 });
    const x = Tensor.zeros(batchFirst ? [2, 4, 3] : [4, 2, 3]);
    x.data.forEach((_, i) => (x.data[i] = Math.sin(i)));
    const lengths = [4, 2];
    const result = lstm.forward(x, { lengths });
    const last = selectFeatures(result, lstm.config, 'last', lengths);
    const hN = selectFeatures(result, lstm.config, 'h_n', lengths);
    assert.deepEqual(last.shape, [2, 4]);
    assert.deepEqual(hN.shape, [2, 4]);
    for (let b = 0; b < 2; b++) {
      const t = lengths[b]! - 1;
      const row = batchFirst ? b * 4 + t : t * 2 + b;
      assert.deepEqual([...last.data.slice(b * 4, b * 4 + 4)], [...result.out.data.slice(row * 4, row * 4 + 4)]);
      // The forward half of out at the last valid step is the top layer's forward h_n (slice 2).
      assert.deepEqual([...hN.data.slice(b * 4, b * 4 + 2)], [...result.out.data.slice(row * 4, row * 4 + 2)]);
      assert.deepEqual([...hN.data.slice(b * 4, b * 4 + 4)], [...result.hN.data.slice((2 * 2 + b) * 2, (2 * 2 + b) * 2 + 2), ...result.hN.data.slice((3 * 2 + b) * 2, (3 * 2 + b) * 2 + 2)]);
    }
    assert.equal(selectFeatures(result, lstm.config, 'all', lengths), result.out);
  }
});

test('a pipeline of token ids: an embedding feeding a module feeding a head, and its misfits', () => {
  const spec: PipelineSpec = {
    modules: [
      { name: 'emb', type: 'embedding', num_embeddings: 10, embedding_dim: 4 },
      { name: 'gru', type: 'gru', input_size: 4, hidden_size: 3, bidirectional: true },
      { name: 'fc', type: 'linear', in_features: 6, out_features: 2, select: 'h_n' },
    ],
  };
  const runs = new Pipeline(spec).forward(new Map([['x', ids([1, 2, 3, 4, 5, 6], [3, 2])]]));
  const fc = runs.get('fc')!;
  assert.ok(!('result' in fc));
  assert.deepEqual(fc.out.shape, [2, 2]);
  const gru = runs.get('gru')!;
  assert.ok('result' in gru);
  assert.deepEqual(gru.x.shape, [3, 2, 4]);
  assert.throws(() => new Pipeline({ modules: [spec.modules[0]!, spec.modules[1]!, { ...spec.modules[2]!, in_features: 3 } as PipelineSpec['modules'][number]] }), /fc.in_features: expected 6 to read gru \(select h_n\) \(num_directions\*hidden_size = 2\*3\), got 3/);
  assert.throws(() => new Pipeline(spec).forward(new Map([['x', Tensor.zeros([3, 2])]])), /emb: expected integer token ids/);
});

test('the memory estimate counts the embedding table and the head', () => {
  const base: PipelineSpec = { modules: [{ name: 'rnn', type: 'rnn', input_size: 4, hidden_size: 3 }] };
  const sizes = () => ({ seqLen: 10, batch: 2 });
  const alone = estimatePipeline(base, sizes).bytes;
  const withEmbedding = estimatePipeline({ modules: [{ name: 'emb', type: 'embedding', num_embeddings: 100000, embedding_dim: 4 }, { ...base.modules[0]!, input: 'emb' } as PipelineSpec['modules'][number]] }, sizes).bytes;
  // The table (100000 x 4 float32) is held twice, the module's and a loaded copy: 3.2 MB at least.
  assert.ok(withEmbedding - alone >= 2 * 4 * 100000 * 4, `${withEmbedding} - ${alone}`);
  const withHead = estimatePipeline({ modules: [...base.modules, { name: 'fc', type: 'linear', in_features: 3, out_features: 50000 }] }, sizes).bytes;
  assert.ok(withHead - alone >= 4 * 10 * 2 * 50000, 'the head writes (seq, batch, 50000)');
});
