// `ubi-edge dashboards build [--out dir]` and `ubi-edge dashboards publish [--dry-run]`.
import path from 'node:path';
import type { Command } from 'commander';
import type { PublishEnv } from '../../dashboards/src/publish.js';

/** Default output: dashboards/generated in the package (what docker/compose.yaml mounts). */
export const DEFAULT_OUT = path.resolve(__dirname, '../../../dashboards/generated');

export function registerDashboardCommands(program: Command): void {
  const d = program.command('dashboards').description('Grafana dashboards as code: build the JSON and provisioning files, or publish them to a running Grafana');
  d.command('build')
    .description('write <out>/dashboards/*.json and <out>/provisioning/{datasources,dashboards}/ubi-edge.yaml')
    .option('--out <dir>', 'output directory', DEFAULT_OUT)
    .action(async (o: { out: string }) => {
      // loaded here: the SDK is not needed by the other commands
      const { writeDashboards } = await import('../../dashboards/src/index.js');
      const r = writeDashboards(path.resolve(o.out));
      for (const f of r.files) process.stdout.write(`${f}\n`);
    });
  d.command('publish')
    .description('push the dashboards to Grafana (GRAFANA_URL, GRAFANA_TOKEN from the environment); --dry-run prints what would change')
    .option('--dry-run', 'print what would change, change nothing', false)
    .option('--url <url>', 'Grafana base URL (default: $GRAFANA_URL)')
    .action(async (o: { dryRun: boolean; url?: string }) => {
      const env: PublishEnv = { url: o.url ?? process.env.GRAFANA_URL, token: process.env.GRAFANA_TOKEN, orgId: process.env.GRAFANA_ORG_ID };
      try {
        const { publishDashboards } = await import('../../dashboards/src/publish.js');
        const r = await publishDashboards(env, { dryRun: o.dryRun, log: (l) => process.stdout.write(l + '\n') });
        if (r.failed > 0) process.exitCode = 69;
      } catch (e) {
        process.stderr.write(`dashboards publish: ${(e as Error).message}\n`);
        process.exitCode = (e as { exitCode?: number }).exitCode ?? 69;
      }
    });
}
