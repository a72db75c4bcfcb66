// The unit tests alone, for Stryker (npm run test:mutation): dependency-cruiser's test reads the real tree, not mutants.
// The injection detector's timing test is left out: instrumented code is slower, and a time bound cannot judge a mutant.
import { unit } from './jest.config.js';

export default {
  ...unit,
  testTimeout: 60_000,
  testMatch: ['<rootDir>/test/unit/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/unit/moderation/injection-linear-time\\.spec\\.ts$'],
};
