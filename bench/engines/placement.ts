// Proves that onnxruntime's WebGPU execution provider really runs a model, from the node
// placement report ORT logs at session creation (verbose level, session_state.cc
// VerifyEachNodeIsAssignedToAnEp). ORT always keeps shape arithmetic on the CPU provider (Shape,
// and int64 ops on shapes such as the Concat that builds the causal mask's [T, T]); that is
// metadata work, not inference. Anything else on the CPU — a MatMul, a Softmax, any op reading
// activations — is a silent fallback, and so is a placement that cannot be checked.
import type { OnnxNodeList } from './onnx-nodes.ts';

export const webGpuProvider = 'WebGpuExecutionProvider';
const cpuProvider = 'CPUExecutionProvider';

export interface PlacedNode {
  readonly opType: string;
  readonly name: string;
}

/** Provider name → the nodes ORT placed on it. */
export type Placement = ReadonlyMap<string, readonly PlacedNode[]>;

export interface PlacementSummary {
  readonly webGpuNodes: number;
  /** Shape-arithmetic nodes ORT kept on the CPU, e.g. ["Shape", "Concat"]. */
  readonly cpuShapeOps: readonly string[];
}

const ansi = /\x1b\[[0-9;]*m/g;
const reportStart = /VerifyEachNodeIsAssignedToAnEp\] Node placements/;
const providerLine = /VerifyEachNodeIsAssignedToAnEp\]\s+Node\(s\) placed on \[(\w+)\]/;
const allOnLine = /VerifyEachNodeIsAssignedToAnEp\]\s+All nodes placed on \[(\w+)\]/;
const nodeLine = /VerifyEachNodeIsAssignedToAnEp\]\s{3,}(\S+) \((.*)\)\s*$/;

/** The last placement report in `lines`, or null when ORT printed none. */
export function parsePlacement(lines: readonly string[]): Placement | null {
  let placement: Map<string, PlacedNode[]> | null = null;
  let current: PlacedNode[] | null = null;
  for (const raw of lines) {
    const line = raw.replace(ansi, '');
    if (reportStart.test(line)) {
      placement = new Map();
      current = null;
      continue;
    }
    if (!placement) continue;
    const provider = providerLine.exec(line) ?? allOnLine.exec(line);
    if (provider) {
      current = [];
      placement.set(provider[1], current);
      continue;
    }
    const node = nodeLine.exec(line);
    if (node && current) current.push({ opType: node[1], name: node[2] });
  }
  return placement;
}

/**
 * Checks the placement against the model; returns what ran where, or the reasons it is not a
 * WebGPU run (an empty `problems` list means verified).
 */
export function checkPlacement(
  placement: Placement,
  model: OnnxNodeList,
): { summary: PlacementSummary; problems: string[] } {
  const problems: string[] = [];
  const webGpuNodes = placement.get(webGpuProvider)?.length ?? 0;
  if (webGpuNodes === 0) problems.push(`no node was placed on ${webGpuProvider}`);
  for (const provider of placement.keys()) {
    if (provider !== webGpuProvider && provider !== cpuProvider)
      problems.push(`nodes were placed on an unexpected provider ${provider}`);
  }
  const shapeValues = shapeOnlyValues(model);
  const byName = new Map(model.nodes.map((n) => [n.name, n]));
  const cpuShapeOps: string[] = [];
  for (const placed of placement.get(cpuProvider) ?? []) {
    const node = byName.get(placed.name);
    if (!node) {
      problems.push(
        `${placed.opType} (${placed.name}) runs on the CPU and is not a node of the exported model`,
      );
    } else if (
      node.opType !== 'Shape' &&
      !node.inputs.every((i) => i === '' || shapeValues.has(i))
    ) {
      problems.push(`${placed.opType} (${placed.name}) reads tensor data and runs on the CPU`);
    } else {
      cpuShapeOps.push(placed.opType);
    }
  }
  for (const placed of placement.get(webGpuProvider) ?? []) {
    if (placed.opType === 'MemcpyToHost')
      problems.push(`ORT copies a tensor back to the host mid-graph (${placed.name})`);
  }
  return { summary: { webGpuNodes, cpuShapeOps }, problems };
}

/** Values computed from tensor shapes and int64 constants alone (never from tensor data). */
function shapeOnlyValues(model: OnnxNodeList): Set<string> {
  const values = new Set(model.int64Initializers);
  for (const node of model.nodes) {
    const fromShapes =
      node.opType === 'Shape' ||
      node.opType === 'Constant' ||
      (node.inputs.length > 0 && node.inputs.every((i) => i === '' || values.has(i)));
    if (fromShapes) for (const o of node.outputs) values.add(o);
  }
  return values;
}
