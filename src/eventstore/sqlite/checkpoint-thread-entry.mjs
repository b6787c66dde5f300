// The checkpoint thread's entry from the TypeScript sources (see src/threads/thread-entry.ts): worker threads
// do not get the tsx loader that the main thread was started with, so it is registered here first.
import { register } from 'tsx/esm/api';

register();
await import('./checkpoint-thread.ts');
