import { hostileJsonReason, hostileQueryReason } from './hostile-input';

describe('hostileJsonReason', () => {
  const nested = (depth: number): unknown => {
    let value: unknown = 'leaf';
    for (let level = 0; level < depth; level++) {
      value = level % 2 === 0 ? { a: value } : [value];
    }
    return value;
  };

  it('when a body is an ordinary order, then nothing is wrong with it', () => {
    const order = { items: [{ sku: 'A-1', quantity: 2 }], shippingAddress: { country: 'DE', city: 'Köln' } };
    expect(hostileJsonReason(order, 32)).toBeUndefined();
  });

  it('when nesting reaches the limit, then it is accepted; one level more is refused', () => {
    expect(hostileJsonReason(nested(32), 32)).toBeUndefined();
    expect(hostileJsonReason(nested(33), 32)).toMatch(/nested deeper than 32 levels/);
  });

  it('when a value is nested 100 000 levels deep, then it is refused without overflowing the stack', () => {
    expect(hostileJsonReason(nested(100_000), 32)).toMatch(/nested deeper/);
  });

  it.each([
    ['a NUL in a value', { sku: 'A\u0000' }],
    ['a control character deep in an array', { items: [{ lines: ['ok', 'tab\there'] }] }],
    ['a NUL in a key', { 'customer\u0000Id': 'x' }],
    ['a C1 control character', { city: 'x\u0085y' }],
    ['DEL', { city: 'x\u007fy' }],
  ])('when a body holds %s, then it is refused', (_case, body) => {
    expect(hostileJsonReason(body, 32)).toMatch(/control characters/);
  });

  it.each(['__proto__', 'constructor', 'prototype'])(
    'when a body holds the key %s at any depth, then it is refused',
    (key) => {
      expect(hostileJsonReason(JSON.parse(`{"items":[{"${key}":{"polluted":true}}]}`), 32)).toBe(
        `the key "${key}" is not accepted`,
      );
    },
  );
});

describe('hostileQueryReason', () => {
  it('when each parameter is given once, then nothing is wrong', () => {
    expect(hostileQueryReason({ orderId: '8e03978e-40d5-43e8-bc93-6894a57f9324' })).toBeUndefined();
  });

  it('when a parameter is repeated, then it is refused by name', () => {
    expect(hostileQueryReason({ orderId: ['a', 'b'] })).toBe('the query parameter "orderId" must be given once');
  });

  it('when a parameter name or value holds a control character, then it is refused', () => {
    expect(hostileQueryReason({ orderId: 'a\u0000' })).toMatch(/control characters/);
    expect(hostileQueryReason({ 'order\u0001Id': 'a' })).toMatch(/control characters/);
  });
});
