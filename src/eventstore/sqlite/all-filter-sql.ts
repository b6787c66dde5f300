import type { AllFilter } from '../event-store.js';

export interface FilterSql {
  /** `AND (...)` clauses to append to a WHERE, or an empty string. */
  where: string;
  params: (string | number)[];
}

function prefixClause(column: 'stream' | 'type', prefixes: string[] | undefined, params: (string | number)[]): string {
  if (!prefixes || prefixes.length === 0) return '';
  const ors = prefixes.map((prefix) => {
    params.push(prefix.length, prefix);
    return `substr(${column}, 1, ?) = ?`;
  });
  return ` AND (${ors.join(' OR ')})`;
}

/** Prefix filters as SQL; `substr` rather than LIKE because LIKE treats `_` and `%` as wildcards. */
export function allFilterSql(filter: AllFilter | undefined): FilterSql {
  const params: (string | number)[] = [];
  const where =
    prefixClause('stream', filter?.streamNamePrefixes, params) + prefixClause('type', filter?.eventTypePrefixes, params);
  return { where, params };
}
