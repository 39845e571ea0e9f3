/// <reference lib="webworker" />
/**
 * The embedding worker: only registers the service. Its logic is EmbeddingService (embedding-service.ts),
 * which tests construct directly; the page reaches it through spawnService (client.ts).
 */
import { exposeService } from '../base/worker-rpc.ts';
import { EmbeddingService } from './embedding-service.ts';

// From the worker's creation (its time origin) until its script, transformers.js included, has run.
performance.measure('worker:script', { start: 0 });
exposeService(new EmbeddingService());
