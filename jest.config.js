/** Jest runs TypeScript through swc (about 5x faster than ts-jest); types are checked by `tsc --noEmit`. */
module.exports = {
  // Node's, telling the browser helpers when a test fails so they report the pages' last steps.
  testEnvironment: '<rootDir>/test/support/environment.ts',
  transform: {
    '^.+\\.ts$': ['@swc/jest'],
    // jose 6 and oidc-provider 9 (the test identity provider) are ESM-only: Node 20.19 loads them
    // with require(esm), jest's module runtime does not.
    '^.+/node_modules/(jose|oidc-provider)/.+\\.js$': ['@swc/jest', { module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/|oidc-provider/)'],
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 120000,
  maxWorkers: 2,
};
