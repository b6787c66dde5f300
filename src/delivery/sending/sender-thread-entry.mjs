// The sender thread's entry. Worker threads do not get the tsx loader that the main thread was started with
// (`--import tsx` registers its hooks for the main thread only), so it is registered here before the
// thread's TypeScript is loaded.
import { register } from 'tsx/esm/api';

register();
await import('./sender-thread.ts');
