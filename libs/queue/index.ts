export * from './job-queue.js';
export * from './queue.module.js';
export * from './redis.js';
