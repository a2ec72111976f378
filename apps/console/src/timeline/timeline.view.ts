import { age, html, Html } from '../views/html';
import { page, PageContext } from '../views/layout';
import type { EventRef, Timeline, TimelineStep } from './timeline';

function eventCell(event: EventRef | undefined): Html {
  if (!event?.id) {
    return html`<span class="muted">—</span>`;
  }
  const where =
    event.topic !== undefined
      ? `${event.topic}${event.partition !== undefined ? ` [${event.partition}]` : ''}${event.offset !== undefined ? ` @${event.offset}` : ''}`
      : '';
  return html`<div>${event.type ?? 'event'}</div>
    <div class="mono">${event.id}</div>
    <div class="muted mono">${where}</div>`;
}

function stepRow(step: TimelineStep, start: number): Html {
  return html`<tr>
    <td class="mono">+${Date.parse(step.at) - start} ms</td>
    <td class="step-service">${step.service}</td>
    <td>
      <strong>${step.status}</strong
      >${step.fencingToken ? html`<div class="muted">fencing token ${step.fencingToken}</div>` : ''}
    </td>
    <td>${step.reason ?? ''}</td>
    <td>${eventCell(step.cause)}</td>
    <td>
      ${
        step.inbox
          ? html`<div>${step.inbox.consumer}</div>
              <div class="muted">${step.inbox.processedAt}</div>`
          : html`<span class="muted">—</span>`
      }
    </td>
    <td>
      ${
        step.outbox
          ? html`<div>#${step.outbox.id} ${step.outbox.status}</div>
              <div class="muted">${step.outbox.topic}, ${step.outbox.attempts} attempt(s)</div>`
          : html`<span class="muted">—</span>`
      }
    </td>
    <td class="muted">${step.source}</td>
    <td>${step.traceUrl ? html`<a href="${step.traceUrl}" rel="noopener" target="_blank">trace</a>` : ''}</td>
  </tr>`;
}

export function timelinePage(timeline: Timeline, context: PageContext): string {
  const start = Date.parse(timeline.steps[0]?.at ?? timeline.createdAt);
  const stateClass = timeline.status === 'COMPLETED' ? 'ok' : timeline.status === 'CANCELLED' ? 'warn' : 'bad';
  const waiting = timeline.waitingFor;
  const body = html` <div class="cards">
      <div class="card">
        <div class="muted">status</div>
        <div class="figure ${stateClass}">${timeline.status}</div>
        ${timeline.failureReason ? html`<div>${timeline.failureReason}</div>` : ''}
      </div>
      <div class="card">
        <div class="muted">customer</div>
        <div>${timeline.customerId}</div>
        ${timeline.idempotencyKeys.map((key) => html`<div class="muted">Idempotency-Key <span class="mono">${key.key}</span></div>`)}
      </div>
      <div class="card">
        <div class="muted">correlation id</div>
        ${timeline.correlationIds.map((id) => html`<div class="mono">${id}</div>`)}
        <div class="muted">placed ${timeline.createdAt}</div>
      </div>
    </div>
    ${waiting ? html`<div class="banner bad"><strong>Stuck?</strong> The saga waits for <strong>${waiting.service}</strong> (${waiting.events.join(' or ')}); <span data-deadline="${waiting.deadlineAt}">${waiting.secondsLeft >= 0 ? `deadline in ${waiting.secondsLeft} s` : `deadline passed ${-waiting.secondsLeft} s ago`}</span> (${waiting.deadlineAt}).</div>` : ''}
    <h2>Saga timeline</h2>
    <table>
      <thead>
        <tr>
          <th>at</th>
          <th>service</th>
          <th>status</th>
          <th>reason</th>
          <th>caused by (event, topic [partition] @offset)</th>
          <th>inbox</th>
          <th>outbox</th>
          <th>source</th>
          <th>trace</th>
        </tr>
      </thead>
      <tbody>
        ${timeline.steps.map((step) => stepRow(step, start))}
      </tbody>
    </table>
    <h2>Dead letters</h2>
    ${
      timeline.deadLetters.length === 0
        ? html`<p class="muted">None.</p>`
        : html`<table>
              <thead>
                <tr>
                  <th>service</th>
                  <th>original event</th>
                  <th>reason</th>
                  <th>attempts</th>
                  <th>consumer</th>
                  <th>failed at</th>
                </tr>
              </thead>
              <tbody>
                ${timeline.deadLetters.map(
                  (letter) =>
                    html`<tr>
                      <td>${letter.service}</td>
                      <td>${eventCell(letter.original)}</td>
                      <td>${letter.reason}: ${letter.error}</td>
                      <td>${letter.attempts}</td>
                      <td>${letter.consumer}</td>
                      <td>${letter.failedAt}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
            <p><a href="/dead-letters">Replay from the dead-letter browser</a></p>`
    }
    <h2>Reservation and shipment</h2>
    <div class="cards">
      <div class="card">
        <div class="muted">reservation (inventory)</div>
        ${
          timeline.reservation
            ? html`<div><strong>${timeline.reservation.status}</strong> ${timeline.reservation.reason ?? ''}</div>
                ${timeline.reservation.lines.map((line) => html`<div class="mono">${line.sku} × ${line.quantity}</div>`)}`
            : html`<div class="muted">none</div>`
        }
      </div>
      <div class="card">
        <div class="muted">shipment (shipping)</div>
        ${
          timeline.shipment
            ? html`<div><strong>${timeline.shipment.status}</strong> ${timeline.shipment.carrierReference ?? ''}</div>
                <div>lock fencing token <strong>${timeline.shipment.fencingToken ?? 'none yet'}</strong></div>
                <div class="muted">
                  ${timeline.shipment.attempts} carrier
                  attempt(s)${timeline.shipment.lastError ? `, last error: ${timeline.shipment.lastError}` : ''}
                </div>
                ${timeline.shipment.lock ? html`<div class="warn">lock held by ${timeline.shipment.lock.owner} (token ${timeline.shipment.lock.fencingToken}) until ${timeline.shipment.lock.expiresAt}, ${age((Date.parse(timeline.shipment.lock.expiresAt) - Date.now()) / 1000)} left</div>` : ''}`
            : html`<div class="muted">none</div>`
        }
      </div>
    </div>
    <p class="muted">
      JSON: <a href="/api/orders/${timeline.orderId}/timeline">/api/orders/${timeline.orderId}/timeline</a>
    </p>`;
  return page(`Order ${timeline.orderId}`, context, body);
}
