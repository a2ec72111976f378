import { spawn, SpawnOptions } from 'node:child_process';

export interface CommandResult {
  code: number | null;
  output: string;
}

/** Runs a program to completion, capturing stdout and stderr together. */
export function runCommand(command: string, args: string[], options: SpawnOptions = {}): Promise<CommandResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, output }));
  });
}

/** Thrown by a `waitFor` probe when waiting longer cannot help, e.g. the awaited process died. */
export class GiveUpWaiting extends Error {}

/**
 * Polls `probe` until it returns a value, or fails with the last error after `timeoutMs`; a
 * `GiveUpWaiting` from the probe fails at once.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { timeoutMs, intervalMs = 200 }: { timeoutMs: number; intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) {
        return value;
      }
    } catch (error) {
      if (error instanceof GiveUpWaiting) {
        throw error;
      }
      lastError = error;
    }
    await new Promise((done) => setTimeout(done, intervalMs));
  }
  const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
}
