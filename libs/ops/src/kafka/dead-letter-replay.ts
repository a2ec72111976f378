import { Producer } from 'kafkajs';
import { decodeDeadLetter } from '@app/consistency/tools';
import { ReadMessage } from './topic-reader';

/** The header a replayed message carries: which dead letter it came from. */
export const REPLAYED_FROM_HEADER = 'dlq-replayed-from';

export type ReplayOutcome =
  { position: string; eventId?: string; replayedTo: string } | { position: string; eventId?: string; skipped: string };

/** `partition@offset` of a message in its topic. */
export const positionOf = (letter: ReadMessage) => `${letter.partition}@${letter.offset}`;

/**
 * Republishes dead letters to their original topic with their original key, value and headers,
 * one acknowledged send each, in the order given; a letter that cannot be replayed (its value was
 * cut to fit the dead-letter topic) is skipped with the reason.
 */
export async function replayDeadLetters(producer: Producer, letters: readonly ReadMessage[]): Promise<ReplayOutcome[]> {
  const outcomes: ReplayOutcome[] = [];
  for (const letter of letters) {
    const position = positionOf(letter);
    const eventId = letter.headers['event-id'];
    const original = decodeDeadLetter(letter);
    if ('unreplayable' in original) {
      outcomes.push({ position, eventId, skipped: original.unreplayable });
      continue;
    }
    await producer.send({
      topic: original.topic,
      acks: -1,
      messages: [
        {
          key: original.key,
          value: original.value,
          headers: { ...original.headers, [REPLAYED_FROM_HEADER]: `${letter.topic}/${position}` },
        },
      ],
    });
    outcomes.push({ position, eventId, replayedTo: original.topic });
  }
  return outcomes;
}
