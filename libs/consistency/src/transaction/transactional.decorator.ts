import { transactionHost } from './transaction-host';

type AsyncMethod = (...args: never[]) => Promise<unknown>;

/** Runs the decorated async method in one transaction (joining the caller's when there is one). */
export function Transactional(): MethodDecorator {
  return (_target, _key, descriptor: PropertyDescriptor) => {
    const original = descriptor.value as AsyncMethod;
    descriptor.value = function (this: unknown, ...args: never[]) {
      return transactionHost().run(() => original.apply(this, args));
    };
    return descriptor;
  };
}
