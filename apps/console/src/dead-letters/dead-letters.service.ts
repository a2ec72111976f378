import { BadRequestException, ConflictException, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DeadLetterHeaders, decodeDeadLetter } from '@app/consistency';
import { ALL_TOPICS, deadLetterTopic } from '@app/contracts';
import { positionOf, ReadMessage, readToEnd, replayDeadLetters } from '@app/ops';
import { SAGA_SERVICES } from '../console.config';
import { ConsoleDatabases } from '../databases/console-databases';
import { KafkaClients } from '../events/kafka-clients';

const PREVIEW_CHARACTERS = 300;

/** One dead letter as the browser lists it. */
export interface DeadLetterView {
  /** `partition@offset` in the dead-letter topic: what a selection names. */
  position: string;
  eventId?: string;
  eventType?: string;
  orderId: string;
  reason: string;
  error: string;
  attempts: number;
  consumer: string;
  failedAt: string;
  origin: string;
  preview: string;
  replayable: boolean;
}

/** Which letters of a topic an operator picked: some positions, all of one reason, or all. */
export type Selection = { positions: string[] } | { reason: string } | { all: true };

/** A letter of a dry run: would its consumer skip it as a duplicate, and who processed it already. */
export interface DryRunLetter extends DeadLetterView {
  duplicate: boolean;
  processedBy: string[];
  unreplayable?: string;
}

export interface DryRun {
  topic: string;
  letters: DryRunLetter[];
  /** Names exactly this set of letters: a replay must present it, so it replays what the dry run showed. */
  digest: string;
}

export interface ReplayRecord {
  id: string;
  actor: string;
  at: string;
  topic: string;
  selection: string;
  eventIds: string[];
  replayed: number;
  duplicates: number;
  skipped: number;
}

export function describeSelection(selection: Selection): string {
  return 'all' in selection
    ? 'all'
    : 'reason' in selection
      ? `reason ${selection.reason}`
      : `positions ${selection.positions.join(', ')}`;
}

/**
 * The dead-letter topics of the saga's topics: listed with why each message failed, and replayed
 * to where they came from — only after a dry run that says which of them the consumers' inboxes
 * already hold (a replayed duplicate is skipped by the inbox and changes nothing). Every replay is
 * recorded in the console's own database.
 */
@Injectable()
export class DeadLettersService {
  constructor(
    private readonly kafka: KafkaClients,
    private readonly databases: ConsoleDatabases,
  ) {}

  /** How many messages each dead-letter topic holds. */
  async counts(): Promise<Array<{ topic: string; deadLetterTopic: string; count: number }>> {
    const admin = await this.kafka.connectedAdmin();
    return Promise.all(
      ALL_TOPICS.map(async (topic) => {
        const offsets = await admin.fetchTopicOffsets(deadLetterTopic(topic));
        const count = offsets.reduce((sum, { high, low }) => sum + Number(high) - Number(low), 0);
        return { topic, deadLetterTopic: deadLetterTopic(topic), count };
      }),
    );
  }

  async list(topic: string): Promise<DeadLetterView[]> {
    return (await this.letters(topic)).map(view);
  }

  async dryRun(topic: string, selection: Selection): Promise<DryRun> {
    const chosen = select(await this.letters(topic), selection);
    return this.inspect(topic, chosen);
  }

  /** Replays what the dry run with `digest` showed, and records who did it. */
  async replay(topic: string, selection: Selection, digest: string, actor: string): Promise<ReplayRecord> {
    const chosen = select(await this.letters(topic), selection);
    const dryRun = await this.inspect(topic, chosen);
    if (dryRun.digest !== digest) {
      throw new ConflictException('the selection changed since the dry run; run it again');
    }
    const outcomes = await replayDeadLetters(await this.kafka.connectedProducer(), chosen);
    const replayed = outcomes.filter((outcome) => 'replayedTo' in outcome).length;
    const { rows } = await this.databases.own.query<{ id: string; at: Date }>(
      `INSERT INTO replay_audit (actor, topic, selection, event_ids, replayed, duplicates, skipped)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id::text, at`,
      [
        actor,
        topic,
        describeSelection(selection),
        dryRun.letters.map((letter) => letter.eventId ?? letter.position),
        replayed,
        dryRun.letters.filter((letter) => letter.duplicate).length,
        outcomes.length - replayed,
      ],
    );
    return this.record({
      id: rows[0].id,
      actor,
      at: rows[0].at,
      topic,
      selection: describeSelection(selection),
      event_ids: dryRun.letters.map((letter) => letter.eventId ?? letter.position),
      replayed,
      duplicates: dryRun.letters.filter((letter) => letter.duplicate).length,
      skipped: outcomes.length - replayed,
    });
  }

