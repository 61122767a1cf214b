// Validation rules that bound what one operation may cost: selection depth, aliases, and a
// complexity where each field counts 1 and a connection's children count once per requested row.
// Applied to HTTP operations by Apollo and, later, to subscriptions in onSubscribe.
import {
  GraphQLError, Kind, type ASTVisitor, type FragmentDefinitionNode, type OperationDefinitionNode,
  type SelectionSetNode, type ValidationContext, type ValueNode,
} from 'graphql';
import { limits } from '../config/limits';

/** Fields that answer a page of rows: their selection costs once per requested row. */
const CONNECTIONS = new Set(['transactions', 'consents', 'auditLog', 'customerEconomics']);

interface Cost {
  depth: number;
  complexity: number;
  aliases: number;
}

function pageSizeOf(args: readonly { name: { value: string }; value: ValueNode }[] | undefined, variables: Record<string, unknown>): number | null {
  const first = args?.find((a) => a.name.value === 'first');
  if (!first) return null;
  if (first.value.kind === Kind.INT) return Math.min(Math.max(Number(first.value.value), 1), limits.pageSizeMax);
  if (first.value.kind === Kind.VARIABLE) {
    const v = variables[first.value.name.value];
    return typeof v === 'number' ? Math.min(Math.max(v, 1), limits.pageSizeMax) : limits.pageSizeMax;
  }
  return limits.pageSizeMax;
}

function measure(
  set: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  depth: number,
  seen: Set<string>,
): Cost {
  let maxDepth = depth;
  let complexity = 0;
  let aliases = 0;
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) {
      if (sel.alias) aliases += 1;
      let childCost: Cost = { depth, complexity: 0, aliases: 0 };
      if (sel.selectionSet) childCost = measure(sel.selectionSet, fragments, variables, depth + 1, seen);
      const isConnection = CONNECTIONS.has(sel.name.value);
      const rows = isConnection ? (pageSizeOf(sel.arguments, variables) ?? limits.pageSizeDefault) : 1;
      complexity += 1 + childCost.complexity * rows;
      aliases += childCost.aliases;
      maxDepth = Math.max(maxDepth, childCost.depth);
    } else {
      let inner: SelectionSetNode | undefined;
      if (sel.kind === Kind.INLINE_FRAGMENT) inner = sel.selectionSet;
      else if (!seen.has(sel.name.value)) {
        seen.add(sel.name.value);
        inner = fragments[sel.name.value]?.selectionSet;
      }
      if (inner) {
        const c = measure(inner, fragments, variables, depth, seen);
        complexity += c.complexity;
        aliases += c.aliases;
        maxDepth = Math.max(maxDepth, c.depth);
      }
    }
  }
  return { depth: maxDepth, complexity, aliases };
}

export function costOf(op: OperationDefinitionNode, fragments: Record<string, FragmentDefinitionNode>, variables: Record<string, unknown> = {}): Cost {
  return measure(op.selectionSet, fragments, variables, 1, new Set());
}

/** Refuses operations deeper, wider or more expensive than the limits. */
export function limitsRule(variables: Record<string, unknown> = {}) {
  return (context: ValidationContext): ASTVisitor => ({
    Document: {
      leave(doc) {
        const fragments: Record<string, FragmentDefinitionNode> = {};
        for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
        for (const d of doc.definitions) {
          if (d.kind !== Kind.OPERATION_DEFINITION) continue;
          const c = costOf(d, fragments, variables);
          if (c.depth > limits.graphqlDepthMax) {
            context.reportError(new GraphQLError(`Query depth ${c.depth} exceeds the maximum of ${limits.graphqlDepthMax}.`, { extensions: { code: 'QUERY_TOO_DEEP' } }));
          }
          if (c.aliases > limits.graphqlAliasesMax) {
            context.reportError(new GraphQLError(`${c.aliases} aliases exceed the maximum of ${limits.graphqlAliasesMax}.`, { extensions: { code: 'QUERY_TOO_COMPLEX' } }));
          }
          if (c.complexity > limits.graphqlComplexityMax) {
            context.reportError(new GraphQLError(`Query complexity ${c.complexity} exceeds the maximum of ${limits.graphqlComplexityMax}.`, { extensions: { code: 'QUERY_TOO_COMPLEX' } }));
          }
        }
      },
    },
  });
}
