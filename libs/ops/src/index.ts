// What the operators' tools share — the console and the scripts alike: reading topics, consumer
// lag, the invariant checker. One implementation each.
export { byPosition, readMessage, readToEnd } from './kafka/topic-reader';
export type { ReadMessage } from './kafka/topic-reader';
export { consumerLagByPartition } from './kafka/consumer-lag';
export type { PartitionLag } from './kafka/consumer-lag';
export { checkInvariants, violationsOnceSettled } from './invariants/check-invariants';
export type { InvariantScope, Violation } from './invariants/check-invariants';
export { positionOf, REPLAYED_FROM_HEADER, replayDeadLetters } from './kafka/dead-letter-replay';
export type { ReplayOutcome } from './kafka/dead-letter-replay';
