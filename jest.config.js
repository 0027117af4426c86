/** Two tiers: pure unit tests (libs, apps) and e2e/integration suites against real Postgres and Redis. */
const moduleNameMapper = {
  '^@symbiose/(core|domain|engine)$': '<rootDir>/libs/$1/src',
  '^@symbiose/(core|domain|engine)/(.*)$': '<rootDir>/libs/$1/src/$2',
};
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json', diagnostics: false }],
  // A few ESM-only dependencies (of @fastify/static) must be compiled to CommonJS for jest.
  '^.+\\.js$': [
    'ts-jest',
    { tsconfig: { allowJs: true, module: 'commonjs', ignoreDeprecations: '6.0' }, diagnostics: false },
  ],
};
const transformIgnorePatterns = ['/node_modules/(?!(content-disposition|kdbush|geokdbush|tinyqueue)/)'];
module.exports = {
  projects: [
    {
      displayName: 'unit',
      rootDir: __dirname,
      testEnvironment: 'node',
      testMatch: [
        '<rootDir>/libs/**/*.spec.ts',
        '<rootDir>/apps/**/*.spec.ts',
        '<rootDir>/bench/**/*.spec.ts',
      ],
      moduleNameMapper,
      transform,
      transformIgnorePatterns,
      setupFilesAfterEnv: ['<rootDir>/test/setup/fast-check-seed.ts'],
    },
    {
      displayName: 'e2e',
      rootDir: __dirname,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/setup/global-setup.ts',
      moduleNameMapper,
      transform,
      transformIgnorePatterns,
      setupFilesAfterEnv: ['<rootDir>/test/setup/e2e-timeout.ts', '<rootDir>/test/setup/fast-check-seed.ts'],
    },
  ],
};
