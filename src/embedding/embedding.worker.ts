/// <reference lib="webworker" />
/**
 * The embedding worker: only registers the service. Its logic is EmbeddingService (embedding-service.ts),
 * which tests construct directly; the page reaches it through spawnService (client.ts).
 */
import { exposeService } from '../base/worker-rpc.ts';
import { EmbeddingService } from './embedding-service.ts';

exposeService(new EmbeddingService());
