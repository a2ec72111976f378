const CONTROL_CHARACTER = /\p{Cc}/u;

// Keys that reach object prototypes when copied naively; no body here needs them.
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Why a parsed JSON value must be refused, or undefined when it is acceptable: nesting deeper than
 * `maxDepth`, a control character (NUL included) in any string or object key, or a key such as
 * `__proto__` (which validation whitelists would take for a declared property). Walks iteratively,
 * so a value nested thousands deep is refused instead of overflowing the stack, here or later in
 * validation.
 */
export function hostileJsonReason(value: unknown, maxDepth: number): string | undefined {
  const pending: Array<{ node: unknown; depth: number }> = [{ node: value, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { node, depth } = next;
    if (typeof node === 'string') {
      if (CONTROL_CHARACTER.test(node)) {
        return 'strings must not contain control characters';
      }
    } else if (node !== null && typeof node === 'object') {
      if (depth >= maxDepth) {
        return `the body is nested deeper than ${maxDepth} levels`;
      }
      for (const [key, child] of Object.entries(node)) {
        if (CONTROL_CHARACTER.test(key)) {
          return 'keys must not contain control characters';
        }
        if (PROTOTYPE_KEYS.has(key)) {
          return `the key ${JSON.stringify(key)} is not accepted`;
        }
        pending.push({ node: child, depth: depth + 1 });
      }
    }
  }
  return undefined;
}

/** Why a parsed query string must be refused: a parameter given twice, or a control character in it. */
export function hostileQueryReason(query: Record<string, unknown>): string | undefined {
  for (const [name, value] of Object.entries(query)) {
    if (typeof value !== 'string') {
      return `the query parameter ${JSON.stringify(name.slice(0, 64))} must be given once`;
    }
    if (CONTROL_CHARACTER.test(name) || CONTROL_CHARACTER.test(value)) {
      return 'query parameters must not contain control characters';
    }
  }
  return undefined;
}
