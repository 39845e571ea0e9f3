/**
 * What one tab tells the others about the libraries they share (IndexedDB is per origin, so every tab of the
 * site sees the same libraries): a library deleted here must stop being embedded, searched or shown there.
 */
export type LibraryEvent = { kind: 'deleted'; id: string; name: string };

export interface LibraryEvents {
  post(event: LibraryEvent): void;
  /** Calls `onEvent` for events posted by other tabs (never for this tab's own); returns the unsubscribe. */
  listen(onEvent: (event: LibraryEvent) => void): () => void;
}

export const LIBRARY_CHANNEL = 'paper-search-libraries';

function isLibraryEvent(data: unknown): data is LibraryEvent {
  const event = data as Partial<LibraryEvent> | null;
  return event?.kind === 'deleted' && typeof event.id === 'string' && typeof event.name === 'string';
}

/** Events over a BroadcastChannel; without one (very old browsers) each tab is on its own, as before. */
export function broadcastLibraryEvents(name = LIBRARY_CHANNEL): LibraryEvents {
  if (typeof BroadcastChannel === 'undefined') return { post: () => {}, listen: () => () => {} };
  const channel = new BroadcastChannel(name);
  const listeners = new Set<(event: LibraryEvent) => void>();
  channel.onmessage = (message: MessageEvent<unknown>) => {
    if (isLibraryEvent(message.data)) for (const listener of listeners) listener(message.data);
  };
  return {
    post: (event) => channel.postMessage(event),
    listen: (onEvent) => {
      listeners.add(onEvent);
      return () => {
        listeners.delete(onEvent);
        if (listeners.size === 0) channel.close();
      };
    },
  };
}
