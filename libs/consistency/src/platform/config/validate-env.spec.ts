import { port, str } from 'envalid';
import { ConfigurationError } from './configuration-error';
import { codeList, parseBrokerList, validateEnv } from './validate-env';

describe('validateEnv', () => {
  it('when every variable is valid, then it returns them parsed, with defaults filled in', () => {
    const env = validateEnv({ PORT: port({ default: 3001 }), NAME: str() }, { NAME: 'order' });
    expect(env).toMatchObject({ PORT: 3001, NAME: 'order' });
  });

  it('when variables are missing or malformed, then one error names each of them', () => {
    const attempt = () => validateEnv({ PORT: port(), NAME: str() }, { PORT: 'eighty' });
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).toThrow(/PORT is invalid: .*; NAME is required but not set/);
  });
});

describe('parseBrokerList', () => {
  it('when given host:port pairs with spaces, then it trims them', () => {
    expect(parseBrokerList(' a:9092, b:9093 ,')).toEqual(['a:9092', 'b:9093']);
  });

  it.each(['', 'localhost', 'a:9092,b', 'a:port'])('when given "%s", then it is rejected', (input) => {
    expect(() => parseBrokerList(input)).toThrow(/host:port/);
  });
});

describe('codeList', () => {
  it('when given lower-case codes, then they are upper-cased', () => {
    const env = validateEnv({ CODES: codeList() }, { CODES: 'de, fr,gb' });
    expect(env.CODES).toEqual(['DE', 'FR', 'GB']);
  });
});
