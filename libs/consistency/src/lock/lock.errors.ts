export class LockAcquireFailedError extends Error {
  override readonly name = 'LockAcquireFailedError';
}

export class InvalidLockRequestError extends Error {
  override readonly name = 'InvalidLockRequestError';
}

export class StaleFencingTokenError extends Error {
  override readonly name = 'StaleFencingTokenError';
}
