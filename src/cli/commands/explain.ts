/**
 * `rnn-inspect explain`: run the configuration and tell what happened in it, layer by layer and step
 * by step, in the seed's editorial-office story, with the run's own shapes and numbers.
 * --step T picks the time step (default the last; -1 counts from the end, as in Python),
 * --layer L one layer, --lang the language, --format json the facts the text is made from.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { explainRun, resolveFocus } from '../../explain/facts.js';
import { catalogues, languages, type Lang } from '../../explain/messages/index.js';
import { narrate } from '../../explain/narrate.js';
import type { CliContext } from '../context.js';
import { jsonText } from '../output.js';
import { firstNonFinite, nonFiniteWarning } from '../../report/non-finite.js';
import { addModelOptions, checkStrict, modelFlags, type ModelOptions } from '../model-options.js';
import { addHtmlOption, claimHtml, writeHtml } from '../html-output.js';
import { oneOf } from '../parse.js';
import { htmlKeepsValues } from '../../html/budget.js';
import { renderHtmlReport } from '../../html/report.js';
import { gateCollector } from '../../report/gate-stats.js';
import { buildRunReport } from '../../report/run-report.js';
import { setupRun } from '../../setup/run.js';

/** An integer, negative allowed (Python-style indexes); the range is checked once the run's sizes are known. */
function integer(value: string): number {
  if (!/^\s*-?\d+\s*$/.test(value) || !Number.isSafeInteger(Number(value))) throw new InvalidArgumentError(`expected an integer, got "${value}"`);
  return Number(value);
}

interface ExplainCommandOptions extends ModelOptions {
  step?: number | undefined;
  layer?: number | undefined;
  lang: Lang;
  format: 'text' | 'json';
  html?: string | undefined;
}

export function registerExplain(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('explain')
    .description("run the configuration and narrate it: each layer's role, what it fused at one step, the flow, and what out and h_n hold");
  addHtmlOption(addModelOptions(cmd), 'the explanation in --lang beside the run\'s grid, its step marked')
    .option('--step <t>', 'the time step to follow, 0..seq_len-1; negative counts from the end (-1 = the last, the default)', integer)
    .option('--layer <l>', 'follow one layer, 0..num_layers-1 (negative counts from the top); default all', integer)
    .addOption(new Option('--lang <lang>', languages.join('|')).argParser(oneOf(languages)).default('en'))
    .addOption(new Option('--format <format>', 'text|json (json: the facts the text is made from)').argParser(oneOf(['text', 'json'] as const)).default('text'))
    .action(() => {
      const o = cmd.opts<ExplainCommandOptions>();
      const { flags, explicit } = modelFlags(cmd);
      const html = claimHtml(ctx, o.html);
      // explain reads every layer's h at the chosen step: the full trace is kept.
      const setup = setupRun(flags, explicit, { keepTrace: true, report: 'summary' });
      const { module, x, forward, geometry } = setup;
      const input = module.prepare(x, forward);
      const options = { version: ctx.version, ...(o.step === undefined ? {} : { step: o.step }), ...(o.layer === undefined ? {} : { layer: o.layer }) };
      // Validate --step and --layer before the run: the sizes are known from the prepared input.
      resolveFocus(input.seqLen, module.config.numLayers, options);
      const gates = html ? gateCollector(module, geometry.lengths) : null;
      const { facts, result } = explainRun(module, x, forward, geometry, options, gates?.onStep);
      const nonFinite = firstNonFinite(result, module.numDirections);
      const warnings = [...setup.warnings, ...(nonFinite ? [nonFiniteWarning(nonFinite, geometry.batched, module.numDirections)] : [])];
      if (warnings.length) facts.warnings = warnings;
      if (nonFinite) facts.non_finite = nonFinite;
      if (html) {
        const trace = htmlKeepsValues(module, input.seqLen, input.batch, flags.maxMemory) ? 'full' : 'summary';
        const run = buildRunReport(module, result, { version: ctx.version, trace, includeTensors: false, geometry, notes: setup.notes, warnings: setup.warnings });
        writeHtml(html, renderHtmlReport(facts, { lang: o.lang, grids: [run], gates: [gates?.stats() ?? null] }));
      }
      const sink = ctx.openOutput(cmd);
      if (o.format === 'json') sink.write(jsonText(facts));
      else {
        const c = ctx.chalk(cmd);
        sink.write(narrate(facts, catalogues[o.lang], { heading: (s) => c.bold(s), good: (s) => c.green(s), bad: (s) => c.yellow(s) }));
        const nan = facts.checks.filter((k) => k.not_comparable);
        for (const k of nan) sink.write(c.yellow(`not comparable: ${k.left} and ${k.right} are NaN in the same ${k.not_comparable} place(s); NaN equals nothing, so no difference can be measured there`) + '\n');
        for (const w of warnings) sink.write(c.yellow(`warning: ${w}`) + '\n');
      }
      sink.commit();
      checkStrict(!!o.strict, [{ nonFinite }]);
    });
}
