import { canonicalJson, requestFingerprint } from './request-fingerprint';

describe('requestFingerprint', () => {
  it('when two bodies differ only in key order, then their fingerprints match', () => {
    expect(requestFingerprint('post', '/orders', { b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe(
      requestFingerprint('POST', '/orders', { a: { c: null, d: [1, { x: 1, y: 2 }] }, b: 1 }),
    );
  });

  it('when the body, path or method differ, then the fingerprints differ', () => {
    const base = requestFingerprint('POST', '/orders', { a: 1 });
    expect(requestFingerprint('POST', '/orders', { a: 2 })).not.toBe(base);
    expect(requestFingerprint('POST', '/carts', { a: 1 })).not.toBe(base);
    expect(requestFingerprint('PUT', '/orders', { a: 1 })).not.toBe(base);
  });

  it('when arrays are reordered, then order matters', () => {
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });
});
