// Mutation testing (npm run test:mutation): not part of npm test (about 25 minutes on two shared cores for the default scope).
export default {
  testRunner: 'jest',
  testRunnerNodeArgs: ['--experimental-vm-modules'],
  jest: { projectType: 'custom', configFile: 'jest.mutation.config.js', enableFindRelatedTests: false },
  coverageAnalysis: 'perTest',
  // The usage domain: quota and rate-limit decisions, usage events. Each mutant costs ~10 s of jest start-up in
  // ESM mode (the covering spec files load whole, NestJS included), so all of src/*/domain (1,900 mutants) and the
  // services take hours: `npm run test:mutation -- --mutate 'src/*/domain/**/*.ts'` for the whole domain.
  mutate: ['src/usage/domain/*.ts'],
  ignorePatterns: ['dist', '.gus-data', 'bench', 'reports', '.stryker-tmp'],
  concurrency: 2,
  timeoutMS: 20_000,
  // Static mutants (module-level constants) would rerun every test each: 95 % of the time for 9 % of the mutants.
  ignoreStatic: true,
  reporters: ['clear-text', 'progress', 'html'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  thresholds: { high: 80, low: 60, break: null },
};
