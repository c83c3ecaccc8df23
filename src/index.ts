/** vmcompat's public surface for people who model their own devices and releases. */
export * from './vmstate/dsl.js';
export * from './vmstate/info.js';
export * from './vmstate/containers.js';
export { vmstate_save_state, vmstate_load_state, type StandaloneOptions } from './vmstate/standalone.js';
export type { State, Props, VMStateDescription, VMStateField, VMStateInfo, VmCtx, ElementCtx, TraceEntry, FieldExists, PostLoadFailure, PathCtx } from './vmstate/types.js';
export { Engine, type EngineOptions, type SaveResult, type LoadResult } from './machine/engine.js';
export { buildMachines, type BoardSpec } from './machine/compat.js';
export { resolveProps } from './machine/props.js';
export type { Release, DeviceClass, MachineType, CompatEntry } from './machine/types.js';
export { checkState, makeEngines, type CaseSpec } from './check/case.js';
export { runCase, type CaseResult, type StateMode } from './check/run.js';
export { stateArbitrary, type DeviceGen } from './gen/index.js';
export { migrates, MigrationPropertyError, type MigratesOptions } from './check/vitest.js';
export { VmError, type ErrorKind } from './wire/errors.js';
