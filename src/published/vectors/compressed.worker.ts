/// <reference lib="webworker" />
/**
 * The compressed-index worker: only registers the service. Its logic is CompressedSearchService
 * (compressed-service.ts), which tests construct directly; the page reaches it through comlink
 * (compressed-client.ts). A worker because the int8 rows are read through OPFS sync access handles.
 */
import { exposeService } from '../../base/worker-rpc.ts';
import { CompressedSearchService } from './compressed-service.ts';

exposeService(new CompressedSearchService());
