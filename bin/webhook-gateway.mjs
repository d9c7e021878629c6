#!/usr/bin/env node
// The gateway is TypeScript run through tsx (a runtime dependency): register its loader with the
// project's tsconfig (whatever the working directory), then load the command line.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
await import('../src/cli/main.ts');
