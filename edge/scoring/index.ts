// Behaviour scoring: detectors, trips and scores over SignalBatch streams (see DESIGN.md).
export { ScoringEngine } from './engine.js';
export type { ScoringEngineOptions } from './engine.js';
export { CLASS_DEFAULTS, CONFIG_SCHEMA, ConfigError, VEHICLE_CLASSES, configVersion, fleetConfig, resolveConfig } from './config.js';
export type { DeepPartial, FleetConfig, HarshRule, ScoreWeight, ScoringConfig, VehicleClass } from './config.js';
export { FORMULA_VERSION, computeScore } from './score.js';
export { EVENT_TYPES } from './types.js';
export type { AccelSource, EventCounts, EventRef, EventType, ImuCalibration, Position, Score, ScoreScope, ScoringEvent, ScoringOutput, TripSummary } from './types.js';
