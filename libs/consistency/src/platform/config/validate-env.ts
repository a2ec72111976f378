import { CleanedEnv, cleanEnv, EnvError, makeValidator } from 'envalid';
import { ConfigurationError } from './configuration-error';

/** Parses `host:port[,host:port…]`, the form kafkajs and the Kafka CLI take. */
export function parseBrokerList(input: string): string[] {
  const brokers = input
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker.length > 0);
  const malformed = brokers.filter((broker) => !/^[^\s:]+:\d{1,5}$/.test(broker));
  if (brokers.length === 0 || malformed.length > 0) {
    throw new EnvError(`expected a comma-separated list of host:port, got "${input}"`);
  }
  return brokers;
}

export const brokerList = makeValidator<string[]>(parseBrokerList);

/** A comma-separated list of non-empty items, trimmed and upper-cased (country codes and the like). */
export const codeList = makeValidator<string[]>((input: string) => {
  const codes = input
    .split(',')
    .map((code) => code.trim().toUpperCase())
    .filter((code) => code.length > 0);
  if (codes.length === 0) {
    throw new EnvError('expected a comma-separated list with at least one item');
  }
  return codes;
});

/** A whole number of at least 1. */
export const positiveInt = makeValidator<number>((input: string) => {
  const value = Number(input);
  if (!Number.isInteger(value) || value < 1) {
    throw new EnvError(`expected a positive integer, got "${input}"`);
  }
  return value;
});

/** A finite number of at least 0 (hours may be fractional). */
export const nonNegativeNumber = makeValidator<number>((input: string) => {
  const value = Number(input);
  if (input.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new EnvError(`expected a number of at least 0, got "${input}"`);
  }
  return value;
});

/**
 * Validates `env` against envalid specs and throws one ConfigurationError naming every bad
 * variable, instead of envalid's default of printing and exiting from inside a library.
 */
export function validateEnv<S extends object>(specs: S, env: NodeJS.ProcessEnv = process.env): CleanedEnv<S> {
  return cleanEnv(env, specs, {
    reporter: ({ errors }) => {
      const problems = Object.entries(errors).map(([name, error]) =>
        error instanceof Error && error.name === 'EnvMissingError'
          ? `${name} is required but not set`
          : `${name} is invalid: ${withoutSecrets(name, error instanceof Error ? error.message : String(error), env[name])}`,
      );
      if (problems.length > 0) {
        throw new ConfigurationError(`Invalid configuration: ${problems.join('; ')}`);
      }
    },
  });
}

/**
 * Validators quote the value they reject; a configuration error must not carry a secret into logs,
 * so URL credentials are masked and secret-named variables are never quoted at all.
 */
function withoutSecrets(name: string, message: string, value: string | undefined): string {
  if (/SECRET|PASSWORD|TOKEN|PRIVATE/i.test(name) && value && message.includes(value)) {
    return 'the value is malformed (not shown: it is a secret)';
  }
  return message.replace(/(\/\/[^/\s:@]*:)[^@\s]*@/g, '$1***@');
}
