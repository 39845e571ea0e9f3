import { describe, expect, it } from 'vitest';
import { broadcastLibraryEvents, type LibraryEvent } from '../../../src/app/services/library-events.ts';

describe('library events between tabs', () => {
  it('a deletion posted in one tab reaches the others (not itself); unsubscribed tabs hear nothing', async () => {
    const name = `events-${Math.random()}`;
    const [one, two] = [broadcastLibraryEvents(name), broadcastLibraryEvents(name)];
    const heard: { one: LibraryEvent[]; two: LibraryEvent[] } = { one: [], two: [] };
    const stopOne = one.listen((event) => heard.one.push(event));
    const stopTwo = two.listen((event) => heard.two.push(event));
    let stopWaiting = () => {};
    const arrived = new Promise<void>((resolve) => (stopWaiting = two.listen(() => resolve())));
    one.post({ kind: 'deleted', id: 'lib-1', name: 'mine' });
    await arrived;
    expect(heard.two).toEqual([{ kind: 'deleted', id: 'lib-1', name: 'mine' }]);
    expect(heard.one).toEqual([]);
    stopOne();
    stopTwo();
    stopWaiting();
  });
});
