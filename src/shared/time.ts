/**
 * A timestamptz as the driver hands it over. MikroORM's Postgres driver keeps timestamps as text
 * ("2026-11-10 10:00:00.123+00"); turn that into a Date without losing the offset.
 */
export function asDate(v: string | Date): Date {
  if (v instanceof Date) return v;
  const iso = v.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00');
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new Error(`unparseable timestamp "${v}"`);
  return d;
}

export function asDateOrNull(v: string | Date | null | undefined): Date | null {
  return v === null || v === undefined ? null : asDate(v);
}
