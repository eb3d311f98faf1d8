// Shared pieces of the ubi-edge dashboards: the datasource, template variables depot -> vehicle ->
// driver, thresholds, links.
import * as cog from '@grafana/grafana-foundation-sdk/cog';
import type * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { InfluxQL, type Measurement } from './influxql.js';

/** The provisioned InfluxDB 1.x datasource (dashboards/provisioning/datasources/ubi-edge.yaml). */
export const DATASOURCE_UID = 'ubi-influxdb';
export const DS: common.DataSourceRef = { type: 'influxdb', uid: DATASOURCE_UID };
/** Grafana folder the dashboards live in (provider and publish). */
export const FOLDER = { uid: 'ubi-edge', title: 'ubi-edge' } as const;

export const UID = {
  depot: 'ubi-depot-overview',
  vehicle: 'ubi-vehicle',
  drivers: 'ubi-drivers',
  insurance: 'ubi-insurance',
} as const;

/** A target on `m` (refId A by default). */
export const q = (m: Measurement, ref = 'A'): InfluxQL => new InfluxQL(DS, m, ref);

/** Tag filters for the dashboard's variables: depot always; vehicle, driver when the dashboard has them. */
export const DEPOT = { tag: 'depot', variable: 'depot' } as const;
export const VEHICLE = { tag: 'vehicle', variable: 'vehicle' } as const;
export const DRIVER = { tag: 'driver', variable: 'driver' } as const;

function queryVar(name: string, label: string, query: string, multi: boolean): dashboard.QueryVariableBuilder {
  return new dashboard.QueryVariableBuilder(name)
    .label(label)
    .datasource(DS)
    .query(query)
    .definition(query)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .multi(multi)
    .includeAll(multi)
    .allValue('.*');
}

/** The variable queries (also run by the tests). */
export const VARIABLE_QUERIES = {
  depot: 'SHOW TAG VALUES WITH KEY = "depot"',
  vehicle: 'SHOW TAG VALUES WITH KEY = "vehicle" WHERE "depot" =~ /^$depot$/',
  driver: 'SHOW TAG VALUES WITH KEY = "driver" WHERE "depot" =~ /^$depot$/ AND "vehicle" =~ /^$vehicle$/',
} as const;

/** depot -> vehicle -> driver; `multiVehicle` false on the single-vehicle dashboard. */
export function variables(levels: 1 | 2 | 3, multiVehicle = true): dashboard.QueryVariableBuilder[] {
  const out = [queryVar('depot', 'Depot', VARIABLE_QUERIES.depot, true)];
  if (levels >= 2) out.push(queryVar('vehicle', 'Vehicle', VARIABLE_QUERIES.vehicle, multiVehicle));
  if (levels >= 3) out.push(queryVar('driver', 'Driver', VARIABLE_QUERIES.driver, true));
  return out;
}

/** Risk bands of a 0-100 safety score: under 60 high, 60-80 medium, 80+ low. */
export function scoreThresholds(): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([
    { value: null, color: 'red' },
    { value: 60, color: 'orange' },
    { value: 80, color: 'green' },
  ]);
}

export function bands(steps: Array<[number | null, string]>): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps(steps.map(([value, color]) => ({ value, color })));
}

/** Links between the four dashboards, keeping the time range and variables. */
export function crossLinks(): cog.Builder<dashboard.DashboardLink> {
  return new dashboard.DashboardLinkBuilder('ubi-edge').type(dashboard.DashboardLinkType.Dashboards).tags(['ubi-edge']).asDropdown(true).includeVars(true).keepTime(true);
}

export function base(uid: string, title: string, description: string): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(['ubi-edge'])
    .editable()
    .timezone('browser')
    .time({ from: 'now-7d', to: 'now' })
    .refresh('1m')
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .link(crossLinks());
}
