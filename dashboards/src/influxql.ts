// A small typed InfluxQL (1.x) target builder for @grafana/grafana-foundation-sdk, which ships no
// InfluxDB query type. A target is Grafana's InfluxDB query model in raw mode: `query` holds the
// InfluxQL text (with Grafana's macros $timeFilter, $__interval and template variables), and
// `policy`/`measurement` name what it reads, so tests and reviewers can tell without parsing.
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type * as common from '@grafana/grafana-foundation-sdk/common';

export type RetentionPolicy = 'raw' | 'long';
export type Measurement = 'signal' | 'gateway' | 'event' | 'trip' | 'score' | 'incident' | 'claim' | 'renewal' | 'kpi' | 'signal_1m' | 'gateway_1m';
/** where each measurement lives (README: InfluxDB schema) */
export const POLICY_OF: Readonly<Record<Measurement, RetentionPolicy>> = {
  signal: 'raw',
  gateway: 'raw',
  event: 'long',
  trip: 'long',
  score: 'long',
  incident: 'long',
  claim: 'long',
  renewal: 'long',
  kpi: 'long',
  signal_1m: 'long',
  gateway_1m: 'long',
};

export type ResultFormat = 'time_series' | 'table';
export type Fill = 'none' | 'null' | 'previous' | 'linear' | number;
export type Agg = 'mean' | 'sum' | 'count' | 'last' | 'first' | 'max' | 'min' | 'median' | 'spread' | 'distinct';

/** The JSON Grafana stores for one InfluxQL target (raw query mode). */
export interface InfluxQLTarget {
  refId: string;
  datasource: common.DataSourceRef;
  rawQuery: true;
  query: string;
  resultFormat: ResultFormat;
  policy: RetentionPolicy;
  measurement: Measurement;
  alias?: string;
  hide?: boolean;
}

/** JSON Schema (draft-07) of InfluxQLTarget, for the tests' ajv strict validation. */
export const INFLUXQL_TARGET_SCHEMA = {
  $id: 'ubi-edge/influxql-target',
  type: 'object',
  additionalProperties: false,
  required: ['refId', 'datasource', 'rawQuery', 'query', 'resultFormat', 'policy', 'measurement'],
  properties: {
    refId: { type: 'string', pattern: '^[A-Z]$' },
    datasource: {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'uid'],
      properties: { type: { const: 'influxdb' }, uid: { type: 'string', minLength: 1 } },
    },
    rawQuery: { const: true },
    query: { type: 'string', pattern: '^(SELECT|SHOW) ' },
    resultFormat: { enum: ['time_series', 'table'] },
    policy: { enum: ['raw', 'long'] },
    measurement: { enum: Object.keys(POLICY_OF) },
    alias: { type: 'string' },
    hide: { type: 'boolean' },
  },
} as const;

