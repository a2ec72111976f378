import { logLevel } from 'kafkajs';

export type NestLogLevel = 'error' | 'warn' | 'log' | 'debug';

/**
 * Conditions kafkajs reports as errors that recover by themselves, and the level they deserve:
 * a broker restarting (refused or dropped connections, leaders and coordinators moving or loading)
 * is worth a warning; a member the coordinator no longer knows when it leaves at shutdown, or a
 * group rebalancing, is routine.
 */
const EXPECTED: ReadonlyArray<{ pattern: RegExp; level: NestLogLevel }> = [
  { pattern: /not aware of this member|group is rebalancing|rejoin is needed/i, level: 'debug' },
  { pattern: /coordinator is loading|not the correct coordinator|coordinator is not available/i, level: 'debug' },
  { pattern: /ECONNREFUSED|ECONNRESET|EPIPE|Connection (error|timeout|closed)|Closed connection/i, level: 'warn' },
  { pattern: /no leader for this topic-partition|not the leader for that topic-partition/i, level: 'warn' },
  {
    pattern: /leadership election|Broker not connected|Request .* timed out|KafkaJSNumberOfRetriesExceeded/i,
    level: 'warn',
  },
  { pattern: /No broker available|Restarting the consumer/i, level: 'warn' },
];

const LEVELS: Record<number, NestLogLevel> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'log',
  [logLevel.DEBUG]: 'debug',
};

/**
 * The level a kafkajs log entry is written at: its own, except errors and warnings that name an
 * expected condition (in the message or the error it carries), which are lowered. A real failure
 * (authentication, an unknown topic, a crash for another cause) stays an error.
 */
export function kafkaLogLevel(level: logLevel, message: string, error?: unknown): NestLogLevel {
  const own = LEVELS[level] ?? 'log';
  if (own !== 'error' && own !== 'warn') {
    return own;
  }
  const text = `${message} ${typeof error === 'string' ? error : ''}`;
  const expected = EXPECTED.find(({ pattern }) => pattern.test(text));
  if (!expected) {
    return own;
  }
  return own === 'warn' && expected.level === 'warn' ? 'warn' : expected.level;
}
