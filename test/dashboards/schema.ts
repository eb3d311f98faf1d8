// JSON Schema of Grafana's Dashboard type, generated from @grafana/schema's TypeScript types with
// ts-json-schema-generator (cached per process; ~3 s), and an ajv (strict) validator for it.
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { createGenerator } from 'ts-json-schema-generator';
import { INFLUXQL_TARGET_SCHEMA } from '../../dashboards/src/influxql.js';

export const GRAFANA_DASHBOARD_TYPES = path.join(path.dirname(require.resolve('@grafana/schema/package.json')), 'dist/types/raw/dashboard/x/types.gen.d.ts');

let cached: object | undefined;
export function dashboardSchema(): object {
  cached ??= createGenerator({ path: GRAFANA_DASHBOARD_TYPES, type: 'Dashboard', skipTypeCheck: true, additionalProperties: true, expose: 'export', topRef: true }).createSchema('Dashboard');
  return cached;
}

export function validators(): { dashboard: ValidateFunction; target: ValidateFunction } {
  const ajv = new Ajv({ strict: true, allErrors: true, allowUnionTypes: true });
  return { dashboard: ajv.compile(dashboardSchema()), target: ajv.compile(INFLUXQL_TARGET_SCHEMA) };
}
