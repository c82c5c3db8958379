/*
 * Overview: the key figures, and requests, TTFT, buffer and Δ over the last minutes; a warning while SBS
 * runs on the watchdog alone (frame.readiness.watchdogOnly, decided by the server).
 */
(function () {
  'use strict';
  const f = SBS.fmt;
  const series = new SBS.Series();
  const requests = SBS.chart('chart-requests');
  const buffer = SBS.chart('chart-buffer');

  requests.setOption(SBS.timeChart({
    yAxis: [
      {type: 'value', name: 'QPS', min: 0},
      {type: 'value', name: 'TTFT ms', min: 0, splitLine: {show: false}}
    ],
    series: [
      {name: 'QPS', type: 'line', showSymbol: false, areaStyle: {opacity: .12}, data: []},
      {name: 'TTFT p50', type: 'line', yAxisIndex: 1, showSymbol: false, data: []},
      {name: 'TTFT p99', type: 'line', yAxisIndex: 1, showSymbol: false, data: []}
    ]
  }));
  buffer.setOption(SBS.timeChart({
    yAxis: [
      {type: 'value', name: 'requests', min: 0, minInterval: 1},
      {type: 'value', name: 'Δ ms', min: 0, splitLine: {show: false}}
    ],
    series: [
      {name: 'buffer depth', type: 'line', step: 'end', showSymbol: false, areaStyle: {opacity: .12}, data: []},
      {name: 'Δ prefill', type: 'line', yAxisIndex: 1, showSymbol: false, data: []},
      {name: 'Δ decode', type: 'line', yAxisIndex: 1, showSymbol: false, data: []}
    ]
  }));

  function draw() {
    requests.setOption({series: [
      {data: series.line(p => p.qps)},
      {data: series.line(p => p.ttftP50Ms)},
      {data: series.line(p => p.ttftP99Ms)}
    ]});
    buffer.setOption({series: [
      {data: series.line(p => p.buffered)},
      {data: series.line(p => p.prefill.intervalMs)},
      {data: series.line(p => p.decode ? p.decode.intervalMs : null)}
    ]});
  }

  function figures(s) {
    const leader = s.leader;
    SBS.show({
      qps: f.num(s.qps),
      requests: f.int(s.requests),
      ttftP50: f.ms(s.ttftP50Ms),
      ttftP99: f.ms(s.ttftP99Ms),
      buffered: f.int(s.buffered),
      flowControl: s.overloaded ? 'flow control on: new requests get 429' : 'accepting requests',
      healthy: s.prefill.healthyInstances + (s.decode ? ' + ' + s.decode.healthyInstances : ''),
      healthyDetail: 'prefill ' + SBS.instancesText(s.prefill) + (s.decode ? ', decode ' + SBS.instancesText(s.decode) : ''),
      leader: leader.leaderId || '—',
      leaderDetail: 'epoch ' + leader.epoch + (leader.leader ? ', this node leads' : ', this node is standby'),
      policy: s.policy,
      policyDetail: 'version ' + s.policyVersion + ' by ' + s.policyActor
          + (s.pinnedIntervalMs > 0 ? ', Δ pinned at ' + f.ms(s.pinnedIntervalMs) : ''),
      chunkUtilization: f.pct(s.chunkUtilization)
    });
    SBS.alert('overloaded', s.overloaded);
  }

  function warnings(readiness) {
    const w = readiness.watchdogOnly;
    document.getElementById('watchdog-only').hidden = !w;
    document.body.dataset.readiness = w ? 'watchdog-only' : 'signals';
    if (w) {
      SBS.show({watchdogOnly: 'Over the last ' + f.int(w.windowMs / 1000) + ' s no prefill pass boundary came from a '
          + 'first token, a load poll, an EndForward push or the pass-time prediction, while the watchdog fired '
          + f.int(w.fires) + (w.fires === 1 ? ' time' : ' times') + ' on ' + w.instances
          + (w.instances === 1 ? ' instance' : ' instances') + ': requests go out one batch per watchdog period '
          + '(k_w × T̄_fwd). Check that the engines answer and that their load endpoint can be polled, or run an '
          + 'immediate policy until they do.'});
    }
  }

  SBS.connect({
    units: false,
    onHistory: list => { series.reset(list); draw(); },
    onFrame: frame => {
      figures(frame.summary);
      warnings(frame.readiness);
      if (series.add(frame.summary)) {
        draw();
      }
    }
  });
})();
