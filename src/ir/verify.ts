// The IR verifier: checks every structural guarantee the rest of the compiler relies on, and
// reports every violation at once (a broken graph is a compiler bug, so it throws an
// InvariantError). Tests run it after lowering and after every pass.
//
// Graph-wide: node ids equal their indices; inputs exist and precede their reader (topological
// order); shapes hold only 'T' and positive integers; params are unique by name; outputs name
// existing nodes under unique names. Per op, one rule (verify-rules.ts, verify-linear.ts) checks the operands' shapes,
// dtypes and attributes and recomputes the result's shape and dtype, which must match the node.
import { InvariantError } from '../diagnostics.ts';
import { inputsOf, type Graph, type Node, type NodeId, type Op, type Shape } from './graph.ts';
import { formatShape, type Rule } from './verify-checks.ts';
import { rules } from './verify-rules.ts';

export function verifyGraph(graph: Graph): void {
  const problems: string[] = [];
  if (!Number.isInteger(graph.maxSeq) || graph.maxSeq < 1) {
    problems.push(`graph: maxSeq ${graph.maxSeq} is not a positive integer`);
  }
  graph.nodes.forEach((node, index) => problems.push(...checkNode(graph, node, index)));
  problems.push(...checkParamNames(graph), ...checkOutputs(graph));
  if (problems.length > 0) {
    const list = problems.map((p) => `  - ${p}`).join('\n');
    throw new InvariantError(`IR graph \`${graph.name}\` failed verification:\n${list}`);
  }
}

function checkNode(graph: Graph, node: Node, index: number): string[] {
  const where = `%${index} (${String(node.op)})`;
  const problems: string[] = [];
  const problem = (message: string) => problems.push(`${where}: ${message}`);
  if (node.id !== index) problem(`has id ${node.id} but sits at index ${index}`);
  const rule = rules[node.op] as Rule<Op> | undefined;
  if (rule === undefined) {
    problem('unknown op');
    return problems;
  }
  if (!validShape(node.shape))
    problem(`shape ${formatShape(node.shape)} is not 'T' and positive integers`);

  let inputsOk = true;
  for (const input of inputsOf(node)) {
    if (!Number.isInteger(input) || input < 0 || input >= graph.nodes.length) {
      problem(`input %${input} does not exist`);
      inputsOk = false;
    } else if (input >= index) {
      problem(`input %${input} does not precede it (nodes must be in topological order)`);
      inputsOk = false;
    }
  }
  if (!inputsOk) return problems;

  const expected = rule(node, { graph, operand: (id) => graph.nodes[id], problem });
  if (expected !== null && formatShape(expected.shape) !== formatShape(node.shape)) {
    problem(
      `shape is ${formatShape(node.shape)}, but its operands give ${formatShape(expected.shape)}`,
    );
  }
  if (expected !== null && expected.dtype !== node.dtype) {
    problem(`dtype is ${node.dtype}, expected ${expected.dtype}`);
  }
  return problems;
}

function checkParamNames(graph: Graph): string[] {
  const seen = new Map<string, NodeId>();
  const problems: string[] = [];
  for (const node of graph.nodes) {
    if (node.op !== 'param') continue;
    const first = seen.get(node.name);
    if (first !== undefined)
      problems.push(`%${node.id} (param): name "${node.name}" already used by %${first}`);
    else seen.set(node.name, node.id);
  }
  return problems;
}

function checkOutputs(graph: Graph): string[] {
  const names = new Set<string>();
  const problems: string[] = [];
  for (const output of graph.outputs) {
    if (!Number.isInteger(output.node) || output.node < 0 || output.node >= graph.nodes.length) {
      problems.push(`output "${output.name}": node %${output.node} does not exist`);
    }
    if (names.has(output.name)) problems.push(`output "${output.name}": name used twice`);
    names.add(output.name);
  }
  return problems;
}

function validShape(shape: Shape): boolean {
  return Array.isArray(shape) && shape.every((d) => d === 'T' || (Number.isInteger(d) && d > 0));
}
