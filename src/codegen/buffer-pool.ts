// Activation buffers by liveness: an intermediate's buffer goes back to a pool once the last
// node reading it has been lowered, and a later intermediate takes a pooled buffer instead of
// a new one. Dispatches run in node order (one compute pass; WebGPU orders storage accesses
// between dispatches), so once every reader of a value has dispatched its buffer is dead.
//
// A column slice may be a view into its source's buffer, so a source lives as long as its
// slices' readers. Choice of buffer: the smallest pooled one that is large enough; failing
// that, the largest pooled one, grown (all activation sizes are perT·T, so "large enough"
// holds for every T at once); failing that, a new one. Graph outputs and the token input are
// never pooled (they are read after the forward pass / written before it).
import { inputsOf, type Graph, type NodeId } from '../ir/graph.ts';
import type { BufferSpec } from './plan-types.ts';

export class BufferPool {
  private readonly lastUse: number[];
  private readonly live: { owner: NodeId; buffers: number[] }[] = [];
  private readonly free: number[] = [];

  constructor(
    graph: Graph,
    private readonly buffers: BufferSpec[],
    readonly enabled: boolean,
  ) {
    this.lastUse = lastReaders(graph);
  }

  /** A pooled buffer of at least `perT`·T bytes for `owner`'s value, or null for a new one. */
  take(owner: NodeId, perT: number, label: string): number | null {
    if (!this.enabled) return null;
    this.release(owner);
    const fits = this.free.filter((b) => this.buffers[b].bytes.perT >= perT);
    const pick = fits.length
      ? fits.reduce((a, b) => (this.buffers[b].bytes.perT < this.buffers[a].bytes.perT ? b : a))
      : this.free.reduce<number | null>(
          (a, b) => (a === null || this.buffers[b].bytes.perT > this.buffers[a].bytes.perT ? b : a),
          null,
        );
    if (pick === null) return null;
    this.free.splice(this.free.indexOf(pick), 1);
    const spec = this.buffers[pick];
    this.buffers[pick] = {
      ...spec,
      label:
        spec.label.length < 60 ? `${spec.label}, ${label}` : spec.label.replace(/(, …)?$/, ', …'),
      bytes: { perT: Math.max(spec.bytes.perT, perT), fixed: 0 },
    };
    return pick;
  }

  /** Records that `owner`'s value lives in `buffers` until its last reader. */
  hold(owner: NodeId, buffers: number[]): void {
    if (this.enabled) this.live.push({ owner, buffers });
  }

  /** Returns to the pool every buffer whose owner's readers all precede node `at`. */
  private release(at: NodeId): void {
    for (let i = this.live.length - 1; i >= 0; i--) {
      if (this.lastUse[this.live[i].owner] < at) {
        this.free.push(...this.live[i].buffers);
        this.live.splice(i, 1);
      }
    }
  }
}

/** The last node reading each value (Infinity for outputs); a slice extends its source's life. */
export function lastReaders(graph: Graph): number[] {
  const last = graph.nodes.map((n) => n.id);
  for (const node of graph.nodes)
    for (const input of inputsOf(node)) last[input] = Math.max(last[input], node.id);
  for (const output of graph.outputs) last[output.node] = Infinity;
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i];
    if (node.op === 'slice') last[node.x] = Math.max(last[node.x], last[node.id]);
  }
  return last;
}