/** A double-quoted InfluxQL identifier. */
export const ident = (s: string): string => '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
/** A single-quoted InfluxQL string literal. */
export const str = (s: string): string => "'" + s.replace(/\\/g, '\\\\').replace(/'/g, "\\'") + "'";

/** A select expression: agg("field") [* k] AS "alias", or raw text for arithmetic between aggregates. */
export type Select = { agg?: Agg; field: string; as?: string; scale?: number } | { expr: string; as: string };

export function renderSelect(s: Select): string {
  if ('expr' in s) return `${s.expr} AS ${ident(s.as)}`;
  const inner = s.agg ? `${s.agg}(${ident(s.field)})` : ident(s.field);
  const scaled = s.scale !== undefined && s.scale !== 1 ? `${inner} * ${s.scale}` : inner;
  const as = s.as ?? (s.agg ? s.field : undefined);
  return as ? `${scaled} AS ${ident(as)}` : scaled;
}

/** A WHERE condition: tag = 'x', tag =~ /^$var$/ (a Grafana template variable), or numeric field comparisons. */
export type Cond =
  | { tag: string; eq: string }
  | { tag: string; ne: string }
  | { tag: string; variable: string }
  | { tag: string; regex: string }
  | { field: string; op: '<' | '<=' | '>' | '>=' | '=' | '!='; value: number };

export function renderCond(c: Cond): string {
  if ('field' in c) return `${ident(c.field)} ${c.op} ${c.value}`;
  if ('eq' in c) return `${ident(c.tag)} = ${str(c.eq)}`;
  if ('ne' in c) return `${ident(c.tag)} != ${str(c.ne)}`;
  if ('variable' in c) return `${ident(c.tag)} =~ /^$${c.variable}$/`;
  return `${ident(c.tag)} =~ /${c.regex}/`;
}

/** Builder of one InfluxQL target; implements the SDK's Builder<Dataquery> so panels take it as is. */
export class InfluxQL implements cog.Builder<cog.Dataquery> {
  private selects: Select[] = [];
  private conds: Cond[] = [];
  private groupTime: string | undefined;
  private groupTags: string[] = [];
  private fillWith: Fill | undefined;
  private fmt: ResultFormat = 'time_series';
  private lim: number | undefined;
  private order: 'ASC' | 'DESC' | undefined;
  private aliasText: string | undefined;
  private rawText: string | undefined;

  constructor(
    private readonly ds: common.DataSourceRef,
    private readonly m: Measurement,
    private readonly ref = 'A',
  ) {}

  select(...s: Select[]): this {
    this.selects.push(...s);
    return this;
  }
  /** conditions ANDed with $timeFilter */
  where(...c: Cond[]): this {
    this.conds.push(...c);
    return this;
  }
  /** GROUP BY time(interval); default Grafana's $__interval */
  byTime(interval = '$__interval'): this {
    this.groupTime = interval;
    return this;
  }
  byTags(...tags: string[]): this {
    this.groupTags.push(...tags);
    return this;
  }
  fill(f: Fill): this {
    this.fillWith = f;
    return this;
  }
  table(): this {
    this.fmt = 'table';
    return this;
  }
  limit(n: number, order: 'ASC' | 'DESC' = 'DESC'): this {
    this.lim = n;
    this.order = order;
    return this;
  }
  /** legend alias ($tag_vehicle, $col) */
  alias(a: string): this {
    this.aliasText = a;
    return this;
  }
  /** a whole InfluxQL statement for what the builder cannot say (it must still read `measurement`) */
  raw(q: string): this {
    this.rawText = q;
    return this;
  }

  toQuery(): string {
    if (this.rawText) return this.rawText;
    if (this.selects.length === 0) throw new Error(`InfluxQL target ${this.ref} on ${this.m}: nothing selected`);
    const where = [...this.conds.map(renderCond), '$timeFilter'].join(' AND ');
    let q = `SELECT ${this.selects.map(renderSelect).join(', ')} FROM ${ident(POLICY_OF[this.m])}.${ident(this.m)} WHERE ${where}`;
    const groups = [...(this.groupTime ? [`time(${this.groupTime})`] : []), ...this.groupTags.map(ident)];
    if (groups.length) q += ` GROUP BY ${groups.join(', ')}`;
    if (this.fillWith !== undefined) q += ` fill(${this.fillWith})`;
    if (this.order) q += ` ORDER BY time ${this.order}`;
    if (this.lim !== undefined) q += ` LIMIT ${this.lim}`;
    return q;
  }

  buildTarget(): InfluxQLTarget {
    return {
      refId: this.ref,
      datasource: this.ds,
      rawQuery: true,
      query: this.toQuery(),
      resultFormat: this.fmt,
      policy: POLICY_OF[this.m],
      measurement: this.m,
      ...(this.aliasText ? { alias: this.aliasText } : {}),
    };
  }

  build(): cog.Dataquery {
    // the SDK's Dataquery is a marker interface; the target is plain JSON with the marker added
    const t = this.buildTarget();
    return Object.assign(t, { _implementsDataqueryVariant: () => undefined }) as InfluxQLTarget & cog.Dataquery;
  }
}

/** Keys @grafana/schema's AnnotationTarget requires beside the datasource query. */
export const ANNOTATION_TARGET_KEYS = ['limit', 'matchAny', 'tags', 'type'] as const;

/** An annotation's target: the InfluxQL target plus the keys Grafana's AnnotationTarget requires. */
export function annotationTarget(t: InfluxQL, limit = 500): cog.Builder<cog.Dataquery> {
  return {
    build: () => Object.assign(t.build(), { limit, matchAny: false, tags: [] as string[], type: 'dashboard' }),
  };
}
