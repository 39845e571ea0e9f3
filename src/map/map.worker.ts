/// <reference lib="webworker" />
/**
 * The map worker: only registers the service. Its logic is MapService (map-service.ts), which tests construct
 * directly; the page reaches it through spawnService (map-client.ts).
 */
import { exposeService } from '../base/worker-rpc.ts';
import { MapService } from './map-service.ts';

exposeService(new MapService());
