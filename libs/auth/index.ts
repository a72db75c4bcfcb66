export * from './principal.js';
export * from './auth.decorators.js';
