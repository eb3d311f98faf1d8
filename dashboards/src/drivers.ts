// Drivers: leaderboard with risk bands, events per 100 km, score trend; each row drills down.
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import * as barchart from '@grafana/grafana-foundation-sdk/barchart';
import { base, DEPOT, DRIVER, DS, q, scoreThresholds, UID, VEHICLE, variables } from './common.js';

const TYPES = ['harsh_braking', 'harsh_acceleration', 'harsh_cornering', 'speeding', 'idling', 'fatigue'] as const;

export function drivers(): dashboard.Dashboard {
  return base(UID.drivers, 'Drivers', 'Driver leaderboard, risk bands, events per 100 km and score trends')
    .variables(variables(3))
    .withPanel(
      new table.PanelBuilder()
        .title('Leaderboard')
        .description('Latest rolling score per driver; risk band: high under 60, medium 60-80, low 80+. Click a driver to see their trend.')
        .datasource(DS)
        .withTarget(
          q('score')
            .select({ agg: 'last', field: 'score' }, { agg: 'last', field: 'distance_km' }, { agg: 'last', field: 'trips' }, { agg: 'last', field: 'speeding_share' })
            .where(DEPOT, { tag: 'scope', eq: 'driver' }, DRIVER)
            .byTags('driver')
            .table(),
        )
        .withTransformation({ id: 'merge', options: {} })
        .withTransformation({ id: 'sortBy', options: { sort: [{ field: 'score', desc: true }] } })
        .overrideByName('score', [
          { id: 'thresholds', value: scoreThresholds().build() },
          { id: 'custom.cellOptions', value: { type: 'color-background' } },
          { id: 'mappings', value: [{ type: 'range', options: { from: 0, to: 59.999, result: { text: '${__value.text} high risk' } } }, { type: 'range', options: { from: 60, to: 79.999, result: { text: '${__value.text} medium risk' } } }, { type: 'range', options: { from: 80, to: 100, result: { text: '${__value.text} low risk' } } }] },
        ])
        .overrideByName('driver', [{ id: 'links', value: [{ title: 'Trend of ${__value.raw}', url: `/d/${UID.drivers}?var-depot=\${depot}&var-driver=\${__value.raw}&\${__url_time_range}` }] }])
        .overrideByName('distance_km', [{ id: 'unit', value: 'lengthkm' }])
        .overrideByName('speeding_share', [{ id: 'unit', value: 'percentunit' }])
        .gridPos({ x: 0, y: 0, w: 12, h: 10 }),
    )
    .withPanel(
      new barchart.PanelBuilder()
        .title('Events per 100 km')
        .description('Behaviour events of finished trips per 100 km, per driver and type')
        .datasource(DS)
        .withTarget(
          q('trip')
            .select(...TYPES.map((t) => ({ expr: `sum("count_${t}") * 100 / sum("distance_km")`, as: t })))
            .where(DEPOT, VEHICLE, DRIVER)
            .byTags('driver')
            .table(),
        )
        .withTransformation({ id: 'merge', options: {} })
        .unit('none').decimals(2)
        .gridPos({ x: 12, y: 0, w: 12, h: 10 }),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Score trend')
        .description('Trip scores of the selected drivers; click a point to open the vehicle')
        .datasource(DS)
        .withTarget(q('trip').select({ agg: 'mean', field: 'score' }).where(DEPOT, VEHICLE, DRIVER).byTime('1d').byTags('driver').fill('none').alias('$tag_driver'))
        .unit('none').min(0).max(100)
        .thresholds(scoreThresholds())
        .dataLinks([new dashboard.DashboardLinkBuilder('Vehicle').url(`/d/${UID.vehicle}?var-depot=\${depot}&\${__url_time_range}`)])
        .gridPos({ x: 0, y: 10, w: 24, h: 8 }),
    )
    .build();
}
