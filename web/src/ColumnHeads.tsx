// A table's column headings: a label, [label, true] for a numeric column (right-aligned like its
// cells), or null for a column without a heading (its buttons).
export type Column = string | [string, true] | null;

export function ColumnHeads({ cols }: { cols: Column[] }) {
  return (
    <thead>
      <tr>
        {cols.map((c, i) => {
          const [label, numeric] = Array.isArray(c) ? c : [c, false];
          return label === null ? (
            <th key={i} scope="col" />
          ) : (
            <th key={i} scope="col" className={numeric ? 'num' : undefined}>
              {label}
            </th>
          );
        })}
      </tr>
    </thead>
  );
}
