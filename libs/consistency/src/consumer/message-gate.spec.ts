import { randomUUID } from 'node:crypto';
import { MessageHandler } from '@nestjs/microservices';
import { SAGA_EVENTS } from '@app/contracts';
import { admit, claimedType, GateRules, InboundMessage } from './message-gate';
import { PoisonMessageError } from './poison-message.error';

const handler = Object.assign(() => Promise.resolve(), { extras: { versions: [1] } }) as unknown as MessageHandler;
const handled = new Set(['shipping.scheduled', 'inventory.reserved']);
const rules: GateRules = {
  events: SAGA_EVENTS,
  handlerFor: (type) => (handled.has(type) ? handler : undefined),
  upcasters: {},
  limits: { maxValueBytes: 10_000, maxHeaderBytes: 1000 },
};

function scheduled(changes: Record<string, unknown> = {}) {
  const orderId = randomUUID();
  return {
    id: randomUUID(),
    type: 'shipping.scheduled',
    version: 1,
    occurredAt: '2026-11-27T10:00:00.000Z',
    orderId,
    correlationId: orderId,
    causationId: null,
    payload: { shipmentId: randomUUID(), carrierReference: 'CARRIER-1' },
    ...changes,
  };
}

function message(envelope: Record<string, unknown>, changes: Partial<InboundMessage> = {}): InboundMessage {
  return {
    topic: 'shipping.events',
    key: Buffer.from(String(envelope.orderId)),
    value: Buffer.from(JSON.stringify(envelope)),
    headers: { 'event-id': String(envelope.id), 'event-type': String(envelope.type), 'event-version': '1' },
    ...changes,
  };
}

function poison(inbound: InboundMessage): string {
  try {
    admit(inbound, rules);
  } catch (error) {
    expect(error).toBeInstanceOf(PoisonMessageError);
    return (error as Error).message;
  }
  throw new Error('admitted');
}

