/// <reference lib="webworker" />
/**
 * The embedding worker: only registers the service. Its logic is EmbeddingService (embedding-service.ts),
 * which tests construct directly; the page reaches it through comlink (client.ts).
 */
import * as Comlink from 'comlink';
import { EmbeddingService } from './embedding-service.ts';

Comlink.expose(new EmbeddingService());
