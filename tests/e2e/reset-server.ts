import { beforeAll } from 'vitest';
import { clearFaults, clearRequests } from './faults.ts';

/** Every e2e file starts against a healthy server with an empty request log, whatever the file before it left. */
beforeAll(async () => {
  await clearFaults();
  await clearRequests();
});
