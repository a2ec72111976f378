import type { Config } from 'jest';

const transform: Config['transform'] = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  // jose ships ES modules only; Jest's CommonJS runtime needs them compiled.
  '/node_modules/jose/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs' } }],
};

const transformIgnorePatterns = ['/node_modules/(?!jose/)'];

const moduleNameMapper: Config['moduleNameMapper'] = {
  '^@app/consistency(|/.*)$': '<rootDir>/libs/consistency/src$1',
  '^@app/contracts(|/.*)$': '<rootDir>/libs/contracts/src$1',
  '^@app/carrier-simulator(|/.*)$': '<rootDir>/libs/carrier-simulator/src$1',
  '^@app/ops$': '<rootDir>/libs/ops/src',
};

const config: Config = {
  // Integration suites share one broker, the service databases and a few fixed ports: one at a time.
  maxWorkers: 1,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/scripts'],
      testMatch: ['**/*.spec.ts'],
      transform,
      transformIgnorePatterns,
      moduleNameMapper,
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.spec.ts'],
      transform,
      transformIgnorePatterns,
      moduleNameMapper,
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/timeouts.ts'],
    },
  ],
};

export default config;
