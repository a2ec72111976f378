import { PoisonMessageError } from './poison-message.error';
import { GiveUp, withRetries } from './retry';

const options = { maxAttempts: 3, baseMs: 1, maxMs: 2 };

/** An attempt that fails with the given errors in turn, then succeeds; it records the attempt numbers it saw. */
function attempts(...errors: Error[]) {
  const seen: number[] = [];
  const attempt = (n: number) => {
    seen.push(n);
    return n <= errors.length ? Promise.reject(errors[n - 1]) : Promise.resolve(`done at ${n}`);
  };
  return { seen, attempt };
}

const giveUp = (failure: GiveUp) => Promise.resolve(failure);

describe('withRetries', () => {
  it('when an attempt fails and the next succeeds, then the result is the success, after one backoff', async () => {
    const { seen, attempt } = attempts(new Error('deadlock detected'));
    const backoffs: Array<[number, number]> = [];
    const result = await withRetries<unknown>(
      { attempt, giveUp, retrying: (_error, n, delay) => backoffs.push([n, delay]) },
      options,
    );
    expect(result).toBe('done at 2');
    expect(seen).toEqual([1, 2]);
    expect(backoffs).toHaveLength(1);
    expect(backoffs[0][0]).toBe(1);
    expect(backoffs[0][1]).toBeGreaterThanOrEqual(1);
  });

  it('when every attempt fails, then it gives up as retries-exhausted after maxAttempts with the last error', async () => {
    const last = new Error('third');
    const { seen, attempt } = attempts(new Error('first'), new Error('second'), last, new Error('never reached'));
    await expect(withRetries<unknown>({ attempt, giveUp }, options)).resolves.toEqual({
      reason: 'retries-exhausted',
      error: last,
      attempts: 3,
    });
    expect(seen).toEqual([1, 2, 3]);
  });

  it('when an attempt fails permanently, then it gives up as poison at once', async () => {
    const poison = new PoisonMessageError('no such order');
    const { seen, attempt } = attempts(new Error('transient'), poison);
    await expect(withRetries<unknown>({ attempt, giveUp }, options)).resolves.toEqual({
      reason: 'poison',
      error: poison,
      attempts: 2,
    });
    expect(seen).toEqual([1, 2]);
  });

  it('when attempt 1 already failed elsewhere, then it is counted, not run again, and the next attempt is number 2', async () => {
    const { seen, attempt } = attempts();
    const result = await withRetries<unknown>(
      { attempt, giveUp, failedFirst: { error: new Error('the batch rolled back') } },
      options,
    );
    expect(result).toBe('done at 2');
    expect(seen).toEqual([2]);
  });

  it('when attempt 1 failed elsewhere permanently, then it gives up as poison without running anything', async () => {
    const { seen, attempt } = attempts();
    const poison = new PoisonMessageError('bad payload');
    await expect(withRetries<unknown>({ attempt, giveUp, failedFirst: { error: poison } }, options)).resolves.toEqual({
      reason: 'poison',
      error: poison,
      attempts: 1,
    });
    expect(seen).toEqual([]);
  });
});
