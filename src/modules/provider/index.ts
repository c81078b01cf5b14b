export { ProviderSimulator, SWITCH_LIMITS, DEFAULT_LAYOUT, type SimulatorSwitches } from './simulator/simulator.ts';
export { buildProviderSimulatorApp, startProviderSimulatorServer, type SimulatorServer } from './simulator/simulator.server.ts';
