// Validation rules that bound what one operation may cost: selection depth and aliases (the rules
// of graphql-armor), and a cost where each field counts 1 and a connection's children count once
// per requested row. Applied to HTTP operations by Apollo and to subscriptions in onSubscribe.
//
// The cost is ours, not armor's costLimit: armor multiplies a field by a literal `first` only (no
// variables, no default page size, no clamp to the largest page) and counts any field with a
// `first` argument. Here a connection is what the schema says it is — a field whose type is named
// `…Connection` and that takes `first` — so a new connection is counted without editing this file.
import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  getNamedType,
  GraphQLError,
  type DocumentNode,
  isInterfaceType,
  isObjectType,
  Kind,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  type ValueNode,
} from 'graphql';
import { limits } from '../config/limits';

/** The number armor found ("… exceeded, found 12."), for our own message. */
function found(err: GraphQLError, max: number): string {
  return /found (\d+)/.exec(err.message)?.[1] ?? `more than ${max}`;
}

const armor = new ApolloArmor({
  maxDepth: {
    n: limits.graphqlDepthMax,
    flattenFragments: true, // a fragment adds no level of its own
    ignoreIntrospection: false,
    propagateOnRejection: false,
    onReject: [
      (ctx, err) =>
        ctx?.reportError(
          new GraphQLError(`Query depth ${found(err, limits.graphqlDepthMax)} exceeds the maximum of ${limits.graphqlDepthMax}.`, {
            extensions: { code: 'QUERY_TOO_DEEP' },
          }),
        ),
    ],
  },
  maxAliases: {
    n: limits.graphqlAliasesMax,
    allowList: [], // an alias of __typename counts like any other
    propagateOnRejection: false,
    onReject: [
      (ctx, err) =>
        ctx?.reportError(
          new GraphQLError(`${found(err, limits.graphqlAliasesMax)} aliases exceed the maximum of ${limits.graphqlAliasesMax}.`, {
            extensions: { code: 'QUERY_TOO_COMPLEX' },
          }),
        ),
    ],
  },
  costLimit: { enabled: false },
  maxTokens: { enabled: false },
  maxDirectives: { enabled: false },
  blockFieldSuggestion: { enabled: false },
});
const armorRules: ValidationRule[] = armor.protect().validationRules;

function pageSizeOf(args: readonly { name: { value: string }; value: ValueNode }[] | undefined, variables: Record<string, unknown>): number {
  const first = args?.find((a) => a.name.value === 'first');
  if (!first) return limits.pageSizeDefault;
  if (first.value.kind === Kind.INT) return Math.min(Math.max(Number(first.value.value), 1), limits.pageSizeMax);
  if (first.value.kind === Kind.VARIABLE) {
    const v = variables[first.value.name.value];
    return typeof v === 'number' ? Math.min(Math.max(v, 1), limits.pageSizeMax) : limits.pageSizeMax;
  }
  return limits.pageSizeMax;
}

/** A field of the schema that answers a page of rows: its type is named …Connection and it takes `first`. */
function isConnection(parent: GraphQLNamedType | undefined, field: string): boolean {
  if (!parent || !(isObjectType(parent) || isInterfaceType(parent))) return false;
  const def = parent.getFields()[field];
  return !!def && getNamedType(def.type).name.endsWith('Connection') && def.args.some((a) => a.name === 'first');
}

function childType(parent: GraphQLNamedType | undefined, field: string): GraphQLNamedType | undefined {
  if (!parent || !(isObjectType(parent) || isInterfaceType(parent))) return undefined;
  const def = parent.getFields()[field];
  return def ? getNamedType(def.type) : undefined;
}

class CostEstimator {
  /** Cost of each fragment's selection (it does not depend on where it is spread); -1 while being measured (a cycle, which validation refuses). */
  private readonly fragmentCost = new Map<string, number>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly fragments: Record<string, FragmentDefinitionNode>,
    private readonly variables: Record<string, unknown>,
  ) {}

  cost(set: SelectionSetNode, parent: GraphQLNamedType | undefined): number {
    let total = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        const children = sel.selectionSet ? this.cost(sel.selectionSet, childType(parent, sel.name.value)) : 0;
        const rows = isConnection(parent, sel.name.value) ? pageSizeOf(sel.arguments, this.variables) : 1;
        total += 1 + children * rows;
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        total += this.cost(sel.selectionSet, sel.typeCondition ? (this.schema.getType(sel.typeCondition.name.value) ?? undefined) : parent);
      } else {
        total += this.spread(sel.name.value);
      }
    }
    return total;
  }

  private spread(name: string): number {
    const known = this.fragmentCost.get(name);
    if (known !== undefined) return Math.max(known, 0);
    const fragment = this.fragments[name];
    if (!fragment) return 0;
    this.fragmentCost.set(name, -1);
    const c = this.cost(fragment.selectionSet, this.schema.getType(fragment.typeCondition.name.value) ?? undefined);
    this.fragmentCost.set(name, c);
    return c;
  }
}

/** The cost of each operation of a document, in order. */
export function costsOf(schema: GraphQLSchema, doc: DocumentNode, variables: Record<string, unknown> = {}): number[] {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
  return doc.definitions.flatMap((d) =>
    d.kind === Kind.OPERATION_DEFINITION
      ? [new CostEstimator(schema, fragments, variables).cost(d.selectionSet, schema.getRootType(d.operation) ?? undefined)]
      : [],
  );
}

/** Refuses an operation whose cost is over graphqlComplexityMax. Variables: only where known before validation (WebSockets); over HTTP a `first: $var` counts as the largest page. */
function costRule(variables: Record<string, unknown>): ValidationRule {
  return (context: ValidationContext) => ({
    Document: {
      leave(doc) {
        for (const complexity of costsOf(context.getSchema(), doc, variables)) {
          if (complexity > limits.graphqlComplexityMax) {
            context.reportError(
              new GraphQLError(`Query complexity ${complexity} exceeds the maximum of ${limits.graphqlComplexityMax}.`, {
                extensions: { code: 'QUERY_TOO_COMPLEX' },
              }),
            );
          }
        }
      },
    },
  });
}

/** The rules that refuse operations deeper, wider or more expensive than the limits. */
export function limitsRules(variables: Record<string, unknown> = {}): ValidationRule[] {
  return [...armorRules, costRule(variables)];
}
