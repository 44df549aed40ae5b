// Display width, wrapping and table reflow for the terminal (src/cli/render/width.ts, table.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Chalk } from 'chalk';
import fc from 'fast-check';
import { balanceStyles, columnWidths, drawTable, renderTable, type TableSpec } from '../../src/cli/render/table.js';
import { DEFAULT_WIDTH, displayWidth, outputWidth, stripAnsi, wrapLine, wrapText } from '../../src/cli/render/width.js';

const plain = new Chalk({ level: 0 });
const colour = new Chalk({ level: 1 });

describe('displayWidth', () => {
  test('ASCII is one column a character, escapes none', () => {
    assert.equal(displayWidth('h_n[3]'), 6);
    assert.equal(displayWidth(colour.bold.red('h_n[3]')), 6);
    assert.equal(displayWidth('\x1b[48;5;53m   \x1b[0m'), 3);
  });

  test('East Asian Wide and Fullwidth characters are two columns', () => {
    assert.equal(displayWidth('编辑部'), 6);
    assert.equal(displayWidth('第 0 层：'), 2 + 1 + 1 + 1 + 2 + 2);
    assert.equal(displayWidth('（时间，→）'), 2 + 4 + 2 + 1 + 2);
    assert.equal(displayWidth('ｘ'), 2, 'fullwidth Latin');
    assert.equal(displayWidth('한국어'), 6, 'Hangul');
  });

  test('combining marks take no column; box drawing, ‖ and ◆ one', () => {
    assert.equal(displayWidth('e\u0301'), 1);
    assert.equal(displayWidth('┌─┐│‖◆░▒▓█'), 10);
  });

  test('a string of several lines is as wide as its widest line', () => {
    assert.equal(displayWidth('ab\n编辑部\nc'), 6);
  });
});

describe('outputWidth: --width, else the terminal, else COLUMNS, else the default', () => {
  test('each source in turn', () => {
    assert.equal(outputWidth(100, 120, { COLUMNS: '90' }), 100);
    assert.equal(outputWidth(undefined, 120, { COLUMNS: '90' }), 120);
    assert.equal(outputWidth(undefined, undefined, { COLUMNS: '90' }), 90);
    assert.equal(outputWidth(undefined, undefined, {}), DEFAULT_WIDTH);
    assert.equal(outputWidth(undefined, undefined, { COLUMNS: 'wide' }), DEFAULT_WIDTH, 'a COLUMNS that is not a number is ignored');
    assert.equal(DEFAULT_WIDTH, 80);
  });
});

describe('wrapLine', () => {
  test('Latin text breaks at spaces only, every line within the width', () => {
    const text = 'up the layers (↑): at each step, layer 0 reads x[t]; layer l reads layer l-1\'s new h_t, not x[t]';
    for (const width of [20, 33, 50, 79]) {
      const lines = wrapLine(text, width);
      assert.ok(lines.length > 1);
      for (const line of lines) assert.ok(displayWidth(line) <= width, `${JSON.stringify(line)} within ${width}`);
      assert.deepEqual(lines.join(' ').split(' '), text.split(' '), 'the same words, none split');
    }
  });

  test('any text: every line within the width, no character lost, plain or coloured', () => {
    const text = fc.array(fc.constantFrom('a', 'bb', 'ccccccccccccccc', '-0.1234,', 'b0:', '[1,', '', ' ', '编辑', '，'), { maxLength: 20 }).map((w) => w.join(' '));
    fc.assert(
      fc.property(text, fc.integer({ min: 11, max: 40 }), fc.constantFrom('', '  ', '     '), fc.boolean(), (t, width, indent, red) => {
        const lines = wrapLine(red ? colour.red(t) : t, width, { indent });
        for (const line of lines) assert.ok(displayWidth(line) <= width, `${JSON.stringify(line)} within ${width}`);
        assert.equal(lines.map(stripAnsi).join('').replace(/ /g, ''), t.replace(/ /g, ''));
      }),
      { numRuns: 500 },
    );
  });

  test('a line that fits is returned as it is, spaces and all', () => {
    assert.deepEqual(wrapLine('  a  b ', 10), ['  a  b ']);
  });

  test('continuation lines take the indent; a word longer than a line is broken', () => {
    assert.deepEqual(wrapLine('  alpha beta gamma delta', 14), ['  alpha beta', '  gamma delta']);
    assert.deepEqual(wrapLine('fix: x', 5, { indent: '' }), ['fix:', 'x']);
    const long = wrapLine('abcdefghijklmnopqrstuvwxyz', 10);
    assert.deepEqual(long, ['abcdefghij', 'klmnopqrst', 'uvwxyz']);
  });

  test('Chinese text breaks between characters, counting each as two columns', () => {
    const text = '每位编辑把笔记从一个时间步带到下一个时间步，每次都用同一套权重把 h_{t-1} 改写成 h_t。';
    for (const width of [11, 20, 31]) {
      const lines = wrapLine(text, width, { indent: '' });
      for (const line of lines) assert.ok(displayWidth(line) <= width, `${line} (${displayWidth(line)}) within ${width}`);
      assert.equal(lines.join('').replace(/ /g, ''), text.replace(/ /g, ''), 'nothing lost or added');
      for (const line of lines.slice(1)) assert.doesNotMatch(line, /^[，。：）]/, 'no line starts with closing punctuation');
      assert.ok(lines.length <= Math.ceil(displayWidth(text) / width) + 2, `${lines.length} lines: filled, not broken at words only`);
    }
  });

  test('colours survive wrapping and balanceStyles closes them at each line end', () => {
    const lines = balanceStyles(wrapLine(colour.red('one two three four'), 9, { indent: '' }));
    assert.deepEqual(lines.map(stripAnsi), ['one two', 'three', 'four']);
    for (const line of lines) {
      assert.ok(line.startsWith('\x1b[31m'), `${JSON.stringify(line)} reopens red`);
      assert.ok(line.endsWith('\x1b[39m') || line.endsWith('\x1b[0m'), `${JSON.stringify(line)} closes it`);
    }
  });

  test('wrapText wraps each line on its own, with a hanging indent', () => {
    assert.equal(wrapText('short\n  a long line of words here', 12, 2), 'short\n  a long\n    line of\n    words\n    here');
  });
});

