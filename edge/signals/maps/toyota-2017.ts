// Toyota / Lexus cars described by opendbc's _toyota_2017.dbc (and the toyota_*_pt files that include it).
import type { VssMapDoc } from '../vss-map.js';

export const toyota2017: VssMapDoc = {
  vehicleType: 'toyota-2017',
  description: "Toyota / Lexus passenger car, opendbc's _toyota_2017.dbc",
  signals: {
    'Vehicle.Speed': { unit: 'km/h', from: [{ dbc: 'SPEED.SPEED' }] },
    'Vehicle.Chassis.Axle.Row1.Wheel.Left.Speed': { unit: 'km/h', from: [{ dbc: 'WHEEL_SPEEDS.WHEEL_SPEED_FL' }] },
    'Vehicle.Chassis.Axle.Row1.Wheel.Right.Speed': { unit: 'km/h', from: [{ dbc: 'WHEEL_SPEEDS.WHEEL_SPEED_FR' }] },
    'Vehicle.Chassis.Axle.Row2.Wheel.Left.Speed': { unit: 'km/h', from: [{ dbc: 'WHEEL_SPEEDS.WHEEL_SPEED_RL' }] },
    'Vehicle.Chassis.Axle.Row2.Wheel.Right.Speed': { unit: 'km/h', from: [{ dbc: 'WHEEL_SPEEDS.WHEEL_SPEED_RR' }] },
    'Vehicle.Acceleration.Longitudinal': { unit: 'm/s^2', from: [{ dbc: 'KINEMATICS.ACCEL_X' }, { derive: 'rate', of: 'Vehicle.Speed', window: 1 }] },
    'Vehicle.Acceleration.Lateral': { unit: 'm/s^2', from: [{ dbc: 'KINEMATICS.ACCEL_Y' }] },
    'Vehicle.AngularVelocity.Yaw': { unit: 'degrees/s', from: [{ dbc: 'KINEMATICS.YAW_RATE' }] },
    'Vehicle.Powertrain.CombustionEngine.Speed': { unit: 'rpm', from: [{ dbc: 'ENGINE_RPM.RPM' }] },
    'Vehicle.Chassis.SteeringWheel.Angle': { unit: 'degrees', from: [{ dbc: 'STEER_ANGLE_SENSOR.STEER_ANGLE' }] },
  },
  raw: [],
};
