import { EventHeaders } from '@app/contracts';
import { childTraceparent } from '../platform/trace-context';
import { toOutboxMessage } from './event-envelope';

const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/;

describe('toOutboxMessage', () => {
  const { envelope, message } = toOutboxMessage(
    {
      type: 'order.cancelled',
      orderId: '6f1c3c0e-5d7a-4b6e-9f1e-2a7d8c9b0a11',
      payload: { reason: 'out of stock' },
      causationId: 'b1d2',
    },
    new Date('2026-11-25T00:00:00.000Z'),
  );

  it('when an event is built, then it goes to its catalogued topic keyed by order id with its version', () => {
    expect(message.topic).toBe('order.events');
    expect(message.key).toBe(envelope.orderId);
    expect(envelope).toMatchObject({ type: 'order.cancelled', version: 1, occurredAt: '2026-11-25T00:00:00.000Z' });
    expect(JSON.parse(message.value)).toEqual(envelope);
  });

  it('when no correlation id is given, then the order id correlates the flow', () => {
    expect(envelope.correlationId).toBe(envelope.orderId);
    expect(envelope.causationId).toBe('b1d2');
  });

  it('when headers are built, then they repeat the envelope and carry a W3C traceparent', () => {
    expect(message.headers).toMatchObject({
      [EventHeaders.id]: envelope.id,
      [EventHeaders.type]: 'order.cancelled',
      [EventHeaders.version]: '1',
      [EventHeaders.correlationId]: envelope.orderId,
    });
    expect(message.headers[EventHeaders.traceparent]).toMatch(TRACEPARENT);
  });
});

describe('childTraceparent', () => {
  it('when given a parent, then the child keeps its trace id with a new span id', () => {
    const parent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const child = childTraceparent(parent);
    expect(child).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    expect(child).not.toBe(parent);
  });

  it('when the parent is malformed, then a new trace starts', () => {
    expect(childTraceparent('garbage')).toMatch(TRACEPARENT);
  });
});
