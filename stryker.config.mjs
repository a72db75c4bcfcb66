// Mutation testing (npm run test:mutation): not part of npm test (see the README's Tests section for the time).
// Scope (issue 14): every domain folder and the usage and moderation services. Left out: the screening worker-thread
// entry (src/moderation/service/screening.worker.ts), which piscina loads in a worker thread that jest never runs.
export default {
  testRunner: 'jest',
  testRunnerNodeArgs: ['--experimental-vm-modules'],
  // findRelatedTests: each mutant runs only the spec files that import its file (directly or not), not all 33; with
  // every spec file loaded (ESM mode, NestJS included) a mutant cost about 10 s, now about 0.5 s.
  jest: { projectType: 'custom', configFile: 'jest.mutation.config.js', enableFindRelatedTests: true },
  coverageAnalysis: 'perTest',
  mutate: [
    'src/*/domain/**/*.ts',
    'src/usage/service/**/*.ts',
    'src/moderation/service/**/*.ts',
    '!src/moderation/service/screening.worker.ts',
  ],
  ignorePatterns: ['dist', '.gus-data', 'bench', 'reports', '.stryker-tmp'],
  concurrency: 2,
  timeoutMS: 20_000,
  // Static mutants (module-level constants) would rerun every related test each.
  ignoreStatic: true,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 80, low: 60, break: null },
};
