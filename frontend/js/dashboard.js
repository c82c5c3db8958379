/*
 * Shared by every live page: the server-sent event stream, number formats and chart helpers.
 * The stream sends one "history" event (the summaries of the last minutes) and then a "frame" every
 * second. EventSource reconnects by itself after a dropped connection (the server sets retry); when the
 * browser gives up (the answer was not an event stream, e.g. the session expired), we open a new one
 * with a growing pause, and a login page in between sends the operator to it.
 */
(function () {
  'use strict';

  const SBS = window.SBS = {};
  const HISTORY_POINTS = 600;

  const nf0 = new Intl.NumberFormat('en-US', {maximumFractionDigits: 0});
  const nf1 = new Intl.NumberFormat('en-US', {maximumFractionDigits: 1});
  const nf2 = new Intl.NumberFormat('en-US', {maximumFractionDigits: 2});

  SBS.fmt = {
    int: v => v == null ? '—' : nf0.format(v),
    num: v => v == null ? '—' : (Math.abs(v) >= 100 ? nf0 : Math.abs(v) >= 10 ? nf1 : nf2).format(v),
    ms: v => v == null ? '—' : (v >= 1000 ? nf2.format(v / 1000) + ' s' : SBS.fmt.num(v) + ' ms'),
    pct: v => v == null ? '—' : nf1.format(v * 100) + ' %',
    tokens: v => v == null ? '—' : (Math.abs(v) >= 10000 ? nf1.format(v / 1000) + 'k' : nf0.format(v)),
    time: ms => new Date(ms).toLocaleTimeString('en-GB')
  };

  /** Sets every [data-live=key] element to text[key]; values may be strings or {html}. */
  SBS.show = function (text) {
    for (const [key, value] of Object.entries(text)) {
      document.querySelectorAll('[data-live="' + key + '"]').forEach(el => {
        if (el.textContent !== value) {
          el.textContent = value;
        }
      });
    }
  };

  /** Marks the tile holding [data-alert=key] when on is true. */
  SBS.alert = function (key, on) {
    document.querySelectorAll('[data-alert="' + key + '"]').forEach(el => el.classList.toggle('alert', !!on));
  };

  /** Time series of summaries, capped at the server's history length. */
  SBS.Series = class {
    constructor() { this.points = []; }
    reset(list) { this.points = list.slice(-HISTORY_POINTS); }
    add(summary) {
      const last = this.points[this.points.length - 1];
      if (last && summary.atMs <= last.atMs) {
        return false;
      }
      this.points.push(summary);
      if (this.points.length > HISTORY_POINTS) {
        this.points.shift();
      }
      return true;
    }
    /** [[time, value]] for a chart's line series; null values leave gaps. */
    line(pick) { return this.points.map(p => [p.atMs, pick(p)]); }
  };

  const charts = [];
  /** An ECharts instance on the canvas renderer, resized with the window. */
  SBS.chart = function (id) {
    const el = document.getElementById(id);
    if (!el) {
      return null;
    }
    const chart = echarts.init(el, null, {renderer: 'canvas'});
    charts.push(chart);
    return chart;
  };
  window.addEventListener('resize', () => charts.forEach(c => c.resize()));

  /** Options shared by the charts over time. */
  SBS.timeChart = function (extra) {
    return Object.assign({
      animation: false,
      grid: {left: 56, right: 56, top: 36, bottom: 28},
      tooltip: {trigger: 'axis'},
      legend: {top: 0, type: 'scroll'},
      xAxis: {type: 'time', splitNumber: 5, axisLabel: {hideOverlap: true}},
      color: ['#2563eb', '#16a34a', '#dc2626', '#9333ea', '#ea580c', '#0891b2']
    }, extra);
  };

  /** Options shared by the charts with a bar per DP unit: one category each, zoomable. */
  SBS.unitChart = function (extra) {
    return Object.assign({
      animation: false,
      grid: {left: 56, right: 16, top: 36, bottom: 48},
      legend: {top: 0},
      tooltip: {trigger: 'axis', axisPointer: {type: 'shadow'}},
      xAxis: {type: 'category', data: []},
      dataZoom: [{type: 'inside'}, {type: 'slider', height: 16, bottom: 4}]
    }, extra);
  };

  const status = () => document.getElementById('live-status');
  function setStatus(state, text) {
    const el = status();
    if (el) {
      el.dataset.state = state;
      el.textContent = text;
    }
  }

  /**
   * Opens the stream: onHistory(list of summaries) once per connection, onFrame(frame) every second.
   * units asks for the per-DP-unit columns; onIntervals, when given, receives the cluster's interval
   * history (published by the leader, so it outlives this node's) right after onHistory.
   */
  SBS.connect = function ({units, onHistory, onFrame, onIntervals}) {
    let pause = 1000;
    const query = [units ? 'units=true' : null, onIntervals ? 'intervals=true' : null].filter(q => q);
    const open = () => {
      const source = new EventSource('/dashboard/events' + (query.length ? '?' + query.join('&') : ''));
      source.addEventListener('open', () => { pause = 1000; setStatus('live', 'live'); });
      source.addEventListener('history', e => onHistory(JSON.parse(e.data)));
      if (onIntervals) {
        source.addEventListener('intervals', e => onIntervals(JSON.parse(e.data)));
      }
      source.addEventListener('frame', e => {
        setStatus('live', 'live');
        SBS.lastFrame = JSON.parse(e.data);
        // the footer's badge follows the node into and out of degraded mode without a reload
        const badge = document.getElementById('degraded-badge');
        if (badge) {
          badge.hidden = !SBS.lastFrame.summary.degraded;
        }
        onFrame(SBS.lastFrame);
      });
      source.addEventListener('error', () => {
        if (source.readyState === EventSource.CLOSED) {
          setStatus('offline', 'offline, retrying');
          setTimeout(() => {
            // an expired session is redirected to the login page: go there; a server that is down
            // fails the fetch, and we keep trying
            fetch('/dashboard', {redirect: 'manual'})
              .then(r => { if (r.type === 'opaqueredirect') { location.reload(); } else { open(); } })
              .catch(() => open());
          }, pause);
          pause = Math.min(pause * 2, 30000);
        } else {
          setStatus('reconnecting', 'reconnecting');
        }
      });
    };
    open();
  };

  /** The header figures every live page shows. */
  SBS.instancesText = function (p) {
    return p == null ? '—' : p.healthyInstances + ' of ' + p.instances;
  };
})();
