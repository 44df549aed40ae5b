/**
 * The page's own script, inline: per grid (a page has one, a pipeline's one per module) the
 * statistic switch, selection (click, focus, Enter or Space) with its detail and highlights,
 * arrow-key movement between cells and the heatmaps' sequence; one detail for the page, and a
 * pipeline's h_n -> h_0 hand-offs followed from one grid to the next. It reads the embedded
 * documents and builds the detail with textContent only, never markup.
 */
export const CLIENT_JS = `(function () {
  'use strict';
  var view = JSON.parse(document.getElementById('rnn-inspect-view').textContent);
  var detail = document.querySelector('[data-role="detail"]');
  var NS = 'http://www.w3.org/2000/svg';
  var scripts = {};
  function docOf(pv) {
    if (!scripts[pv.script]) scripts[pv.script] = JSON.parse(document.getElementById(pv.script).textContent);
    var d = scripts[pv.script];
    return pv.module == null ? d : d.modules[pv.module];
  }
  function qa(root, s) { return Array.prototype.slice.call(root.querySelectorAll(s)); }
  function fmt(v) {
    if (v == null || !isFinite(v)) return '\\u2014';
    if (Number.isInteger(v)) return String(v);
    return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toFixed(4);
  }
  function pct(v) { return v == null ? '\\u2014' : (100 * v).toFixed(1) + '%'; }
  function rowStats(row) {
    var sq = 0, sum = 0, min = Infinity, max = -Infinity;
    row.forEach(function (v) { sq += v * v; sum += v; if (v < min) min = v; if (v > max) max = v; });
    return { norm: Math.sqrt(sq), mean: row.length ? sum / row.length : 0, min: min, max: max, absmax: Math.max(Math.abs(min), Math.abs(max)) };
  }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text != null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function svgEl(tag, a) {
    var e = document.createElementNS(NS, tag);
    for (var k in a) e.setAttribute(k, String(a[k]));
    return e;
  }
  function clear() {
    qa(document, '[data-highlighted]').forEach(function (e) { e.removeAttribute('data-highlighted'); e.removeAttribute('data-relation'); });
    qa(document, '[data-selected]').forEach(function (e) { e.removeAttribute('data-selected'); });
  }
  function mark(e, rel) {
    if (!e) return;
    e.setAttribute('data-highlighted', 'true');
    e.setAttribute('data-relation', rel);
  }
  function show(title, blocks) {
    detail.textContent = '';
    detail.appendChild(el('h3', title));
    blocks.forEach(function (b) { if (b) detail.appendChild(b); });
  }
  function statsList(pairs) {
    var dl = el('dl', null, 'stats');
    pairs.forEach(function (p) { if (!p) return; dl.appendChild(el('dt', p[0])); dl.appendChild(el('dd', p[1])); });
    return dl;
  }
  function flowList(label, items) {
    var d = el('div', null, 'flowlist');
    d.appendChild(el('h4', label));
    var ul = el('ul');
    items.forEach(function (s) { ul.appendChild(el('li', s)); });
    d.appendChild(ul);
    return d;
  }
  var panels = [];

  function Panel(p, pv) {
    var doc = docOf(pv);
    var root = document.querySelector('[data-panel="' + p + '"]');
    var L = pv.L, D = pv.D, T = pv.T, B = pv.B, dirs = pv.directions, lengths = doc.lengths, what = pv.what;
    var where = pv.name ? pv.name + ': ' : '';
    function q(s) { return root.querySelector(s); }
    function entry(l, dir) {
      for (var i = 0; i < doc.layers.length; i++) if (doc.layers[i].layer === l && doc.layers[i].direction === dir) return doc.layers[i];
      return null;
    }
    function step(l, dir, t) { var e = entry(l, dir); return e ? e.steps[t] : null; }
    function valid(b, t) { return !lengths || t < lengths[b]; }
    function colour(v, field) {
      var r = pv.scales[field || 'h'];
      var s = r[1] > r[0] ? (v - r[0]) / (r[1] - r[0]) : 0.5;
      return view.lut[Math.max(0, Math.min(255, Math.round(s * 255)))];
    }
    function cell(l, dir, t, b) {
      return q('[data-layer="' + l + '"][data-direction="' + dir + '"][data-t="' + t + '"]' + (b == null ? ':not([data-b])' : '[data-b="' + b + '"]'));
    }
    function setStat(name) {
      var i = view.stats.indexOf(name);
      qa(root, '[data-fill]').forEach(function (r) { r.setAttribute('fill', r.getAttribute('data-fill').split(' ')[i]); });
      qa(root, '[data-legend]').forEach(function (g) { if (g.getAttribute('data-legend') === name) g.removeAttribute('hidden'); else g.setAttribute('hidden', ''); });
    }
    qa(document, 'input[name="rnn-stat-' + p + '"]').forEach(function (r) { r.addEventListener('change', function () { if (r.checked) setStat(r.value); }); });

    // One row of coloured units per sequence, the largest units named, then the numbers (units down, sequences across).
    function strip(name, rows, field) {
      var box = el('div', null, 'units');
      var shown = rows.slice(0, 8);
      box.appendChild(el('h4', name + (rows.length > shown.length ? ' (the first ' + shown.length + ' of ' + rows.length + ' sequences)' : '')));
      var H = shown.length ? shown[0].values.length : 0;
      var w = Math.max(2, Math.min(14, Math.floor(300 / Math.max(1, H))));
      var width = 34 + H * w, height = shown.length * 16 + 2;
      var svg = svgEl('svg', { width: width, height: height, viewBox: '0 0 ' + width + ' ' + height, role: 'img', 'aria-label': name + ': ' + shown.length + ' sequence(s) by ' + H + ' units' });
      var big = [];
      shown.forEach(function (r, i) {
        var lab = svgEl('text', { x: 30, y: i * 16 + 12, 'class': 'ulabel' });
        lab.textContent = 'b' + r.b;
        svg.appendChild(lab);
        r.values.forEach(function (v, j) {
          if (!r.padded) big.push([Math.abs(v), r.b, j, v]);
          var rect = svgEl('rect', { x: 34 + j * w, y: i * 16 + 1, width: w > 4 ? w - 1 : w, height: 14, fill: r.padded ? 'url(#rnn-hatch)' : colour(v, field), 'data-seq': r.b, 'data-unit': j, 'data-value': String(v) });
          var tt = svgEl('title', {});
          tt.textContent = 'sequence ' + r.b + ', unit ' + j + ': ' + fmt(v) + (r.padded ? ' (padded)' : '');
          rect.appendChild(tt);
          svg.appendChild(rect);
        });
      });
      var sc = el('div', null, 'scroll');
      sc.appendChild(svg);
      box.appendChild(sc);
      big.sort(function (a, b) { return b[0] - a[0] || a[1] - b[1] || a[2] - b[2]; });
      if (big.length) box.appendChild(el('p', 'largest |value|: ' + big.slice(0, 3).map(function (x) { return (shown.length > 1 ? 'b' + x[1] + ' ' : '') + 'unit ' + x[2] + ' = ' + fmt(x[3]); }).join(', '), 'note largest'));
      var det = el('details');
      if (H * shown.length <= 36) det.open = true;
      det.appendChild(el('summary', 'numbers'));
      var table = el('table', null, 'values');
      var head = el('tr');
      head.appendChild(el('th', 'unit'));
      shown.forEach(function (r) { head.appendChild(el('th', 'b' + r.b + (r.padded ? ' (padded)' : ''))); });
      table.appendChild(head);
      for (var j = 0; j < H; j++) {
        var tr = el('tr');
        tr.appendChild(el('th', String(j)));
        shown.forEach(function (r) { tr.appendChild(el('td', fmt(r.values[j]))); });
        table.appendChild(tr);
      }
      var ts = el('div', null, 'scroll');
      ts.appendChild(table);
      det.appendChild(ts);
      box.appendChild(det);
      return box;
    }
    function notKept() { return el('p', pv.valuesNote, 'note'); }
    function gateTable(l, dir, t, perSeq) {
      if (!pv.gates) return null;
      var st = (pv.gates.layers[l + ':' + dir] || [])[t];
      if (!st) return null;
      var box = el('div', null, 'gatebox');
      box.appendChild(el('h4', 'gates at this step' + (perSeq ? ' (over every valid sequence)' : '')));
      var table = el('table', null, 'values gates-at');
      var head = el('tr');
      ['gate', 'mean', 'saturated low', 'saturated high'].forEach(function (h) { head.appendChild(el('th', h)); });
      table.appendChild(head);
      pv.gates.names.forEach(function (n, k) {
        var tr = el('tr');
        var b = pv.gates.bounds[k];
        tr.setAttribute('data-gate', n);
        tr.appendChild(el('th', n));
        tr.appendChild(el('td', fmt(st.mean[k])));
        tr.appendChild(el('td', b ? pct(st.low[k]) + ' < ' + b[0] : '\\u2014'));
        tr.appendChild(el('td', b ? pct(st.high[k]) + ' > ' + b[1] : '\\u2014'));
        table.appendChild(tr);
      });
      box.appendChild(table);
      return box;
    }

    function selectCell(l, dir, t, b) {
      clear();
      var perSeq = b != null;
      var d = dirs.indexOf(dir), k = l * D + d, rev = dir === 'reverse';
      var me = cell(l, dir, t, perSeq ? b : null);
      if (me) me.setAttribute('data-selected', 'true');
      var title = where + 'layer ' + l + (D === 2 ? ' ' + dir : '') + ', t=' + t + (perSeq ? ', sequence ' + b : '') + ': ' + what;
      if (perSeq && !valid(b, t)) {
        show(title, [el('p', 'Padded: sequence ' + b + ' has length ' + lengths[b] + ', so this step did not run for it; out[' + t + '] is zero for it and h_n is not taken from here.', 'note')]);
        return;
      }
      var s = step(l, dir, t);
      var blocks = [];
      if (me && me.getAttribute('data-focus') === 'true') blocks.push(el('p', "The explanation's step.", 'note'));
      if (s && s.valid === 0) blocks.push(el('p', 'No sequence has input at this step (every length is ' + t + ' or less): it did not run.', 'note'));
      if (s && perSeq && s.h) {
        var rs = rowStats(s.h[b]);
        blocks.push(statsList([['norm', fmt(rs.norm)], ['mean', fmt(rs.mean)], ['min', fmt(rs.min)], ['max', fmt(rs.max)], ['absmax', fmt(rs.absmax)]]));
      } else if (s) {
        blocks.push(statsList([['norm', fmt(s.norm)], ['mean', fmt(s.mean)], ['min', fmt(s.min)], ['max', fmt(s.max)], ['absmax', fmt(Math.max(Math.abs(s.min), Math.abs(s.max)))], ['valid', s.valid + ' of ' + B + ' sequence(s)']]));
        if (perSeq) blocks.push(el('p', 'These statistics are over every valid sequence at this step: the values were not kept.', 'note'));
      } else blocks.push(el('p', 'No statistics: the run was made with --trace none.', 'note'));
      var reads = [], feeds = [];
      var first = rev ? (perSeq ? lengths[b] - 1 : T - 1) : 0;
      var prevT = rev ? t + 1 : t - 1;
      if (t === first) {
        var src = pv.h0From != null ? panels[pv.h0From] : null;
        reads.push('h_0[' + k + '], the initial state' + (src ? ": " + src.name + "'s h_n[" + k + '], handed over' : '') + ', from the ' + (rev ? 'right' : 'left'));
        mark(q('[data-h0="' + k + '"]'), 'reads');
        if (src) mark(src.q('[data-hn="' + k + '"]'), 'reads');
      } else {
        reads.push('its own h at t=' + prevT + ' (the step before, in this direction), from the ' + (rev ? 'right' : 'left'));
        mark(cell(l, dir, prevT, perSeq ? b : null), 'reads');
      }
      if (l === 0) {
        reads.push('x[' + t + '], from below');
        mark(q('[data-x-t="' + t + '"]'), 'reads');
      } else {
        reads.push("layer " + (l - 1) + "'s new h_t at t=" + t + (D === 2 ? ', forward and reverse concatenated' : '') + ', from below');
        dirs.forEach(function (dd) { mark(cell(l - 1, dd, t, perSeq ? b : null), 'reads'); });
      }
      var last = rev ? 0 : perSeq ? lengths[b] - 1 : T - 1;
      var nextT = rev ? t - 1 : t + 1;
      if (t !== last) {
        feeds.push('its own next step, t=' + nextT + ', to the ' + (rev ? 'left' : 'right'));
        mark(cell(l, dir, nextT, perSeq ? b : null), 'feeds');
      }
      var sl = doc.h_n_slices[k];
      var here = sl ? sl.steps.slice(0, B).filter(function (st, sb) { return st === t && (!perSeq || sb === b); }).length : 0;
      if (here) {
        feeds.push('h_n[' + k + ']' + (lengths && !perSeq ? ' (for ' + here + ' of ' + B + ' sequence(s))' : ''));
        mark(q('[data-hn="' + k + '"]'), 'feeds');
      }
      if (l < L - 1) {
        feeds.push('layer ' + (l + 1) + ' at t=' + t + (D === 2 ? ', both directions' : '') + ', up');
        dirs.forEach(function (dd) { mark(cell(l + 1, dd, t, perSeq ? b : null), 'feeds'); });
      } else {
        feeds.push('out[' + t + ']' + (D === 2 ? (rev ? ', its second half' : ', its first half') : '') + ', up');
        mark(q('[data-out-t="' + t + '"]'), 'feeds');
      }
      blocks.push(flowList('reads', reads), flowList('goes to', feeds));
      if (s && s.h) {
        var rows = [];
        for (var bb = 0; bb < s.h.length; bb++) if (!perSeq || bb === b) rows.push({ b: bb, values: s.h[bb], padded: !valid(bb, t) });
        blocks.push(strip(what + ' values', rows, 'h'));
        if (s.c) {
          var crows = [];
          for (var cb = 0; cb < s.c.length; cb++) if (!perSeq || cb === b) crows.push({ b: cb, values: s.c[cb], padded: !valid(cb, t) });
          blocks.push(strip(what === 'h_t' ? 'c_t values (the cell state)' : what.replace('h_t', 'c_t') + ' values', crows, 'c'));
        }
      } else if (s) blocks.push(notKept());
      blocks.push(gateTable(l, dir, t, perSeq));
      if (lengths && !perSeq) blocks.push(el('p', "With lengths, each sequence runs on its own steps (the reverse pass starts at its own last valid step): select a sequence's small cell for its own path.", 'note'));
      show(title, blocks);
    }

    function selectHn(k) {
      clear();
      var sl = doc.h_n_slices[k];
      var steps = sl.steps.slice(0, B);
      var me = q('[data-hn="' + k + '"]');
      if (me) me.setAttribute('data-selected', 'true');
      var seen = {};
      steps.forEach(function (t, b) {
        if (!seen[t]) { seen[t] = true; mark(cell(sl.layer, sl.direction, t, null), 'source'); }
        if (pv.seqCells) mark(cell(sl.layer, sl.direction, t, b), 'source');
      });
      var same = steps.every(function (t) { return t === steps[0]; });
      var taken = same ? 't=' + steps[0] : steps.map(function (t, b) { return 'b' + b + ':t=' + t; }).join(' ');
      var blocks = [statsList([
        ['layer', String(sl.layer) + (sl.layer === L - 1 ? ' (top)' : '')],
        ['direction', sl.direction],
        ['taken at', taken],
        sl.equals_out ? ['equals', sl.equals_out + (sl.max_abs_diff === 0 ? ' (exactly)' : sl.max_abs_diff == null ? '' : ' (max |diff| ' + fmt(sl.max_abs_diff) + ')')] : null,
      ])];
      var at = sl.direction === 'reverse' ? 'at t=0, where the reverse pass ends' : lengths ? "at each sequence's last valid step" : 'at the last step';
      blocks.push(el('p', 'h_n[' + k + '] is layer ' + sl.layer + "'s " + (D === 2 ? sl.direction + ' ' : '') + 'h ' + at + '.'));
      pv.hnTo.forEach(function (j) {
        var dst = panels[j];
        blocks.push(el('p', 'Handed to ' + dst.name + ' as its h_0[' + k + ']: ' + dst.name + "'s layer " + sl.layer + ' starts from it instead of zeros.'));
        mark(dst.q('[data-h0="' + k + '"]'), 'feeds');
      });
      var rows = [];
      steps.forEach(function (t, b) { var s = step(sl.layer, sl.direction, t); if (s && s.h && s.h[b]) rows.push({ b: b, values: s.h[b], padded: false }); });
      if (rows.length === steps.length) blocks.push(strip('h_n[' + k + '] values' + (what === 'h_t' ? '' : ' (' + what + ')'), rows, 'h'));
      else blocks.push(notKept());
      show(where + 'h_n[' + k + ']', blocks);
    }

    function selectOut(t) {
      clear();
      var me = q('[data-out-t="' + t + '"]');
      if (me) me.setAttribute('data-selected', 'true');
      var top = L - 1;
      dirs.forEach(function (dir) {
        mark(cell(top, dir, t, null), 'source');
        if (pv.seqCells) for (var b = 0; b < B; b++) if (valid(b, t)) mark(cell(top, dir, t, b), 'source');
      });
      var idx = doc.config.unbatched ? 'out[' + t + ']' : doc.config.batch_first ? 'out[:, ' + t + ', :]' : 'out[' + t + ']';
      var blocks = [el('p', idx + ' is the top layer (' + top + ")'s h at t=" + t + (D === 2 ? ': the forward h at t in its first half, the reverse h at t in its second half.' : '.'))];
      if (lengths) {
        var zero = [];
        for (var b = 0; b < B; b++) if (!valid(b, t)) zero.push('b' + b);
        if (zero.length) blocks.push(el('p', 'Zero for ' + zero.join(', ') + ': padded at this step.', 'note'));
      }
      var parts = dirs.map(function (dir) { return step(top, dir, t); });
      if (parts.every(function (s) { return s && s.h; })) {
        var rows = [];
        for (var rb = 0; rb < B; rb++) rows.push({ b: rb, values: [].concat.apply([], parts.map(function (s) { return s.h[rb]; })), padded: !valid(rb, t) });
        blocks.push(strip(idx + ' values' + (what === 'h_t' ? '' : ' (' + what + ')'), rows, 'h'));
      } else blocks.push(notKept());
      show(where + 'out[' + t + ']', blocks);
    }

    function activate(e) {
      if (e.hasAttribute('data-hn')) selectHn(+e.getAttribute('data-hn'));
      else if (e.hasAttribute('data-out-t')) selectOut(+e.getAttribute('data-out-t'));
      else if (e.hasAttribute('data-layer')) selectCell(+e.getAttribute('data-layer'), e.getAttribute('data-direction'), +e.getAttribute('data-t'), e.hasAttribute('data-b') ? +e.getAttribute('data-b') : null);
    }
    function rove(e) {
      qa(root, '[data-group="' + e.getAttribute('data-group') + '"]').forEach(function (x) { x.setAttribute('tabindex', '-1'); });
      e.setAttribute('tabindex', '0');
    }
    var MOVES = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    qa(root, '[data-group]').forEach(function (e) {
      e.addEventListener('click', function () { rove(e); activate(e); });
      e.addEventListener('focus', function () { rove(e); activate(e); });
      e.addEventListener('keydown', function (ev) {
        if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); activate(e); return; }
        var m = MOVES[ev.key];
        if (!m) return;
        ev.preventDefault();
        var next = q('[data-group="' + e.getAttribute('data-group') + '"][data-row="' + (+e.getAttribute('data-row') + m[0]) + '"][data-col="' + (+e.getAttribute('data-col') + m[1]) + '"]');
        if (next) { rove(next); next.focus(); }
      });
    });

    var heatRoot = document.querySelector('[data-panel-heat="' + p + '"]');
    var seq = document.getElementById('rnn-seq-' + p);
    function paint(b) {
      qa(heatRoot, '[data-heatmap]').forEach(function (fig) {
        var h = pv.heat[fig.getAttribute('data-heatmap')];
        var cols = h.steps.length;
        // The rects are row by row, in the order the values are.
        Array.prototype.forEach.call(fig.querySelectorAll('svg rect'), function (r, i) {
          var c = i % cols;
          r.setAttribute('fill', valid(b, h.steps[c]) ? colour(h.values[b][Math.floor(i / cols)][c], h.field) : 'url(#rnn-hatch)');
        });
        var svg = fig.querySelector('svg');
        svg.setAttribute('aria-label', svg.getAttribute('aria-label').replace(/sequence \\d+$/, 'sequence ' + b));
      });
    }
    if (seq && heatRoot) seq.addEventListener('change', function () { paint(+seq.value); });
    return { name: pv.name, q: q };
  }
  view.panels.forEach(function (pv, p) { panels.push(Panel(p, pv)); });
  document.documentElement.setAttribute('data-ready', 'true');
})();
`;
