// Public API of rl (dist/src/index.js).
export * from './backend/select.js';
