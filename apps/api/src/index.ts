export { createApp } from './app';
export { type Env, loadEnv } from './env';
export { isSameOrigin } from './origin-check';
export { type RunningApi, startApi } from './server';
