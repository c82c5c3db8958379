/*
 * Interval tuning: Δ, T̄_fwd, τ_net and N per phase over the last minutes, from the cluster's interval
 * history (the leader publishes a point a second) extended by the live frames; and which signals
 * established each prefill instance's pass boundaries over the last minute (frame.readiness).
 */
(function () {
  'use strict';
  const f = SBS.fmt;
  const series = new SBS.Series();
  const interval = SBS.chart('chart-interval');
  const forward = SBS.chart('chart-forward');
  const healthy = SBS.chart('chart-healthy');
  const readiness = SBS.chart('chart-readiness');

  const line = (name, extra) => Object.assign({name, type: 'line', showSymbol: false, data: []}, extra);
  interval.setOption(SBS.timeChart({
    yAxis: {type: 'value', name: 'ms', min: 0},
    series: [line('Δ prefill'), line('Δ decode'), line('pinned Δ', {lineStyle: {type: 'dashed'}, showSymbol: true, symbolSize: 3})]
  }));
  forward.setOption(SBS.timeChart({
    yAxis: {type: 'value', name: 'ms', min: 0},
    series: [line('T̄_fwd prefill'), line('T̄_fwd decode'),
      line('τ_net prefill', {lineStyle: {type: 'dashed'}}), line('τ_net decode', {lineStyle: {type: 'dashed'}})]
  }));
  healthy.setOption(SBS.timeChart({
    yAxis: {type: 'value', name: 'N', min: 0, minInterval: 1},
    series: [line('N prefill', {step: 'end'}), line('N decode', {step: 'end'})]
  }));

  // the frame's keys, in the order the table and the bars show them: what the engine gives, then the fallback
  const SOURCES = [
    {key: 'push', color: '#2563eb'},
    {key: 'completion', color: '#16a34a'},
    {key: 'poll', color: '#0891b2'},
    {key: 'prediction', color: '#9333ea'},
    {key: 'watchdog', color: '#dc2626'}
  ];
  readiness.setOption({
    animation: false,
    grid: {left: 96, right: 24, top: 36, bottom: 28},
    legend: {top: 0},
    tooltip: {trigger: 'axis', axisPointer: {type: 'shadow'}, valueFormatter: v => v == null ? '—' : f.num(v) + ' %'},
    xAxis: {type: 'value', min: 0, max: 100, axisLabel: {formatter: '{value} %'}},
    yAxis: {type: 'category', inverse: true, axisTick: {show: false}, data: []},
    series: SOURCES.map(s => ({name: s.key, type: 'bar', stack: 'share', barMaxWidth: 28, itemStyle: {color: s.color}, data: []}))
  });

  const esc = s => s.replace(/[&<>"]/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'}[c]));
  const sum = counts => SOURCES.reduce((t, s) => t + (counts[s.key] || 0), 0);
  const watchdogOnly = r => r.recent.watchdog > 0 && sum(r.recent) === r.recent.watchdog;

  function drawReadiness(rd) {
    const rows = rd.instances;
    readiness.setOption({
      yAxis: {data: rows.map(r => r.id)},
      series: SOURCES.map(s => ({data: rows.map(r => {
        const total = sum(r.recent);
        return total > 0 ? 100 * r.recent[s.key] / total : 0;
      })}))
    });
    const badges = r => {
      const b = [r.suspect ? '<span class="badge bad">suspect</span>'
          : r.draining ? '<span class="badge accent">draining</span>' : '<span class="badge ok">healthy</span>'];
      if (watchdogOnly(r)) {
        b.push('<span class="badge bad">watchdog only</span>');
      } else if (sum(r.recent) === 0) {
        b.push('<span class="badge">no decisions</span>');
      }
      return b.join(' ');
    };
    document.querySelector('#readiness tbody').innerHTML = rows.map(r => {
      const total = sum(r.recent);
      const cells = SOURCES.map(s => '<td class="num" data-source="' + s.key + '" data-count="' + r.recent[s.key] + '">'
          + f.int(r.recent[s.key]) + (total > 0 ? ' <span class="muted">' + f.pct(r.recent[s.key] / total) + '</span>' : '')
          + '</td>');
      return '<tr data-instance="' + esc(r.id) + '"><td class="mono">' + esc(r.id) + '</td><td>' + badges(r) + '</td>'
          + cells.join('') + '<td class="num">' + f.int(total) + '</td><td class="num">' + f.int(sum(r.total)) + '</td></tr>';
    }).join('');
    const shortest = rows.reduce((m, r) => Math.min(m, r.windowMs), Infinity);
    SBS.show({readinessWindow: rows.length === 0 ? 'no prefill instances'
        : 'pass boundaries by the signal that established them, last '
          + (shortest >= 59000 ? 'minute' : f.int(shortest / 1000) + ' s (since first seen)')});
    document.body.dataset.readinessRows = String(rows.length);
  }

  const decode = (p, pick) => p.decode ? pick(p.decode) : null;
  function draw() {
    interval.setOption({series: [
      {data: series.line(p => p.prefill.intervalMs)},
      {data: series.line(p => decode(p, d => d.intervalMs))},
      {data: series.line(p => p.pinnedIntervalMs > 0 ? p.pinnedIntervalMs : null)}
    ]});
    forward.setOption({series: [
      {data: series.line(p => p.prefill.meanForwardMs)},
      {data: series.line(p => decode(p, d => d.meanForwardMs))},
      {data: series.line(p => p.prefill.dispatchLatencyMs)},
      {data: series.line(p => decode(p, d => d.dispatchLatencyMs))}
    ]});
    healthy.setOption({series: [
      {data: series.line(p => p.prefill.healthyInstances)},
      {data: series.line(p => decode(p, d => d.healthyInstances))}
    ]});
  }

  function figures(s) {
    SBS.show({
      prefillInterval: f.ms(s.prefill.intervalMs),
      mode: s.pinnedIntervalMs > 0 ? 'pinned by an operator' : 'adaptive',
      prefillForward: f.ms(s.prefill.meanForwardMs),
      prefillLatency: f.ms(s.prefill.dispatchLatencyMs),
      prefillHealthy: f.int(s.prefill.healthyInstances),
      prefillInstances: 'of ' + s.prefill.instances + ' instances; ' + s.prefill.watchdogFires + ' watchdog fires',
      decodeInterval: s.decode ? f.ms(s.decode.intervalMs) : '—',
      decodeHealthy: s.decode ? f.int(s.decode.healthyInstances) : '—',
      decodeInstances: s.decode ? 'of ' + s.decode.instances + ' instances' : 'no decode instances'
    });
  }

  SBS.connect({
    units: false,
    onHistory: list => { series.reset(list); draw(); },
    // the cluster's history goes further back than this node's when the node started later or stands by
    onIntervals: points => {
      if (points.length > series.points.length) {
        series.reset(points.map(p => ({atMs: p.atMs, prefill: p.prefill, decode: p.decode, pinnedIntervalMs: 0})));
        draw();
      }
    },
    onFrame: frame => {
      figures(frame.summary);
      drawReadiness(frame.readiness);
      if (series.add(frame.summary)) {
        draw();
      }
    }
  });
})();
