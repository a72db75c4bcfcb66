import { jest } from '@jest/globals';

// e2e suites run real processes on a shared 2-core machine: one retry absorbs a scheduling hiccup,
// and the first failure is still printed, so a real fault shows up as a failure twice.
jest.retryTimes(1, { logErrorsBeforeRetry: true });
