import { describe, expect, it } from 'vitest';
import { computeMap, MapService } from '../../src/map/map-service.ts';
import { projectPoints } from '../../src/map/projection.ts';
import { resolveParams } from '../../src/map/params.ts';
import type { MapProgress } from '../../src/map/types.ts';
import { topicRows, topicTexts } from './map-fixtures.ts';

const FAST = { epochs: 60 };

/** Share of points whose nearest other point on the map belongs to the same topic. */
function neighbourAgreement(points: Float32Array, group: number[]): number {
  let agree = 0;
  for (let i = 0; i < group.length; i++) {
    let best = -1, bestDistance = Infinity;
    for (let j = 0; j < group.length; j++) {
      if (j === i) continue;
      const d = (points[i * 2] - points[j * 2]) ** 2 + (points[i * 2 + 1] - points[j * 2 + 1]) ** 2;
      if (d < bestDistance) [best, bestDistance] = [j, d];
    }
    if (group[best] === group[i]) agree++;
  }
  return agree / group.length;
}

describe('projectPoints', () => {
  it('keeps topics apart when UMAP lays out every point', () => {
    const { rows, group } = topicRows(200, 4);
    const { points, sampled } = projectPoints(rows, resolveParams({ ...FAST, sampleSize: 500 }));
    expect(sampled).toBe(200);
    expect(neighbourAgreement(points, group)).toBeGreaterThan(0.95);
  });

  it('places the papers outside the UMAP sample among their topic', () => {
    const { rows, group } = topicRows(900, 5);
    const { points, sampled } = projectPoints(rows, resolveParams({ ...FAST, sampleSize: 150 }));
    expect(sampled).toBe(150);
    expect(neighbourAgreement(points, group)).toBeGreaterThan(0.95);
  });

  it('scales the map into [-1, 1] with the longer side spanning it', () => {
    const { rows } = topicRows(300, 3);
    const { points } = projectPoints(rows, resolveParams({ ...FAST, sampleSize: 100 }));
    const xs = points.filter((_, i) => i % 2 === 0), ys = points.filter((_, i) => i % 2 === 1);
    for (const v of points) expect(Math.abs(v)).toBeLessThanOrEqual(1 + 1e-6);
    const spans = [Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys)];
    expect(Math.max(...spans)).toBeCloseTo(2, 5);
  });

  it('is deterministic for a seed and differs for another', () => {
    const { rows } = topicRows(300, 3);
    const params = resolveParams({ ...FAST, sampleSize: 100 });
    const a = projectPoints(rows, params).points;
    const b = projectPoints(rows, params).points;
    const c = projectPoints(rows, { ...params, seed: params.seed + 1 }).points;
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(Array.from(c)).not.toEqual(Array.from(a));
  });

  it('handles libraries too small for UMAP without NaN', () => {
    for (const count of [0, 1, 2, 5]) {
      const { rows } = topicRows(count, 2);
      const { points } = projectPoints(rows, resolveParams(FAST));
      expect(points.length).toBe(count * 2);
      expect(points.every(Number.isFinite)).toBe(true);
    }
  });

  it('reports progress through every phase, ending complete', () => {
    const { rows } = topicRows(400, 3);
    const seen: MapProgress[] = [];
    projectPoints(rows, resolveParams({ ...FAST, sampleSize: 100 }), (p) => seen.push(p));
    const phases = [...new Set(seen.map((p) => p.phase))];
    expect(phases).toEqual(['reducing', 'neighbours', 'layout', 'placing']);
    for (const phase of ['neighbours', 'layout', 'placing']) {
      const last = seen.filter((p) => p.phase === phase).at(-1)!;
      expect(last.done).toBe(last.total);
    }
  });
});

describe('MapService.build', () => {
  it('returns points, clusters that follow the topics, and their keywords', async () => {
    const { rows, group } = topicRows(300, 3);
    const outcome = await new MapService().build({ rows, texts: topicTexts(group), params: { ...FAST, sampleSize: 120, clusters: 3 } });
    if (!outcome.ok) throw new Error(outcome.detail);
    const { layout } = outcome;
    expect(layout.count).toBe(300);
    expect(layout.clusters.map((c) => c.size).reduce((a, b) => a + b)).toBe(300);
    // Each cluster is one topic, and is labelled by that topic's words.
    for (const cluster of layout.clusters) {
      const topics = new Set(group.filter((_, i) => layout.clusterOf[i] === cluster.id));
      expect(topics.size).toBe(1);
      const topic = ['protein folding', 'galaxy formation', 'speech recognition'][[...topics][0]];
      expect(cluster.keywords[0]).toBe(topic);
      // The label sits on one of the cluster's own points.
      const onMember = group.some((_, i) => layout.clusterOf[i] === cluster.id && layout.points[i * 2] === cluster.x && layout.points[i * 2 + 1] === cluster.y);
      expect(onMember).toBe(true);
    }
    expect(layout.stats.sampled).toBe(120);
  });

  it('answers inconsistent input with the bad-input code', async () => {
    const { rows, group } = topicRows(30, 2);
    const service = new MapService();
    const fewerTexts = await service.build({ rows, texts: topicTexts(group).slice(1) });
    expect(fewerTexts).toMatchObject({ ok: false, code: 'bad-input' });
    const badParam = await service.build({ rows, texts: topicTexts(group), params: { pcaDims: 0 } });
    expect(badParam).toMatchObject({ ok: false, code: 'bad-input' });
    expect(badParam.ok ? '' : badParam.detail).toContain('pcaDims');
    const tornRows = await service.build({ rows: { ...rows, data: rows.data.subarray(1) }, texts: topicTexts(group) });
    expect(tornRows).toMatchObject({ ok: false, code: 'bad-input' });
    const strayRow = await service.build({ rows, texts: ['a text'], textRows: Int32Array.from([30]) });
    expect(strayRow).toMatchObject({ ok: false, code: 'bad-input' });
    const textsForRows = await service.build({ rows, texts: ['a', 'b'], textRows: Int32Array.from([0]) });
    expect(textsForRows).toMatchObject({ ok: false, code: 'bad-input' });
  });

  it('counts keywords in a sample when asked to, and still labels every cluster', () => {
    const { rows, group } = topicRows(300, 3);
    const layout = computeMap({ rows, texts: topicTexts(group), params: { ...FAST, sampleSize: 120, clusters: 3, keywordDocs: 60 } });
    for (const cluster of layout.clusters) expect(cluster.keywords.length).toBeGreaterThan(0);
  });
});
