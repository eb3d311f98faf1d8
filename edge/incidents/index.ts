// Incident (crash) detection with pre/post-event recording (see DESIGN.md).
export { IncidentEngine } from './engine.js';
export { INCIDENT_CONFIG_SCHEMA, INCIDENT_DEFAULTS, resolveIncidentConfig } from './config.js';
export type { IncidentConfig } from './config.js';
export type { CrashAccelSource, Incident, IncidentAlert, IncidentOutput, IncidentRecording, IncidentTrigger, SensorDisturbance } from './types.js';
