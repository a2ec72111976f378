/** Every topic of the event contract (docs/events.md); each is owned by exactly one service. */
export const Topics = {
  order: 'order.events',
  inventory: 'inventory.events',
  shipping: 'shipping.events',
} as const;

export type Topic = (typeof Topics)[keyof typeof Topics];

export const ALL_TOPICS: readonly Topic[] = Object.values(Topics);

/** Where a consumer sends what it cannot process; one dead-letter topic per source topic. */
export function deadLetterTopic(topic: string): string {
  return `${topic}.dlq`;
}
