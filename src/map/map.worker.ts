/// <reference lib="webworker" />
/**
 * The map worker: only registers the service. Its logic is MapService (map-service.ts), which tests construct
 * directly; the page reaches it through comlink (map-client.ts).
 */
import * as Comlink from 'comlink';
import { MapService } from './map-service.ts';

Comlink.expose(new MapService());
