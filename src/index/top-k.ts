/**
 * Indices of the k largest scores, best first, without sorting all scores: a size-k min-heap, O(n log k).
 * Ties keep the lower index first, so rankings are deterministic.
 */
export interface Hit {
  index: number;
  score: number;
}

function worse(scores: ArrayLike<number>, a: number, b: number): boolean {
  return scores[a] < scores[b] || (scores[a] === scores[b] && a > b);
}

export function topK(scores: ArrayLike<number>, k: number, count = scores.length): Hit[] {
  count = Math.min(count, scores.length);
  // A fractional or NaN k would size the heap and the fill loop differently; k = Infinity means "all".
  const size = Math.min(Math.floor(k), count);
  if (!(size > 0)) return [];
  const heap = new Int32Array(size);
  let filled = 0;
  for (let i = 0; i < count; i++) {
    if (filled < size) {
      heap[filled] = i;
      siftUp(heap, filled++, scores);
    } else if (worse(scores, heap[0], i)) {
      heap[0] = i;
      siftDown(heap, size, scores);
    }
  }
  const hits = Array.from(heap.subarray(0, filled), (index) => ({ index, score: scores[index] }));
  return hits.sort((a, b) => b.score - a.score || a.index - b.index);
}

function siftUp(heap: Int32Array, at: number, scores: ArrayLike<number>): void {
  while (at > 0) {
    const parent = (at - 1) >> 1;
    if (!worse(scores, heap[at], heap[parent])) return;
    [heap[at], heap[parent]] = [heap[parent], heap[at]];
    at = parent;
  }
}

function siftDown(heap: Int32Array, size: number, scores: ArrayLike<number>): void {
  let at = 0;
  for (;;) {
    const left = 2 * at + 1;
    const right = left + 1;
    let smallest = at;
    if (left < size && worse(scores, heap[left], heap[smallest])) smallest = left;
    if (right < size && worse(scores, heap[right], heap[smallest])) smallest = right;
    if (smallest === at) return;
    [heap[at], heap[smallest]] = [heap[smallest], heap[at]];
    at = smallest;
  }
}