describe('tables that fit', () => {
  const spec: TableSpec = {
    head: ['tensor', 'shape', 'dimensions', 'meaning'],
    rows: [
      ['x', '(3, 10, 100)', 'batch=3, seq_len=10, input_size=100', 'the input sequence; its shape does not depend on num_layers'],
      ['h_0', '(4, 3, 20)', 'num_layers=4, batch=3, hidden_size=20', 'initial hidden state, one slice per layer (zeros: none given)'],
    ],
    keep: [true, true],
  };

  test('a table that fits keeps its natural widths; one that does not narrows its widest columns', () => {
    const wide = columnWidths(spec, 300);
    assert.deepEqual(wide, [6, 12, 37, 61]);
    const narrow = columnWidths(spec, 80);
    assert.equal(narrow.reduce((s, w) => s + w, 0) + 3 * 4 + 1, 80);
    assert.deepEqual(narrow.slice(0, 2), [6, 12], 'the kept columns (shapes) whole');
    assert.ok(narrow[3]! < 61 && narrow[2]! < 37);
  });

  test('every line within the width, borders intact, nothing lost', () => {
    for (const width of [40, 60, 80, 120]) {
      const text = renderTable(plain, spec, width);
      const lines = text.split('\n');
      for (const line of lines) assert.ok(displayWidth(line) <= width, `${line} within ${width}`);
      assert.equal(new Set(lines.map(displayWidth)).size, 1, 'every line as wide as the frame');
      if (width < 60) continue; // below that, words of 14 characters are broken to fit
      const cells = [...spec.head, ...spec.rows.flat()].map((c) => (typeof c === 'string' ? c : c.content));
      for (const cell of cells) for (const w of cell.split(' ')) assert.ok(text.includes(w), `${w} whole at width ${width}`);
    }
  });

  test('drawTable draws what cli-table3 draws, for any table without spanning rows', () => {
    const cellText = fc.array(fc.constantFrom('a', 'bb', 'ccc', '编辑', '(3, 10)', 'x_t', colour.red('red'), '-0.1234'), { maxLength: 6 }).map((ws) => ws.join(' '));
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }).chain((n) =>
          fc.record({
            head: fc.array(cellText, { minLength: n, maxLength: n }),
            rows: fc.array(fc.array(cellText, { minLength: n, maxLength: n }), { maxLength: 5 }),
            compact: fc.boolean(),
            width: fc.integer({ min: 40, max: 120 }),
            c: fc.constantFrom(plain, colour),
          }),
        ),
        ({ head, rows, compact, width, c }) => {
          const s: TableSpec = { head, rows, compact };
          assert.equal(drawTable(c, s, width), renderTable(c, s, width));
        },
      ),
      { numRuns: 200 },
    );
  });

  test('a row spanning every column of a compact table is framed, borders unbroken', () => {
    const s: TableSpec = {
      head: ['t', '‖h_t‖', 'mean'],
      rows: [['0', '5.4706', '-0.0461'], [{ content: '… t=6..493 (488 steps) not shown: --trace full or --format json shows all', colSpan: 3 }], ['499', '5.2008', '-0.0108']],
      compact: true,
    };
    const lines = drawTable(plain, s, 40).split('\n');
    assert.equal(new Set(lines.map(displayWidth)).size, 1, lines.join('\n'));
    for (const line of lines) assert.match(line, /^[│├┌└].*[│┤┐┘]$/u);
    const span = lines.findIndex((l) => l.includes('…'));
    assert.match(lines[span - 1]!, /^├─+┴─+┴─+┤$/u);
    const after = lines.findIndex((l, i) => i > span && l.startsWith('├'));
    assert.match(lines[after]!, /^├─+┬─+┬─+┤$/u);
    assert.ok(lines.slice(span, after).join(' ').replace(/[│ ]+/g, ' ').includes('488 steps'));
  });
});
