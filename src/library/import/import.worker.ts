/// <reference lib="webworker" />
/**
 * The import worker: only registers the service. Its logic is ImportService (import-service.ts), which tests
 * construct directly; the page reaches it through import-client.ts.
 */
import { exposeService } from '../../base/worker-rpc.ts';
import { ImportService } from './import-service.ts';

exposeService(new ImportService());
