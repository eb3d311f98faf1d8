// Types of the parts of the `grafana-api` package (CommonJS, untyped) that publish.ts uses.
declare module 'grafana-api' {
  export interface GrafanaClientOptions {
    baseUrl: string;
    apiKey: string;
    organizationId?: string | number | null;
    timeout?: number;
    headers?: Record<string, string>;
  }
  export class GrafanaApiError extends Error {
    statusCode: number | null;
    body: unknown;
    request: { method: string; path: string } | null;
  }
  export class GrafanaClient {
    constructor(options: GrafanaClientOptions);
    getHealth(): Promise<{ version?: string; database?: string }>;
    getFolder(uid: string): Promise<{ id: number; uid: string; title: string }>;
    createFolder(folder: { uid: string; title: string }): Promise<{ id: number; uid: string }>;
    getDashboard(uid: string): Promise<{ dashboard: Record<string, unknown>; meta: { folderUid?: string; version?: number } }>;
    post<T = unknown>(path: string, data: unknown): Promise<T>;
  }
}
