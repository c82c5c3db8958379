/*
 * Interval tuning: Δ, T̄_fwd, τ_net and N per phase over the last minutes, from the cluster's interval
 * history (the leader publishes a point a second) extended by the live frames.
 */
(function () {
  'use strict';
  const f = SBS.fmt;
  const series = new SBS.Series();
  const interval = SBS.chart('chart-interval');
  const forward = SBS.chart('chart-forward');
  const healthy = SBS.chart('chart-healthy');

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
      if (series.add(frame.summary)) {
        draw();
      }
    }
  });
})();
