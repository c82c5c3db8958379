/*
 * IQR bands: the decode KV-load distribution over time (band Q1..Q3, median, θ, min, max, masked count)
 * and every decode DP unit's k now, masked units in red, with θ and the quartiles marked.
 */
(function () {
  'use strict';
  const f = SBS.fmt;
  const series = new SBS.Series();
  const band = SBS.chart('chart-band');
  const perUnit = SBS.chart('chart-units');
  let masked = [];
  let labelKey = '';

  const line = (name, extra) => Object.assign({name, type: 'line', showSymbol: false, data: []}, extra);
  band.setOption(SBS.timeChart({
    color: ['#2563eb', '#2563eb', '#1e3a8a', '#dc2626', '#94a3b8', '#94a3b8', '#f59e0b'],
    tooltip: {
      trigger: 'axis',
      formatter: items => {
        const p = series.points.find(x => x.atMs === items[0].value[0]);
        if (!p || !p.kv) {
          return '';
        }
        const k = p.kv;
        return f.time(p.atMs) + '<br>Q1 ' + f.int(k.q1) + ', median ' + f.int(k.median) + ', Q3 ' + f.int(k.q3)
            + '<br>θ ' + f.int(k.theta) + ' (κ ' + k.kappa + ')<br>min ' + f.int(k.min) + ', max ' + f.int(k.max)
            + '<br>masked ' + k.masked + ' of ' + k.units;
      }
    },
    legend: {top: 0, data: ['Q1–Q3', 'median', 'θ', 'min / max', 'masked units']},
    yAxis: [
      {type: 'value', name: 'k tokens', min: 0},
      {type: 'value', name: 'masked', min: 0, minInterval: 1, splitLine: {show: false}}
    ],
    series: [
      // the band: Q1 as an invisible base and Q3 − Q1 stacked on it, filled
      line('Q1 base', {stack: 'band', lineStyle: {opacity: 0}, tooltip: {show: false}}),
      line('Q1–Q3', {stack: 'band', lineStyle: {opacity: 0}, areaStyle: {opacity: .25}}),
      line('median', {lineStyle: {width: 1.5}}),
      line('θ', {lineStyle: {type: 'dashed', width: 2}}),
      line('min / max', {lineStyle: {type: 'dotted', width: 1}}),
      line('min / max', {lineStyle: {type: 'dotted', width: 1}}),
      {name: 'masked units', type: 'bar', yAxisIndex: 1, barMaxWidth: 6, data: []}
    ]
  }));

  perUnit.setOption({
    animation: false,
    grid: {left: 56, right: 16, top: 24, bottom: 48},
    tooltip: {trigger: 'axis', axisPointer: {type: 'shadow'}},
    xAxis: {type: 'category', data: []},
    yAxis: {type: 'value', name: 'k tokens', min: 0},
    dataZoom: [{type: 'inside'}, {type: 'slider', height: 16, bottom: 4}],
    series: [{
      name: 'KV load k', type: 'bar', data: [], barCategoryGap: '10%',
      itemStyle: {color: p => masked[p.dataIndex] ? '#dc2626' : '#2563eb'},
      markLine: {symbol: 'none', silent: true, data: []},
      markArea: {silent: true, itemStyle: {color: 'rgba(37, 99, 235, .08)'}, data: []}
    }]
  });

  function draw() {
    const kv = pick => series.line(p => p.kv ? pick(p.kv) : null);
    band.setOption({series: [
      {data: kv(k => k.q1)},
      {data: kv(k => k.q3 - k.q1)},
      {data: kv(k => k.median)},
      {data: kv(k => k.theta)},
      {data: kv(k => k.min)},
      {data: kv(k => k.max)},
      {data: kv(k => k.masked)}
    ]});
  }

  function drawUnits(frame) {
    const d = frame.units && frame.units.decode;
    const k = frame.summary.kv;
    if (!d || !k) {
      return;
    }
    masked = d.masked;
    const labels = d.rank.map((r, i) => d.instances[d.instance[i]].id + '/' + r);
    const key = labels.join(',');
    if (key !== labelKey) {
      // category labels are laid out only when the units change: that is most of a frame's cost
      labelKey = key;
      perUnit.setOption({xAxis: {data: labels}});
    }
    perUnit.setOption({
      series: [{
        data: d.kv,
        markLine: {data: [
          {yAxis: k.theta, name: 'θ', lineStyle: {color: '#dc2626', type: 'dashed', width: 2},
            label: {formatter: 'θ', position: 'insideEndTop'}},
          {yAxis: k.median, name: 'median', lineStyle: {color: '#1e3a8a'},
            label: {formatter: 'median', position: 'insideEndTop'}}
        ]},
        markArea: {data: [[{yAxis: k.q1}, {yAxis: k.q3}]]}
      }]
    });
    const rows = [];
    for (let i = 0; i < d.kv.length && rows.length < 50; i++) {
      if (d.masked[i]) {
        rows.push('<tr><td class="mono">' + labels[i].replace(/[&<>]/g, '') + '</td><td class="num">' + f.int(d.kv[i])
            + '</td><td class="num">+' + f.int(d.kv[i] - k.theta) + '</td><td class="num">' + f.int(d.batch[i]) + '</td></tr>');
      }
    }
    document.querySelector('#masked tbody').innerHTML = rows.length ? rows.join('')
        : '<tr><td colspan="4" class="muted">none: every unit is at or below θ</td></tr>';
  }

  function figures(s) {
    const k = s.kv;
    SBS.show({
      q1: k ? f.tokens(k.q1) : '—',
      median: k ? f.tokens(k.median) : '—',
      q3: k ? f.tokens(k.q3) : '—',
      theta: k ? f.tokens(k.theta) : '—',
      kappa: k ? 'κ = ' + k.kappa + ', tokens' : 'no decode DP units',
      masked: k ? f.int(k.masked) : '—',
      maskedDetail: k ? 'of ' + k.units + ' decode DP units' : '—',
      spread: k ? f.tokens(k.max - k.min) : '—'
    });
    SBS.alert('masked', k && k.masked > 0);
  }

  SBS.connect({
    units: true,
    onHistory: list => { series.reset(list); draw(); },
    onFrame: frame => {
      figures(frame.summary);
      drawUnits(frame);
      if (series.add(frame.summary)) {
        draw();
      }
    }
  });
})();
