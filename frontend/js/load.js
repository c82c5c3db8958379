/*
 * DP load: a heat map cell per DP unit (canvas, no DOM element per unit), stacked bars per unit, and a
 * row per instance. The frame's per-unit figures arrive as columns; the tooltip reads them by unit index.
 * Each frame's time to apply and draw is shown in the footer and kept on the body for the browser test
 * at 1,000 units: data-render-ms (the last frame), data-render-max-ms and data-render-mean-ms (the frames
 * after the first, which also lays the charts out), data-frames (frames drawn).
 */
(function () {
  'use strict';
  const f = SBS.fmt;
  const heatPrefill = SBS.chart('heat-prefill');
  const heatDecode = SBS.chart('heat-decode');
  const barsPrefill = SBS.chart('bars-prefill');
  const barsDecode = SBS.chart('bars-decode');
  let units = null;
  let band = null;
  let maxRenderMs = 0;
  let totalRenderMs = 0;
  let frames = 0;

  const heatBase = (name, visualMap) => ({
    animation: false,
    grid: {left: 110, right: 24, top: 44, bottom: 36},
    tooltip: {position: 'top', formatter: params => tip(name, params.value[3])},
    xAxis: {type: 'category', name: 'DP rank', nameLocation: 'middle', nameGap: 24, splitArea: {show: false}},
    yAxis: {type: 'category', splitArea: {show: false}, axisLabel: {formatter: v => v}},
    // the cells are [rank, instance, value, unit index]: colour by the value, not the last dimension
    visualMap: Object.assign({dimension: 2, orient: 'horizontal', right: 8, top: 0, itemHeight: 160, calculable: false},
        visualMap),
    series: [{type: 'heatmap', data: [], progressive: 0, emphasis: {itemStyle: {borderColor: '#111', borderWidth: 1}}}]
  });
  heatPrefill.setOption(heatBase('prefill', {min: 0, max: 1, precision: 2, text: ['full', 'idle'],
    inRange: {color: ['#eef6ee', '#fde68a', '#f59e0b', '#b91c1c']}}));
  heatDecode.setOption(heatBase('decode', {min: 0, max: 1, text: ['k high', 'k low'],
    inRange: {color: ['#eef2fb', '#93b4f0', '#2563eb', '#1e2f6b']}}));

  barsPrefill.setOption(SBS.unitChart({
    yAxis: {type: 'value', name: 'tokens'},
    color: ['#2563eb', '#f59e0b', '#d1fae5'],
    series: [
      {name: 'T_inflight', type: 'bar', stack: 'c', data: [], barCategoryGap: '10%'},
      {name: 'Q_device', type: 'bar', stack: 'c', data: []},
      {name: 'C_avail', type: 'bar', stack: 'c', data: [], itemStyle: {borderColor: '#86c9a5', borderWidth: 0.5}}
    ]
  }));
  barsDecode.setOption(SBS.unitChart({
    grid: {left: 56, right: 48, top: 36, bottom: 48},
    yAxis: [{type: 'value', name: 'k tokens'}, {type: 'value', name: 'b', minInterval: 1, splitLine: {show: false}}],
    series: [
      {name: 'KV load k', type: 'bar', data: [], barCategoryGap: '10%',
        itemStyle: {color: p => units && units.decode && units.decode.masked[p.dataIndex] ? '#dc2626' : '#2563eb'}},
      {name: 'batch size b', type: 'line', yAxisIndex: 1, showSymbol: false, step: 'middle', data: [],
        lineStyle: {width: 1.2}, color: '#16a34a'}
    ]
  }));

  function tip(phase, i) {
    if (!units) {
      return '';
    }
    if (phase === 'prefill') {
      const p = units.prefill;
      const cmax = p.available[i] + p.inflight[i] + p.backlog[i];
      return '<b>' + p.instances[p.instance[i]].id + ' / DP ' + p.rank[i] + '</b><br>'
          + 'C_avail ' + f.int(p.available[i]) + ' of C_max ' + f.int(cmax) + '<br>'
          + 'T_inflight ' + f.int(p.inflight[i]) + '<br>Q_device ' + f.int(p.backlog[i])
          + '<br>prefix hit ratio ' + hitRatio(p.prefixHit[i], p.prefixLookup[i])
          + (p.instances[p.instance[i]].suspect ? '<br><b>instance suspect</b>' : '');
    }
    const d = units.decode;
    return '<b>' + d.instances[d.instance[i]].id + ' / DP ' + d.rank[i] + '</b><br>'
        + 'KV load k ' + f.int(d.kv[i]) + '<br>batch size b ' + f.int(d.batch[i])
        + (band ? '<br>θ ' + f.int(band.theta) : '') + (d.masked[i] ? '<br><b>masked (k &gt; θ)</b>' : '');
  }

  // the cache view's predicted hits over the prompt tokens looked up, since the dispatcher started
  const hitRatio = (hit, lookup) => lookup > 0 ? (100 * hit / lookup).toFixed(1) + ' %' : '–';
  const label = (cols, i) => cols.instances[cols.instance[i]].id + '/' + cols.rank[i];
  const axisOf = cols => {
    let maxRank = 0;
    for (const r of cols.rank) {
      maxRank = Math.max(maxRank, r);
    }
    return {
      x: Array.from({length: maxRank + 1}, (_, r) => String(r)),
      y: cols.instances.map(i => i.suspect ? i.id + ' (suspect)' : i.id)
    };
  };
  const fit = (chart, rows) => {
    const height = Math.min(640, Math.max(160, 90 + rows * 24)) + 'px';
    if (chart.getDom().style.height !== height) {
      chart.getDom().style.height = height;
      chart.resize();
    }
  };

  // the axes change only when instances come, go or turn suspect: laying out a thousand category labels
  // is most of a frame's cost, so they are set only then
  const layouts = {};
  function layoutChanged(phase, cols) {
    const key = cols.instances.map(i => i.id + (i.suspect ? '!' : '')).join(',') + '|' + cols.rank.length;
    if (layouts[phase] === key) {
      return false;
    }
    layouts[phase] = key;
    return true;
  }

  function drawPrefill(p) {
    const n = p.rank.length;
    const cells = new Array(n);
    const available = new Array(n);
    for (let i = 0; i < n; i++) {
      const cmax = p.available[i] + p.inflight[i] + p.backlog[i];
      const taken = cmax > 0 ? Math.min(1, (p.inflight[i] + p.backlog[i]) / cmax) : 0;
      cells[i] = [p.rank[i], p.instance[i], taken, i];
      available[i] = Math.max(0, p.available[i]);
    }
    if (layoutChanged('prefill', p)) {
      const axis = axisOf(p);
      fit(heatPrefill, axis.y.length);
      heatPrefill.setOption({xAxis: {data: axis.x}, yAxis: {data: axis.y}});
      barsPrefill.setOption({xAxis: {data: p.rank.map((r, i) => label(p, i))}});
    }
    heatPrefill.setOption({series: [{data: cells}]});
    barsPrefill.setOption({series: [{data: p.inflight}, {data: p.backlog}, {data: available}]});
  }

  function drawDecode(d) {
    const n = d.rank.length;
    const cells = new Array(n);
    let maxKv = 1;
    for (let i = 0; i < n; i++) {
      maxKv = Math.max(maxKv, d.kv[i]);
      const cell = [d.rank[i], d.instance[i], d.kv[i], i];
      // only the few masked units get an object of their own, for the red frame
      cells[i] = d.masked[i] ? {value: cell, itemStyle: {borderColor: '#dc2626', borderWidth: 2}} : cell;
    }
    if (layoutChanged('decode', d)) {
      const axis = axisOf(d);
      fit(heatDecode, axis.y.length);
      heatDecode.setOption({xAxis: {data: axis.x}, yAxis: {data: axis.y}});
      barsDecode.setOption({xAxis: {data: d.rank.map((r, i) => label(d, i))}});
    }
    heatDecode.setOption({visualMap: {max: Math.max(maxKv, band ? band.theta : 0)}, series: [{data: cells}]});
    barsDecode.setOption({series: [{data: d.kv}, {data: d.batch}]});
  }

  function drawInstances() {
    const rows = [];
    const cell = v => '<td class="num">' + v + '</td>';
    const esc = s => s.replace(/[&<>"]/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'}[c]));
    const state = s => s ? '<span class="badge bad">suspect</span>' : '<span class="badge ok">healthy</span>';
    const p = units.prefill;
    p.instances.forEach((inst, k) => {
      let count = 0, avail = 0, minAvail = Infinity, inflight = 0, backlog = 0, lookup = 0, hit = 0;
      for (let i = 0; i < p.rank.length; i++) {
        if (p.instance[i] === k) {
          count++; avail += p.available[i]; minAvail = Math.min(minAvail, p.available[i]);
          inflight += p.inflight[i]; backlog += p.backlog[i]; lookup += p.prefixLookup[i]; hit += p.prefixHit[i];
        }
      }
      rows.push('<tr><td class="mono">' + esc(inst.id) + '</td><td>prefill</td>' + cell(count) + '<td>' + state(inst.suspect)
          + '</td>' + cell(f.int(avail)) + cell(f.int(minAvail)) + cell(f.int(inflight)) + cell(f.int(backlog))
          + cell(hitRatio(hit, lookup)) + cell('') + cell('') + '</tr>');
    });
    const d = units.decode;
    if (d) {
      d.instances.forEach((inst, k) => {
        let count = 0, batch = 0, maxKv = 0;
        for (let i = 0; i < d.rank.length; i++) {
          if (d.instance[i] === k) {
            count++; batch += d.batch[i]; maxKv = Math.max(maxKv, d.kv[i]);
          }
        }
        rows.push('<tr><td class="mono">' + esc(inst.id) + '</td><td>decode</td>' + cell(count) + '<td>'
            + state(inst.suspect) + '</td>' + cell('') + cell('') + cell('') + cell('') + cell('') + cell(f.int(batch))
            + cell(f.int(maxKv)) + '</tr>');
      });
    }
    document.querySelector('#instances tbody').innerHTML = rows.join('');
  }

  function render(frame) {
    const started = performance.now();
    units = frame.units;
    band = frame.summary.kv;
    if (!units) {
      return;
    }
    drawPrefill(units.prefill);
    const hasDecode = !!units.decode;
    document.getElementById('decode-heat-card').hidden = !hasDecode;
    document.getElementById('decode-bars-card').hidden = !hasDecode;
    if (hasDecode) {
      drawDecode(units.decode);
    }
    drawInstances();
    const count = units.prefill.rank.length + (hasDecode ? units.decode.rank.length : 0);
    // ECharts draws the canvas within setOption, so this is the time to apply and draw the frame
    const ms = performance.now() - started;
    frames++;
    if (frames > 1) {
      // the first frame also lays the charts out; the largest and the mean are kept for the frames after it
      maxRenderMs = Math.max(maxRenderMs, ms);
      totalRenderMs += ms;
      document.body.dataset.renderMeanMs = (totalRenderMs / (frames - 1)).toFixed(1);
    }
    document.body.dataset.renderMs = ms.toFixed(1);
    document.body.dataset.renderMaxMs = maxRenderMs.toFixed(1);
    document.body.dataset.units = String(count);
    document.body.dataset.frames = String(frames);
    document.getElementById('unit-count').textContent = f.int(count) + ' DP units';
    document.getElementById('render-stats').textContent =
        f.int(count) + ' DP units; last frame applied and drawn in ' + ms.toFixed(0) + ' ms';
  }

  SBS.connect({units: true, onHistory: () => {}, onFrame: render});
})();