describe('admit', () => {
  it('when a valid event of its topic arrives, then it is handed to its handler', () => {
    const envelope = scheduled();
    expect(admit(message(envelope), rules)).toMatchObject({ action: 'handle', envelope, handler });
  });

  it('when a valid event of its topic has no handler here, then it is ignored', () => {
    expect(
      admit(
        message(scheduled({ type: 'shipping.cancelled', payload: { shipmentId: randomUUID() } }), { headers: {} }),
        rules,
      ),
    ).toEqual({
      action: 'ignore',
      type: 'shipping.cancelled',
    });
  });

  it('when the header and the opening of the value name a type it has no handler for, then it is ignored unread', () => {
    const envelope = scheduled({ type: 'shipping.cancelled', payload: { shipmentId: randomUUID() } });
    const opening = JSON.stringify(envelope).slice(0, 80);
    const unparseable = Buffer.from(`${opening}, this is not JSON`);
    expect(admit(message(envelope, { value: unparseable, key: null }), rules)).toEqual({
      action: 'ignore',
      type: 'shipping.cancelled',
    });
  });

  it('when the header names an ignored type but the envelope another, then the whole gate reads it: poison', () => {
    const forged = scheduled({ type: 'shipping.failed', payload: { reason: 'forged' } });
    const lying = message(forged, { headers: { 'event-type': 'shipping.cancelled' } });
    expect(poison(lying)).toMatch(/header event-type/);
  });

  it('when the header names an ignored type but the value is not written as our producers write it, then the whole gate reads it', () => {
    const envelope = scheduled({ type: 'shipping.cancelled', payload: { shipmentId: randomUUID() } });
    const { type, ...rest } = envelope;
    const reordered = Buffer.from(JSON.stringify({ ...rest, type }).replace('}', ', oops'));
    expect(poison(message(envelope, { value: reordered }))).toMatch(/not JSON/);
  });

  it.each<[string, () => InboundMessage, RegExp]>([
    [
      'a type spelled as a JSON string',
      () => message(scheduled({ type: '"shipping.scheduled"', payload: {} }), { headers: {} }),
      /unknown event type/,
    ],
    [
      'a type in another case',
      () => message(scheduled({ type: 'Shipping.Scheduled' }), { headers: {} }),
      /unknown event type/,
    ],
    [
      'a type with a trailing space',
      () => message(scheduled({ type: 'shipping.scheduled ' }), { headers: {} }),
      /unknown event type/,
    ],
    [
      'a prototype property as type',
      () => message(scheduled({ type: 'constructor' }), { headers: {} }),
      /unknown event type/,
    ],
    [
      'a type another topic carries',
      () => message(scheduled(), { topic: 'order.events' }),
      /not carried by order.events/,
    ],
    [
      'a key that is not the order id',
      () => message(scheduled(), { key: Buffer.from(randomUUID()) }),
      /key is not the envelope's orderId/,
    ],
    ['no key', () => message(scheduled(), { key: null }), /no key/],
    ['a NUL in the key', () => message(scheduled(), { key: Buffer.from('\u0000') }), /key is not/],
    ['an oversized key', () => message(scheduled(), { key: Buffer.alloc(300_000, 'k') }), /key is 300000 bytes/],
    [
      'a non-UUID orderId',
      () => message(scheduled({ orderId: 'order-1' }), { key: Buffer.from('order-1') }),
      /orderId must be a UUID/,
    ],
    [
      'a 300 KB id',
      () => message(scheduled({ id: 'x'.repeat(300_000) }), { headers: {} }),
      /over the 10000-byte limit/,
    ],
    ['a bad occurredAt', () => message(scheduled({ occurredAt: 'yesterday' })), /occurredAt must be an ISO-8601/],
    ['an impossible occurredAt', () => message(scheduled({ occurredAt: '2026-13-45T99:00:00Z' })), /occurredAt/],
    ['an unknown envelope field', () => message(scheduled({ extra: 1 })), /unknown field/],
    [
      'an empty payload',
      () => message(scheduled({ payload: {} })),
      /invalid shipping.scheduled payload: payload.shipmentId must be a UUID/,
    ],
    [
      'a payload with a NUL',
      () => message(scheduled({ payload: { shipmentId: randomUUID(), carrierReference: 'a\u0000b' } })),
      /control characters/,
    ],
    ['a newer version', () => message(scheduled({ version: 2 }), { headers: {} }), /version 2 is not accepted/],
    ['a NUL in a header name', () => message(scheduled(), { headers: { 'a\u0000b': 'x' } }), /header name/],
    [
      'a NUL in a header value',
      () => message(scheduled(), { headers: { note: Buffer.from([0]) } }),
      /control characters/,
    ],
    [
      'invalid UTF-8 in a header value',
      () => message(scheduled(), { headers: { note: Buffer.from([0xff]) } }),
      /not valid UTF-8/,
    ],
    [
      'headers over the limit',
      () => message(scheduled(), { headers: { big: 'x'.repeat(2000) } }),
      /headers are \d+ bytes/,
    ],
    ['a repeated header', () => message(scheduled(), { headers: { 'event-id': ['a', 'b'] } }), /appears 2 times/],
    [
      'headers that contradict the envelope',
      () => message(scheduled(), { headers: { 'event-type': 'shipping.failed' } }),
      /header event-type/,
    ],
    ['a value that is not UTF-8', () => message(scheduled(), { value: Buffer.from([0x7b, 0xff]) }), /not valid UTF-8/],
    ['a value that is not JSON', () => message(scheduled(), { value: Buffer.from('{not json') }), /not JSON/],
    ['an empty value', () => message(scheduled(), { value: null }), /empty message value/],
    ['a JSON array', () => message(scheduled(), { value: Buffer.from('[]') }), /expected a JSON object/],
    [
      'a value over the limit',
      () => message(scheduled(), { value: Buffer.alloc(20_000, ' ') }),
      /over the 10000-byte limit/,
    ],
  ])('when %s arrives, then it is poison', (_case, inbound, reason) => {
    expect(poison(inbound())).toMatch(reason);
  });

  it('when inventory.reserved lines break the contract, then it is poison before any handler runs', () => {
    const envelope = scheduled({
      type: 'inventory.reserved',
      payload: { items: [{ sku: 'A', quantity: 1e9 }], shippingAddress: { country: 'DE' } },
    });
    expect(poison(message(envelope, { topic: 'inventory.events', headers: {} }))).toMatch(
      /quantity must be an integer/,
    );
  });
});

describe('claimedType', () => {
  it('when the envelope names a type of its topic, then that is the type, whatever else is wrong', () => {
    const envelope = scheduled({ type: 'shipping.failed', payload: { reason: 42 } });
    expect(claimedType(message(envelope, { headers: {} }), rules)).toBe('shipping.failed');
  });

  it('when the value is not JSON, then the event-type header names the type', () => {
    const inbound = message(scheduled(), { value: Buffer.from('{not json') });
    expect(claimedType(inbound, rules)).toBe('shipping.scheduled');
  });

  it('when the claimed type is not carried by the topic, misspelled or absent, then it is undefined', () => {
    expect(claimedType(message(scheduled({ type: 'order.cancelled' }), { headers: {} }), rules)).toBeUndefined();
    expect(claimedType(message(scheduled({ type: 'Shipping.Failed' }), { headers: {} }), rules)).toBeUndefined();
    expect(claimedType(message(scheduled(), { value: Buffer.from('null'), headers: {} }), rules)).toBeUndefined();
    expect(
      claimedType(message(scheduled(), { value: null, headers: { 'event-type': randomUUID() } }), rules),
    ).toBeUndefined();
  });
});
