#!/usr/bin/env node
// The command-line tool runs the TypeScript sources directly, as `npm start` does: tsx compiles them on load.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
