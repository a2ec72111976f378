/**
 * One line describing anything thrown: `Name: message` for errors, the message of error-shaped
 * objects (what Nest's RPC layer produces), JSON otherwise.
 */
export function errorText(error: unknown): string {
  if (error instanceof Error) {
    return `${error.name}: ${error.message}`;
  }
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : (JSON.stringify(error) ?? String(error));
}
