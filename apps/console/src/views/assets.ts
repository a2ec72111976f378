/** The console's stylesheet: one file, no framework. */
export const CONSOLE_CSS = `
:root { --fg: #1d232b; --muted: #5b6672; --line: #d8dee4; --bad: #b42318; --warn: #b54708; --ok: #067647; --accent: #1d4ed8; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: #f7f8fa; }
header { display: flex; gap: 16px; align-items: center; padding: 10px 20px; background: #fff; border-bottom: 1px solid var(--line); flex-wrap: wrap; }
header .brand { font-weight: 700; color: var(--fg); text-decoration: none; }
header nav a { margin-right: 12px; color: var(--accent); text-decoration: none; }
header .search { flex: 1; display: flex; gap: 6px; min-width: 320px; }
header .search input { flex: 1; padding: 6px 8px; border: 1px solid var(--line); border-radius: 4px; }
header .whoami { color: var(--muted); }
main { padding: 16px 20px 40px; max-width: 1400px; }
h1 { font-size: 20px; margin: 4px 0 16px; }
h2 { font-size: 16px; margin: 24px 0 8px; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #f0f2f5; font-weight: 600; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }
.muted { color: var(--muted); }
.bad { color: var(--bad); font-weight: 600; }
.warn { color: var(--warn); font-weight: 600; }
.ok { color: var(--ok); font-weight: 600; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: 12px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px; }
.card .figure { font-size: 24px; font-weight: 700; }
.banner { padding: 10px 12px; border-radius: 6px; margin: 8px 0 16px; border: 1px solid var(--line); background: #fff; }
.banner.bad { border-color: var(--bad); }
.banner.warn { border-color: var(--warn); }
.chart { background: #fff; border: 1px solid var(--line); padding: 8px; min-height: 240px; }
pre { white-space: pre-wrap; word-break: break-all; margin: 0; max-height: 120px; overflow: auto; }
button { padding: 5px 10px; border: 1px solid var(--line); background: #fff; border-radius: 4px; cursor: pointer; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
textarea { width: 100%; font-family: ui-monospace, monospace; }
.step-service { font-weight: 600; }
`;

/**
 * The console's script: deadline countdowns, and the overview's charts (uPlot, served from
 * node_modules), refreshed from the JSON API every few seconds.
 */
export const CONSOLE_JS = `
(function () {
  function countdowns() {
    document.querySelectorAll('[data-deadline]').forEach(function (element) {
      var left = Math.round((Date.parse(element.getAttribute('data-deadline')) - Date.now()) / 1000);
      element.textContent = left >= 0 ? 'deadline in ' + left + ' s' : 'deadline passed ' + -left + ' s ago';
      element.className = left >= 0 ? 'warn' : 'bad';
    });
  }
  countdowns();
  setInterval(countdowns, 1000);

  function chart(element, title, labels, data, logarithmic) {
    var series = [{}].concat(labels.map(function (label, index) {
      return { label: label, stroke: ['#1d4ed8', '#b54708', '#b42318'][index % 3], width: 2 };
    }));
    // Latencies span milliseconds to a saga's deadline: a log scale keeps both readable.
    var y = logarithmic ? { distr: 3 } : {};
    return new window.uPlot({
      title: title, width: element.clientWidth - 16, height: 220, series: series,
      scales: { x: { time: true }, y: y }, axes: [{}, { size: 70 }]
    }, data, element);
  }

  function charts() {
    var throughput = document.getElementById('throughput-chart');
    var latency = document.getElementById('latency-chart');
    if (!throughput || !latency || !window.uPlot) { return; }
    var plots = [];
    function draw(series) {
      var data = [series.t, series.ordersPerSecond];
      var latencyData = [series.t, series.p50Ms, series.p99Ms];
      if (plots.length === 0) {
        plots.push(chart(throughput, 'orders/s (reaching COMPLETED or CANCELLED)', ['orders/s'], data, false));
        plots.push(chart(latency, 'POST → terminal latency (ms, log scale)', ['p50', 'p99'], latencyData, true));
      } else {
        plots[0].setData(data);
        plots[1].setData(latencyData);
      }
    }
    draw(JSON.parse(document.getElementById('series-data').textContent));
    setInterval(function () {
      fetch('/api/overview/series', { credentials: 'same-origin' })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (series) { if (series) { draw(series); } });
    }, 5000);
  }
  // A deferred script runs once the document is parsed: the chart elements are there.
  charts();
})();
`;
