// Insurance KPIs (the `kpi` measurement the renewal node writes: edge/insurance/points.ts).
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as barchart from '@grafana/grafana-foundation-sdk/barchart';
import { base, bands, DEPOT, DS, q, UID, variables } from './common.js';

const ALL = [DEPOT, { tag: 'split', eq: 'all' }] as const;

function kpiStat(title: string, description: string, field: string, unit: string, x: number, y: number): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(DS)
    .withTarget(q('kpi').select({ agg: 'last', field, as: field }).where(...ALL))
    .unit(unit)
    .gridPos({ x, y, w: 6, h: 5 });
}

export function insurance(): dashboard.Dashboard {
  return base(UID.insurance, 'Insurance', 'Renewals, loss ratio, claims and premium KPIs of the depot (definitions: edge/insurance/DESIGN.md)')
    .time({ from: 'now-2y', to: 'now' })
    .variables(variables(1))
    .withPanel(kpiStat('Renewal rate', 'Renewed / renewable (terms of at least 183 days)', 'renewal_rate', 'percentunit', 0, 0).thresholds(bands([[null, 'red'], [0.7, 'orange'], [0.85, 'green']])))
    .withPanel(kpiStat('Loss ratio (calendar year)', 'Incurred claims / earned premium', 'loss_ratio_cy', 'percentunit', 6, 0).thresholds(bands([[null, 'green'], [0.6, 'orange'], [0.8, 'red']])))
    .withPanel(kpiStat('Claim frequency', 'Claims per vehicle-year', 'claim_frequency', 'none', 12, 0).decimals(3))
    .withPanel(kpiStat('Average claim', 'Incurred per claim', 'avg_claim', 'currencyEUR', 18, 0))
    .withPanel(kpiStat('Earned premium', 'Pro rata premium of the days inside the period', 'earned_premium', 'currencyEUR', 0, 5))
    .withPanel(kpiStat('Outstanding', 'Reserves of claims not closed', 'outstanding', 'currencyEUR', 6, 5))
    .withPanel(kpiStat('Time to close', 'Mean days from loss report to closing', 'avg_days_to_close', 'd', 12, 5))
    .withPanel(kpiStat('Loss ratio (underwriting year)', 'Incurred / earned of the policies written in the period', 'loss_ratio_uy', 'percentunit', 18, 5))
    .withPanel(
      new barchart.PanelBuilder()
        .title('Renewal rate: claimed vs claim-free')
        .datasource(DS)
        .withTarget(q('kpi').select({ agg: 'last', field: 'renewal_rate' }, { agg: 'last', field: 'renewable' }).where(DEPOT, { tag: 'split', eq: 'claims' }).byTags('group').table())
        .withTransformation({ id: 'merge', options: {} })
        .unit('percentunit')
        // a count beside the rate: its own unit (and axis), not 3 renewable shown as 300 %
        .overrideByName('renewable', [{ id: 'unit', value: 'none' }])
        .gridPos({ x: 0, y: 10, w: 12, h: 7 }),
    )
    .withPanel(
      new table.PanelBuilder()
        .title('Year on year')
        .description('Change of each KPI against the same period a year earlier')
        .datasource(DS)
        .withTarget(
          q('kpi')
            .select(
              { agg: 'last', field: 'yoy_renewal_rate', as: 'renewal_rate' },
              { agg: 'last', field: 'yoy_loss_ratio_cy', as: 'loss_ratio_cy' },
              { agg: 'last', field: 'yoy_claim_frequency', as: 'claim_frequency' },
              { agg: 'last', field: 'yoy_earned_premium_cents', as: 'earned_premium_cents' },
            )
            .where(...ALL)
            .byTags('period')
            .table(),
        )
        .withTransformation({ id: 'merge', options: {} })
        .gridPos({ x: 12, y: 10, w: 12, h: 7 }),
    )
    .build();
}
