import { MAX_WAIT_MS, parseWaitDuration } from './wait-duration';

describe('parseWaitDuration', () => {
  it.each([
    ['5s', 5000],
    ['500ms', 500],
    ['0s', 0],
    ['0ms', 0],
    ['30s', MAX_WAIT_MS],
    ['30000ms', MAX_WAIT_MS],
    ['007s', 7000],
  ])('when the wait is %s, then it is %i ms', (text, ms) => {
    expect(parseWaitDuration(text)).toBe(ms);
  });

  it.each([
    '5',
    '5m',
    '5S',
    '1.5s',
    '-1s',
    '+1s',
    ' 5s',
    '5s ',
    '5 s',
    '',
    's',
    'ms',
    '31s',
    '30001ms',
    '99999s',
    '123456s',
    '1e3ms',
    '0x10s',
    '５s',
  ])('when the wait is %j, then it is refused', (text) => {
    expect(parseWaitDuration(text)).toBeUndefined();
  });
});
