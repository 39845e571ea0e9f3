/// <reference lib="webworker" />
/**
 * The import worker: only registers the service. Its logic is ImportService (import-service.ts), which tests
 * construct directly; the page reaches it through import-client.ts.
 */
import * as Comlink from 'comlink';
import { ImportService } from './import-service.ts';

Comlink.expose(new ImportService());
