// The real car of the bundled drive (assets/logs): OBD-II mode 01 on can0, a CSS Electronics
// GNSS/IMU module (gnss.dbc, ids 1-9) on can1. Also fits any car with that pair of sources.
import type { VssMapDoc } from '../vss-map.js';

export const carObdGnss: VssMapDoc = {
  vehicleType: 'car-obd-gnss',
  description: 'Passenger car or van: OBD-II mode 01 PIDs plus a CSS Electronics GNSS/IMU module (gnss.dbc)',
  signals: {
    'Vehicle.Speed': {
      unit: 'km/h',
      description: "the vehicle's own speed (OBD-II PID 0x0D); GNSS speed when OBD-II is not decoded",
      from: [{ obd: '0x0D' }, { dbc: 'gnss_speed.Speed', when: 'SpeedValid' }],
    },
    'Vehicle.Powertrain.CombustionEngine.Speed': { unit: 'rpm', from: [{ obd: '0x0C' }] },
    'Vehicle.OBD.ThrottlePosition': { unit: 'percent', from: [{ obd: '0x11' }] },
    'Vehicle.OBD.EngineLoad': { unit: 'percent', from: [{ obd: '0x04' }] },
    'Vehicle.OBD.CoolantTemperature': { unit: 'celsius', from: [{ obd: '0x05' }] },
    'Vehicle.OBD.FuelRate': { unit: 'l/h', from: [{ obd: '0x5E' }] },
    'Vehicle.CurrentLocation.Latitude': { unit: 'degrees', from: [{ dbc: 'gnss_pos.Latitude', when: 'PositionValid' }] },
    'Vehicle.CurrentLocation.Longitude': { unit: 'degrees', from: [{ dbc: 'gnss_pos.Longitude', when: 'PositionValid' }] },
    'Vehicle.CurrentLocation.HorizontalAccuracy': { unit: 'm', from: [{ dbc: 'gnss_pos.PositionAccuracy', when: 'PositionValid' }] },
    'Vehicle.CurrentLocation.Altitude': { unit: 'm', from: [{ dbc: 'gnss_altitude.Altitude', when: 'AltitudeValid' }] },
    'Vehicle.CurrentLocation.Heading': { unit: 'degrees', from: [{ dbc: 'gnss_attitude.Heading', when: 'AttitudeValid' }] },
    'Vehicle.TraveledDistance': { unit: 'km', from: [{ dbc: 'gnss_odo.DistanceTotal', when: 'DistanceValid' }] },
    // The IMU's mounting is not known here (in the bundled car gravity is on +X), so longitudinal
    // acceleration comes from the speed; the raw IMU axes stay available below for calibration.
    'Vehicle.Acceleration.Longitudinal': { unit: 'm/s^2', from: [{ derive: 'rate', of: 'Vehicle.Speed', window: 2 }] },
  },
  raw: ['gnss_imu.*', 'gnss_speed.Speed', 'gnss_speed.SpeedAccuracy', 'gnss_status.*', 'gnss_attitude.Roll', 'gnss_attitude.Pitch'],
};
