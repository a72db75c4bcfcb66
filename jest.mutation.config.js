// The unit tests alone, for Stryker (npm run test:mutation): dependency-cruiser's test reads the real tree, not mutants.
import { unit } from './jest.config.js';

export default { ...unit, testTimeout: 60_000, testMatch: ['<rootDir>/test/unit/**/*.spec.ts'] };