  async audit(limit = 50): Promise<ReplayRecord[]> {
    const { rows } = await this.databases.own.query<AuditRow>(
      'SELECT id::text, actor, at, topic, selection, event_ids, replayed, duplicates, skipped FROM replay_audit ORDER BY id DESC LIMIT $1',
      [limit],
    );
    return rows.map((row) => this.record(row));
  }

  private record(row: AuditRow): ReplayRecord {
    return {
      id: row.id,
      actor: row.actor,
      at: row.at.toISOString(),
      topic: row.topic,
      selection: row.selection,
      eventIds: row.event_ids,
      replayed: row.replayed,
      duplicates: row.duplicates,
      skipped: row.skipped,
    };
  }

  private async letters(topic: string): Promise<ReadMessage[]> {
    if (!(ALL_TOPICS as readonly string[]).includes(topic)) {
      throw new BadRequestException(`unknown topic; expected one of ${ALL_TOPICS.join(', ')}`);
    }
    return readToEnd(this.kafka.kafka, deadLetterTopic(topic));
  }

  /** Each chosen letter against the inboxes of every service: duplicate for the consumer that failed it? */
  private async inspect(topic: string, chosen: ReadMessage[]): Promise<DryRun> {
    const ids = chosen.map((letter) => letter.headers['event-id']).filter((id): id is string => Boolean(id));
    const processed = await Promise.all(
      SAGA_SERVICES.map((service) =>
        this.databases.read<{ consumer: string; event_id: string }>(
          service,
          'SELECT consumer, event_id FROM inbox WHERE event_id = ANY($1)',
          [ids],
        ),
      ),
    );
    const consumersOf = (eventId: string | undefined) =>
      processed
        .flat()
        .filter((row) => row.event_id === eventId)
        .map((row) => row.consumer);
    const letters = chosen.map((letter): DryRunLetter => {
      const decoded = decodeDeadLetter(letter);
      const processedBy = consumersOf(letter.headers['event-id']);
      return {
        ...view(letter),
        duplicate: processedBy.includes(letter.headers[DeadLetterHeaders.consumer]),
        processedBy,
        ...('unreplayable' in decoded ? { unreplayable: decoded.unreplayable } : {}),
      };
    });
    const digest = createHash('sha256')
      .update(`${topic}\n${chosen.map(positionOf).join('\n')}`)
      .digest('base64url')
      .slice(0, 22);
    return { topic, letters, digest };
  }
}

interface AuditRow {
  id: string;
  actor: string;
  at: Date;
  topic: string;
  selection: string;
  event_ids: string[];
  replayed: number;
  duplicates: number;
  skipped: number;
}

function select(letters: ReadMessage[], selection: Selection): ReadMessage[] {
  if ('all' in selection) {
    return letters;
  }
  if ('reason' in selection) {
    return letters.filter((letter) => letter.headers[DeadLetterHeaders.reason] === selection.reason);
  }
  const wanted = new Set(selection.positions);
  const chosen = letters.filter((letter) => wanted.has(positionOf(letter)));
  if (chosen.length !== wanted.size) {
    throw new BadRequestException('some selected positions are not in the dead-letter topic');
  }
  return chosen;
}

function view(letter: ReadMessage): DeadLetterView {
  const h = letter.headers;
  return {
    position: positionOf(letter),
    eventId: h['event-id'],
    eventType: h['event-type'],
    orderId: letter.key,
    reason: h[DeadLetterHeaders.reason] ?? '',
    error: h[DeadLetterHeaders.error] ?? '',
    attempts: Number(h[DeadLetterHeaders.attempts] ?? 0),
    consumer: h[DeadLetterHeaders.consumer] ?? '',
    failedAt: h[DeadLetterHeaders.failedAt] ?? '',
    origin: `${h[DeadLetterHeaders.originalTopic]}/${h[DeadLetterHeaders.originalPartition]}@${h[DeadLetterHeaders.originalOffset]}`,
    preview: letter.value.slice(0, PREVIEW_CHARACTERS),
    replayable: !('unreplayable' in decodeDeadLetter(letter)),
  };
}
