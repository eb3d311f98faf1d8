// Depot overview: fleet safety, behaviour shares, distance and utilisation, incidents and claims,
// renewals due, gateway health.
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import * as barchart from '@grafana/grafana-foundation-sdk/barchart';
import { base, bands, DEPOT, DS, q, scoreThresholds, UID, variables } from './common.js';

const HARSH = ['harsh_braking', 'harsh_acceleration', 'harsh_cornering', 'speeding', 'idling', 'fatigue'] as const;

export function depotOverview(): dashboard.Dashboard {
  return base(UID.depot, 'Depot overview', 'Fleet safety, driving behaviour, utilisation, incidents, claims, renewals and gateway health of a depot')
    .variables(variables(1))
    .withRow(new dashboard.RowBuilder('Safety'))
    .withPanel(
      new stat.PanelBuilder()
        .title('Fleet safety score')
        .description('Mean score of the trips finished in the range (0-100, higher is safer)')
        .datasource(DS)
        .withTarget(q('trip').select({ agg: 'mean', field: 'score' }).where(DEPOT))
        .unit('none').decimals(0).min(0).max(100)
        .thresholds(scoreThresholds())
        .gridPos({ x: 0, y: 1, w: 4, h: 6 }),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Safety score trend')
        .description('Daily rolling score per vehicle')
        .datasource(DS)
        .withTarget(q('score').select({ agg: 'mean', field: 'score' }).where(DEPOT, { tag: 'scope', eq: 'vehicle' }).byTime('1d').byTags('vehicle').fill('none').alias('$tag_vehicle'))
        .unit('none').min(0).max(100)
        .thresholds(scoreThresholds())
        .gridPos({ x: 4, y: 1, w: 10, h: 6 }),
    )
    .withPanel(
      new barchart.PanelBuilder()
        .title('Events per 100 km by type')
        .description('Behaviour events of finished trips per 100 km driven')
        .datasource(DS)
        .withTarget(
          q('trip')
            .select(...HARSH.map((t) => ({ expr: `sum("count_${t}") * 100 / sum("distance_km")`, as: t })))
            .where(DEPOT)
            .table(),
        )
        .unit('none').decimals(2)
        .gridPos({ x: 14, y: 1, w: 10, h: 6 }),
    )
    .withPanel(
      new stat.PanelBuilder()
        .title('Speeding, idle and night-driving share')
        .description('Speeding: share of driving time over the limit; idle: idle time of trip time; night: share of driving at night')
        .datasource(DS)
        .withTarget(
          q('trip')
            .select(
              { agg: 'mean', field: 'speeding_share', scale: 100, as: 'speeding_pct' },
              { expr: 'sum("idle_s") * 100 / sum("duration_s")', as: 'idle_pct' },
              { agg: 'mean', field: 'night_share', scale: 100, as: 'night_pct' },
            )
            .where(DEPOT),
        )
        .unit('percent').decimals(1).min(0).max(100)
        .thresholds(bands([[null, 'green'], [5, 'orange'], [15, 'red']]))
        .gridPos({ x: 0, y: 7, w: 12, h: 5 }),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Distance and utilisation')
        .description('Distance per day (km) and share of the day each vehicle was on a trip (%)')
        .datasource(DS)
        .withTarget(q('trip', 'A').select({ agg: 'sum', field: 'distance_km' }).where(DEPOT).byTime('1d').byTags('vehicle').fill(0).alias('$tag_vehicle km'))
        .withTarget(q('trip', 'B').select({ expr: 'sum("duration_s") / 864', as: 'utilisation_pct' }).where(DEPOT).byTime('1d').byTags('vehicle').fill(0).alias('$tag_vehicle %'))
        .unit('lengthkm')
        .overrideByQuery('B', [{ id: 'unit', value: 'percent' }, { id: 'custom.axisPlacement', value: 'right' }])
        .drawStyle(common.GraphDrawStyle.Bars)
        .gridPos({ x: 12, y: 7, w: 12, h: 5 }),
    )
    .withRow(new dashboard.RowBuilder('Incidents, claims, renewals'))
    .withPanel(
      new table.PanelBuilder()
        .title('Incidents by trigger')
        .description('Incidents (crash detection) in the range, by trigger')
        .datasource(DS)
        .withTarget(q('incident').select({ agg: 'count', field: 'incident', as: 'incidents' }, { agg: 'max', field: 'peak_g', as: 'max_peak_g' }).where(DEPOT).byTags('type').table())
        .gridPos({ x: 0, y: 13, w: 8, h: 6 }),
    )
    .withPanel(
      new table.PanelBuilder()
        .title('Claims by status')
        .description('Claim status changes (FNOL) in the range')
        .datasource(DS)
        .withTarget(q('claim').select({ agg: 'count', field: 'claim', as: 'claims' }).where(DEPOT).byTags('status').table())
        .gridPos({ x: 8, y: 13, w: 8, h: 6 }),
    )
    .withPanel(
      new stat.PanelBuilder()
        .title('Renewals due')
        .description('Renewal reminders in the range by days to expiry: within 60, 30 and 15 days')
        .datasource(DS)
        .withTarget(q('renewal', 'A').select({ agg: 'count', field: 'days_to_expiry', as: 'due_60d' }).where(DEPOT, { field: 'days_to_expiry', op: '<=', value: 60 }))
        .withTarget(q('renewal', 'B').select({ agg: 'count', field: 'days_to_expiry', as: 'due_30d' }).where(DEPOT, { field: 'days_to_expiry', op: '<=', value: 30 }))
        .withTarget(q('renewal', 'C').select({ agg: 'count', field: 'days_to_expiry', as: 'due_15d' }).where(DEPOT, { field: 'days_to_expiry', op: '<=', value: 15 }))
        .unit('none')
        .gridPos({ x: 16, y: 13, w: 8, h: 6 }),
    )
    .withRow(new dashboard.RowBuilder('Gateway health'))
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Frames per second')
        .datasource(DS)
        .withTarget(q('gateway').select({ agg: 'mean', field: 'frames_per_s' }).where(DEPOT, { tag: 'iface', regex: '.+' }).byTime().byTags('vehicle', 'iface').fill('none').alias('$tag_vehicle $tag_iface'))
        .unit('hertz')
        .gridPos({ x: 0, y: 20, w: 8, h: 6 }),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Bus load')
        .datasource(DS)
        .withTarget(q('gateway').select({ agg: 'max', field: 'bus_load_pct' }).where(DEPOT, { tag: 'iface', regex: '.+' }).byTime().byTags('vehicle', 'iface').fill('none').alias('$tag_vehicle $tag_iface'))
        .unit('percent').min(0).max(100)
        .thresholds(bands([[null, 'green'], [60, 'orange'], [80, 'red']]))
        .gridPos({ x: 8, y: 20, w: 8, h: 6 }),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Outbox depth')
        .description('Points waiting in the store-and-forward outbox (InfluxDB unreachable or slow)')
        .datasource(DS)
        .withTarget(q('gateway').select({ agg: 'max', field: 'outbox_points' }).where(DEPOT, { tag: 'host', regex: '.+' }).byTime().byTags('host').fill('none').alias('$tag_host'))
        .unit('none')
        .gridPos({ x: 16, y: 20, w: 8, h: 6 }),
    )
    .build();
}
