/** explain's text: the narration in the chosen language, then what could not be compared and the warnings. */
import type { ChalkInstance } from 'chalk';
import { catalogues, type Lang } from '../../explain/messages/index.js';
import { narrate } from '../../explain/narrate.js';
import type { ExplainReport } from '../../schema/explain.js';
import { wrapText } from './width.js';

/** The text wrapped to `width`: a wrapped line continues two columns in from where it started. */
export function renderExplainText(facts: ExplainReport, lang: Lang, c: ChalkInstance, width: number): string {
  let text = narrate(facts, catalogues[lang], { heading: (s) => c.bold(s), good: (s) => c.green(s), bad: (s) => c.yellow(s) });
  for (const k of facts.checks.filter((k) => k.not_comparable)) {
    text += c.yellow(`not comparable: ${k.left} and ${k.right} are NaN in the same ${k.not_comparable} place(s); NaN equals nothing, so no difference can be measured there`) + '\n';
  }
  for (const w of facts.warnings ?? []) text += c.yellow(`warning: ${w.message}`) + '\n';
  return wrapText(text, width, 2);
}
