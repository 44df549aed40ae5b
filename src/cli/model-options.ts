/**
 * The options that describe a model and its data, shared by `run` and `compare`; the module's
 * own options (no data) also by `doctor`.
 */
import { Option, type Command } from 'commander';
import { availableParallelism } from 'node:os';
import { CheckFailedError } from '../errors.js';
import { kindNames } from '../modules/kinds/index.js';
import { kernelNames } from '../kernels/kernel.js';
import type { NonFinite } from '../schema/run.js';
import { byteSize, intList, nonNegativeInt, oneOf, positiveInt, probability, seed } from './parse.js';
import type { Explicit, ModelFlags } from '../setup/run.js';
import type { Given } from './command.js';

export const DEFAULT_MAX_MEMORY = '2G';

/** The options that describe the module itself (not its data), each defined once. */
function moduleOptions() {
  return {
    type: new Option('--type <kind>', `recurrent kind: ${kindNames.join('|')}`).argParser(oneOf(kindNames)).default('rnn'),
    inputSize: new Option('--input-size <n>', 'features of x at each step').argParser(positiveInt).default(100),
    hiddenSize: new Option('--hidden, --hidden-size <n>', 'features of h').argParser(positiveInt).default(20),
    layers: new Option('--num-layers, --layers <n>', 'stacked layers (num_layers)').argParser(positiveInt).default(1),
    nonlinearity: new Option('--nonlinearity <name>', 'RNN only: tanh|relu').argParser(oneOf(['tanh', 'relu'] as const)).default('tanh'),
    bias: new Option('--no-bias', 'no bias_ih / bias_hh parameters'),
    batchFirst: new Option('--batch-first', 'x and out are (batch, seq, feature); h_0 and h_n are not affected'),
    bidirectional: new Option('--bidirectional', 'a reverse direction beside the forward one'),
    projSize: new Option('--proj-size <n>', 'LSTM only: project h to this many features').argParser(nonNegativeInt).default(0),
    weights: new Option('--weights <file>', 'a state_dict; its sizes replace the size flags'),
    module: new Option('--module <prefix>', 'with several recurrent modules in --weights: the one to use'),
  };
}

/** The module's options alone, for commands that take no data (doctor). */
export function addModuleOptions(cmd: Command): Command {
  for (const option of Object.values(moduleOptions())) cmd.addOption(option);
  return cmd;
}

export function addModelOptions(cmd: Command): Command {
  const m = moduleOptions();
  return cmd
    .addOption(m.type)
    .option('--batch <n>', 'batch size of the random input', positiveInt, 3)
    .option('--seq-len <n>', 'time steps of the random input', positiveInt, 10)
    .addOption(m.inputSize)
    .addOption(m.hiddenSize)
    .addOption(m.layers)
    .addOption(m.nonlinearity)
    .addOption(m.bias)
    .addOption(m.batchFirst)
    .addOption(m.bidirectional)
    .addOption(m.projSize)
    .option('--dropout <p>', "dropout on each layer's output but the last (with --train)", probability, 0)
    .option('--train', 'training mode: dropout acts (masks drawn from --seed)')
    .option('--unbatched', 'a 2-D x (seq_len, input_size) with no batch dimension')
    .option('--seed <n>', 'seed for the random weights, input and dropout masks', seed, 0)
    .option('--input <file>', 'x from a file (- for JSON on stdin)')
    .option('--h0 <file>', 'h_0 from a file (default zeros)')
    .option('--c0 <file>', 'LSTM: c_0 from a file (default zeros)')
    .addOption(m.weights)
    .addOption(m.module)
    .option('--lengths <list>', 'valid steps of each batch element, e.g. 3,10,7 (as pack_padded_sequence)', intList)
    .option('--enforce-sorted', 'with --lengths: require non-increasing lengths, as pack_padded_sequence(enforce_sorted=True)')
    .addOption(
      new Option('--threads <n>', 'threads for the forward pass (runs too small to gain stay on one)')
        .argParser(positiveInt)
        .default(availableParallelism(), 'the number of cores'),
    )
    .addOption(kernelOption())
    .addOption(exactOption())
    .addOption(
      new Option('--max-memory <size>', 'refuse runs (and files) estimated to need more memory than this')
        .argParser(byteSize)
        .default(byteSize(DEFAULT_MAX_MEMORY), DEFAULT_MAX_MEMORY),
    )
    .addOption(allowNonfiniteOption())
    .addOption(strictOption());
}

/** `--kernel js|wasm`: the products' kernel (src/kernels/kernel.ts). */
export function kernelOption(): Option {
  return new Option('--kernel <name>', `the products' kernel: ${kernelNames.join('|')} (default: wasm for passes of at least 1e7 FLOPs where WebAssembly SIMD is available, else js)`).argParser(oneOf(kernelNames));
}

/** `--exact`: float64 sums on every kernel. */
export function exactOption(): Option {
  return new Option('--exact', 'float64 sums: bit for bit the js kernel (default: float32 SIMD lanes)');
}

/** `--allow-nonfinite`: accept NaN and Infinity in the inputs and weights (refused by default). */
export function allowNonfiniteOption(): Option {
  return new Option('--allow-nonfinite', 'accept NaN and Infinity in x, h_0, c_0 and the weights (the report says where they went)');
}

/** `--strict`: a non-finite value in the run is exit 1, after the output is written. */
export function strictOption(): Option {
  return new Option('--strict', 'exit 1 when the run produced Infinity or NaN (the output is written first)');
}

/** What the model options parse to (commander's values, typed by their parsers and defaults). */
export interface ModelOptions extends ModelFlags {
  strict?: boolean | undefined;
}

/** The model flags out of a command's options, and which of them the user typed. */
export function modelFlags(o: ModelOptions & Given): { flags: ModelFlags; explicit: Explicit } {
  const flags: ModelFlags = {
    type: o.type,
    batch: o.batch,
    seqLen: o.seqLen,
    inputSize: o.inputSize,
    hiddenSize: o.hiddenSize,
    layers: o.layers,
    nonlinearity: o.nonlinearity,
    bias: o.bias,
    batchFirst: o.batchFirst,
    bidirectional: o.bidirectional,
    dropout: o.dropout,
    train: o.train,
    unbatched: o.unbatched,
    projSize: o.projSize,
    seed: o.seed,
    input: o.input,
    h0: o.h0,
    c0: o.c0,
    weights: o.weights,
    module: o.module,
    lengths: o.lengths,
    enforceSorted: o.enforceSorted,
    maxMemory: o.maxMemory,
    allowNonfinite: o.allowNonfinite,
    threads: o.threads,
    kernel: o.kernel,
    exact: o.exact,
  };
  const explicit: Explicit = (k) => o.given(k);
  return { flags, explicit };
}

/**
 * With --strict, the first non-finite value of the run (`where` names whose it is: a module of a
 * pipeline, the automatic or manual pass) is exit 1, raised after the output is written.
 */
export function strictFailure(strict: boolean, found: readonly { where?: string; nonFinite: NonFinite | null | undefined }[]): CheckFailedError | null {
  if (!strict) return null;
  const first = found.find((f) => f.nonFinite);
  if (!first?.nonFinite) return null;
  const nf = first.nonFinite;
  const owner = first.where ? `${first.where}: ` : '';
  return new CheckFailedError(`--strict: expected finite values, got ${nf.value} in ${owner}h of layer ${nf.layer} (${nf.direction}) at t=${nf.t}, batch element ${nf.batch}`);
}
