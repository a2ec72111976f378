import { age, html, Html, jsonData } from '../views/html';
import { page, PageContext } from '../views/layout';
import type { InvariantResult } from './invariant-watch';
import type { Series } from './metrics-history';
import type { AgeBucket, Overview } from './overview.service';

const BUCKETS: AgeBucket[] = ['< 10 s', '10 s – 1 min', '1 – 10 min', '> 10 min'];
const UUID = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i;

function idLink(id: string): Html {
  return UUID.test(id) ? html`<a class="mono" href="/orders/${id}">${id}</a>` : html`<span class="mono">${id}</span>`;
}

function invariantsSection(result: InvariantResult | undefined): Html {
  if (!result) {
    return html`<p class="muted">The first check is running.</p>`;
  }
  if (result.error) {
    return html`<p class="banner bad">The last check (${result.checkedAt}) failed: ${result.error}</p>`;
  }
  return html`<p class="banner ${result.violations.length > 0 ? 'bad' : ''}">
      Checked ${result.orders} settled order(s) of the last hour at ${result.checkedAt}:
      ${result.violations.length === 0 ? html`<span class="ok">no violations</span>` : html`<span class="bad">${result.violations.length} violation(s)</span>`}
    </p>
    ${result.violations.map(
      (violation) =>
        html`<div class="card">
          <strong>invariant ${violation.invariant}</strong>: ${violation.message} (${violation.ids.length})
          <div>${violation.ids.slice(0, 50).map((id) => html`${idLink(id)} `)}</div>
        </div>`,
    )}`;
}

export function overviewPage(
  overview: Overview,
  invariants: InvariantResult | undefined,
  series: Series,
  context: PageContext,
): string {
  const inFlight = overview.inFlight.byState.reduce((sum, state) => sum + state.count, 0);
  const pending = overview.outbox.reduce((sum, lane) => sum + lane.pending, 0);
  const parked = overview.outbox.reduce((sum, lane) => sum + lane.parked, 0);
  const lag = overview.lag.reduce((sum, partition) => sum + partition.lag, 0);
  const stalled = overview.lag.filter((partition) => partition.stalled);
  const body = html` ${overview.problems.map((problem) => html`<p class="banner bad">${problem}</p>`)}
    <div class="cards">
      <div class="card">
        <div class="muted">sagas in flight</div>
        <div class="figure">${inFlight}</div>
      </div>
      <div class="card">
        <div class="muted">outbox pending / parked</div>
        <div class="figure ${parked > 0 ? 'bad' : ''}">${pending} / ${parked}</div>
      </div>
      <div class="card">
        <div class="muted">consumer lag (messages)</div>
        <div class="figure">${lag}</div>
      </div>
      <div class="card">
        <div class="muted">stalled partitions</div>
        <div class="figure ${stalled.length > 0 ? 'bad' : 'ok'}">${stalled.length}</div>
      </div>
      <div class="card">
        <div class="muted">invariants</div>
        <div class="figure ${invariants?.violations.length ? 'bad' : 'ok'}">
          ${invariants ? (invariants.violations.length === 0 && !invariants.error ? 'hold' : 'violated') : '…'}
        </div>
      </div>
    </div>
    <h2>Throughput and latency (last minutes, from the order service's /metrics)</h2>
    <div class="cards">
      <div id="throughput-chart" class="chart"></div>
      <div id="latency-chart" class="chart"></div>
    </div>
    ${jsonData('series-data', series)}
    <h2>Sagas in flight</h2>
    ${
      overview.inFlight.byState.length === 0
        ? html`<p class="muted">None: every order is COMPLETED or CANCELLED.</p>`
        : html`<table>
              <thead>
                <tr>
                  <th>state</th>
                  <th>count</th>
                  ${BUCKETS.map((bucket) => html`<th>${bucket}</th>`)}
                  <th>oldest</th>
                </tr>
              </thead>
              <tbody>
                ${overview.inFlight.byState.map(
                  (state) =>
                    html`<tr>
                      <td>${state.status}</td>
                      <td>${state.count}</td>
                      ${BUCKETS.map((bucket) => html`<td>${state.buckets[bucket]}</td>`)}
                      <td>${age(state.oldestSeconds)}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
            <h2>Oldest in flight</h2>
            <table>
              <thead>
                <tr>
                  <th>order</th>
                  <th>state</th>
                  <th>age</th>
                  <th>deadline</th>
                </tr>
              </thead>
              <tbody>
                ${overview.inFlight.oldest.map(
                  (order) =>
                    html`<tr>
                      <td>${idLink(order.orderId)}</td>
                      <td>${order.status}</td>
                      <td>${age(order.ageSeconds)}</td>
                      <td><span data-deadline="${order.deadlineAt}">${order.deadlineAt}</span></td>
                    </tr>`,
                )}
              </tbody>
            </table>`
    }
    <h2>Outbox backlog per service and lane</h2>
    ${
      overview.outbox.length === 0
        ? html`<p class="muted">Every outbox row is published.</p>`
        : html`<table>
            <thead>
              <tr>
                <th>service</th>
                <th>lane</th>
                <th>pending</th>
                <th>parked</th>
                <th>oldest pending</th>
              </tr>
            </thead>
            <tbody>
              ${overview.outbox.map(
                (lane) =>
                  html`<tr>
                    <td>${lane.service}</td>
                    <td>${lane.lane}</td>
                    <td>${lane.pending}</td>
                    <td class="${lane.parked > 0 ? 'bad' : ''}">${lane.parked}</td>
                    <td>${lane.oldestPendingSeconds === null ? '—' : age(lane.oldestPendingSeconds)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    <h2>Consumer lag per group and partition</h2>
    <table>
      <thead>
        <tr>
          <th>group</th>
          <th>topic</th>
          <th>partition</th>
          <th>committed</th>
          <th>end</th>
          <th>lag</th>
          <th></th>
        </tr>
      </thead>
      <tbody>
        ${overview.lag.map(
          (partition) =>
            html`<tr>
              <td>${partition.groupId}</td>
              <td>${partition.topic}</td>
              <td>${partition.partition}</td>
              <td>${partition.committed}</td>
              <td>${partition.end}</td>
              <td>${partition.lag}</td>
              <td>
                ${partition.stalled ? html`<span class="bad">STALLED ${age(partition.unmovedSeconds)}</span>` : ''}
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
    <h2>Invariant checker</h2>
    ${invariantsSection(invariants)}`;
  return page('Overview', context, body, { charts: true });
}
