// The tests Stryker judges mutants with (npm run test:mutation): the unit tests, and the component tests that call the
// services directly on the real Redis (test/e2e/redis-*.e2e-spec.ts; they start no gus, whose e2e tests run the built
// dist/ and so cannot see a mutant). dependency-cruiser's test reads the real tree, not mutants.
// Left out: the injection detector's timing test (instrumented code is slower, and a time bound cannot judge a mutant),
// and the corpus floors (injection-corpus, injection-evaluation: they measure the whole detector; instrumented, a
// corpus pass takes ~15-30 s per mutant). Each rule is judged by the behavioural specs.
import { unit } from './jest.config.js';

export default {
  ...unit,
  testTimeout: 60_000,
  testMatch: ['<rootDir>/test/unit/**/*.spec.ts', '<rootDir>/test/e2e/redis-*.e2e-spec.ts'],
  testPathIgnorePatterns: [
    '/node_modules/',
    '<rootDir>/test/unit/moderation/injection-linear-time\\.spec\\.ts$',
    '<rootDir>/test/unit/moderation/injection-evaluation\\.spec\\.ts$',
    '<rootDir>/test/unit/moderation/injection-corpus\\.spec\\.ts$',
  ],
};
