// Trucks and buses speaking SAE J1939 (message and signal names as in the J1939 digital annex DBCs,
// e.g. CSS Electronics' SAE J1939 DBC; the DEMO file has EEC1 and CCVS1), optionally with a CSS
// Electronics GNSS/IMU module (gnss.dbc) on a second interface.
import type { VssMapDoc } from '../vss-map.js';

export const j1939Truck: VssMapDoc = {
  vehicleType: 'j1939-truck',
  description: 'SAE J1939 truck or bus (CCVS1, EEC1, VDC2, VP, ET1, EEC2, VDHR), optional GNSS/IMU module (gnss.dbc)',
  signals: {
    'Vehicle.Speed': { unit: 'km/h', from: [{ dbc: 'CCVS1.WheelBasedVehicleSpeed' }, { dbc: 'gnss_speed.Speed', when: 'SpeedValid' }] },
    'Vehicle.Powertrain.CombustionEngine.Speed': { unit: 'rpm', from: [{ dbc: 'EEC1.EngineSpeed' }] },
    'Vehicle.Powertrain.CombustionEngine.ECT': { unit: 'celsius', from: [{ dbc: 'ET1.EngineCoolantTemperature' }] },
    'Vehicle.Chassis.Accelerator.PedalPosition': { unit: 'percent', from: [{ dbc: 'EEC2.AccelPedalPos1' }, { dbc: 'EEC2.AcceleratorPedalPosition1' }] },
    'Vehicle.Acceleration.Longitudinal': {
      unit: 'm/s^2',
      from: [{ dbc: 'VDC2.LongitudinalAcceleration' }, { derive: 'rate', of: 'Vehicle.Speed', window: 1 }],
    },
    'Vehicle.Acceleration.Lateral': { unit: 'm/s^2', from: [{ dbc: 'VDC2.LateralAcceleration' }] },
    'Vehicle.AngularVelocity.Yaw': { unit: 'degrees/s', from: [{ dbc: 'VDC2.YawRate', unit: 'rad/s' }] },
    'Vehicle.Chassis.SteeringWheel.Angle': { unit: 'degrees', from: [{ dbc: 'VDC2.SteeringWheelAngle', unit: 'rad' }] },
    'Vehicle.CurrentLocation.Latitude': { unit: 'degrees', from: [{ dbc: 'VP.Latitude' }, { dbc: 'gnss_pos.Latitude', when: 'PositionValid' }] },
    'Vehicle.CurrentLocation.Longitude': { unit: 'degrees', from: [{ dbc: 'VP.Longitude' }, { dbc: 'gnss_pos.Longitude', when: 'PositionValid' }] },
    'Vehicle.TraveledDistance': { unit: 'km', from: [{ dbc: 'VDHR.HghRslutionTotalVehicleDistance', unit: 'm' }, { dbc: 'VDHR.TotalVehicleDistanceHighRes', unit: 'm' }] },
  },
  raw: ['gnss_imu.*'],
};
