/**
 * `rnn-inspect explain`: run the configuration and tell what happened in it, layer by layer and step
 * by step, in the seed's editorial-office story, with the run's own shapes and numbers.
 * --step T picks the time step (default the last; -1 counts from the end, as in Python),
 * --layer L one layer, --lang the language, --format json the facts the text is made from.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { explainRun, resolveFocus } from '../../explain/facts.js';
import { languages, type Lang } from '../../explain/messages/index.js';
import type { ExplainReport } from '../../schema/explain.js';
import { action, type CommandEnv, type Given, type Outcome } from '../command.js';
import type { CliContext } from '../context.js';
import { renderExplainText } from '../render/explain-text.js';
import { estimateBackward, formatBytes } from '../../modules/memory.js';
import { backwardRefusal } from '../../modules/run/gradients.js';
import { firstNonFinite, nonFiniteWarning } from '../../report/non-finite.js';
import { addModelOptions, modelFlags, strictFailure, type ModelOptions } from '../model-options.js';
import { oneOf } from '../parse.js';
import { addHtmlOption, claimHtml, writeHtml } from '../html-output.js';
import { htmlKeepsValues } from '../../html/budget.js';
import { renderHtmlReport } from '../../html/report.js';
import { gateCollector } from '../../report/gate-stats.js';
import { buildRunReport } from '../../report/run-report.js';
import { setupRun } from '../../setup/run.js';
import { warning } from '../../warnings.js';

/** An integer, negative allowed (Python-style indexes); the range is checked once the run's sizes are known. */
function integer(value: string): number {
  if (!/^\s*-?\d+\s*$/.test(value) || !Number.isSafeInteger(Number(value))) throw new InvalidArgumentError(`expected an integer, got "${value}"`);
  return Number(value);
}

export interface ExplainCommandOptions extends ModelOptions {
  step?: number | undefined;
  layer?: number | undefined;
  lang: Lang;
  format: 'text' | 'json';
  html?: string | undefined;
}

/** The run, followed at one step: the facts the narration is made from. */
export function explainCommand(o: ExplainCommandOptions & Given, env: CommandEnv): Outcome<ExplainReport> {
  const { flags, explicit } = modelFlags(o);
  const html = claimHtml(env, o.html);
  // explain reads every layer's h at the chosen step: the full trace is kept.
  const setup = setupRun(flags, explicit, { keepTrace: true, report: 'summary' });
  const { module, x, forward, geometry } = setup;
  const input = module.prepare(x, forward);
  // The closing backward account needs a backward pass: left out (with a warning) when it would exceed --max-memory.
  const backwardBytes = estimateBackward(module.kind, module.config, geometry.seqLen, geometry.batch).bytes;
  const cannot = backwardRefusal(module.kind, module.config);
  const backward = !cannot && backwardBytes <= flags.maxMemory;
  const options = { version: env.version, backward, ...(o.step === undefined ? {} : { step: o.step }), ...(o.layer === undefined ? {} : { layer: o.layer }) };
  // Validate --step and --layer before the run: the sizes are known from the prepared input.
  resolveFocus(input.seqLen, module.config.numLayers, options);
  const gates = html ? gateCollector(module, geometry.lengths) : null;
  const { facts, result } = explainRun(module, x, forward, geometry, options, gates?.onStep);
  const nonFinite = firstNonFinite(result, module.numDirections);
  const skipped = backward ? [] : [warning('backward-left-out', `the backward account is left out: ${cannot ? `backward: ${cannot}` : `its backward pass is estimated at ${formatBytes(backwardBytes)}, beyond --max-memory ${formatBytes(flags.maxMemory)}`}`)];
  const warnings = [...setup.warnings, ...skipped, ...(nonFinite ? [nonFiniteWarning(nonFinite, geometry.batched, module.numDirections)] : [])];
  if (warnings.length) facts.warnings = warnings;
  if (nonFinite) facts.non_finite = nonFinite;
  if (html) {
    // The page: the explanation beside its run's grid (values when they fit), the step marked.
    const trace = htmlKeepsValues(module, input.seqLen, input.batch, flags.maxMemory) ? 'full' : 'summary';
    const run = buildRunReport(module, result, { version: env.version, trace, includeTensors: false, geometry, notes: setup.notes, warnings: setup.warnings });
    writeHtml(env, html, renderHtmlReport(facts, { lang: o.lang, grids: [run], gates: [gates?.stats() ?? null] }));
  }
  return { document: facts, failure: strictFailure(!!o.strict, [{ nonFinite }]) };
}

export function registerExplain(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('explain')
    .description("run the configuration and narrate it: each layer's role, what it fused at one step, the flow, and what out and h_n hold");
  addHtmlOption(addModelOptions(cmd), "the explanation in --lang beside the run's grid, its step marked")
    .option('--step <t>', 'the time step to follow, 0..seq_len-1; negative counts from the end (-1 = the last, the default)', integer)
    .option('--layer <l>', 'follow one layer, 0..num_layers-1 (negative counts from the top); default all', integer)
    .addOption(new Option('--lang <lang>', languages.join('|')).argParser(oneOf(languages)).default('en'))
    .addOption(new Option('--format <format>', 'text|json (json: the facts the text is made from)').argParser(oneOf(['text', 'json'] as const)).default('text'))
    .action(action(ctx, { execute: explainCommand, render: (facts: ExplainReport, o: ExplainCommandOptions, style, layout) => renderExplainText(facts, o.lang, style, layout.width) }));
}
