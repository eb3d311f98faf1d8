// One vehicle: speed, acceleration, engine speed with its behaviour events as annotations, trips,
// trouble codes (J1939 DM1) and a map of the route with the events on it.
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as geomap from '@grafana/grafana-foundation-sdk/geomap';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { annotationTarget } from './influxql.js';
import { base, DEPOT, DS, q, scoreThresholds, UID, VEHICLE, variables } from './common.js';

const signal = (name: string) => ({ tag: 'signal', eq: name }) as const;

const layer = (l: common.MapLayerOptions): cog.Builder<common.MapLayerOptions> => ({ build: () => l });

export function vehicle(): dashboard.Dashboard {
  return base(UID.vehicle, 'Vehicle', 'One vehicle: signals, behaviour events, trips, trouble codes and route')
    .variables(variables(2, false))
    .annotation(
      new dashboard.AnnotationQueryBuilder()
        .name('Behaviour events')
        .datasource(DS)
        .enable(true)
        .iconColor('red')
        .target(annotationTarget(q('event').select({ field: 'peak' }, { field: 'type' }, { field: 'duration_s' }).where(DEPOT, VEHICLE).table())),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Speed')
        .datasource(DS)
        .withTarget(q('signal').select({ agg: 'mean', field: 'mean', as: 'speed' }).where(DEPOT, VEHICLE, signal('Vehicle.Speed')).byTime().fill('none').alias('speed'))
        .unit('velocitykmh')
        .gridPos({ x: 0, y: 0, w: 12, h: 7 }),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Acceleration')
        .description('Longitudinal and lateral acceleration (IMU, vehicle frame)')
        .datasource(DS)
        .withTarget(
          q('signal')
            .select({ agg: 'mean', field: 'mean', as: 'mean' }, { agg: 'min', field: 'min', as: 'min' }, { agg: 'max', field: 'max', as: 'max' })
            .where(DEPOT, VEHICLE, { tag: 'signal', regex: '^Vehicle\\.Acceleration\\.(Longitudinal|Lateral)$' })
            .byTime()
            .byTags('signal')
            .fill('none')
            .alias('$tag_signal $col'),
        )
        .unit('accMS2')
        .gridPos({ x: 12, y: 0, w: 12, h: 7 }),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Engine speed')
        .datasource(DS)
        .withTarget(q('signal').select({ agg: 'mean', field: 'mean', as: 'engine_speed' }).where(DEPOT, VEHICLE, signal('Vehicle.Powertrain.CombustionEngine.Speed')).byTime().fill('none').alias('engine speed'))
        .unit('rotrpm')
        .gridPos({ x: 0, y: 7, w: 12, h: 7 }),
    )
    .withPanel(
      new table.PanelBuilder()
        .title('Trouble codes (DM1)')
        .description('Active J1939 DM1 messages: lamps and SPN/FMI/occurrence per source address')
        .datasource(DS)
        .withTarget(q('signal').select({ field: 'text', as: 'dm1' }).where(DEPOT, VEHICLE, signal('J1939.DM1')).table().limit(50))
        .gridPos({ x: 12, y: 7, w: 12, h: 7 }),
    )
    .withPanel(
      new table.PanelBuilder()
        .title('Trips')
        .datasource(DS)
        .withTarget(
          q('trip')
            .select(
              { field: 'driver' },
              { field: 'distance_km' },
              { field: 'duration_s' },
              { field: 'max_speed_kmh' },
              { field: 'speeding_share' },
              { field: 'night_share' },
              { field: 'score' },
            )
            .where(DEPOT, VEHICLE)
            .table()
            .limit(200),
        )
        .overrideByName('score', [{ id: 'thresholds', value: scoreThresholds().build() }, { id: 'custom.cellOptions', value: { type: 'color-background' } }])
        .overrideByName('duration_s', [{ id: 'unit', value: 's' }])
        .overrideByName('distance_km', [{ id: 'unit', value: 'lengthkm' }])
        .overrideByName('max_speed_kmh', [{ id: 'unit', value: 'velocitykmh' }])
        .overrideByRegexp('.*_share', [{ id: 'unit', value: 'percentunit' }])
        .gridPos({ x: 0, y: 14, w: 24, h: 8 }),
    )
    .withPanel(
      new geomap.PanelBuilder()
        .title('Route and events')
        .description('GNSS position (1 s means) and the behaviour events where they happened')
        .datasource(DS)
        .withTarget(
          q('signal', 'A')
            .select({ agg: 'mean', field: 'mean', as: 'lat' })
            .where(DEPOT, VEHICLE, signal('Vehicle.CurrentLocation.Latitude'))
            .byTime()
            .fill('none')
            .table(),
        )
        .withTarget(
          q('signal', 'B')
            .select({ agg: 'mean', field: 'mean', as: 'lon' })
            .where(DEPOT, VEHICLE, signal('Vehicle.CurrentLocation.Longitude'))
            .byTime()
            .fill('none')
            .table(),
        )
        .withTarget(q('event', 'C').select({ field: 'lat' }, { field: 'lon' }, { field: 'type' }, { field: 'peak' }).where(DEPOT, VEHICLE).table())
        .withTransformation({ id: 'joinByField', filter: { id: 'byRefId', options: '/^(A|B)$/' }, options: { byField: 'Time', mode: 'inner' } })
        .layers([
          layer({ type: 'route', name: 'Route', config: { style: { color: { fixed: 'blue' } } }, location: { mode: 'coords' as common.FrameGeometrySourceMode, latitude: 'lat', longitude: 'lon' }, filterData: { id: 'byRefId', options: 'joinByField-A-B' } }),
          layer({ type: 'markers', name: 'Events', config: { style: { color: { fixed: 'red' }, size: { fixed: 8 } } }, location: { mode: 'coords' as common.FrameGeometrySourceMode, latitude: 'lat', longitude: 'lon' }, filterData: { id: 'byRefId', options: 'C' } }),
        ])
        .gridPos({ x: 0, y: 22, w: 24, h: 12 }),
    )
    .build();
}
