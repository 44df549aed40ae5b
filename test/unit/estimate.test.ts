/**
 * The memory estimate: a closed formula (O(1) in every size) that agrees with the parameter list,
 * refuses absurd sizes in microseconds, and names the estimate and the budget. And the statistics'
 * record of the first non-finite batch element, merged across slices in the whole batch's numbering.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BudgetError, ConfigError } from '../../src/errors.js';
import { resolveConfig } from '../../src/modules/layer/config.js';
import { kindOf, kindNames } from '../../src/modules/kinds/index.js';
import { checkBudget, countParameters, estimateForward, estimatePipeline, formatBytes } from '../../src/modules/memory.js';
import { parameterCount, parameterSpecs } from '../../src/modules/layer/parameters.js';
import { accumulateStep, emptyStats, mergeStats, nonFiniteAt, statsAt } from '../../src/modules/layer/trace-stats.js';
import { setupRun, type ModelFlags } from '../../src/setup/run.js';

const GiB = 1024 ** 3;

describe('countParameters', () => {
  for (const type of kindNames) {
    test(`${type}: the closed form equals the count of parameterSpecs`, () => {
      const kind = kindOf(type);
      for (const numLayers of [1, 2, 3]) {
        for (const bidirectional of [false, true]) {
          for (const bias of [false, true]) {
            for (const projSize of kind.supportsProjection ? [0, 3] : [0]) {
              const config = resolveConfig(kind, { inputSize: 7, hiddenSize: 5, numLayers, bidirectional, bias, projSize });
              assert.equal(countParameters(kind, config), parameterCount(parameterSpecs(kind, config)), JSON.stringify({ numLayers, bidirectional, bias, projSize }));
            }
          }
        }
      }
    });
  }
});

describe('estimateForward', () => {
  const rnn = kindOf('rnn');

  test('num_layers 1e9 is estimated in microseconds, far beyond 2 GiB', () => {
    const config = resolveConfig(rnn, { inputSize: 100, hiddenSize: 20, numLayers: 1e9 });
    const start = performance.now();
    const e = estimateForward(rnn, config, 10, 3, { keepTrace: false, report: 'summary' });
    const ms = performance.now() - start;
    assert.ok(ms < 5, `took ${ms} ms`);
    assert.ok(e.bytes > 1000 * GiB, formatBytes(e.bytes));
    // Layer 0: 20×100 + 20×20 + 2×20 = 2440; each layer above: 20×20 + 20×20 + 2×20 = 840.
    assert.equal(e.parameters, 2440 + (1e9 - 1) * 840);
  });

  test('the largest safe sizes give a finite estimate (no overflow), refused whatever the budget', () => {
    const big = Number.MAX_SAFE_INTEGER;
    const config = resolveConfig(kindOf('lstm'), { inputSize: big, hiddenSize: big, numLayers: big, bidirectional: true });
    const e = estimateForward(kindOf('lstm'), config, big, big, { passes: 2, report: 'full', includeTensors: true });
    assert.ok(Number.isFinite(e.bytes) && e.bytes > Number.MAX_SAFE_INTEGER);
    assert.throws(() => checkBudget(e.bytes, Number.MAX_VALUE, 'a run', 'sizes'), BudgetError);
  });

  test('the full trace, a second pass and the report each count', () => {
    const config = resolveConfig(rnn, { inputSize: 100, hiddenSize: 20, numLayers: 4 });
    const stats = estimateForward(rnn, config, 10, 3, { keepTrace: false }).bytes;
    const full = estimateForward(rnn, config, 10, 3, { keepTrace: true }).bytes;
    const compare = estimateForward(rnn, config, 10, 3, { keepTrace: true, passes: 2 }).bytes;
    const shown = estimateForward(rnn, config, 10, 3, { keepTrace: true, passes: 2, report: 'full' }).bytes;
    assert.ok(stats < full && full < compare && compare < shown, `${stats} ${full} ${compare} ${shown}`);
  });

  test('one array beyond what a typed array can hold is refused even within the budget', () => {
    const config = resolveConfig(rnn, { inputSize: 2 ** 20, hiddenSize: 1 });
    const e = estimateForward(rnn, config, 2 ** 12, 2, { keepTrace: false });
    assert.ok(e.largestArray > 2 ** 32);
    assert.throws(() => checkBudget(e.bytes, 2 ** 50, 'a run', 'sizes', e.largestArray), /expected arrays of at most 2\^32 values/);
  });
});

describe('checkBudget', () => {
  test('names the budget and the estimate', () => {
    assert.throws(
      () => checkBudget(1.5 * 1024 ** 4, 2 * GiB, 'a run', 'seq_len 10'),
      (err: unknown) =>
        err instanceof BudgetError && err.message === '--max-memory: expected a run within 2.0 GiB, got an estimate of 1.5 TiB (seq_len 10); raise --max-memory or shrink the run',
    );
    assert.doesNotThrow(() => checkBudget(GiB, 2 * GiB, 'a run', ''));
  });
});

describe('estimatePipeline', () => {
  test('hidden_size 1e12 is estimated from the spec, nothing allocated', () => {
    const spec = { modules: [{ name: 'a', type: 'rnn' as const, input_size: 10, hidden_size: 1e12 }] };
    const e = estimatePipeline(spec, () => ({ seqLen: 10, batch: 3 }));
    assert.ok(e.bytes > 1e24);
    assert.equal(e.largest.name, 'a');
  });

  test('each module takes the sizes of the input its chain starts from', () => {
    const seen: string[] = [];
    const spec = {
      modules: [
        { name: 'enc', type: 'rnn' as const, input_size: 4, hidden_size: 3, input: 'src' },
        { name: 'dec', type: 'rnn' as const, input_size: 3, hidden_size: 3 },
        { name: 'side', type: 'gru' as const, input_size: 5, hidden_size: 2, input: 'y', batch_first: true },
      ],
    };
    estimatePipeline(spec, (input, batchFirst) => {
      seen.push(`${input}:${batchFirst}`);
      return { seqLen: 2, batch: 2 };
    });
    assert.deepEqual(seen, ['src:false', 'src:false', 'y:true']);
  });

  test('a configuration PyTorch refuses is a ConfigError naming the module', () => {
    const spec = { modules: [{ name: 'g', type: 'gru' as const, input_size: 4, hidden_size: 3, proj_size: 2 }] };
    assert.throws(() => estimatePipeline(spec, () => ({ seqLen: 1, batch: 1 })), (err: unknown) => err instanceof ConfigError && /^g: proj_size/.test(err.message));
  });
});

describe('setupRun refuses before allocating', () => {
  const flags: ModelFlags = {
    type: 'rnn',
    batch: 3,
    seqLen: 10,
    inputSize: 100,
    hiddenSize: 20,
    layers: 1e9,
    nonlinearity: 'tanh',
    bias: true,
    dropout: 0,
    projSize: 0,
    seed: 0,
    maxMemory: 2 * GiB,
    threads: 1,
  };

  test('--layers 1e9: a BudgetError with the estimate, in milliseconds', () => {
    const start = performance.now();
    assert.throws(() => setupRun(flags, () => false, { keepTrace: false, report: 'summary' }), /^BudgetError: --max-memory: expected a run within 2\.0 GiB, got an estimate of [\d.]+ TiB \(seq_len 10 × batch 3 × 1000000000 layer\(s\), hidden 20; parameters [\d.]+ TiB of it\)/);
    const ms = performance.now() - start;
    assert.ok(ms < 50, `took ${ms} ms`);
  });
});

describe('trace statistics: the first non-finite batch element', () => {
  test('accumulateStep records the first row holding Infinity or NaN, and its value', () => {
    const stats = emptyStats(1, 2, 2);
    accumulateStep(stats.data, statsAt(stats, 0, 0), new Float32Array([1, 2, 3, 4]), 0, 2, 2, 0, null);
    accumulateStep(stats.data, statsAt(stats, 0, 1), new Float32Array([1, 2, 3, NaN, -Infinity, 0]), 2, 2, 2, 1, null);
    assert.equal(nonFiniteAt(stats.data, statsAt(stats, 0, 0)), null);
    assert.deepEqual(nonFiniteAt(stats.data, statsAt(stats, 0, 1)), { batch: 0, value: NaN });
  });

  test('an element past its length is not looked at', () => {
    const stats = emptyStats(1, 1, 1);
    accumulateStep(stats.data, 0, new Float32Array([Infinity, 5]), 0, 2, 1, 3, [3, 4]);
    assert.equal(nonFiniteAt(stats.data, 0), null);
  });

  test('mergeStats keeps the lowest batch index in the whole batch', () => {
    const whole = emptyStats(1, 1, 1);
    const first = emptyStats(1, 1, 1);
    const second = emptyStats(1, 1, 1);
    accumulateStep(first.data, 0, new Float32Array([1, 2]), 0, 2, 1, 0, null);
    accumulateStep(second.data, 0, new Float32Array([3, -Infinity, NaN]), 0, 3, 1, 0, null);
    mergeStats(whole.data, first.data, 0);
    mergeStats(whole.data, second.data, 2);
    assert.deepEqual(nonFiniteAt(whole.data, 0), { batch: 3, value: -Infinity });
    const again = emptyStats(1, 1, 1);
    const third = emptyStats(1, 1, 1);
    accumulateStep(third.data, 0, new Float32Array([Infinity]), 0, 1, 1, 0, null);
    mergeStats(again.data, second.data, 2);
    mergeStats(again.data, third.data, 0);
    assert.deepEqual(nonFiniteAt(again.data, 0), { batch: 0, value: Infinity }, 'order of merging does not matter');
  });
});
