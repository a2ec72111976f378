import { PoisonMessageError } from './poison-message.error';
import { upcast } from './upcasting';

const registry = {
  'thing.made': {
    1: (payload: unknown) => ({ ...(payload as object), unit: 'pieces' }),
    2: (payload: unknown) => ({ ...(payload as object), origin: 'legacy' }),
  },
};

describe('upcast', () => {
  it('when the version is accepted, then the event is returned unchanged', () => {
    const event = { type: 'thing.made', version: 2, payload: { n: 1 } };
    expect(upcast(event, [2], registry)).toBe(event);
  });

  it('when two steps are needed, then both upcasters apply in order', () => {
    expect(upcast({ type: 'thing.made', version: 1, payload: { n: 1 } }, [3], registry)).toEqual({
      type: 'thing.made',
      version: 3,
      payload: { n: 1, unit: 'pieces', origin: 'legacy' },
    });
  });

  it('when the version is newer than any accepted one, then it is poison', () => {
    expect(() => upcast({ type: 'thing.made', version: 4, payload: {} }, [3], registry)).toThrow(PoisonMessageError);
  });

  it('when no upcaster exists for the version, then it is poison naming what the handler accepts', () => {
    expect(() => upcast({ type: 'other.thing', version: 1, payload: {} }, [2], registry)).toThrow(
      'other.thing version 1 is not accepted (accepts 2) and no upcaster leads there',
    );
  });
});
