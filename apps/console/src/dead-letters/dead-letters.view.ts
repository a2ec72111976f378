import { html, Html } from '../views/html';
import { csrfField, page, PageContext } from '../views/layout';
import type { DeadLetterView, DryRun, ReplayRecord, Selection } from './dead-letters.service';

function auditTable(records: ReplayRecord[]): Html {
  return records.length === 0
    ? html`<p class="muted">No replay yet.</p>`
    : html`<table>
        <thead>
          <tr>
            <th>#</th>
            <th>who</th>
            <th>when</th>
            <th>topic</th>
            <th>what</th>
            <th>replayed</th>
            <th>duplicates</th>
            <th>skipped</th>
            <th>event ids</th>
          </tr>
        </thead>
        <tbody>
          ${records.map(
            (record) =>
              html`<tr>
                <td>${record.id}</td>
                <td>${record.actor}</td>
                <td>${record.at}</td>
                <td>${record.topic}</td>
                <td>${record.selection}</td>
                <td>${record.replayed}</td>
                <td>${record.duplicates}</td>
                <td>${record.skipped}</td>
                <td class="mono">${record.eventIds.join(', ')}</td>
              </tr>`,
          )}
        </tbody>
      </table>`;
}

export function deadLettersIndexPage(
  counts: Array<{ topic: string; deadLetterTopic: string; count: number }>,
  audit: ReplayRecord[],
  context: PageContext,
): string {
  return page(
    'Dead letters',
    context,
    html`<table>
        <thead>
          <tr>
            <th>topic</th>
            <th>dead letters</th>
          </tr>
        </thead>
        <tbody>
          ${counts.map(
            (entry) =>
              html`<tr>
                <td><a href="/dead-letters/${entry.topic}">${entry.deadLetterTopic}</a></td>
                <td class="${entry.count > 0 ? 'bad' : 'ok'}">${entry.count}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      <h2>Replays</h2>
      ${auditTable(audit)}`,
  );
}

function selectionFields(selection: Selection): Html {
  if ('all' in selection) {
    return html`<input type="hidden" name="select" value="all" />`;
  }
  if ('reason' in selection) {
    return html`<input type="hidden" name="select" value="reason" /><input
        type="hidden"
        name="reason"
        value="${selection.reason}"
      />`;
  }
  return html`<input type="hidden" name="select" value="positions" />${selection.positions.map(
      (position) => html`<input type="hidden" name="position" value="${position}" />`,
    )}`;
}

/** The headings of the columns `letterCells` fills. */
const LETTER_HEADERS = html`<th>position</th>
  <th>event / order</th>
  <th>reason</th>
  <th>attempts</th>
  <th>consumer</th>
  <th>origin</th>
  <th>payload</th>`;

function letterCells(letter: DeadLetterView): Html {
  return html`<td class="mono">${letter.position}</td>
    <td>
      ${letter.eventType ?? '?'}
      <div class="mono muted">${letter.eventId ?? 'no event id'}</div>
      <div class="mono"><a href="/search?q=${letter.orderId}">${letter.orderId}</a></div>
    </td>
    <td>
      <strong>${letter.reason}</strong>
      <div>${letter.error}</div>
    </td>
    <td>${letter.attempts}</td>
    <td>
      ${letter.consumer}
      <div class="muted">${letter.failedAt}</div>
    </td>
    <td class="mono">${letter.origin}</td>
    <td><pre>${letter.preview}</pre></td>`;
}

export function deadLettersPage(topic: string, letters: DeadLetterView[], context: PageContext): string {
  const reasons = [...new Set(letters.map((letter) => letter.reason))];
  const body = html` <p>${letters.length} dead letter(s) in <code>${topic}.dlq</code>. Replay starts with a dry run.</p>
    ${
      letters.length === 0
        ? ''
        : html`<div class="cards">
              <form method="post" action="/dead-letters/${topic}/dry-run" class="card">
                ${csrfField(context)}<input type="hidden" name="select" value="all" /><button type="submit">
                  Dry run: all ${letters.length}
                </button>
              </form>
              ${reasons.map(
                (reason) =>
                  html`<form method="post" action="/dead-letters/${topic}/dry-run" class="card">
                    ${csrfField(context)}${selectionFields({ reason })}<button type="submit">
                      Dry run: every “${reason}” (${letters.filter((letter) => letter.reason === reason).length})
                    </button>
                  </form>`,
              )}
            </div>
            <form method="post" action="/dead-letters/${topic}/dry-run">
              ${csrfField(context)}
              <input type="hidden" name="select" value="positions" />
              <table>
                <thead>
                  <tr>
                    <th></th>
                    ${LETTER_HEADERS}
                  </tr>
                </thead>
                <tbody>
                  ${letters.map(
                    (letter) =>
                      html`<tr>
                        <td>
                          <input
                            type="checkbox"
                            name="position"
                            value="${letter.position}"
                            aria-label="select ${letter.position}"
                          />
                        </td>
                        ${letterCells(letter)}
                      </tr>`,
                  )}
                </tbody>
              </table>
              <p><button type="submit">Dry run the selected</button></p>
            </form>`
    }`;
  return page(`Dead letters of ${topic}`, context, body);
}

export function dryRunPage(dryRun: DryRun, selection: Selection, context: PageContext): string {
  const duplicates = dryRun.letters.filter((letter) => letter.duplicate).length;
  const body = html` <p class="banner ${duplicates > 0 ? 'warn' : ''}">
      Dry run: ${dryRun.letters.length} letter(s) would be replayed to <code>${dryRun.topic}</code>; ${duplicates} of
      them the consuming service's inbox already holds, so it would skip them as duplicates (replaying them changes
      nothing).
    </p>
    <table>
      <thead>
        <tr>
          <th>would be</th>
          ${LETTER_HEADERS}
        </tr>
      </thead>
      <tbody>
        ${dryRun.letters.map(
          (letter) =>
            html`<tr>
              <td>
                ${
                  letter.unreplayable
                    ? html`<span class="bad">not replayable: ${letter.unreplayable}</span>`
                    : letter.duplicate
                      ? html`<span class="warn">duplicate</span>
                          <div class="muted">in the inbox of ${letter.processedBy.join(', ')}</div>`
                      : html`<span class="ok">processed</span
                          >${letter.processedBy.length > 0 ? html`<div class="muted">already in the inbox of ${letter.processedBy.join(', ')}</div>` : ''}`
                }
              </td>
              ${letterCells(letter)}
            </tr>`,
        )}
      </tbody>
    </table>
    <form method="post" action="/dead-letters/${dryRun.topic}/replay">
      ${csrfField(context)}${selectionFields(selection)}
      <input type="hidden" name="digest" value="${dryRun.digest}" />
      <p>
        <button class="primary" type="submit">Replay ${dryRun.letters.length} letter(s)</button>
        <a href="/dead-letters/${dryRun.topic}">Cancel</a>
      </p>
    </form>`;
  return page(`Dry run: ${dryRun.topic}`, context, body);
}

export function replayedPage(record: ReplayRecord, context: PageContext): string {
  return page(
    `Replayed to ${record.topic}`,
    context,
    html`<p class="banner">
        Replay #${record.id} by ${record.actor} at ${record.at}: ${record.replayed} replayed, ${record.duplicates} of
        them duplicates the inbox will skip, ${record.skipped} skipped.
      </p>
      <p><a href="/dead-letters">All dead letters and replays</a></p>`,
  );
}
